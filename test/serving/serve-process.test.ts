/**
 * `learnloop serve` as its own process, as an operator runs it: it answers over HTTP, and SIGTERM drains
 * it, writes the prediction log and ends it with status 0.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { readDataset } from "../../src/data/index.js";
import { GradientBoosting } from "../../src/index.js";
import { openStore } from "../../src/tracking/index.js";
import { serveProcess } from "../support/service.js";

const PENGUINS = "node_modules/vega-datasets/data/penguins.json";
let db: string;

describe("learnloop serve as its own process", () => {
  before(async () => {
    const home = mkdtempSync(join(tmpdir(), "learnloop-serve-process-"));
    db = join(home, "learnloop.db");
    const data = await readDataset(PENGUINS, { target: "Species" });
    const model = new GradientBoosting({ iterations: 5, threads: 1 }).fit(data);
    const store = await openStore({ url: db });
    const version = await store.registerModel({ name: "species", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "test" });
    await store.promote("species", version.version, { actor: "test", reason: "test" });
    await store.close();
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
});
