import assert from "node:assert/strict";
import { test } from "node:test";
import { formatError } from "../../core/messages.js";
import { computeMetrics } from "../../metrics/index.js";
import { baselinePredictions, lift } from "./baseline.js";

test("binary baseline: the training prior of class 1 for every test row, the majority class as label", () => {
  const base = baselinePredictions("binary", [0, 1, 0, 0], 2, 3);
  assert.deepEqual([...base.proba!], [0.25, 0.25, 0.25]);
  assert.deepEqual([...base.yPred], [0, 0, 0]);
  assert.deepEqual([...base.fitted], [0.75, 0.25]);
  assert.equal(base.kind, "class prior");
  // What every evaluation prints beside the model: ROC AUC 0.5 and the log loss of the prior.
  const metrics = computeMetrics("binary", ["roc_auc", "log_loss", "accuracy"], { yTrue: [1, 0, 0], ...base });
  assert.equal(metrics.roc_auc, 0.5);
  assert.ok(Math.abs(metrics.log_loss! - -(Math.log(0.25) + 2 * Math.log(0.75)) / 3) < 1e-15);
  assert.ok(Math.abs(metrics.accuracy! - 2 / 3) < 1e-15);
});

test("multiclass baseline: the prior of every class per row, the first most frequent class on ties", () => {
  const base = baselinePredictions("multiclass", [2, 0, 2, 0, 1], 4, 2);
  assert.deepEqual([...base.proba!], [0.4, 0.2, 0.4, 0, 0.4, 0.2, 0.4, 0]);
  assert.deepEqual([...base.yPred], [0, 0]);
  assert.equal(base.nClasses, 4);
});

test("regression baseline: the training mean", () => {
  const base = baselinePredictions("regression", [1, 2, 6], 1, 2);
  assert.deepEqual([...base.yPred], [3, 3]);
  assert.equal(base.proba, undefined);
  assert.equal(base.kind, "training mean");
  assert.equal(computeMetrics("regression", ["r2"], { yTrue: [2, 4], yPred: base.yPred }).r2, 0);
});

test("bad training targets and parameters are refused with where and what", () => {
  assert.throws(
    () => baselinePredictions("binary", [0, 1, 2], 2, 1),
    (e: unknown) => formatError(e) === 'row 3, column "target": invalid value (expected a class index from 0 to 1, got 2)',
  );
  assert.throws(() => baselinePredictions("binary", [0, 1], 3, 1), /nClasses must be 2 for a binary task, got 3/);
  assert.throws(() => baselinePredictions("regression", [], 1, 1), (e: unknown) => /no data rows|at least 1 training row/.test(formatError(e)));
  assert.throws(() => baselinePredictions("regression", [1, NaN], 1, 1), (e: unknown) => /row 2.*expected a finite number, got NaN/.test(formatError(e)));
});

test("lift: signed so that positive is better, with a ratio only where one means something", () => {
  const loss = lift(0.35, 0.7, false);
  assert.ok(Math.abs(loss.difference + 0.35) < 1e-15);
  assert.ok(Math.abs(loss.improvement - 0.35) < 1e-15);
  assert.equal(loss.ratio, 0.5);
  assert.deepEqual(lift(0.8, 0.5, true), { difference: 0.30000000000000004, improvement: 0.30000000000000004, ratio: 1.6 });
  // r2 and MCC baselines are 0 (or negative): no ratio.
  assert.deepEqual(lift(0.21, 0, true), { difference: 0.21, improvement: 0.21 });
  assert.equal(lift(-0.1, 0.2, true).ratio, undefined);
});
