import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import type { Column, Dataset, Task } from "../core/types.js";
import { GradientBoosting } from "../models/gbdt/index.js";
import { predict } from "./answers.js";
import type { PredictionSink } from "./encoded-log.js";
import { servedModelOf, type ServedModel } from "./models.js";

/** Rows of two numbers and a category, with a target of `task` that depends on all three. */
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
    z[r] = Math.round(rng.next() * 1000);
    city[r] = Math.floor(rng.next() * 3);
    const score = Math.sin(x[r]!) + z[r]! / 500 - city[r]! * 0.7 + rng.next() - 0.5;
    y[r] = task === "regression" ? score : task === "binary" ? (score > 0.3 ? 1 : 0) : score < -0.5 ? 0 : score < 0.8 ? 1 : 2;
    rows.push({ x: x[r], z: z[r], city: cities[city[r]!] });
  }
  const features: Column[] = [
    { kind: "numeric", name: "x", values: x },
    { kind: "numeric", name: "z", values: z },
    { kind: "categorical", name: "city", codes: city, categories: cities },
  ];
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["low", "mid", "high"] : undefined;
  return { dataset: { nRows: n, features, target: { name: "y", task, values: y, ...(classes ? { classes } : {}) }, fingerprint: `answers-${task}` }, rows };
}

function served(task: Task): { model: ServedModel; rows: Record<string, unknown>[]; dataset: Dataset } {
  const { dataset, rows } = data(task, 400, task.length);
  const model = new GradientBoosting({ iterations: 12, maxLeaves: 8, minSamplesLeaf: 5 }).fit(dataset);
  return { model: servedModelOf({ name: "m", version: 3, sha256: "x" }, model.toBytes()), rows, dataset };
}

interface Logged {
  id: string;
  at: string;
  model: string;
  version: number;
  inputs: string;
  outputs: string;
}

function sink(): PredictionSink & { records: Logged[] } {
  const records: Logged[] = [];
  return { records, record: (id, at, model, version, inputs, outputs) => void records.push({ id, at, model, version, inputs, outputs }) };
}

/** The millisecond a UUIDv7 id carries (its first 48 bits). */
const idMillisecond = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

for (const task of ["binary", "multiclass"] as const) {
  test(`predict (${task}): one row's answer is JSON.stringify of the batch path's probabilities, label and id; its record is the answer without the id`, () => {
    const { model, rows } = served(task);
    const classes = model.classes!;
    const now = Date.UTC(2026, 10, 26, 9, 15, 30, 123);
    // The batch path (predictProba over a Dataset): a different kernel from the one-row path's compiled trees.
    const proba = model.model.predictProba(model.reader.toDataset(rows)).data;
    const log = sink();
    const counts = new Float64Array(classes.length);
    for (let r = 0; r < 40; r++) {
      const answer = predict(model, [rows[r]], "error", now, log);
      const id = log.records[r]!.id;
      const p = Array.from(classes, (_, c) => proba[r * classes.length + c]!);
      const best = task === "binary" ? (p[1]! > 0.5 ? 1 : 0) : p.indexOf(Math.max(...p));
      counts[best]++;
      const outputs = { prediction: classes[best], probabilities: Object.fromEntries(classes.map((label, c) => [label, p[c]])) };
      assert.equal(answer.body, JSON.stringify({ model: { name: "m", version: 3 }, predictions: [{ id, ...outputs }] }), `row ${r}`);
      assert.deepEqual(answer.counts[best], 1);
      assert.deepEqual(log.records[r], { id, at: "2026-11-26T09:15:30.123Z", model: "m", version: 3, inputs: JSON.stringify(rows[r]), outputs: JSON.stringify(outputs) });
      assert.equal(idMillisecond(id), now, "the id's time is the record's");
    }
    // A batch of the same rows answers the same, row by row.
    const batch = predict(model, rows.slice(0, 40), "error", now, log);
    const answered = JSON.parse(batch.body) as { predictions: { id: string }[] };
    assert.deepEqual(
      answered.predictions.map(({ id: _, ...rest }) => rest),
      log.records.slice(0, 40).map((record) => JSON.parse(record.outputs)),
    );
    assert.deepEqual(Array.from(batch.counts), Array.from(counts));
    assert.deepEqual(
      log.records.slice(40).map((record) => record.id),
      answered.predictions.map((prediction) => prediction.id),
    );
  });
}

test("predict (binary with a saved threshold): the decision is classes[1] when P(classes[1]) >= the threshold, in the answer and the record", () => {
  const { model, rows } = served("binary");
  const withThreshold: ServedModel = { ...model, threshold: 0.3 };
  const proba = model.model.predictProba(model.reader.toDataset(rows)).data;
  const log = sink();
  let seen = 0;
  for (let r = 0; r < rows.length && seen < 6; r++) {
    const p1 = proba[2 * r + 1]!;
    // Rows on each side of the threshold, and between it and 0.5 (decision "yes", prediction "no").
    const answer = JSON.parse(predict(withThreshold, [rows[r]], "error", Date.now(), log).body) as { predictions: { prediction: string; decision: string }[] };
    assert.equal(answer.predictions[0]!.decision, p1 >= 0.3 ? "yes" : "no");
    assert.equal(answer.predictions[0]!.prediction, p1 > 0.5 ? "yes" : "no");
    assert.equal(JSON.parse(log.records.at(-1)!.outputs).decision, answer.predictions[0]!.decision);
    if (p1 >= 0.3 && p1 <= 0.5) seen++;
  }
  assert.ok(seen > 0, "a row between the threshold and 0.5 was checked");
});

test("predict (regression): one row and a batch answer the model's predict, counted once a row", () => {
  const { model, rows } = served("regression");
  const values = model.model.predict(model.reader.toDataset(rows.slice(0, 30)));
  const log = sink();
  for (let r = 0; r < 30; r++) {
    const answer = predict(model, [rows[r]], "error", Date.now(), log);
    assert.equal(answer.body, JSON.stringify({ model: { name: "m", version: 3 }, predictions: [{ id: log.records[r]!.id, prediction: values[r] }] }));
    assert.deepEqual(Array.from(answer.counts), [1]);
    assert.equal(log.records[r]!.outputs, JSON.stringify({ prediction: values[r] }));
  }
  const batch = predict(model, rows.slice(0, 30), "error", Date.now(), log);
  assert.deepEqual(
    (JSON.parse(batch.body) as { predictions: { prediction: number }[] }).predictions.map((p) => p.prediction),
    Array.from(values),
  );
  assert.deepEqual(Array.from(batch.counts), [30]);
});
