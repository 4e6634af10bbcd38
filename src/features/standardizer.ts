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
    const mean = meanFromSum(values, sum);
    if (min === max) return new Standardizer({ mean, scale: 1 });
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const d = values[i]! - mean;
      squares += d * d;
    }
    let scale = Math.sqrt(squares / n);
    if (scale === Infinity) {
      // A deviation above 1.3e154 squares to Infinity (and 1e308 minus a negative mean can overflow
      // itself). Again with every value scaled by 2^-power, exact for all but values too small to
      // matter next to these: the spread of values up to the largest double is at most that double.
      const power = Math.max(0, Math.ceil(Math.log2(Math.max(Math.abs(min), Math.abs(max)))) + 1 + Math.ceil(Math.log2(n) / 2) - 510);
      const down = 2 ** -power;
      const meanDown = mean * down;
      squares = 0;
      for (let i = 0; i < n; i++) {
        const d = values[i]! * down - meanDown;
        squares += d * d;
      }
      scale = Math.sqrt(squares / n) * 2 ** power;
    }
    return new Standardizer({ mean, scale: scale > 0 ? scale : 1 });
  }

  /**
   * Standardizes in place at out[offset + i * stride], for i < nRows. A value whose difference from the
   * mean overflows (the largest double minus a positive mean) is taken again in halves, exactly:
   * (v / 2 - mean / 2) / scale * 2, Infinity only when the standardized value itself exceeds the range.
   */
  transformInPlace(out: Float64Array, nRows: number, offset: number, stride: number): void {
    const { mean, scale } = this;
    for (let i = 0, o = offset; i < nRows; i++, o += stride) {
      const v = out[o]!;
      const z = (v - mean) / scale;
      out[o] = z === Infinity || z === -Infinity ? ((v * 0.5 - mean * 0.5) / scale) * 2 : z;
    }
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

/**
 * The mean of values that are all finite, without overflow: the plain sum when it is finite, else the
 * sum of every value times 2^-k, k = ceil(log2 n) + 1 (exact but for values too small to matter next
 * to those that overflowed), divided by n and scaled back.
 *
 * @example finiteMean(new Float64Array([1.7976931348623157e308, 1e308])); // 1.3988465674311579e308
 */
export function finiteMean(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return meanFromSum(values, sum);
}

/**
 * finiteMean from the plain sum of `values` in index order, which the caller has taken in a pass of its
 * own (so an ordinary column is read once): sum / n unless it overflowed.
 */
export function meanFromSum(values: Float64Array, sum: number): number {
  const n = values.length;
  // Finite terms never sum to NaN: once the running sum overflows it stays infinite.
  if (sum === Infinity || sum === -Infinity) {
    const power = Math.ceil(Math.log2(n)) + 1;
    const down = 2 ** -power;
    sum = 0;
    for (let i = 0; i < n; i++) sum += values[i]! * down;
    return (sum / n) * 2 ** power;
  }
  return sum / n;
}
