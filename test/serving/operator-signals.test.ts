/**
 * `learnloop serve` and SIGHUP (the terminal closing, `kill -HUP`, a session ending): it drains as
 * SIGTERM does, writes the prediction log and exits 0, and counts toward the second/third-signal
 * escalation with SIGTERM and SIGINT. Node's default for SIGHUP ended the process at once, with the
 * queued predictions; and once the terminal is gone, the drain's own lines must not end it either.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openStore } from "../../src/tracking/index.js";
import { promoteSpecies, serveProcess, type ServeProcess } from "../support/service.js";

const ROW = { Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" };
let home = "";
let db = "";

/** Predictions of "species" in the store's log. */
async function logged(): Promise<number> {
  const store = await openStore({ url: db });
  try {
    return (await store.predictionCounts("species")).predictions;
  } finally {
    await store.close();
  }
}

/** Asks the service for `rows` predictions of ROW; checks it answered them all. */
async function predict(url: string, rows: number): Promise<void> {
  const answer = await fetch(`${url}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: Array.from({ length: rows }, () => ROW) }) });
  const text = await answer.text();
  assert.equal(answer.status, 200, text);
  assert.equal((JSON.parse(text) as { predictions: unknown[] }).predictions.length, rows);
}

/** The last `n` lines the service wrote to stderr, without their timestamps. */
function lastLines(stderr: string, n: number): string[] {
  return stderr.trim().split("\n").slice(-n).map((line) => line.replace(/^\S+ /, ""));
}

/** Opens a predict request that sends half its body and waits: it holds the drain (up to --timeout, 10 s). */
function slowUpload(url: string): { socket: Socket; closed: Promise<void>; answer: () => string } {
  const body = JSON.stringify({ rows: [ROW] });
  const socket = connect(Number(new URL(url).port), "127.0.0.1");
  let answer = "";
  socket.on("data", (chunk) => (answer += chunk));
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.write(`POST /v1/models/species/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  return { socket, closed, answer: () => answer };
}

/** Waits until the service has written `pattern` to stderr (it keeps its stderr to itself: read here too). */
function watchStderr(service: ServeProcess): (pattern: RegExp) => Promise<void> {
  let stderr = "";
  service.parent.stderr!.on("data", (chunk) => (stderr += chunk));
  return async (pattern) => {
    for (let waited = 0; !pattern.test(stderr); waited += 20) {
      assert.ok(waited < 5000, `no ${pattern} in ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
}

describe("learnloop serve and SIGHUP", () => {
  before(async () => {
    home = mkdtempSync(join(tmpdir(), "learnloop-operator-signals-"));
    db = join(home, "learnloop.db");
    await promoteSpecies(db, 5);
  });
  after(() => {
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("SIGHUP drains as SIGTERM does: the predictions answered before it are logged, status 0", async () => {
    const before = await logged();
    // A log interval longer than the test: the predictions are still queued when SIGHUP comes.
    const service = await serveProcess(db, ["--log-interval", "60000"]);
    await predict(service.url, 3);
    service.parent.kill("SIGHUP");
    const end = await service.exited;
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(lastLines(end.stderr, 2), ["SIGHUP: draining requests in flight and writing the prediction log", "stopped: 3 predictions logged"]);
    assert.equal(await logged(), before + 3);
  });

  it("SIGHUP once the terminal is gone (stderr closed): the drain's lines are lost, the predictions are logged, status 0", async () => {
    const before = await logged();
    const service = await serveProcess(db, ["--log-interval", "60000"]);
    await predict(service.url, 2);
    // What a closed terminal leaves the service: writes to its stderr fail (EPIPE here, EIO on a terminal).
    service.parent.stderr!.destroy();
    service.parent.kill("SIGHUP");
    const end = await service.exited;
    assert.equal(end.code, 0, end.stderr);
    assert.equal(await logged(), before + 2);
  });

  /**
   * Starts the service, has it answer `rows` predictions, holds its drain with a slow upload, sends it
   * `first` and, once it drains, `second`: how it ended, and what the slow upload was answered.
   */
  async function secondSignal(rows: number, first: NodeJS.Signals, second: NodeJS.Signals): Promise<{ end: { code: number | null; stderr: string }; slowAnswer: string }> {
    const service = await serveProcess(db, ["--log-interval", "60000"]);
    const said = watchStderr(service);
    await predict(service.url, rows);
    const slow = slowUpload(service.url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    service.parent.kill(first);
    await said(new RegExp(`${first}: draining`));
    service.parent.kill(second);
    const end = await service.exited;
    await slow.closed;
    return { end, slowAnswer: slow.answer() };
  }

  it("a second SIGHUP while a slow upload holds the drain closes its connection, writes the log and exits 0", async () => {
    const before = await logged();
    const { end, slowAnswer } = await secondSignal(2, "SIGHUP", "SIGHUP");
    assert.equal(end.code, 0, end.stderr);
    assert.equal(slowAnswer, "");
    assert.deepEqual(lastLines(end.stderr, 3), [
      "SIGHUP: draining requests in flight and writing the prediction log",
      "second SIGHUP: closing the connections of the 1 request still in flight, then writing the prediction log (a third SIGHUP ends the process at once)",
      "stopped: 2 predictions logged",
    ]);
    assert.equal(await logged(), before + 2);
  });

  it("SIGHUP then SIGTERM escalate as two SIGTERMs do: the slow upload is closed, the log written, status 0", async () => {
    const before = await logged();
    const { end } = await secondSignal(1, "SIGHUP", "SIGTERM");
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(lastLines(end.stderr, 3), [
      "SIGHUP: draining requests in flight and writing the prediction log",
      "SIGTERM after SIGHUP: closing the connections of the 1 request still in flight, then writing the prediction log (a third signal ends the process at once)",
      "stopped: 1 prediction logged",
    ]);
    assert.equal(await logged(), before + 1);
  });
});
