/**
 * A served random forest answers a single-row request through ForestModel.predictRow (the service takes a
 * model's one-row path when the model has one, src/serving/models.ts), and that answer is the one the
 * batch path (a Dataset through predictProba / predict) gives the same row, field for field.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../src/core/rng.js";
import type { Column, Dataset, Task } from "../../src/core/types.js";
import { RandomForest } from "../../src/models/forest/index.js";
import { predict } from "../../src/serving/answers.js";
import type { PredictionSink } from "../../src/serving/encoded-log.js";
import { servedModelOf } from "../../src/serving/models.js";

/** Rows of two numbers (one sometimes missing) and a category, with a target of `task` that depends on all three. */
function data(task: Task, n: number, seed: number): { dataset: Dataset; rows: Record<string, unknown>[] } {
  const rng = new Random(seed);
  const cities = ["Lyon", "Paris", "Nice"];
  const x = new Float64Array(n);
  const z = new Float64Array(n);
  const city = new Int32Array(n);
  const y = new Float64Array(n);
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < n; r++) {
    x[r] = Math.round((rng.next() * 20 - 10) * 100) / 100;
    z[r] = rng.next() < 0.1 ? NaN : Math.round(rng.next() * 1000);
    city[r] = Math.floor(rng.next() * 3);
    const score = Math.sin(x[r]!) + (Number.isNaN(z[r]!) ? 1 : z[r]! / 500) - city[r]! * 0.7 + rng.next() - 0.5;
    y[r] = task === "regression" ? score : task === "binary" ? (score > 0.3 ? 1 : 0) : score < -0.5 ? 0 : score < 0.8 ? 1 : 2;
    rows.push({ x: x[r], z: Number.isNaN(z[r]!) ? null : z[r], city: cities[city[r]!] });
  }
  const features: Column[] = [
    { kind: "numeric", name: "x", values: x },
    { kind: "numeric", name: "z", values: z },
    { kind: "categorical", name: "city", codes: city, categories: cities },
  ];
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["low", "mid", "high"] : undefined;
  return { dataset: { nRows: n, features, target: { name: "y", task, values: y, ...(classes ? { classes } : {}) }, fingerprint: `forest-row-${task}` }, rows };
}

const ignore: PredictionSink = { record: () => undefined };

/** The answer's predictions without their ids (which differ per request). */
function answers(body: string): Record<string, unknown>[] {
  const parsed = JSON.parse(body) as { predictions: Record<string, unknown>[] };
  return parsed.predictions.map(({ id: _id, ...rest }) => rest);
}

for (const task of ["binary", "multiclass", "regression"] as const) {
  test(`a served ${task} forest answers one row through predictRow, with the batch path's answer for that row`, () => {
    const { dataset, rows } = data(task, 400, 11 + task.length);
    const forest = new RandomForest({ nTrees: 20, seed: 3, threads: 1 }).fit(dataset);
    const served = servedModelOf({ name: "forest", version: 1, sha256: "x" }, forest.toBytes());
    assert.equal(typeof served.predictRow, "function", "the service found the forest's one-row path");
    let rowCalls = 0;
    const spied = { ...served, predictRow: (row: Float64Array, out?: Float64Array) => (rowCalls++, served.predictRow!(row, out)) };
    const probe = [...rows.slice(0, 40), { x: 1.5, z: null, city: "Nantes" }];
    const distinct = new Set<string>();
    for (const [i, row] of probe.entries()) {
      const one = answers(predict(spied, [row], "missing", Date.now(), ignore).body);
      // Two rows take the batch path (no predictRow): the reference.
      const batch = answers(predict(spied, [row, rows[(i + 1) % rows.length]!], "missing", Date.now(), ignore).body);
      assert.equal(rowCalls, i + 1, "one call of predictRow per single-row request, none for batches");
      assert.deepEqual(one, [batch[0]], `row ${i}`);
      distinct.add(JSON.stringify(one));
    }
    assert.ok(distinct.size > 10, `${distinct.size} distinct answers`);
  });
}
