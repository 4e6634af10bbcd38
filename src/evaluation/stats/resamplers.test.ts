import assert from "node:assert/strict";
import { test } from "node:test";
import { MetricError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import { METRICS, metricNamesFor, type MetricInput, type MetricName } from "../../metrics/index.js";
import { drawCounts } from "./resample.js";
import { prepareResampler } from "./resamplers.js";

/** Rows of a binary, multiclass or regression problem; scores rounded so that ties occur. */
function makeInput(task: "binary" | "multiclass" | "regression", n: number, seed: number): MetricInput {
  const rng = new Random(seed);
  if (task === "regression") {
    const yTrue = Float64Array.from({ length: n }, () => Math.round(rng.next() * 20) / 4 + 100);
    const yPred = Float64Array.from(yTrue, (y) => y + Math.round((rng.next() - 0.4) * 8) / 4);
    return { yTrue, yPred };
  }
  const k = task === "binary" ? 2 : 3;
  const yTrue = Float64Array.from({ length: n }, () => rng.int(k));
  if (task === "binary") {
    const proba = Float64Array.from(yTrue, (y) => Math.round((0.35 * y + 0.65 * rng.next()) * 10) / 10);
    return { yTrue, proba, nClasses: 2 };
  }
  const proba = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += proba[i * k + c] = Math.round((rng.next() + (c === yTrue[i] ? 0.6 : 0)) * 4) + 1;
    for (let c = 0; c < k; c++) proba[i * k + c] = proba[i * k + c]! / sum;
  }
  return { yTrue, proba, nClasses: k };
}

/** The naive twin: the resample written out row by row (counts[i] copies of row i), and the registry's metric on it. */
function naiveStatistic(metric: MetricName, input: MetricInput, counts: Uint8Array): number {
  const n = input.yTrue.length;
  const width = input.proba === undefined ? 0 : input.proba.length / n;
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const proba: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < counts[i]!; c++) {
      yTrue.push(input.yTrue[i]!);
      if (input.yPred) yPred.push(input.yPred[i]!);
      for (let j = 0; j < width; j++) proba.push(input.proba![i * width + j]!);
      if (input.sampleWeight) weight.push(input.sampleWeight[i]!);
    }
  }
  try {
    return METRICS[metric].compute({
      yTrue,
      yPred: input.yPred ? yPred : undefined,
      proba: input.proba ? proba : undefined,
      nClasses: input.nClasses,
      sampleWeight: input.sampleWeight ? weight : undefined,
    });
  } catch (error) {
    if (error instanceof MetricError) return NaN;
    throw error;
  }
}

function assertAgrees(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN (undefined), got ${actual}`);
    return;
  }
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, got ${actual}`);
}

for (const task of ["binary", "multiclass", "regression"] as const) {
  test(`every ${task} metric on a resample equals the metric on the resample written out (naive twin)`, () => {
    for (const [n, seed] of [
      [60, 1],
      [7, 2],
      [400, 3],
    ] as const) {
      const input = makeInput(task, n, seed);
      const rng = new Random(seed + 100);
      const counts = new Uint8Array(n);
      for (const metric of metricNamesFor(task)) {
        const resampler = prepareResampler(metric, input);
        assertAgrees(resampler.estimate, METRICS[metric].compute(input), `${metric} estimate`);
        // The identity resample (one copy of each row) gives the estimate back.
        assertAgrees(resampler.statistic(new Uint8Array(n).fill(1)), resampler.estimate, `${metric} on counts of 1`);
        for (let r = 0; r < 25; r++) {
          drawCounts(rng, counts);
          assertAgrees(resampler.statistic(counts), naiveStatistic(metric, input, counts), `${metric}, n=${n}, resample ${r}`);
        }
      }
    }
  });
}

test("with sample weights every metric takes the weighted generic path, equal to the weighted rows written out", () => {
  for (const task of ["binary", "multiclass", "regression"] as const) {
    const input = makeInput(task, 50, 9);
    const rng = new Random(4);
    const weighted = { ...input, sampleWeight: Float64Array.from({ length: 50 }, () => 0.5 + rng.int(3)) };
    const counts = new Uint8Array(50);
    for (const metric of metricNamesFor(task)) {
      const resampler = prepareResampler(metric, weighted);
      for (let r = 0; r < 5; r++) {
        drawCounts(rng, counts);
        // The written-out rows carry the weights; the generic path weights count x weight. These agree
        // for every metric except the weighted median, which is not a median of copies.
        if (metric === "median_absolute_error") continue;
        assertAgrees(resampler.statistic(counts), naiveStatistic(metric, weighted, counts), `${metric} weighted`);
      }
    }
  }
});

test("a resample with one class makes roc_auc undefined (NaN), and average_precision 0 without positives", () => {
  const input = { yTrue: [0, 1, 0, 1], proba: [0.2, 0.9, 0.4, 0.6], nClasses: 2 };
  assert.ok(Number.isNaN(prepareResampler("roc_auc", input).statistic(Uint8Array.of(2, 0, 2, 0))));
  assert.equal(prepareResampler("average_precision", input).statistic(Uint8Array.of(2, 0, 2, 0)), 0);
  assert.ok(Number.isNaN(prepareResampler("roc_auc_ovr", makeInput("multiclass", 6, 1)).statistic(Uint8Array.of(6, 0, 0, 0, 0, 0))));
});

test("r2 and explained variance on a resample whose y_true is constant follow sklearn's force_finite", () => {
  const input = { yTrue: [0.1, 0.1, 0.3, 0.1], yPred: [0.1, 0.2, 0.3, 0.1] };
  const counts = Uint8Array.of(2, 1, 0, 1);
  assert.equal(prepareResampler("r2", input).statistic(counts), 0);
  assert.equal(prepareResampler("r2", input).statistic(Uint8Array.of(3, 0, 0, 1)), 1);
  assert.equal(prepareResampler("explained_variance", input).statistic(counts), 0);
  assert.equal(naiveStatistic("r2", input, counts), 0);
  // Here the centred sums leave 2e-16 instead of 0 when only the 0.1s are drawn; the exact check
  // must still see a constant y_true (R^2 0, not 1 - 0.0006 / 2e-16).
  const rounding = { yTrue: [0.1, 0.7, 0.3, 1.9, 0.1, 0.1, 0.1, 0.1, 0.1], yPred: [0.1, 0.7, 0.3, 1.9, 0.11, 0.1, 0.1, 0.1, 0.1] };
  const onlyTenths = Uint8Array.of(4, 0, 0, 0, 2, 1, 1, 1, 0);
  assert.equal(prepareResampler("r2", rounding).statistic(onlyTenths), 0);
  assert.equal(naiveStatistic("r2", rounding, onlyTenths), 0);
  assert.equal(prepareResampler("explained_variance", rounding).statistic(onlyTenths), 0);
});

test("unknown metrics and metrics of another task are refused with the names there are", () => {
  assert.throws(() => prepareResampler("auc", { yTrue: [0, 1] }), /metric must be one of roc_auc, average_precision/);
  assert.throws(() => prepareResampler("rmse", { yTrue: [0, 1], proba: [0.1, 0.8], nClasses: 2 }), /yPred/);
});

test("rows already in decreasing score order with distinct scores take the simple ranking passes, which agree too", () => {
  const rng = new Random(12);
  const n = 300;
  const score = Float64Array.from({ length: n }, (_, k) => 1 - k / n);
  const yTrue = Float64Array.from(score, (s) => (rng.next() < s * 0.8 ? 1 : 0));
  const input = { yTrue, proba: score, nClasses: 2 };
  const counts = new Uint8Array(n);
  for (const metric of ["roc_auc", "average_precision"] as const) {
    const resampler = prepareResampler(metric, input);
    for (let r = 0; r < 20; r++) {
      drawCounts(rng, counts);
      assertAgrees(resampler.statistic(counts), naiveStatistic(metric, input, counts), `${metric} in score order, resample ${r}`);
    }
  }
});
