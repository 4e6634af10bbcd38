/**
 * Row weights shared by every estimator: the caller's sample weights checked once, the same way, and
 * scikit-learn's class_weight="balanced".
 */
import { DataValidationError } from "../core/errors.js";

/**
 * Checks sample weights: one per row, each finite and >= 0, at least one > 0. `file` names the data in
 * the error (the weights' column is "sampleWeight" to the library; the CLI checks its --weight column first).
 */
export function checkSampleWeights(sampleWeight: Float64Array, nRows: number, file: string | undefined): void {
  if (sampleWeight.length !== nRows) {
    throw new DataValidationError({ code: "length_mismatch", file, column: "sampleWeight", expected: `${nRows} weights (one per row)`, received: String(sampleWeight.length) });
  }
  let anyPositive = false;
  for (let r = 0; r < nRows; r++) {
    const v = sampleWeight[r]!;
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new DataValidationError({ code: "invalid_value", file, column: "sampleWeight", row: r + 1, expected: "a finite weight >= 0", received: String(v) });
    }
    if (v > 0) anyPositive = true;
  }
  if (!anyPositive) throw new DataValidationError({ code: "invalid_value", file, column: "sampleWeight", expected: "at least one weight > 0", received: "all weights 0" });
}

/**
 * scikit-learn's class_weight="balanced" times the sample weights (1 where none are given): each row of
 * class k weighs rows / (classes present x rows of class k). The counts are unweighted and only classes
 * with rows count, as compute_class_weight("balanced", classes=np.unique(y), y=y) has it. `y` holds class
 * indices in 0..nClasses-1.
 */
export function balancedRowWeights(y: ArrayLike<number>, nClasses: number, sampleWeight?: Float64Array): Float64Array {
  const nRows = y.length;
  const counts = new Float64Array(nClasses);
  for (let r = 0; r < nRows; r++) counts[y[r]!]!++;
  let present = 0;
  for (let k = 0; k < nClasses; k++) if (counts[k]! > 0) present++;
  const out = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) out[r] = (sampleWeight ? sampleWeight[r]! : 1) * (nRows / (present * counts[y[r]!]!));
  return out;
}
