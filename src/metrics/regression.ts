/**
 * Regression metrics, as scikit-learn 1.2 defines them (sklearn/metrics/_regression.py), single output.
 * R^2 and explained variance use sklearn's default force_finite=True: a perfect fit scores 1 and a
 * constant y_true that is not fitted perfectly scores 0, instead of NaN or -Infinity.
 */
import { average, pairwiseSum } from "./reduce.js";
import { checkLength, checkNotEmpty, finiteValues, sampleWeights } from "./validate.js";

/** Options of the regression metrics. */
export interface RegressionOptions {
  /** One non-negative weight per row. */
  sampleWeight?: ArrayLike<number>;
}

/** sklearn's mean_absolute_percentage_error divides by max(|y_true|, eps), eps the float64 epsilon. */
const MAPE_EPS = Number.EPSILON;

function regressionInputs(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: RegressionOptions | undefined, metric: string) {
  const n = yTrue.length;
  checkNotEmpty(n);
  checkLength(yPred, n, "yPred");
  const y = finiteValues(yTrue, "yTrue");
  const p = finiteValues(yPred, "yPred");
  const weight = sampleWeights(options?.sampleWeight, n, metric);
  return { n, y, p, weight };
}

/** `f(y[i], p[i])` for every row, into a new array. */
function perRow(y: Float64Array, p: Float64Array, f: (y: number, p: number) => number): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = f(y[i]!, p[i]!);
  return out;
}

/**
 * The (weighted) mean of the squared errors. Equivalent to sklearn 1.2
 * `mean_squared_error(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * meanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.375
 */
export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { y, p, weight } = regressionInputs(yTrue, yPred, options, "mse");
  return average(
    perRow(y, p, (t, q) => (t - q) * (t - q)),
    weight,
  );
}

/**
 * The square root of the mean squared error, in the units of y. Equivalent to sklearn 1.2
 * `mean_squared_error(y_true, y_pred, squared=False, sample_weight=...)`.
 *
 * @example
 * rootMeanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.6123724356957945
 */
export function rootMeanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { y, p, weight } = regressionInputs(yTrue, yPred, options, "rmse");
  return Math.sqrt(
    average(
      perRow(y, p, (t, q) => (t - q) * (t - q)),
      weight,
    ),
  );
}

/**
 * The (weighted) mean of the absolute errors. Equivalent to sklearn 1.2
 * `mean_absolute_error(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.5
 */
export function meanAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { y, p, weight } = regressionInputs(yTrue, yPred, options, "mae");
  return average(
    perRow(y, p, (t, q) => Math.abs(q - t)),
    weight,
  );
}

/**
 * The mean of |y_pred - y_true| / max(|y_true|, eps), eps = 2^-52: a fraction, not a percentage, and
 * enormous (not infinite) where y_true is 0. Equivalent to sklearn 1.2
 * `mean_absolute_percentage_error(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * meanAbsolutePercentageError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.3273809523809524
 */
export function meanAbsolutePercentageError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { y, p, weight } = regressionInputs(yTrue, yPred, options, "mape");
  return average(
    perRow(y, p, (t, q) => Math.abs(q - t) / Math.max(Math.abs(t), MAPE_EPS)),
    weight,
  );
}

/**
 * The median of the absolute errors; with weights, sklearn's lower weighted median (the first sorted
 * error at which the cumulative weight reaches half the total). Equivalent to sklearn 1.2
 * `median_absolute_error(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * medianAbsoluteError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.5
 */
export function medianAbsoluteError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { n, y, p, weight } = regressionInputs(yTrue, yPred, options, "median_absolute_error");
  const errors = perRow(y, p, (t, q) => Math.abs(q - t));
  if (weight === undefined) {
    const sorted = errors.sort();
    const mid = n >> 1;
    return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
  // sklearn's _weighted_percentile(errors, weights, 50).
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => errors[a]! - errors[b]! || a - b);
  const cdf = new Float64Array(n);
  let cumulative = 0;
  for (let k = 0; k < n; k++) cdf[k] = cumulative += weight[order[k]!]!;
  let half = 0.5 * cdf[n - 1]!;
  if (half === 0) half = Number.MIN_VALUE;
  let k = 0;
  while (k < n - 1 && cdf[k]! < half) k++;
  return errors[order[k]!]!;
}

/**
 * The largest absolute error. Takes no sample weights, as in sklearn. Equivalent to sklearn 1.2
 * `max_error(y_true, y_pred)`.
 *
 * @example
 * maxError([3, 2, 7, 1], [4, 2, 7, 1]); // 1
 */
export function maxError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const { y, p } = regressionInputs(yTrue, yPred, undefined, "max_error");
  let max = 0;
  for (let i = 0; i < y.length; i++) max = Math.max(max, Math.abs(y[i]! - p[i]!));
  return max;
}

/** 1 - numerator / denominator with sklearn's force_finite=True. */
function forceFinite(numerator: number, denominator: number): number {
  if (numerator === 0) return 1;
  if (denominator === 0) return 0;
  return 1 - numerator / denominator;
}

/**
 * The coefficient of determination R^2 = 1 - SS_res / SS_tot. 1 for a perfect fit, 0 for predicting
 * the mean, negative when worse; NaN with fewer than two rows (sklearn warns and returns NaN); 0 when
 * y_true is constant and the fit is not perfect. Equivalent to sklearn 1.2
 * `r2_score(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * r2Score([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.9486081370449679
 */
export function r2Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { n, y, p, weight } = regressionInputs(yTrue, yPred, options, "r2");
  if (n < 2) return NaN;
  const w = (i: number) => (weight === undefined ? 1 : weight[i]!);
  const mean = average(y, weight);
  const residual = new Float64Array(n);
  const total = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = y[i]! - p[i]!;
    const d = y[i]! - mean;
    residual[i] = w(i) * (r * r);
    total[i] = w(i) * (d * d);
  }
  return forceFinite(pairwiseSum(residual), pairwiseSum(total));
}

/**
 * Explained variance 1 - Var(y_true - y_pred) / Var(y_true): like R^2 but blind to a constant bias.
 * Same conventions for perfect fits and constant y_true as `r2Score`. Equivalent to sklearn 1.2
 * `explained_variance_score(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * explainedVarianceScore([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.9571734475374732
 */
export function explainedVarianceScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: RegressionOptions): number {
  const { y, p, weight } = regressionInputs(yTrue, yPred, options, "explained_variance");
  const residual = perRow(y, p, (t, q) => t - q);
  const residualMean = average(residual, weight);
  const numerator = average(
    residual.map((r) => (r - residualMean) * (r - residualMean)),
    weight,
  );
  const mean = average(y, weight);
  const denominator = average(
    y.map((t) => (t - mean) * (t - mean)),
    weight,
  );
  return forceFinite(numerator, denominator);
}
