/**
 * The fitted linear model: the design transforms (imputation, standardization, one-hot) plus one row of
 * coefficients and an intercept per output, and a link: identity (regression), logit (binary: one row,
 * P(class 1) = sigmoid(margin)) or softmax (multiclass: one row per class). Saved as a model file whose
 * header holds the design state and fit report, and whose arrays are the coefficients and intercepts, so
 * a loaded model computes the very same floating-point operations on the very same numbers: predictions
 * after save and load are bit-identical.
 */
import { InvalidParameterError, ModelFormatError } from "../../core/errors.js";
import type { Matrix } from "../../core/matrix.js";
import type { Dataset, Schema, Task } from "../../core/types.js";
import { DesignTransform, type DesignState, type EncodedDesign } from "../../features/design.js";
import { sigmoid, softmaxRows } from "../../kernels/glm.js";
import { mixedAffineRowScaled, mixedAffineRows, timesPowerOfTwo } from "../../kernels/mixed.js";
import { encodeModelFile, type ModelContent, type ModelLoader } from "../format.js";
import type { FeatureImportance, Model, ModelFileExtras } from "../types.js";

/** How margins become predictions. */
export type LinearLink = "identity" | "logit" | "softmax";

/** How the fit went: the solver, its iterations and whether it converged. */
export interface LinearFitInfo {
  /** "cholesky" (ordinary, ridge), "coordinate-descent" (lasso, elastic net), "newton" (smooth logistic), "proximal-newton" (L1 logistic), each prefixed "block-" for multinomial; "lbfgs" (smooth logistic with many classes or columns, solver-lbfgs.ts); "block-newton+lbfgs" (a multinomial fit that block Newton did not finish in 30 cycles, ended by L-BFGS). */
  readonly solver: string;
  /** Newton iterations, cycles over the class blocks, L-BFGS iterations, or coordinate-descent sweeps (1 for a closed form). */
  readonly nIter: number;
  /** False when maxIter was reached first: the coefficients are not at the optimum (worth a warning). */
  readonly converged: boolean;
  /** The final optimality violation, to compare with `tol`. */
  readonly violation: number;
  /** The final value of the weight-normalized objective. */
  readonly objective: number;
  /** The L1 and L2 weights of the normalized objective that was minimized. */
  readonly l1: number;
  readonly l2: number;
}

/** The JSON state of a LinearModel, kept in the model file's header. */
export interface LinearState {
  /** The estimator that fitted it: "LogisticRegression", "LinearRegression" or "LinearEstimator". */
  readonly estimator: string;
  readonly link: LinearLink;
  /** Rows of coefficients: 1 for regression and binary, the number of classes for softmax. */
  readonly nOutputs: number;
  readonly design: DesignState;
  readonly fit: LinearFitInfo;
  /** Per feature, the training std of its contribution to the margin (see importance()). */
  readonly importance: readonly number[];
}

/** Coefficients in the units of the original features (see LinearModel.coefficients). */
export interface LinearCoefficients {
  /** Design column names: "age", "age:missing", "color=red". */
  readonly columns: readonly string[];
  /** What each row predicts: the target name (regression), the positive class (binary), each class (softmax). */
  readonly outputs: readonly string[];
  /** weights[k][c]: the change of output k's margin per unit of column c's raw (imputed) value. */
  readonly weights: readonly (readonly number[])[];
  /** The intercept of each output, for raw (unstandardized) inputs. -Infinity for a class absent from training. */
  readonly intercepts: readonly number[];
}

/**
 * A fitted linear model (logistic or linear regression). Made by LogisticRegression, LinearRegression or
 * LinearEstimator; loaded from a file by loadLinearModel.
 *
 * @example
 * const model = new LogisticRegression({ C: 0.5 }).fit(train);
 * model.predictProba(test); // test.nRows x nClasses
 * model.coefficients().weights[0]; // per design column, in original units
 */
export class LinearModel implements Model {
  /** Always "linear". */
  readonly kind = "linear";
  readonly task: Task;
  readonly schema: Schema;
  readonly params: Readonly<Record<string, unknown>>;
  /** The fitted design transforms. */
  readonly design: DesignTransform;
  readonly link: LinearLink;
  /** How the fit went (iterations, convergence). */
  readonly fitInfo: LinearFitInfo;
  /** The estimator that fitted the model. */
  readonly estimator: string;
  readonly #coef: Float64Array;
  readonly #intercept: Float64Array;
  readonly #nOutputs: number;
  readonly #importance: readonly number[];

  constructor(schema: Schema, params: Readonly<Record<string, unknown>>, state: LinearState, design: DesignTransform, coef: Float64Array, intercept: Float64Array) {
    this.task = schema.target.task;
    this.schema = schema;
    this.params = params;
    this.design = design;
    this.link = state.link;
    this.fitInfo = state.fit;
    this.estimator = state.estimator;
    this.#nOutputs = state.nOutputs;
    this.#importance = state.importance;
    this.#coef = coef;
    this.#intercept = intercept;
  }

  /** True when the solver met its tolerance; false means maxIter was hit (warn the user). */
  get converged(): boolean {
    return this.fitInfo.converged;
  }

  /**
   * The margins X W^T + b on the design scale: nRows x nOutputs (one column for regression and binary,
   * the log-odds of class 1 for binary).
   */
  decisionFunction(data: Dataset): Matrix {
    return { nRows: data.nRows, nCols: this.#nOutputs, data: this.#margins(data, false) };
  }

  /**
   * The margins, nRows x nOutputs. A row with a non-finite margin (an extreme but finite input: 1e308
   * standardized by a scale below 1 is Infinity, and Infinity times a zero coefficient NaN) is computed
   * again from its raw values in scaled arithmetic (kernels/mixed.ts, mixedAffineRowScaled), so its
   * margins are what exact-range arithmetic gives: finite, or ±Infinity when the margin itself exceeds
   * the double range, never NaN. With `relative`, such a row's margins are written minus the row's
   * largest, which softmax does not see (two classes whose margins both overflow keep their difference).
   */
  #margins(data: Dataset, relative: boolean): Float64Array {
    const x = this.design.encode(data);
    const k = this.#nOutputs;
    const out = new Float64Array(data.nRows * k);
    mixedAffineRows(x.dense, x.nDense, x.codes, x.nCodes, x.nRows, x.nColumns, this.#coef, this.#intercept, k, out);
    // Made for the first row whose margins overflowed: ordinary rows cost only the check.
    let raw: EncodedDesign | undefined;
    let scaled: Float64Array | undefined;
    for (let i = 0, at = 0; i < data.nRows; i++, at += k) {
      let finite = true;
      for (let o = 0; o < k; o++) if (!Number.isFinite(out[at + o]!) && !(out[at + o] === -Infinity && this.#intercept[o] === -Infinity)) finite = false;
      if (finite) continue;
      raw ??= this.design.encodeUnstandardized(data);
      scaled ??= new Float64Array(k);
      const { columnShift, columnDivisor } = this.design;
      const power = mixedAffineRowScaled(raw.dense, raw.nDense, raw.codes, raw.nCodes, i, raw.nColumns, columnShift, columnDivisor, this.#coef, this.#intercept, k, scaled, 0);
      let largest = -Infinity;
      if (relative) for (let o = 0; o < k; o++) if (scaled[o]! > largest) largest = scaled[o]!;
      for (let o = 0; o < k; o++) out[at + o] = timesPowerOfTwo(relative ? scaled[o]! - largest : scaled[o]!, power);
    }
    return out;
  }

  /** Regression: the predicted values. Classification: the class index, the most probable class (binary: P(class 1) > 0.5). */
  predict(data: Dataset): Float64Array {
    if (this.link === "identity") return this.decisionFunction(data).data;
    const proba = this.predictProba(data);
    const out = new Float64Array(data.nRows);
    const k = proba.nCols;
    if (this.link === "logit") {
      for (let i = 0; i < data.nRows; i++) out[i] = proba.data[i * 2 + 1]! > 0.5 ? 1 : 0;
      return out;
    }
    for (let i = 0, row = 0; i < data.nRows; i++, row += k) {
      let best = 0;
      for (let c = 1; c < k; c++) if (proba.data[row + c]! > proba.data[row + best]!) best = c;
      out[i] = best;
    }
    return out;
  }

  /** Class probabilities, nRows x nClasses (2 columns for binary); each row sums to 1. Throws for regression. */
  predictProba(data: Dataset): Matrix {
    if (this.link === "identity") throw new InvalidParameterError("predictProba", "a classification model", "a regression model", "LinearModel");
    const n = data.nRows;
    if (this.link === "softmax") {
      const margins = this.#margins(data, true);
      softmaxRows(margins, n, this.#nOutputs, margins);
      return { nRows: n, nCols: this.#nOutputs, data: margins };
    }
    const p = new Float64Array(n);
    sigmoid(this.#margins(data, false), n, p);
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      out[2 * i] = 1 - p[i]!;
      out[2 * i + 1] = p[i]!;
    }
    return { nRows: n, nCols: 2, data: out };
  }

  /**
   * Feature importances, largest first: the standard deviation over the training rows of the feature's
   * contribution to the margin (its value and missing indicator, or its one-hot columns, times their
   * coefficients), averaged over the outputs that were fitted (classes seen in training).
   */
  importance(): FeatureImportance[] {
    return this.schema.features
      .map((feature, f) => ({ feature: feature.name, importance: this.#importance[f] ?? 0 }))
      .sort((a, b) => b.importance - a.importance);
  }


  /**
   * The fitted coefficients in the units of the original features: for a standardized numeric column the
   * design coefficient divided by the column's std, with the intercept shifted by coefficient * mean / std,
   * so margin = intercept + sum(weight * raw value) (missing values replaced by their training mean).
   */
  coefficients(): LinearCoefficients {
    const { columnNames, columnShift, columnDivisor, nColumns } = this.design;
    const target = this.schema.target;
    const classes = target.classes ?? ["0", "1"];
    const outputs = this.link === "identity" ? [target.name] : this.link === "logit" ? [classes[1]!] : [...classes];
    const weights: number[][] = [];
    const intercepts: number[] = [];
    for (let k = 0; k < this.#nOutputs; k++) {
      const row: number[] = [];
      let intercept = this.#intercept[k]!;
      for (let c = 0; c < nColumns; c++) {
        const weight = this.#coef[k * nColumns + c]! / columnDivisor[c]!;
        row.push(weight);
        intercept -= weight * columnShift[c]!;
      }
      weights.push(row);
      intercepts.push(intercept);
    }
    return { columns: [...columnNames], outputs, weights, intercepts };
  }

  /** The solver, its iterations and whether it converged. */
  fitSummary(): Readonly<Record<string, number | string | boolean | null>> {
    return { solver: this.fitInfo.solver, iterations: this.fitInfo.nIter, converged: this.fitInfo.converged };
  }

  /** The model as a model file: header (schema, params, design state, fit report), arrays coef and intercept. */
  toBytes(extra: ModelFileExtras = {}): Uint8Array {
    const state: LinearState = { estimator: this.estimator, link: this.link, nOutputs: this.#nOutputs, design: this.design.toJSON(), fit: this.fitInfo, importance: this.#importance };
    return encodeModelFile({ kind: this.kind, task: this.task, schema: this.schema, params: this.params, state, ...extra }, { coef: this.#coef, intercept: this.#intercept });
  }
}

const LINKS: Readonly<Record<Task, LinearLink[]>> = { regression: ["identity"], binary: ["logit"], multiclass: ["softmax"] };

/**
 * Rebuilds a LinearModel from a decoded model file (see ../format.ts). Checks the state, that the design
 * reads the schema's features, and the arrays' types and lengths; anything off is a ModelFormatError
 * ("corrupt_header"): a model file is data, never code.
 *
 * @example
 * const model = loadLinearModel(decodeModelFile(bytes));
 */
export const loadLinearModel: ModelLoader<LinearModel> = (content: ModelContent, file?: string) => {
  const { header, arrays } = content;
  const bad = (detail: string): never => {
    throw new ModelFormatError("corrupt_header", detail, file);
  };
  if (header.kind !== "linear") bad(`expected a linear model, got "${header.kind}"`);
  const state = header.state as LinearState | undefined;
  if (!state || typeof state !== "object" || typeof state.estimator !== "string" || !state.fit || typeof state.fit !== "object") bad("the linear model state is missing");
  const { link, nOutputs } = state!;
  if (!(LINKS[header.task] ?? []).includes(link)) bad(`link "${String(link)}" does not fit task "${header.task}"`);
  const classes = header.schema.target?.classes;
  const expectedOutputs = link === "softmax" ? (classes?.length ?? 0) : 1;
  if (!Number.isInteger(nOutputs) || nOutputs !== expectedOutputs || nOutputs < 1) bad(`${String(nOutputs)} outputs, expected ${expectedOutputs}`);
  let design: DesignTransform;
  try {
    design = DesignTransform.fromJSON(state!.design);
  } catch (error) {
    if (error instanceof ModelFormatError) bad(error.detail);
    throw error;
  }
  const features = header.schema.features;
  if (!Array.isArray(features) || features.length !== design!.features.length || design!.features.some((f, i) => f.name !== features[i]?.name || f.kind !== features[i]?.kind)) {
    bad("the preprocessing state does not match the schema's features");
  }
  if (!Array.isArray(state!.importance) || state!.importance.length !== features.length || state!.importance.some((v) => typeof v !== "number")) {
    bad("the feature importances do not match the schema's features");
  }
  const coef = arrays["coef"];
  const intercept = arrays["intercept"];
  if (!(coef instanceof Float64Array) || coef.length !== nOutputs * design!.nColumns) bad(`array "coef" must be f64 of length ${nOutputs * design!.nColumns}`);
  if (!(intercept instanceof Float64Array) || intercept.length !== nOutputs) bad(`array "intercept" must be f64 of length ${nOutputs}`);
  return new LinearModel(header.schema, header.params, state!, design!, coef as Float64Array, intercept as Float64Array);
};
