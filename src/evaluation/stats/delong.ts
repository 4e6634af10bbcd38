/**
 * DeLong's test for two correlated ROC AUCs measured on the same rows (DeLong, DeLong & Clarke-Pearson
 * 1988), with the fast algorithm of Sun & Xu (2014): the placement values come from three midrankings
 * (positives among positives, negatives among negatives, all rows together) instead of comparing every
 * positive with every negative, O(n log n) instead of O(n_pos * n_neg). delong.test.ts checks it against
 * the O(n^2) definition.
 */
import { MetricError } from "../../core/errors.js";
import { computeMetrics } from "../../metrics/index.js";
import { checkAlpha, verdictSentence, type Comparison, type ComparisonOptions } from "./comparison.js";
import { normalQuantile, normalSf } from "./distributions.js";

/**
 * Midranks (1-based; tied values share the mean of their ranks) of `values`. IN: values. OUT: ranks.
 *
 * @example
 * midranks(Float64Array.of(3, 1, 3, 2)); // [3.5, 1, 3.5, 2]
 */
export function midranks(values: Float64Array, ranks: Float64Array = new Float64Array(values.length)): Float64Array {
  const n = values.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    // Ranks start + 1 .. end share their mean.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** One model's AUC and DeLong placement values: v10 per positive, v01 per negative. */
interface Placements {
  auc: number;
  v10: Float64Array;
  v01: Float64Array;
}

/**
 * Sun & Xu's placements: with Tz the midranks among all rows, Tx among positives and Ty among
 * negatives, V10_i = (Tz_i - Tx_i) / n counts (ties half) the negatives positive i outranks, and
 * V01_j = 1 - (Tz_j - Ty_j) / m the share of positives that outrank negative j.
 */
function placements(positives: Float64Array, negatives: Float64Array): Placements {
  const m = positives.length;
  const n = negatives.length;
  const all = new Float64Array(m + n);
  all.set(positives);
  all.set(negatives, m);
  const tz = midranks(all);
  const tx = midranks(positives);
  const ty = midranks(negatives);
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let sumTz = 0;
  for (let i = 0; i < m; i++) {
    v10[i] = (tz[i]! - tx[i]!) / n;
    sumTz += tz[i]!;
  }
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j]! - ty[j]!) / m;
  return { auc: (sumTz - (m * (m + 1)) / 2) / (m * n), v10, v01 };
}

/** The sample covariance (ddof 1) of two equally long vectors. */
function covariance(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (x[i]! - mx) * (y[i]! - my);
  return sum / (n - 1);
}

/**
 * DeLong's estimate of the covariance matrix of two AUCs: S10 / m + S01 / n.
 *
 * @example
 * const { varianceA, varianceB, covarianceAB } = delongCovariance(yTrue, probaA, probaB);
 */
export interface DelongCovariance {
  readonly aucA: number;
  readonly aucB: number;
  readonly varianceA: number;
  readonly varianceB: number;
  readonly covarianceAB: number;
}

/**
 * The two AUCs and DeLong's covariance matrix of them, by Sun & Xu's midrank algorithm. `yTrue` is 0/1
 * with at least 2 rows of each class; the scores are finite (callers validate).
 *
 * @example
 * delongCovariance([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [0.2, 0.3, 0.6, 0.7]).aucA; // 0.75
 */
export function delongCovariance(yTrue: ArrayLike<number>, scoreA: ArrayLike<number>, scoreB: ArrayLike<number>): DelongCovariance {
  const rows = yTrue.length;
  let m = 0;
  for (let i = 0; i < rows; i++) if (yTrue[i] === 1) m++;
  const n = rows - m;
  if (m < 2 || n < 2) {
    throw new MetricError("roc_auc", `DeLong's test needs at least 2 positive and 2 negative rows, got ${m} positive and ${n} negative`);
  }
  const split = (score: ArrayLike<number>) => {
    const positives = new Float64Array(m);
    const negatives = new Float64Array(n);
    for (let i = 0, p = 0, q = 0; i < rows; i++) {
      if (yTrue[i] === 1) positives[p++] = score[i]!;
      else negatives[q++] = score[i]!;
    }
    return placements(positives, negatives);
  };
  const a = split(scoreA);
  const b = split(scoreB);
  const s = (x: Placements, y: Placements) => covariance(x.v10, y.v10) / m + covariance(x.v01, y.v01) / n;
  return { aucA: a.auc, aucB: b.auc, varianceA: s(a, a), varianceB: s(b, b), covarianceAB: s(a, b) };
}

/**
 * DeLong's test of two correlated ROC AUCs on the same rows (binary; scores are P(class 1) or any score
 * higher for class 1). z = (AUC_B - AUC_A) / sqrt(Var), Var = Var_A + Var_B - 2 Cov_AB from DeLong's
 * covariance; the p-value is two-sided from the normal distribution, the interval difference ± z_{1-alpha/2}
 * sqrt(Var). Identical models give difference 0 and p = 1.
 *
 * @example
 * delongTest(yTrue, probaA, probaB).verdict; // "B is significantly better than A (p = 0.003)"
 */
export function delongTest(
  yTrue: ArrayLike<number>,
  scoreA: ArrayLike<number>,
  scoreB: ArrayLike<number>,
  options?: ComparisonOptions,
): Comparison {
  const alpha = checkAlpha(options?.alpha, "delongTest");
  // The registry validates labels, lengths and finiteness, and throws when one class is present.
  computeMetrics("binary", ["roc_auc"], { yTrue, proba: scoreA, nClasses: 2 });
  computeMetrics("binary", ["roc_auc"], { yTrue, proba: scoreB, nClasses: 2 });
  const cov = delongCovariance(yTrue, scoreA, scoreB);
  const difference = cov.aucB - cov.aucA;
  const variance = Math.max(0, cov.varianceA + cov.varianceB - 2 * cov.covarianceAB);
  const se = Math.sqrt(variance);
  // A zero variance with a zero difference is the same model twice: nothing to see, p = 1.
  const z = difference === 0 ? 0 : difference / se;
  const pValue = 2 * normalSf(Math.abs(z));
  const half = normalQuantile(1 - alpha / 2) * se;
  return {
    test: "delong",
    metric: "roc_auc",
    a: cov.aucA,
    b: cov.aucB,
    difference,
    ci: [difference - half, difference + half],
    pValue: Math.min(1, pValue),
    verdict: verdictSentence(Math.min(1, pValue), difference, true, alpha, options?.names),
    level: 1 - alpha,
    statistic: z,
    details: { variance, varianceA: cov.varianceA, varianceB: cov.varianceB, covariance: cov.covarianceAB },
  };
}
