import assert from "node:assert/strict";
import { test } from "node:test";
import { formatError } from "../core/messages.js";
import { Random } from "../core/rng.js";
import type { Dataset, Task } from "../core/types.js";
import { takeRows } from "../data/index.js";
import { GradientBoosting } from "../models/gbdt/index.js";
import { LinearEstimator } from "../models/linear/index.js";
import type { Estimator } from "../models/types.js";
import { crossValidate, summarize, type CvReport } from "./cv.js";
import { scoreModel } from "./score-model.js";
import { baselinePredictions } from "./stats/index.js";
import { computeMetrics } from "../metrics/index.js";

/** `nRows` rows of two numeric features and a categorical one; the target depends on all three, plus noise. */
function makeData(task: Task, nRows: number, seed = 1): Dataset {
  const rng = new Random(seed);
  const x1 = new Float64Array(nRows);
  const x2 = new Float64Array(nRows);
  const city = new Int32Array(nRows);
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    x1[i] = rng.next() * 2 - 1;
    x2[i] = rng.next() * 2 - 1;
    city[i] = rng.int(3);
    const score = 1.5 * x1[i]! - x2[i]! + [0.5, -0.5, 0][city[i]!]! + (rng.next() - 0.5) * 1.5;
    y[i] = task === "regression" ? 10 + 3 * score : task === "binary" ? (score > 0 ? 1 : 0) : score < -0.5 ? 0 : score < 0.5 ? 1 : 2;
  }
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["low", "mid", "high"] : undefined;
  return {
    nRows,
    features: [
      { kind: "numeric", name: "x1", values: x1 },
      { kind: "numeric", name: "x2", values: x2 },
      { kind: "categorical", name: "city", codes: city, categories: ["Lyon", "Paris", "Nice"] },
    ],
    target: { name: "outcome", task, values: y, ...(classes ? { classes } : {}) },
    fingerprint: `cv-${task}-${seed}`,
  };
}

const linear = new LinearEstimator({ alpha: 1e-3 });
const gbdt = new GradientBoosting({ iterations: 8, maxLeaves: 4, minSamplesLeaf: 5 });

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    return formatError(error);
  }
  return "no error";
}

/** Every row is in exactly one test part; each fold's parts are disjoint and cover the rows. */
function assertPartition(report: CvReport, nRows: number): void {
  const seen = new Int32Array(nRows);
  for (const fold of report.folds) {
    const { train, test } = fold.split;
    assert.equal(train.length + test.length, nRows);
    const inTest = new Set(test);
    for (const row of train) assert.ok(!inTest.has(row), `row ${row} in both parts of fold ${fold.index}`);
    for (const row of test) seen[row]!++;
    assert.deepEqual(fold.rows, { train: train.length, test: test.length });
  }
  assert.ok(seen.every((count) => count === 1), "every row held out exactly once");
}

test("stratified folds for classification: disjoint, covering, each class spread evenly, deterministic by seed", () => {
  const data = makeData("binary", 103);
  const report = crossValidate(linear, data, { folds: 5, seed: 3, refit: false });
  assert.equal(report.mode, "stratified");
  assert.equal(report.nFolds, 5);
  assertPartition(report, data.nRows);
  const positives = data.target!.values.reduce((a, b) => a + b, 0);
  for (const fold of report.folds) {
    const foldPositives = [...fold.split.test].filter((row) => data.target!.values[row] === 1).length;
    assert.ok(Math.abs(foldPositives - positives / 5) <= 1, `fold ${fold.index}: ${foldPositives} positives of ${positives}`);
  }
  const again = crossValidate(linear, data, { folds: 5, seed: 3, refit: false });
  assert.deepEqual(again.folds.map((f) => [f.split, f.metrics]), report.folds.map((f) => [f.split, f.metrics]));
  assert.deepEqual(again.oof, report.oof);
  const other = crossValidate(linear, data, { folds: 5, seed: 4, refit: false });
  assert.notDeepEqual(other.folds.map((f) => f.split.test), report.folds.map((f) => f.split.test));
});

test("each fold's metrics are the fold model's scores on its rows, and the out-of-fold predictions are its predictions", () => {
  for (const [task, estimator] of [
    ["binary", gbdt],
    ["multiclass", linear],
    ["regression", gbdt],
  ] as [Task, Estimator][]) {
    const data = makeData(task, 90, 2);
    const report = crossValidate(estimator, data, { folds: 3, seed: 11, refit: false });
    assert.equal(report.mode, task === "regression" ? "kfold" : "stratified");
    assertPartition(report, data.nRows);
    for (const fold of report.folds) {
      const model = estimator.fit(takeRows(data, fold.split.train));
      const test = takeRows(data, fold.split.test);
      assert.deepEqual(fold.metrics, scoreModel(model, test).metrics, `${task} fold ${fold.index}`);
      assert.deepEqual(fold.training, model.fitSummary());
      const predicted = model.predict(test);
      const proba = task === "regression" ? undefined : model.predictProba(test);
      fold.split.test.forEach((row, i) => {
        assert.equal(report.oof.yPred[row], predicted[i], `${task} row ${row}`);
        assert.equal(report.oof.fold[row], fold.index);
        if (!proba) return;
        for (let c = 0; c < proba.nCols; c++) assert.equal(report.oof.proba!.data[row * proba.nCols + c], proba.data[i * proba.nCols + c], `${task} row ${row} class ${c}`);
      });
    }
    if (task === "regression") assert.equal(report.oof.proba, undefined);
    else assert.equal(report.oof.proba!.nCols, task === "binary" ? 2 : 3);
    assert.ok(report.oof.yPred.every((v) => !Number.isNaN(v)));
  }
});

test("the baseline of each fold is fitted on the fold's training target", () => {
  const data = makeData("binary", 80, 5);
  const report = crossValidate(linear, data, { folds: 4, seed: 1, metrics: ["roc_auc", "log_loss", "accuracy"], refit: false });
  assert.equal(report.baseline.kind, "class prior");
  assert.deepEqual(report.metricNames, ["roc_auc", "log_loss", "accuracy"]);
  for (const fold of report.folds) {
    const base = baselinePredictions("binary", takeRows(data, fold.split.train).target!.values, 2, fold.rows.test);
    const yTrue = takeRows(data, fold.split.test).target!.values;
    assert.deepEqual(fold.baseline, computeMetrics("binary", ["roc_auc", "log_loss", "accuracy"], { yTrue, ...base }));
    assert.equal(fold.baseline.roc_auc, 0.5);
    assert.deepEqual(Object.keys(fold.metrics), ["roc_auc", "log_loss", "accuracy"]);
  }
  const regression = crossValidate(linear, makeData("regression", 60), { folds: 3, metrics: ["r2"], refit: false });
  assert.equal(regression.baseline.kind, "training mean");
  assert.ok(regression.baseline.summary.r2!.mean <= 0 && regression.summary.r2!.mean > 0.5);
});

test("mean and sample standard deviation (ddof = 1) over the folds", () => {
  // 0.5, 0.7, 0.9: mean 0.7; squared deviations 0.04 + 0 + 0.04 over k - 1 = 2: std 0.2 (numpy's ddof=0 would give 0.1633).
  const summary = summarize(["auc", "loss"], [{ auc: 0.5, loss: 1 }, { auc: 0.7 }, { auc: 0.9, loss: 3 }]);
  assert.ok(Math.abs(summary.auc!.mean - 0.7) < 1e-15);
  assert.ok(Math.abs(summary.auc!.std - 0.2) < 1e-15);
  assert.equal(summary.auc!.nFolds, 3);
  // A metric left out of a fold is averaged over the folds that define it: 1 and 3, std sqrt(2).
  assert.deepEqual(summary.loss, { mean: 2, std: Math.SQRT2, nFolds: 2 });
  assert.ok(Number.isNaN(summarize(["x"], [{ x: 1 }]).x!.std));
  assert.deepEqual(summarize(["x"], [{}, {}]), {});

  const report = crossValidate(linear, makeData("regression", 50), { folds: 4, seed: 2, metrics: ["mae"], refit: false });
  const values = report.folds.map((fold) => fold.metrics.mae!);
  const mean = (values[0]! + values[1]! + values[2]! + values[3]!) / 4;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / 3;
  assert.ok(Math.abs(report.summary.mae!.mean - mean) < 1e-12);
  assert.ok(Math.abs(report.summary.mae!.std - Math.sqrt(variance)) < 1e-12);
});

test("group folds never put a group on both sides", () => {
  const data = makeData("binary", 96, 7);
  const group = Int32Array.from({ length: data.nRows }, (_, i) => Math.floor(i / 4) % 9); // 9 groups
  const report = crossValidate(linear, data, { folds: 3, group, refit: false });
  assert.equal(report.mode, "group");
  assertPartition(report, data.nRows);
  for (const fold of report.folds) {
    const trainGroups = new Set([...fold.split.train].map((row) => group[row]));
    for (const row of fold.split.test) assert.ok(!trainGroups.has(group[row]!), `group ${group[row]} on both sides of fold ${fold.index}`);
  }
});

test("a metric undefined on a fold (one class only) is left out of that fold and averaged over the others", () => {
  const data = makeData("binary", 60, 3);
  // Group 0 is every row of class 0 from the first 10 rows of that class: a fold of its own would hold one class.
  const y = data.target!.values;
  const group = new Int32Array(data.nRows);
  let zeros = 0;
  for (let i = 0; i < data.nRows; i++) group[i] = y[i] === 0 && zeros++ < 25 ? 0 : 1 + (i % 2);
  const report = crossValidate(linear, data, { folds: 3, group, metrics: ["roc_auc", "accuracy"], refit: false });
  const lonely = report.folds.find((fold) => [...fold.split.test].every((row) => group[row] === 0))!;
  assert.ok(lonely, "one fold holds group 0 alone");
  assert.equal(lonely.metrics.roc_auc, undefined);
  assert.equal(typeof lonely.metrics.accuracy, "number");
  assert.equal(report.summary.roc_auc!.nFolds, 2);
  assert.equal(report.summary.accuracy!.nFolds, 3);
});

test("time folds train strictly before they test; the first block is never held out", () => {
  const data = makeData("regression", 40, 9);
  const time = Float64Array.from({ length: data.nRows }, (_, i) => 1000 + ((i * 7) % 40)); // a shuffled order of 40 distinct times
  const report = crossValidate(gbdt, data, { folds: 4, time, metrics: ["rmse"], refit: false });
  assert.equal(report.mode, "time");
  assert.equal(report.nFolds, 4);
  for (const fold of report.folds) {
    const lastTrain = Math.max(...[...fold.split.train].map((row) => time[row]!));
    const firstTest = Math.min(...[...fold.split.test].map((row) => time[row]!));
    assert.ok(lastTrain < firstTest, `fold ${fold.index}: trains up to ${lastTrain}, tests from ${firstTest}`);
    assert.equal(fold.rows.test, 8);
  }
  // 40 rows in 5 blocks of 8: the earliest 8 rows are only trained on.
  for (let row = 0; row < data.nRows; row++) {
    const early = time[row]! < 1008;
    assert.equal(Number.isNaN(report.oof.yPred[row]!), early, `row ${row}`);
    assert.equal(report.oof.fold[row], early ? -1 : Math.floor((time[row]! - 1008) / 8));
  }
});

test("the final model is refitted on every row; onFold reports each fold in order", () => {
  const data = makeData("binary", 60, 4);
  const seen: [number, number][] = [];
  const report = crossValidate(linear, data, { folds: 3, onFold: (fold, nFolds) => seen.push([fold.index, nFolds]) });
  assert.deepEqual(seen, [
    [0, 3],
    [1, 3],
    [2, 3],
  ]);
  assert.ok(report.model);
  assert.deepEqual(report.model.predictProba(data).data, linear.fit(data).predictProba(data).data);
  assert.equal(crossValidate(linear, data, { folds: 3, refit: false }).model, undefined);
  assert.equal(report.seed, 0);
});

test("bad folds, groups, times and classes are refused with exact messages", () => {
  const data = makeData("binary", 30, 1);
  assert.equal(messageOf(() => crossValidate(linear, data, { folds: 1 })), "crossValidate: folds must be a whole number >= 2, got 1");
  assert.equal(messageOf(() => crossValidate(linear, data, { folds: 2.5 })), "crossValidate: folds must be a whole number >= 2, got 2.5");
  assert.equal(messageOf(() => crossValidate(linear, data, { folds: 31 })), "crossValidate: folds must be at most the number of rows (30), got 31");
  const group = Int32Array.from({ length: 30 }, (_, i) => i % 3);
  assert.equal(messageOf(() => crossValidate(linear, data, { folds: 4, group })), "crossValidate: folds must be at most the number of distinct groups (3), got 4");
  assert.equal(messageOf(() => crossValidate(linear, data, { group: new Int32Array(29) })), 'crossValidate: group must be one group id per row (30), got "29 values"');
  assert.equal(messageOf(() => crossValidate(linear, data, { group, time: new Float64Array(30) })), 'crossValidate: group must be left out when time is given (folds are by groups or by time, not both), got "group ids"');
  assert.equal(messageOf(() => crossValidate(linear, data, { folds: 30, time: new Float64Array(30) })), "crossValidate: folds must be at most 29 for time folds (the rows are cut into folds + 1 blocks), got 30");
  assert.equal(messageOf(() => crossValidate(linear, data, { time: new Float64Array(3) })), 'crossValidate: time must be one time per row (30), got "3 values"');
  // An unknown metric is refused before any fit, with computeMetrics' own message.
  const badMetric = messageOf(() => crossValidate(linear, data, { metrics: ["r2"] }));
  assert.equal(badMetric, messageOf(() => computeMetrics("binary", ["r2"], { yTrue: [0, 1], proba: [0.2, 0.8] })));
  assert.match(badMetric, /^metrics must be one of roc_auc, average_precision, .*, f1_weighted, got "r2"$/);
  const { target: _target, ...unlabelled } = data;
  assert.equal(messageOf(() => crossValidate(linear, unlabelled)), 'crossValidate: data must be labelled rows (with the target column), got "rows without a target"');

  // Stratified: 3 rows of "high" and 1 of "mid" cannot fill 5 folds; the smallest class is the headline.
  const y = new Float64Array(30);
  y.fill(0);
  y[0] = 1;
  y[1] = y[2] = y[3] = 2;
  const multi: Dataset = { ...makeData("multiclass", 30, 1), target: { name: "level", task: "multiclass", values: y, classes: ["low", "mid", "high"] } };
  assert.equal(
    messageOf(() => crossValidate(linear, multi, { folds: 5 })),
    'column "level": too few rows (expected at least 5 rows of every class for 5-fold stratified cross-validation, got 1 row of class "mid"; a class with one row cannot be both trained on and tested) (and 1 more issue)',
  );
  y[0] = 2;
  assert.equal(
    messageOf(() => crossValidate(linear, multi, { folds: 5 })),
    'column "level": too few rows (expected at least 5 rows of every class for 5-fold stratified cross-validation, got 4 rows of class "high"; use at most 4 folds)',
  );
});
