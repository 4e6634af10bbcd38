/**
 * Shared types: columns, schema, dataset. Columnar throughout: numeric columns are Float64Array with NaN
 * for missing; categorical columns are Int32Array codes into a dictionary, -1 for missing (or a category
 * the dictionary does not know).
 */

/** The learning task, decided by the target unless the user says otherwise. */
export type Task = "binary" | "multiclass" | "regression";

/** Code of a missing (or unknown) category in a categorical column. */
export const MISSING_CODE = -1;

/** A numeric column: NaN marks a missing value. */
export interface NumericColumn {
  readonly kind: "numeric";
  readonly name: string;
  readonly values: Float64Array;
  /** Set when the column is a part of a date or timestamp column of the input (see FeatureSpec). */
  readonly derivedFrom?: { readonly column: string; readonly part: DatePart };
}

/** A categorical column: codes index `categories`; MISSING_CODE (-1) marks a missing or unknown value. */
export interface CategoricalColumn {
  readonly kind: "categorical";
  readonly name: string;
  readonly codes: Int32Array;
  readonly categories: readonly string[];
}

/** One feature column of a dataset. */
export type Column = NumericColumn | CategoricalColumn;

/** The part of a date or timestamp that a derived feature holds. */
export type DatePart = "year" | "month" | "day" | "dayofweek" | "hour";

/** How one feature of a model is read from input data. */
export interface FeatureSpec {
  /** The feature's name, as models and outputs show it. */
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  /** The dictionary of a categorical feature, in code order. */
  readonly categories?: readonly string[];
  /** Set when the feature is derived from a date or timestamp column of the input. */
  readonly derivedFrom?: { readonly column: string; readonly part: DatePart };
}

/** The target: its name, the task and, for classifiers, the class labels in index order. */
export interface TargetSpec {
  readonly name: string;
  readonly task: Task;
  /** Class labels as strings, sorted as scikit-learn sorts them (numerically if all are numbers). */
  readonly classes?: readonly string[];
}

/** What a model needs from its input, and how to read it. */
export interface Schema {
  readonly features: readonly FeatureSpec[];
  readonly target: TargetSpec;
  /** SQL expressions the user defined columns with (`name=expression`), applied when reading. */
  readonly derived?: readonly { readonly name: string; readonly expression: string }[];
}

/**
 * The target column. For classification `values` holds class indices (0..classes.length-1) as numbers;
 * for regression, the values themselves. Rows with a missing target are dropped when the data is read.
 */
export interface TargetColumn {
  readonly name: string;
  readonly task: Task;
  readonly values: Float64Array;
  readonly classes?: readonly string[];
}

/**
 * A columnar table of features, with an optional target kept apart. `fingerprint` is a hash of the
 * schema and the content, for tracking which data a model was trained on.
 */
export interface Dataset {
  readonly nRows: number;
  readonly features: readonly Column[];
  readonly target?: TargetColumn;
  /** Extra columns carried along but not used as features (ids given with --id, the time column...). */
  readonly extras?: readonly Column[];
  readonly fingerprint: string;
  /** Where the data came from, for messages. */
  readonly source?: string;
  /** How many rows were dropped because their target was missing. */
  readonly droppedRows?: number;
  /** SQL expressions that defined columns of this dataset (`--derive`), to read new data the same way. */
  readonly derived?: readonly { readonly name: string; readonly expression: string }[];
}

/** Number of classes of a classification task (2 for binary), or 1 for regression. */
export function nOutputs(target: TargetSpec | TargetColumn): number {
  return target.task === "regression" ? 1 : (target.classes?.length ?? 2);
}
