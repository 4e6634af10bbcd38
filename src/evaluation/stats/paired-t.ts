/**
 * The paired t-test of two regression models on the same rows: a t-test of the per-row differences of
 * their squared errors (for mse and rmse) or absolute errors (for mae), as scipy.stats.ttest_rel(errB,
 * errA) computes it, with the t interval of the mean difference.
 */
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { computeMetrics } from "../../metrics/index.js";
import { checkAlpha, verdictSentence, type Comparison, type ComparisonOptions } from "./comparison.js";
import { studentTQuantile, studentTTwoSidedP } from "./distributions.js";

/**
 * The regression metrics a paired t-test can compare: means of a per-row error.
 *
 * @example
 * pairedTTest(yTrue, predA, predB, "mae");
 */
export type PairedTMetric = "mse" | "rmse" | "mae";

/**
 * Compares two regression models' errors with a paired t-test. For mse and rmse the test is on squared
 * errors, so `metric` is "mse" and a, b, difference and ci are mean squared errors (an rmse has no
 * per-row terms to average); for mae they are mean absolute errors. t = mean(d) / (sd(d) / sqrt(n)) with
 * d = errB - errA (difference = mean(d) = b - a), n - 1 degrees of freedom, a two-sided p-value, and the interval mean(d) ± t_{1-alpha/2}
 * sd(d) / sqrt(n). When every difference is 0 the p-value is 1 (scipy returns NaN there).
 *
 * @example
 * pairedTTest(yTrue, predA, predB, "rmse").verdict; // "A is significantly better than B (p < 0.001)"
 */
export function pairedTTest(
  yTrue: ArrayLike<number>,
  predA: ArrayLike<number>,
  predB: ArrayLike<number>,
  metric: PairedTMetric,
  options?: ComparisonOptions,
): Comparison {
  const alpha = checkAlpha(options?.alpha, "pairedTTest");
  if (metric !== "mse" && metric !== "rmse" && metric !== "mae") {
    throw new InvalidParameterError("metric", `"mse", "rmse" or "mae" (means of a per-row error)`, metric, "pairedTTest");
  }
  const squared = metric !== "mae";
  const reported = squared ? "mse" : "mae";
  // The registry validates lengths and finiteness.
  const a = computeMetrics("regression", [reported], { yTrue, yPred: predA })[reported]!;
  const b = computeMetrics("regression", [reported], { yTrue, yPred: predB })[reported]!;
  const n = yTrue.length;
  if (n < 2) {
    throw new DataValidationError({ code: "too_few_rows", column: "yTrue", expected: "at least 2 rows for a paired t-test", received: String(n) });
  }
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const ea = predA[i]! - yTrue[i]!;
    const eb = predB[i]! - yTrue[i]!;
    d[i] = squared ? eb * eb - ea * ea : Math.abs(eb) - Math.abs(ea);
    sum += d[i]!;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (d[i]! - mean) ** 2;
  const se = Math.sqrt(squares / (n - 1) / n);
  const df = n - 1;
  const allZero = mean === 0 && squares === 0;
  const t = allZero ? 0 : mean / se;
  const pValue = allZero ? 1 : studentTTwoSidedP(t, df);
  const half = studentTQuantile(1 - alpha / 2, df) * se;
  return {
    test: "paired_t",
    metric: reported,
    a,
    b,
    difference: mean,
    ci: [mean - half, mean + half],
    pValue,
    verdict: verdictSentence(pValue, mean, false, alpha, options?.names),
    level: 1 - alpha,
    statistic: t,
    details: { df, meanDifference: mean, errors: squared ? "squared" : "absolute" },
  };
}
