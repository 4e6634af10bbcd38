/**
 * The estimator contract. An estimator is its parameters: it is built from validated, readonly params
 * and `fit` returns a separate fitted Model, never mutating the estimator (as scikit-learn's `clone`
 * assumes). A Model predicts on datasets read with its schema (see src/data readDataset's `schema`
 * option), so features arrive in the model's order with the model's category dictionaries.
 */
import type { Matrix } from "../core/matrix.js";
import type { Dataset, Schema, Task } from "../core/types.js";

/** Progress of a long fit, for progress bars. */
export interface Progress {
  /** What is being done ("boosting", "fitting"). */
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** True when `total` is only a limit (an iteration cap that convergence usually ends sooner): no ETA. */
  readonly upperBound?: boolean;
}

/** Options of `fit` that are not hyperparameters. */
export interface FitOptions {
  /** A validation set (early stopping, for models that use one). */
  readonly valid?: Dataset;
  /** Called now and then during a long fit. */
  readonly onProgress?: (progress: Progress) => void;
  /** Per-row weights of the training rows. */
  readonly sampleWeight?: Float64Array;
}

/** One feature's importance. */
export interface FeatureImportance {
  readonly feature: string;
  readonly importance: number;
}

/** A fitted model. */
export interface Model {
  /** The model family, as stored in the model file ("linear", "gbdt", ...). */
  readonly kind: string;
  readonly task: Task;
  readonly schema: Schema;
  /** The hyperparameters it was fitted with. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Predicted values: for regression the value; for classification the class index (0-based into
   * `schema.target.classes`), the most probable class (for binary, P(class 1) > 0.5).
   */
  predict(data: Dataset): Float64Array;
  /** Class probabilities, nRows x nClasses (2 columns for binary). Throws for regression. */
  predictProba(data: Dataset): Matrix;
  /** Feature importances, largest first. */
  importance(): FeatureImportance[];
  /** The model as a self-contained, checksummed model file (see ./format.ts). */
  toBytes(extra?: ModelFileExtras): Uint8Array;
  /**
   * How the fit went, in a few JSON figures (boosting rounds and best iteration; solver iterations and
   * convergence), for reports and `--json`.
   */
  fitSummary(): Readonly<Record<string, number | string | boolean | null>>;
}

/** Information saved beside a model that it does not need to predict. */
export interface ModelFileExtras {
  /** Fingerprint of the training data. */
  readonly fingerprint?: string;
  /** Metrics measured on held-out data. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Anything else worth keeping (number of rows, timings...). JSON values only. */
  readonly info?: Readonly<Record<string, unknown>>;
  /** A binary classifier's decision rule, chosen on validation data; `predict` writes its decisions. */
  readonly decision?: DecisionRule;
}

/** When a binary classifier acts: P(positive class) >= threshold. Saved in the model file. */
export interface DecisionRule {
  /** The probability of the positive class at or above which the decision is positive. */
  readonly threshold: number;
  /** How it was chosen: "cost" (least expected cost), "min_precision" or "min_recall". */
  readonly rule: string;
  /** The rule's inputs (costFp and costFn, or the precision / recall target). */
  readonly options: Readonly<Record<string, number>>;
  /** Figures at the threshold on the rows it was chosen on. */
  readonly precision: number;
  readonly recall: number;
  /** Mean cost per row at the threshold (cost rule only). */
  readonly expectedCost?: number;
  /** Which rows it was chosen on ("held-out rows", "out-of-fold predictions"). */
  readonly chosenOn: string;
}

/** An estimator: validated parameters plus `fit`. */
export interface Estimator<M extends Model = Model> {
  /** The model family it fits ("linear", "gbdt"...). */
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  fit(train: Dataset, options?: FitOptions): M;
}
