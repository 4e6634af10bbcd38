/**
 * Mean imputation of one numeric column, with a missing-indicator column when the training data had
 * missing values (scikit-learn's SimpleImputer(strategy="mean", add_indicator=True), whose indicator
 * covers only the features that had missing values in training).
 */
import { ModelFormatError } from "../core/errors.js";
import { finiteMean, meanFromSum } from "./standardizer.js";

/** The JSON state of a fitted MeanImputer. */
export interface MeanImputerState {
  /** The value that replaces a missing one: the mean of the training values present. */
  readonly mean: number;
  /** Whether the training column had missing values, so the design gets an indicator column for it. */
  readonly indicator: boolean;
}

/**
 * A fitted mean imputer for one numeric column. A missing value (NaN) becomes the training mean; when
 * the training column had missing values, `indicator` is set and `indicatorInto` writes a 1/0 "was
 * missing" column, so a model can learn that missingness itself is informative. A column that had no
 * missing values in training gets no indicator, and a value missing at predict time is still imputed.
 *
 * @example
 * const imputer = MeanImputer.fit(new Float64Array([1, NaN, 3])); // mean 2, indicator true
 */
export class MeanImputer {
  readonly mean: number;
  readonly indicator: boolean;

  constructor(state: MeanImputerState) {
    this.mean = state.mean;
    this.indicator = state.indicator;
  }

  /** Fits on training values. An all-missing column imputes 0 (there is no mean to take). */
  static fit(values: Float64Array): MeanImputer {
    let sum = 0;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v === v) {
        sum += v;
        count++;
      }
    }
    if (count === values.length) return new MeanImputer({ mean: count > 0 ? meanFromSum(values, sum) : 0, indicator: false });
    if (count === 0 || Number.isFinite(sum)) return new MeanImputer({ mean: count > 0 ? sum / count : 0, indicator: true });
    // The sum overflowed: the present values again, on their own, for finiteMean's scaled sum.
    const present = new Float64Array(count);
    for (let i = 0, j = 0; i < values.length; i++) if (values[i] === values[i]) present[j++] = values[i]!;
    return new MeanImputer({ mean: finiteMean(present), indicator: true });
  }

  /** Writes the imputed values to out[offset + i * stride]. */
  transformInto(values: Float64Array, out: Float64Array, offset: number, stride: number): void {
    const mean = this.mean;
    for (let i = 0, o = offset; i < values.length; i++, o += stride) {
      const v = values[i]!;
      out[o] = v === v ? v : mean;
    }
  }

  /** Writes the missing indicator (1 where the value is NaN, else 0) to out[offset + i * stride]. */
  indicatorInto(values: Float64Array, out: Float64Array, offset: number, stride: number): void {
    for (let i = 0, o = offset; i < values.length; i++, o += stride) out[o] = values[i]! === values[i]! ? 0 : 1;
  }

  /** The state to save in a model file. */
  toJSON(): MeanImputerState {
    return { mean: this.mean, indicator: this.indicator };
  }

  /** Rebuilds from saved state; a malformed state is a ModelFormatError. */
  static fromJSON(state: unknown): MeanImputer {
    const s = state as MeanImputerState;
    if (!s || typeof s.mean !== "number" || !Number.isFinite(s.mean) || typeof s.indicator !== "boolean") {
      throw new ModelFormatError("corrupt_header", "a mean imputer's state is invalid");
    }
    return new MeanImputer(s);
  }
}
