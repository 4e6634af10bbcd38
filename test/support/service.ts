/**
 * The prediction service as the serving tests start it: in-process on a free local port (listenLocally),
 * or `learnloop serve` as its own process, the way an operator runs it (serveProcess).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type {} from "../../src/serving/app.js"; // its `declare module "fastify"`: app.learnloop

const BIN = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");

/** Has a service made by createService listen on a free port of 127.0.0.1 and waits for its first load; returns its base URL. */
export async function listenLocally(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  await app.learnloop.loaded;
  return `http://127.0.0.1:${address.port}`;
}

/** `learnloop serve` running as a child process. */
export interface ServeProcess {
  readonly parent: ChildProcess;
  /** The URL it printed as listening on. */
  readonly url: string;
  /** Its exit status and everything it wrote to stderr, once it has exited. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `learnloop serve --db <db>` (and `options`) on a free port, with LEARNLOOP_TOKEN "t"; resolves once it prints its URL. */
export function serveProcess(db: string, options: readonly string[] = []): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const parent = spawn(process.execPath, ["--import", "tsx", BIN, "serve", "--db", db, "--port", "0", ...options], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LEARNLOOP_TOKEN: "t" } });
    let stderr = "";
    const exited = new Promise<{ code: number | null; stderr: string }>((done) => parent.on("exit", (code) => done({ code, stderr })));
    parent.stderr!.on("data", (chunk) => {
      stderr += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) resolve({ parent, url, exited });
    });
    void exited.then(({ code }) => reject(new Error(`learnloop serve exited (${code}) before listening: ${stderr}`)));
  });
}
