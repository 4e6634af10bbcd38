/**
 * `learnloop serve` stopped by SIGTERM while a keep-alive client has a request in flight, as a load
 * balancer's pooled connection would: the request is answered, the connection is then closed by the
 * service, and the process ends with status 0 and the prediction logged. (Fastify keeps an idle
 * keep-alive connection open for 72 s, so without the close the drain waited that long: past a
 * Kubernetes grace period of 30 s, the process would be killed.)
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promoteSpecies } from "./support/service.js";

const bin = join(import.meta.dirname, "..", "src", "cli", "bin.ts");
const BODY = JSON.stringify({ rows: [{ Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" }] });

let home = "";
let db = "";
before(async () => {
  home = mkdtempSync(join(tmpdir(), "learnloop-serve-shutdown-"));
  db = join(home, "learnloop.db");
  await promoteSpecies(db, 3);
});
after(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

test("SIGTERM with a keep-alive request in flight: answered, its connection closed by the service, exit 0, prediction logged", { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ["--import", "tsx", bin, "serve", "--db", db, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LEARNLOOP_TOKEN: "t" } });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const found = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (found) resolve(Number(found[1]));
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });

  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  let received = "";
  socket.on("data", (chunk) => (received += chunk.toString("latin1")));
  const closedByService = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  // The head and part of the body, then SIGTERM once the service says it is draining, then the rest.
  socket.write(`POST /v1/models/species/predict HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY.slice(0, 10)}`);
  const draining = new Promise<void>((resolve) => child.stderr.on("data", () => stderr.includes("SIGTERM: draining") && resolve()));
  // Time for the service to read the request's head (a request it has not seen yet is refused with 503).
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill("SIGTERM");
  await draining;
  socket.write(BODY.slice(10));

  await closedByService;
  assert.match(received, /^HTTP\/1\.1 200 /);
  assert.match(received, /"predictions":\[\{"id":/);
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /stopped: 1 prediction logged\n/);
});
