/**
 * The service's prediction log staged under load (src/serving/log-thread.ts), over real HTTP on SQLite:
 * feedback finds predictions whose records the writer thread staged and had not logged yet, and ones a
 * writer staged and left (a service that crashed); a clean stop leaves nothing staged.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Sqlite from "better-sqlite3";
import { GradientBoosting, readDataset } from "../../src/index.js";
import { createService } from "../../src/serving/app.js";
import { openStore } from "../../src/tracking/index.js";
import { predictionLine } from "../../src/tracking/prediction-lines.js";
import { listenLocally } from "../support/service.js";

const PENGUINS = join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data", "penguins.json");
const TOKEN = "staged-token";

const staged = (file: string): number => {
  const db = new Sqlite(file, { readonly: true });
  try {
    return Number((db.prepare("SELECT COUNT(*) AS n FROM prediction_chunks").get() as { n: number }).n);
  } finally {
    db.close();
  }
};

test("feedback finds predictions staged by the writer thread, and by a writer that left them; a clean stop logs what is staged", async () => {
  const home = mkdtempSync(join(tmpdir(), "learnloop-staged-service-"));
  const store = await openStore({ home });
  try {
    const data = await readDataset(PENGUINS, { target: "Species" });
    const model = new GradientBoosting({ iterations: 5, threads: 1 }).fit(data);
    const { version } = await store.registerModel({ name: "penguins", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "test" });
    await store.promote("penguins", version, { actor: "test", reason: "test" });
    // A block another writer staged and never logged (it crashed): a prediction of this model.
    const left = predictionLine("left-behind", "2026-01-01T00:00:00.000Z", "penguins", version, '{"Island":"Biscoe"}', '{"prediction":"Adelie"}');
    await store.stagePredictionLines(new TextEncoder().encode(left));

    // One record a chunk: a request of 60 rows hands the thread 60 chunks at once, all but the first staged.
    const app = await createService({ store, token: TOKEN, predictionLog: { batchSize: 1 } });
    const base = await listenLocally(app);
    let closed = false;
    try {
      const row = { Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" };
      const answer = await fetch(`${base}/v1/models/penguins/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: Array(60).fill(row) }) });
      assert.equal(answer.status, 200);
      const ids = ((await answer.json()) as { predictions: { id: string }[] }).predictions.map((p) => p.id);
      const outcomes = [...ids, "left-behind", "never-made"].map((id) => ({ id, label: "Gentoo" }));
      const feedback = await fetch(`${base}/v1/models/penguins/feedback`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ outcomes }) });
      assert.deepEqual(await feedback.json(), { recorded: 61, unknown: 1, unknownIds: ["never-made"] });
      // Feedback had the thread move what it staged: the gauge of the backlog reads 0.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^# HELP learnloop_prediction_log_staged_bytes Bytes of prediction records the writer thread committed whole under load and has not moved into the prediction log yet \(SQLite\)$/m);
      assert.match(metrics, /^learnloop_prediction_log_staged_bytes 0$/m);
      // More predictions, then a clean stop: what the thread staged is logged before it ends.
      for (let i = 0; i < 3; i++) {
        const more = await fetch(`${base}/v1/models/penguins/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: Array(40).fill(row) }) });
        assert.equal(more.status, 200);
      }
      await app.close();
      closed = true;
      assert.equal(staged(store.location), 0);
      const db = new Sqlite(store.location, { readonly: true });
      try {
        assert.equal(Number((db.prepare("SELECT COUNT(*) AS n FROM predictions WHERE model = 'penguins'").get() as { n: number }).n), 181);
      } finally {
        db.close();
      }
      assert.deepEqual(await store.predictionCounts("penguins"), { predictions: 181, labelled: 61 });
    } finally {
      if (!closed) await app.close();
    }
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
