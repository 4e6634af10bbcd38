import assert from "node:assert/strict";
import { test } from "node:test";
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { formatError } from "../../core/messages.js";
import { Random } from "../../core/rng.js";
import { METRICS, type MetricInput } from "../../metrics/index.js";
import { bootstrapInterval, bootstrapIntervals, pairedBootstrapTest } from "./bootstrap.js";
import { drawCounts, quantileSorted } from "./resample.js";

function binaryRows(n: number, seed: number, signal = 1): { yTrue: Float64Array; proba: Float64Array; nClasses: number } {
  const rng = new Random(seed);
  const yTrue = Float64Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  const proba = Float64Array.from(yTrue, (y) => 1 / (1 + Math.exp(-(signal * (2 * y - 1) + 4 * (rng.next() - 0.5)))));
  return { yTrue, proba, nClasses: 2 };
}

test("drawCounts draws n rows with replacement: counts sum to n, each row once on average, same seed same draw", () => {
  const n = 7;
  const counts = new Uint8Array(n);
  const totals = new Float64Array(n);
  const rng = new Random(3);
  const rounds = 20000;
  for (let r = 0; r < rounds; r++) {
    drawCounts(rng, counts);
    assert.equal(counts.reduce((s, c) => s + c, 0), n);
    for (let i = 0; i < n; i++) totals[i] += counts[i]!;
  }
  // Each row's total is Binomial(rounds * n, 1/n): mean 20000, sd ~130; 5 sd either way.
  for (let i = 0; i < n; i++) assert.ok(Math.abs(totals[i]! - rounds) < 650, `row ${i} drawn ${totals[i]} times, expected about ${rounds}`);
  const again = new Uint8Array(n);
  drawCounts(new Random(9), counts);
  drawCounts(new Random(9), again);
  assert.deepEqual(again, counts);
});

test("quantileSorted is numpy's linear percentile", () => {
  // np.percentile(range(10), [2.5, 50, 97.5]) -> 0.225, 4.5, 8.775; np.percentile([1, 2, 3, 4], 25) -> 1.75
  const ten = Float64Array.from({ length: 10 }, (_, i) => i);
  assert.ok(Math.abs(quantileSorted(ten, 0.025) - 0.225) < 1e-15);
  assert.equal(quantileSorted(ten, 0.5), 4.5);
  assert.ok(Math.abs(quantileSorted(ten, 0.975) - 8.775) < 1e-15);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([5], 0.9), 5);
  assert.equal(quantileSorted([1, 2], 1), 2);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

test("a bootstrap interval contains the estimate, is the same for the same seed and differs for another", () => {
  const input = binaryRows(500, 1);
  for (const metric of ["roc_auc", "log_loss", "accuracy", "brier_score", "f1"]) {
    const first = bootstrapInterval(input, metric, { seed: 5, nBoot: 300 });
    assert.ok(first.low < first.estimate && first.estimate < first.high, `${metric}: ${JSON.stringify(first)}`);
    assert.deepEqual(bootstrapInterval(input, metric, { seed: 5, nBoot: 300 }), first);
    assert.notDeepEqual(bootstrapInterval(input, metric, { seed: 6, nBoot: 300 }), first);
    assert.equal(first.method, "percentile");
    assert.equal(first.skipped, 0);
    assert.equal(first.estimate, METRICS[metric as "roc_auc"].compute(input));
  }
});

test("the interval narrows as the rows grow (about as 1 / sqrt(n))", () => {
  const width = (n: number) => {
    const r = bootstrapInterval(binaryRows(n, 2), "roc_auc", { seed: 1, nBoot: 400 });
    return r.high - r.low;
  };
  const small = width(300);
  const large = width(7500);
  // sqrt(7500 / 300) = 5; allow for the Monte Carlo noise of 400 resamples.
  assert.ok(large < small / 3 && large > small / 8, `widths ${small} (300 rows) and ${large} (7500 rows)`);
});

test("bootstrapInterval is the naive bootstrap: resample, recompute, take numpy's percentiles", () => {
  const rng = new Random(8);
  const yTrue = Float64Array.from({ length: 40 }, () => rng.int(3));
  const yPred = Float64Array.from(yTrue, (y) => (rng.next() < 0.7 ? y : rng.int(3)));
  const input: MetricInput = { yTrue, yPred, nClasses: 3 };
  const nBoot = 60;
  const result = bootstrapInterval(input, "f1_macro", { seed: 4, nBoot, level: 0.9 });
  // The twin draws the same resamples (same seed, rows in the given order: no probabilities to sort by).
  const replay = new Random(4);
  const counts = new Uint8Array(40);
  const values: number[] = [];
  for (let b = 0; b < nBoot; b++) {
    drawCounts(replay, counts);
    const t: number[] = [];
    const p: number[] = [];
    counts.forEach((c, i) => {
      for (let j = 0; j < c; j++) {
        t.push(yTrue[i]!);
        p.push(yPred[i]!);
      }
    });
    values.push(METRICS.f1_macro.compute({ yTrue: t, yPred: p, nClasses: 3 }));
  }
  values.sort((x, y) => x - y);
  assert.ok(Math.abs(result.low - quantileSorted(values, 0.05)) < 1e-12, `${result.low} vs ${quantileSorted(values, 0.05)}`);
  assert.ok(Math.abs(result.high - quantileSorted(values, 0.95)) < 1e-12);
});

test("resamples with one class are skipped and counted; the interval uses the rest", () => {
  // 2 positives in 9 rows: a resample has no positive with probability (7/9)^9 = 0.104.
  const input = { yTrue: [0, 0, 0, 0, 0, 0, 0, 1, 1], proba: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.55, 0.9], nClasses: 2 };
  const result = bootstrapInterval(input, "roc_auc", { seed: 2, nBoot: 2000 });
  assert.ok(result.skipped > 140 && result.skipped < 280, `skipped ${result.skipped} of 2000, expected about 208`);
  assert.ok(result.low >= 0 && result.high <= 1 && result.low < result.high);
});

test("bootstrapIntervals gives every metric the interval bootstrapInterval gives it alone (shared passes included)", () => {
  const input = binaryRows(300, 4);
  const binary = ["roc_auc", "log_loss", "matthews_corrcoef", "f1", "accuracy", "balanced_accuracy", "average_precision"];
  const all = bootstrapIntervals(input, binary, { seed: 11, nBoot: 200 });
  for (const metric of binary) assert.deepEqual(all[metric], bootstrapInterval(input, metric, { seed: 11, nBoot: 200 }), metric);
  const rng = new Random(3);
  const yTrue = Float64Array.from({ length: 200 }, () => rng.next() * 5);
  const regression = { yTrue, yPred: Float64Array.from(yTrue, (y) => y + rng.next() - 0.3) };
  const names = ["r2", "explained_variance", "rmse", "median_absolute_error", "max_error"];
  const together = bootstrapIntervals(regression, names, { seed: 2, nBoot: 100 });
  for (const metric of names) assert.deepEqual(together[metric], bootstrapInterval(regression, metric, { seed: 2, nBoot: 100 }), metric);
  assert.ok(together.r2!.low < together.r2!.high);
});

test("bad options are refused with what was expected", () => {
  const input = binaryRows(20, 1);
  assert.throws(() => bootstrapInterval(input, "roc_auc", { nBoot: 0 }), (e: unknown) => e instanceof InvalidParameterError && /nBoot must be an integer >= 1, such as 1000, got 0/.test(e.message));
  assert.throws(() => bootstrapInterval(input, "roc_auc", { level: 95 }), /level must be a number between 0 and 1 \(exclusive\), such as 0.95, got 95/);
  assert.throws(() => bootstrapInterval(input, "rocauc"), /metric must be one of roc_auc/);
});

test("paired bootstrap: the same model twice is no difference with p = 1", () => {
  const input = binaryRows(200, 5);
  const result = pairedBootstrapTest(input, input, "log_loss", { seed: 1, nBoot: 200 });
  assert.equal(result.difference, 0);
  assert.equal(result.pValue, 1);
  assert.deepEqual(result.ci, [0, 0]);
  assert.equal(result.verdict, "no significant difference (p = 1)");
});

test("paired bootstrap: a clearly better model wins with the smallest p the resamples allow", () => {
  const a = binaryRows(2000, 6, 0.3);
  const rng = new Random(1);
  // B sees the label much better on the same rows.
  const b = { ...a, proba: Float64Array.from(a.yTrue, (y) => 1 / (1 + Math.exp(-(2 * (2 * y - 1) + 2 * (rng.next() - 0.5))))) };
  const result = pairedBootstrapTest(a, b, "log_loss", { seed: 2, nBoot: 499, names: ["baseline", "challenger"] });
  assert.ok(result.difference < 0 && result.ci[1] < 0, JSON.stringify(result.ci));
  assert.equal(result.pValue, 2 / 500);
  assert.equal(result.verdict, "challenger is significantly better than baseline (p = 0.004)");
  assert.equal(result.test, "paired_bootstrap");
});

test("paired bootstrap p-value is twice the +1-corrected share on the other side of zero (replayed)", () => {
  const a = binaryRows(60, 7, 0.8);
  const rng = new Random(2);
  const b = { ...a, proba: Float64Array.from(a.proba, (p) => Math.min(1, Math.max(0, p + 0.15 * (rng.next() - 0.5)))) };
  const nBoot = 300;
  const result = pairedBootstrapTest(a, b, "brier_score", { seed: 9, nBoot });
  const replay = new Random(9);
  const counts = new Uint8Array(60);
  const brier = (proba: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < 60; i++) sum += counts[i]! * (a.yTrue[i]! - proba[i]!) ** 2;
    return sum / 60;
  };
  let other = 0;
  for (let r = 0; r < nBoot; r++) {
    drawCounts(replay, counts);
    const d = brier(b.proba) - brier(a.proba);
    if (result.difference > 0 ? d <= 0 : d >= 0) other++;
  }
  assert.ok(Math.abs(result.pValue - Math.min(1, (2 * (other + 1)) / (nBoot + 1))) < 1e-15, `${result.pValue} vs ${other}`);
});

test("paired bootstrap refuses predictions for different rows", () => {
  const a = binaryRows(30, 1);
  const b = binaryRows(30, 2);
  assert.throws(
    () => pairedBootstrapTest(a, b, "log_loss"),
    (e: unknown) => e instanceof DataValidationError && /^row \d+, column "yTrue": invalid value \(expected the same true value for both models/.test(formatError(e)),
  );
  assert.throws(() => pairedBootstrapTest(a, binaryRows(31, 1), "log_loss"), DataValidationError);
});

test("paired bootstrap refuses a single row, which every resample repeats (it would be 'significant' at p = 2 / (B + 1))", () => {
  const one = (pred: number) => ({ yTrue: [1], yPred: [pred] });
  assert.throws(
    () => pairedBootstrapTest(one(1), one(3), "mae", { nBoot: 100 }),
    (e: unknown) => e instanceof DataValidationError && formatError(e) === 'column "yTrue": too few rows (expected at least 2 rows for a paired bootstrap, got 1)',
  );
});

test("a bootstrap interval of r2 on one row is undefined, as the estimate is (sklearn: R^2 needs two samples)", () => {
  const interval = bootstrapInterval({ yTrue: [1], yPred: [2] }, "r2", { nBoot: 50 });
  assert.ok(Number.isNaN(interval.estimate));
  assert.ok(Number.isNaN(interval.low) && Number.isNaN(interval.high));
  assert.equal(interval.skipped, 50);
});
