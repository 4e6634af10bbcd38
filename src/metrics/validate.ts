/**
 * Checks at the boundary of the metrics module, done once per call; the computations after them trust
 * their inputs. Bad data (wrong length, a label that is not a class index, a NaN) is a
 * DataValidationError naming the argument and the 1-based position; bad options are an
 * InvalidParameterError; input on which scikit-learn itself raises is a MetricError.
 */
import { DataValidationError, InvalidParameterError, MetricError } from "../core/errors.js";

/** Throws unless there is at least one value. */
export function checkNotEmpty(n: number, column = "yTrue"): void {
  if (n === 0) {
    throw new DataValidationError({ code: "too_few_rows", column, expected: "at least 1 value", received: "0" });
  }
}

/** Throws unless `values` has `n` elements. */
export function checkLength(values: ArrayLike<number>, n: number, column: string, what = "one per element of yTrue"): void {
  if (values.length !== n) {
    throw new DataValidationError({
      code: "length_mismatch",
      column,
      expected: `${n} values (${what})`,
      received: `${values.length}`,
    });
  }
}

/** `nClasses` as an integer >= 2, or an InvalidParameterError naming the calling function. */
export function checkNClasses(nClasses: unknown, owner: string): number {
  if (typeof nClasses !== "number" || !Number.isInteger(nClasses) || nClasses < 2) {
    throw new InvalidParameterError("nClasses", "an integer >= 2", nClasses, owner);
  }
  return nClasses;
}

/**
 * Class indices as an Int32Array: every value an integer in 0..nClasses-1 (or any integer >= 0 when
 * `nClasses` is undefined).
 */
export function classIndices(values: ArrayLike<number>, column: string, nClasses?: number): Int32Array {
  const n = values.length;
  const out = new Int32Array(n);
  const limit = nClasses ?? 2 ** 31 - 1;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < limit)) {
      throw new DataValidationError({
        code: "invalid_value",
        column,
        row: i + 1,
        expected:
          nClasses === undefined ? "a class index (an integer >= 0)"
          : nClasses === 2 ? "a binary label, 0 or 1"
          : `a class index from 0 to ${nClasses - 1}`,
        received: String(v),
      });
    }
    out[i] = v;
  }
  return out;
}

/** The values as a Float64Array, each finite (and within [min, max] when given). */
export function finiteValues(values: ArrayLike<number>, column: string, min?: number, max?: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(Number.isFinite(v) && v >= lo && v <= hi)) {
      throw new DataValidationError({
        code: "invalid_value",
        column,
        row: i + 1,
        expected: min === undefined ? "a finite number" : `a probability in [${lo}, ${hi}]`,
        received: String(v),
      });
    }
    out[i] = v;
  }
  return out;
}

/**
 * Sample weights as a Float64Array (or undefined when none are given): one per row, finite and
 * non-negative, not all zero (every weighted mean would divide by zero; `metric` names the metric in
 * that error).
 */
export function sampleWeights(weights: ArrayLike<number> | undefined, n: number, metric: string): Float64Array | undefined {
  if (weights === undefined) return undefined;
  checkLength(weights, n, "sampleWeight");
  const out = new Float64Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new DataValidationError({
        code: "invalid_value",
        column: "sampleWeight",
        row: i + 1,
        expected: "a finite weight >= 0",
        received: String(w),
      });
    }
    if (w !== 0) any = true;
    out[i] = w;
  }
  if (!any) throw new MetricError(metric, "all sample weights are zero; a weighted metric is undefined");
  return out;
}
