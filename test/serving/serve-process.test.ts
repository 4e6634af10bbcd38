/**
 * `learnloop serve` as its own process, as an operator runs it: it answers over HTTP, and SIGTERM drains
 * it, writes the prediction log and ends it with status 0. A second SIGTERM (or Ctrl-C) while a slow
 * request holds the drain stops waiting for it, and still writes the log (it ended the process at once,
 * with the queued predictions, before).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { openStore } from "../../src/tracking/index.js";
import { promoteSpecies, serveProcess } from "../support/service.js";

let db: string;

describe("learnloop serve as its own process", () => {
  before(async () => {
    const home = mkdtempSync(join(tmpdir(), "learnloop-serve-process-"));
    db = join(home, "learnloop.db");
    await promoteSpecies(db, 5);
  });

  it("answers over HTTP; SIGTERM drains it, writes the prediction log and ends it with status 0", async () => {
    const { parent, url, exited } = await serveProcess(db);
    const answer = await fetch(`${url}/v1/models/species/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rows: [{ Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" }] }),
    });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.equal(((await answer.json()) as { predictions: unknown[] }).predictions.length, 1);
    parent.kill("SIGTERM");
    const end = await exited;
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stderr, /SIGTERM: draining requests in flight and writing the prediction log\n.*stopped: 1 prediction logged\n/);
    const store = await openStore({ url: db });
    try {
      assert.deepEqual(await store.predictionCounts("species"), { predictions: 1, labelled: 0 });
    } finally {
      await store.close();
    }
  });

  it("a second SIGTERM while a slow upload holds the drain closes that request now, writes the prediction log and exits 0", async () => {
    const { parent, url, exited } = await serveProcess(db);
    const row = { Island: "Dream", "Beak Length (mm)": 39, "Beak Depth (mm)": 18, "Flipper Length (mm)": 190, "Body Mass (g)": 3700, Sex: "FEMALE" };
    const before = await openStore({ url: db }).then(async (store) => {
      const counts = await store.predictionCounts("species");
      await store.close();
      return counts.predictions;
    });
    const answer = await fetch(`${url}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: [row, row] }) });
    assert.equal(answer.status, 200, await answer.text());
    // A client that sends half of its body and waits: the drain waits for it (up to --timeout, 10 s).
    const body = JSON.stringify({ rows: [row] });
    const slow = connect(Number(new URL(url).port), "127.0.0.1");
    let slowAnswer = "";
    slow.on("data", (chunk) => (slowAnswer += chunk));
    const slowClosed = new Promise<void>((resolve) => slow.on("close", () => resolve()));
    slow.write(`POST /v1/models/species/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    let stderr = "";
    parent.stderr!.on("data", (chunk) => (stderr += chunk));
    const said = async (pattern: RegExp): Promise<void> => {
      for (let waited = 0; !pattern.test(stderr); waited += 20) {
        assert.ok(waited < 5000, `no ${pattern} in ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    parent.kill("SIGTERM");
    await said(/SIGTERM: draining/);
    parent.kill("SIGTERM");
    const end = await exited;
    await slowClosed;
    assert.equal(end.code, 0, end.stderr);
    assert.ok(performance.now() - started < 5000, "the second SIGTERM did not wait for the slow request");
    assert.equal(slowAnswer, "");
    const lines = end.stderr.trim().split("\n").slice(-3).map((line) => line.replace(/^\S+ /, ""));
    assert.deepEqual(lines, [
      "SIGTERM: draining requests in flight and writing the prediction log",
      "second SIGTERM: closing the connections of the 1 request still in flight, then writing the prediction log (a third SIGTERM ends the process at once)",
      "stopped: 2 predictions logged",
    ]);
    const store = await openStore({ url: db });
    try {
      assert.equal((await store.predictionCounts("species")).predictions, before + 2);
    } finally {
      await store.close();
    }
  });
});
