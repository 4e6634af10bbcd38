/**
 * The design matrix of a linear model: each feature turned into numeric columns by fitted transforms.
 *
 *   numeric feature      -> its value, mean-imputed, then standardized (if `standardize`);
 *                           plus a 0/1 "name:missing" indicator column if training had missing values
 *   categorical feature  -> one 0/1 "name=label" column per category seen in training (see one-hot.ts)
 *
 * Column order: first the numeric features' columns (value, then indicator, feature by feature), then
 * the categorical features' one-hot blocks, feature by feature. That order lets the design be kept
 * compact (`encode`): a dense block for the numeric columns plus one column index per categorical
 * feature and row, which is how the solvers and predictions read it (kernels/mixed.ts); a feature with
 * hundreds of categories then costs 4 bytes a row, not hundreds of doubles. `designMatrix` expands it.
 * The fitted transforms are plain JSON state, saved in the model file's header.
 */
import { DataValidationError, ModelFormatError } from "../core/errors.js";
import type { Matrix } from "../core/matrix.js";
import type { Dataset } from "../core/types.js";
import { MeanImputer, type MeanImputerState } from "./imputer.js";
import { OneHotEncoder, type OneHotState } from "./one-hot.js";
import { mixedToDense } from "../kernels/mixed.js";
import { checkFeatures } from "./schema.js";
import { Standardizer, type StandardizerState } from "./standardizer.js";

/** Options of fitDesign. */
export interface DesignOptions {
  /** Standardize numeric value columns (mean 0, population std 1). One-hot and indicator columns stay 0/1. */
  readonly standardize: boolean;
  /** One-hot columns per categorical feature, the most frequent categories (default: all). */
  readonly maxCategories?: number;
}

/** The saved state of one numeric feature's transforms. */
export interface NumericFeatureState {
  readonly kind: "numeric";
  readonly name: string;
  readonly imputer: MeanImputerState;
  /** Statistics of the imputed training column; applied only when the design standardizes. */
  readonly standardizer: StandardizerState;
}

/** The saved state of one categorical feature's encoder. */
export interface CategoricalFeatureState {
  readonly kind: "categorical";
  readonly name: string;
  readonly encoder: OneHotState;
}

/** The JSON state of a fitted DesignTransform. */
export interface DesignState {
  readonly standardize: boolean;
  readonly features: readonly (NumericFeatureState | CategoricalFeatureState)[];
}

/**
 * One feature's transforms and where they write: a numeric feature's value goes to dense slot `column`
 * (its indicator to `column + 1`); a categorical feature's one-hot block starts at design column
 * `column`, and its code goes to code slot `slot`.
 */
type FeatureStep =
  | { readonly kind: "numeric"; readonly name: string; readonly imputer: MeanImputer; readonly standardizer: Standardizer; readonly column: number }
  | { readonly kind: "categorical"; readonly name: string; readonly encoder: OneHotEncoder; readonly column: number; readonly slot: number };

/**
 * A design matrix in compact form (see kernels/mixed.ts): row i is dense[i * nDense ..] followed by
 * one-hot columns, of which codes[i * nCodes + f] (or none, when -1) is set for categorical feature f.
 */
export interface EncodedDesign {
  readonly nRows: number;
  /** Total design columns: nDense plus every one-hot column. */
  readonly nColumns: number;
  readonly nDense: number;
  /** nRows x nDense, row-major: the numeric value and indicator columns. */
  readonly dense: Float64Array;
  /** Number of categorical features. */
  readonly nCodes: number;
  /** nRows x nCodes, row-major: the design column each categorical feature sets to 1, or -1. */
  readonly codes: Int32Array;
}

/** What one design column is made of. */
export type DesignColumnKind = "value" | "missing" | "category";

/**
 * Fitted transforms from a dataset's features to a design matrix. Fit on training data with fitDesign;
 * apply to any data aligned to the same schema with designMatrix.
 *
 * @example
 * const design = fitDesign(train, { standardize: true });
 * const x = designMatrix(test, design); // test.nRows x design.nColumns
 * design.columnNames; // ["age", "age:missing", "height", "color=red", "color=blue"]
 */
export class DesignTransform {
  readonly standardize: boolean;
  /** Number of design columns. */
  readonly nColumns: number;
  /** Name of each design column: "age", "age:missing", "color=red". */
  readonly columnNames: readonly string[];
  /** The feature (index into the schema's features) each design column comes from. */
  readonly columnFeature: Int32Array;
  /** What each design column holds. */
  readonly columnKinds: readonly DesignColumnKind[];
  /**
   * The shift and divisor each design column applies to its (imputed) raw value, design = (raw - shift) /
   * divisor: the standardizer's mean and scale for a standardized value column, 0 and 1 for the others.
   * They map coefficients back to the original units.
   */
  readonly columnShift: Float64Array;
  readonly columnDivisor: Float64Array;
  /**
   * The training standard deviation of each column in design units: 1 for a standardized column, the
   * population std for an unstandardized value column, 1 for indicator and one-hot columns. |coefficient|
   * times this is the coefficient on the standardized scale, which importances compare.
   */
  readonly columnStd: Float64Array;
  /** Number of dense (numeric value and indicator) columns, which come first. */
  readonly nDense: number;
  /** Number of categorical features, each one code per row in the compact form. */
  readonly nCodes: number;
  readonly #steps: readonly FeatureStep[];

  private constructor(standardize: boolean, steps: FeatureStep[]) {
    this.standardize = standardize;
    this.#steps = steps;
    const names: string[] = [];
    const features: number[] = [];
    const kinds: DesignColumnKind[] = [];
    const shift: number[] = [];
    const divisor: number[] = [];
    const std: number[] = [];
    const add = (name: string, f: number, kind: DesignColumnKind, columnShift = 0, columnDivisor = 1, columnStd = 1): void => {
      names.push(name);
      features.push(f);
      kinds.push(kind);
      shift.push(columnShift);
      divisor.push(columnDivisor);
      std.push(columnStd);
    };
    steps.forEach((step, f) => {
      if (step.kind !== "numeric") return;
      const { mean, scale } = step.standardizer;
      add(step.name, f, "value", standardize ? mean : 0, standardize ? scale : 1, standardize ? 1 : scale);
      if (step.imputer.indicator) add(`${step.name}:missing`, f, "missing");
    });
    this.nDense = names.length;
    let nCodes = 0;
    steps.forEach((step, f) => {
      if (step.kind !== "categorical") return;
      nCodes++;
      for (const label of step.encoder.labels) add(`${step.name}=${label}`, f, "category");
    });
    this.nCodes = nCodes;
    this.nColumns = names.length;
    this.columnNames = names;
    this.columnFeature = Int32Array.from(features);
    this.columnKinds = kinds;
    this.columnShift = Float64Array.from(shift);
    this.columnDivisor = Float64Array.from(divisor);
    this.columnStd = Float64Array.from(std);
  }

  /** Names and kinds of the features the design reads, in schema order. */
  get features(): readonly { readonly name: string; readonly kind: "numeric" | "categorical" }[] {
    return this.#steps.map(({ name, kind }) => ({ name, kind }));
  }

  /** Fits every feature's transforms on training data. */
  static fit(train: Dataset, options: DesignOptions): DesignTransform {
    const fitted = train.features.map((feature) => {
      if (feature.kind === "categorical") return { kind: "categorical" as const, name: feature.name, encoder: OneHotEncoder.fit(feature.codes, feature.categories, options.maxCategories ?? Infinity) };
      checkFinite(feature.name, feature.values, train.source);
      const imputer = MeanImputer.fit(feature.values);
      const imputed = new Float64Array(train.nRows);
      imputer.transformInto(feature.values, imputed, 0, 1);
      return { kind: "numeric" as const, name: feature.name, imputer, standardizer: Standardizer.fit(imputed) };
    });
    return new DesignTransform(options.standardize, placeSteps(fitted));
  }

  /**
   * The design of `data` in compact form (see EncodedDesign). `data` must have the training features in
   * the same order and kinds (DataValidationError "missing_feature" otherwise); infinite values are
   * refused ("invalid_value"), missing ones imputed.
   */
  encode(data: Dataset): EncodedDesign {
    return this.#encode(data, this.standardize);
  }

  /**
   * `encode` without the standardization: numeric value columns hold the imputed raw values, for
   * computations that apply (raw - columnShift) / columnDivisor themselves, such as the linear model's
   * margins of rows whose standardized values overflow (1e308 divided by a scale below 1).
   */
  encodeUnstandardized(data: Dataset): EncodedDesign {
    return this.#encode(data, false);
  }

  #encode(data: Dataset, standardize: boolean): EncodedDesign {
    checkFeatures(this.features, data);
    const { nRows } = data;
    const { nDense, nCodes } = this;
    const dense = new Float64Array(nRows * nDense);
    const codes = new Int32Array(nRows * nCodes);
    this.#steps.forEach((step, f) => {
      const feature = data.features[f]!;
      if (step.kind === "numeric" && feature.kind === "numeric") {
        checkFinite(feature.name, feature.values, data.source);
        step.imputer.transformInto(feature.values, dense, step.column, nDense);
        if (standardize) step.standardizer.transformInPlace(dense, nRows, step.column, nDense);
        if (step.imputer.indicator) step.imputer.indicatorInto(feature.values, dense, step.column + 1, nDense);
      } else if (step.kind === "categorical" && feature.kind === "categorical") {
        step.encoder.columnsInto(feature.codes, codes, step.slot, nCodes, step.column);
      }
    });
    return { nRows, nColumns: this.nColumns, nDense, dense, nCodes, codes };
  }

  /** The design matrix of `data`, expanded: nRows x nColumns, row-major (see `encode` for the checks). */
  transform(data: Dataset): Matrix {
    const e = this.encode(data);
    const out = new Float64Array(e.nRows * e.nColumns);
    mixedToDense(e.dense, e.nDense, e.codes, e.nCodes, e.nRows, e.nColumns, out);
    return { nRows: e.nRows, nCols: e.nColumns, data: out };
  }

  /** The state to save in a model file. */
  toJSON(): DesignState {
    return {
      standardize: this.standardize,
      features: this.#steps.map((step) =>
        step.kind === "numeric"
          ? { kind: "numeric", name: step.name, imputer: step.imputer.toJSON(), standardizer: step.standardizer.toJSON() }
          : { kind: "categorical", name: step.name, encoder: step.encoder.toJSON() },
      ),
    };
  }

  /** Rebuilds from saved state; a malformed state is a ModelFormatError. */
  static fromJSON(state: unknown): DesignTransform {
    const s = state as DesignState;
    if (!s || typeof s.standardize !== "boolean" || !Array.isArray(s.features)) {
      throw new ModelFormatError("corrupt_header", "the design (preprocessing) state is invalid");
    }
    const fitted = s.features.map((feature) => {
      if (!feature || typeof feature.name !== "string") throw new ModelFormatError("corrupt_header", "a feature of the design state has no name");
      if (feature.kind === "numeric") {
        return { kind: "numeric" as const, name: feature.name, imputer: MeanImputer.fromJSON(feature.imputer), standardizer: Standardizer.fromJSON(feature.standardizer) };
      }
      if (feature.kind === "categorical") return { kind: "categorical" as const, name: feature.name, encoder: OneHotEncoder.fromJSON(feature.encoder) };
      throw new ModelFormatError("corrupt_header", `feature "${(feature as { name: string }).name}" of the design state has an unknown kind`);
    });
    return new DesignTransform(s.standardize, placeSteps(fitted));
  }
}

type UnplacedStep =
  | { readonly kind: "numeric"; readonly name: string; readonly imputer: MeanImputer; readonly standardizer: Standardizer }
  | { readonly kind: "categorical"; readonly name: string; readonly encoder: OneHotEncoder };

/** Assigns each feature its dense slot or its one-hot block and code slot, in the design's column order. */
function placeSteps(fitted: readonly UnplacedStep[]): FeatureStep[] {
  let nDense = 0;
  for (const step of fitted) if (step.kind === "numeric") nDense += step.imputer.indicator ? 2 : 1;
  let dense = 0;
  let column = nDense;
  let slot = 0;
  return fitted.map((step): FeatureStep => {
    if (step.kind === "numeric") {
      const placed = { ...step, column: dense };
      dense += step.imputer.indicator ? 2 : 1;
      return placed;
    }
    const placed = { ...step, column, slot: slot++ };
    column += step.encoder.nColumns;
    return placed;
  });
}

function checkFinite(name: string, values: Float64Array, file: string | undefined): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === Infinity || v === -Infinity) {
      throw new DataValidationError({ code: "invalid_value", file, column: name, row: i + 1, expected: "a finite number or a missing value", received: String(v) });
    }
  }
}

/**
 * Fits the design transforms (imputers, standardizers, one-hot encoders) on training data.
 *
 * @example
 * const design = fitDesign(train, { standardize: true });
 */
export function fitDesign(train: Dataset, options: DesignOptions): DesignTransform {
  return DesignTransform.fit(train, options);
}

/**
 * The design matrix of `data` under fitted transforms: nRows x fitted.nColumns, row-major Float64, with
 * column names in `fitted.columnNames`.
 *
 * @example
 * const x = designMatrix(test, design);
 */
export function designMatrix(data: Dataset, fitted: DesignTransform): Matrix {
  return fitted.transform(data);
}

/**
 * The design of `data` in compact form: the dense numeric columns plus one column index per categorical
 * feature and row (see EncodedDesign), for solvers and predictions that skip the one-hot zeros.
 *
 * @example
 * const { dense, codes } = encodeDesign(test, design);
 */
export function encodeDesign(data: Dataset, fitted: DesignTransform): EncodedDesign {
  return fitted.encode(data);
}
