/**
 * Standardization of one numeric column, as scikit-learn's StandardScaler: subtract the mean, divide
 * by the population standard deviation (ddof = 0); a constant column gets scale 1, so it becomes all
 * zeros instead of a division by zero.
 */
import { ModelFormatError } from "../core/errors.js";

/** The JSON state of a fitted Standardizer. */
export interface StandardizerState {
  readonly mean: number;
  /** The population standard deviation, or 1 for a constant column. */
  readonly scale: number;
}

/**
 * A fitted standardizer for one numeric column without missing values (impute first).
 *
 * @example
 * const s = Standardizer.fit(new Float64Array([1, 2, 3])); // mean 2, scale sqrt(2/3)
 */
export class Standardizer {
  readonly mean: number;
  readonly scale: number;

  constructor(state: StandardizerState) {
    this.mean = state.mean;
    this.scale = state.scale;
  }

  /**
   * Fits mean and population std with two passes (the one-pass sum of squares loses digits when the
   * mean is large next to the spread). "Constant" is decided exactly, min === max, because a computed
   * variance of a constant column is round-off, not zero.
   */
  static fit(values: Float64Array): Standardizer {
    const n = values.length;
    if (n === 0) return new Standardizer({ mean: 0, scale: 1 });
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / n;
    if (min === max) return new Standardizer({ mean, scale: 1 });
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const d = values[i]! - mean;
      squares += d * d;
    }
    const scale = Math.sqrt(squares / n);
    return new Standardizer({ mean, scale: scale > 0 ? scale : 1 });
  }

  /** Standardizes in place at out[offset + i * stride], for i < nRows. */
  transformInPlace(out: Float64Array, nRows: number, offset: number, stride: number): void {
    const { mean, scale } = this;
    for (let i = 0, o = offset; i < nRows; i++, o += stride) out[o] = (out[o]! - mean) / scale;
  }

  /** The state to save in a model file. */
  toJSON(): StandardizerState {
    return { mean: this.mean, scale: this.scale };
  }

  /** Rebuilds from saved state; a malformed state is a ModelFormatError. */
  static fromJSON(state: unknown): Standardizer {
    const s = state as StandardizerState;
    if (!s || typeof s.mean !== "number" || !Number.isFinite(s.mean) || typeof s.scale !== "number" || !(s.scale > 0) || !Number.isFinite(s.scale)) {
      throw new ModelFormatError("corrupt_header", "a standardizer's state is invalid");
    }
    return new Standardizer(s);
  }
}
