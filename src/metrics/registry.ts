/**
 * Metrics by name. The names are scikit-learn's scorer names without the `neg_` prefix (`rmse`,
 * `mae`, `log_loss` and `brier_score` are shortened); `greaterIsBetter` says which way is better, so
 * callers never negate. Everything that reports or compares models goes through `computeMetrics`.
 */
import { InvalidParameterError } from "../core/errors.js";
import type { Task } from "../core/types.js";
import {
  accuracyScore,
  balancedAccuracyScore,
  brierScoreLoss,
  cohenKappaScore,
  f1Score,
  logLoss,
  matthewsCorrcoef,
  precisionScore,
  recallScore,
  type Average,
} from "./classification.js";
import { averagePrecisionScore, rocAucOvrScore, rocAucScore } from "./ranking.js";
import {
  explainedVarianceScore,
  maxError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  r2Score,
  rootMeanSquaredError,
} from "./regression.js";
import { checkLength, checkNClasses } from "./validate.js";

/** What `computeMetrics` and `MetricSpec.compute` are given. */
export interface MetricInput {
  /** True class indices (classification) or values (regression). */
  yTrue: ArrayLike<number>;
  /**
   * Predicted class indices or values. For classification it may be left out: binary labels are then
   * proba > 0.5, multiclass labels the most probable class (the first on ties), as `predict` does.
   */
  yPred?: ArrayLike<number>;
  /** Binary: P(class 1) per row. Multiclass: row-major nRows x nClasses. */
  proba?: ArrayLike<number>;
  /** The number of classes: required for multiclass, 2 (the default) for binary, ignored for regression. */
  nClasses?: number;
  /** One non-negative weight per row; `max_error` ignores it (sklearn's max_error takes none). */
  sampleWeight?: ArrayLike<number>;
}

/** A metric's description and its computation. */
export interface MetricSpec {
  /** The name, as in sklearn's scorer names without `neg_`. */
  readonly name: MetricName;
  /** The tasks the metric is defined for. */
  readonly task: readonly Task[];
  /** What it reads: probabilities or scores, predicted labels, or predicted values. */
  readonly needs: "proba" | "label" | "value";
  /** True for scores (higher is better), false for losses and errors. */
  readonly greaterIsBetter: boolean;
  /** Whether `sampleWeight` is used. */
  readonly supportsSampleWeight: boolean;
  /**
   * Computes the metric. Classification metrics read binary or multiclass from `nClasses` (and from
   * `proba` holding one value per row, which means binary).
   */
  compute(input: MetricInput): number;
}

/** Every metric name the registry knows. */
export type MetricName =
  | "roc_auc"
  | "average_precision"
  | "log_loss"
  | "brier_score"
  | "accuracy"
  | "balanced_accuracy"
  | "precision"
  | "recall"
  | "f1"
  | "matthews_corrcoef"
  | "cohen_kappa"
  | `${"precision" | "recall" | "f1"}_${"macro" | "micro" | "weighted"}`
  | "roc_auc_ovr"
  | "roc_auc_ovr_weighted"
  | "mse"
  | "rmse"
  | "mae"
  | "mape"
  | "r2"
  | "explained_variance"
  | "median_absolute_error"
  | "max_error";

/** Predicted labels: given, or derived from probabilities as a model's `predict` would. */
function labels(input: MetricInput, metric: string): ArrayLike<number> {
  if (input.yPred !== undefined) return input.yPred;
  const proba = input.proba;
  if (proba === undefined) {
    throw new InvalidParameterError("yPred", `predicted labels, or probabilities in proba (metric ${metric} needs one of them)`, undefined, "computeMetrics");
  }
  const n = input.yTrue.length;
  const k = checkNClasses(input.nClasses ?? 2, "computeMetrics");
  if (!(k === 2 && proba.length === n)) checkLength(proba, n * k, "proba", `${n} rows x ${k} classes, row-major`);
  return labelsFromProba(proba, n, k);
}

/**
 * The labels a model's `predict` gives from its probabilities: for binary scores (one per row),
 * P(class 1) > 0.5; for an nRows x k row-major matrix, the most probable class (ties to the first).
 *
 * @example
 * labelsFromProba([0.2, 0.7], 2, 2); // Float64Array [0, 1]
 */
export function labelsFromProba(proba: ArrayLike<number>, n: number, k: number): Float64Array {
  const out = new Float64Array(n);
  if (k === 2 && proba.length === n) {
    for (let i = 0; i < n; i++) out[i] = proba[i]! > 0.5 ? 1 : 0;
    return out;
  }
  for (let i = 0, at = 0; i < n; i++, at += k) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[at + c]! > proba[at + best]!) best = c;
    out[i] = best;
  }
  return out;
}

function requireProba(input: MetricInput, metric: string): ArrayLike<number> {
  if (input.proba === undefined) {
    throw new InvalidParameterError("proba", `probabilities (metric ${metric} needs them)`, undefined, "computeMetrics");
  }
  return input.proba;
}

function requirePred(input: MetricInput, metric: string): ArrayLike<number> {
  if (input.yPred === undefined) {
    throw new InvalidParameterError("yPred", `predicted values (metric ${metric} needs them)`, undefined, "computeMetrics");
  }
  return input.yPred;
}

/** Binary P(class 1) from `proba`, which may also be given as nRows x 2. */
function positiveScores(input: MetricInput, metric: string): ArrayLike<number> {
  const proba = requireProba(input, metric);
  const n = input.yTrue.length;
  if (proba.length === 2 * n && n > 0) return Float64Array.from({ length: n }, (_, i) => proba[2 * i + 1]!);
  return proba;
}

type Spec = Omit<MetricSpec, "name">;

const BINARY: readonly Task[] = ["binary"];
const CLASSIFICATION: readonly Task[] = ["binary", "multiclass"];
const MULTICLASS: readonly Task[] = ["multiclass"];
const REGRESSION: readonly Task[] = ["regression"];

function labelMetric(task: readonly Task[], metric: string, f: typeof accuracyScore): Spec {
  return {
    task,
    needs: "label",
    greaterIsBetter: true,
    supportsSampleWeight: true,
    compute: (input) => f(input.yTrue, labels(input, metric), { nClasses: input.nClasses, sampleWeight: input.sampleWeight }),
  };
}

function averagedMetric(f: typeof precisionScore, base: string, average: Average): Spec {
  const metric = average === "binary" ? base : `${base}_${average}`;
  return {
    task: average === "binary" ? BINARY : CLASSIFICATION,
    needs: "label",
    greaterIsBetter: true,
    supportsSampleWeight: true,
    compute: (input) => f(input.yTrue, labels(input, metric), { average, nClasses: input.nClasses, sampleWeight: input.sampleWeight }),
  };
}

function valueMetric(metric: string, greaterIsBetter: boolean, f: typeof meanSquaredError): Spec {
  return {
    task: REGRESSION,
    needs: "value",
    greaterIsBetter,
    supportsSampleWeight: true,
    compute: (input) => f(input.yTrue, requirePred(input, metric), { sampleWeight: input.sampleWeight }),
  };
}

const specs: Record<MetricName, Spec> = {
  roc_auc: {
    task: BINARY,
    needs: "proba",
    greaterIsBetter: true,
    supportsSampleWeight: true,
    compute: (input) => rocAucScore(input.yTrue, positiveScores(input, "roc_auc"), { sampleWeight: input.sampleWeight }),
  },
  average_precision: {
    task: BINARY,
    needs: "proba",
    greaterIsBetter: true,
    supportsSampleWeight: true,
    compute: (input) =>
      averagePrecisionScore(input.yTrue, positiveScores(input, "average_precision"), { sampleWeight: input.sampleWeight }),
  },
  log_loss: {
    task: CLASSIFICATION,
    needs: "proba",
    greaterIsBetter: false,
    supportsSampleWeight: true,
    compute: (input) =>
      logLoss(input.yTrue, requireProba(input, "log_loss"), { nClasses: input.nClasses, sampleWeight: input.sampleWeight }),
  },
  brier_score: {
    task: BINARY,
    needs: "proba",
    greaterIsBetter: false,
    supportsSampleWeight: true,
    compute: (input) => brierScoreLoss(input.yTrue, positiveScores(input, "brier_score"), { sampleWeight: input.sampleWeight }),
  },
  accuracy: labelMetric(CLASSIFICATION, "accuracy", accuracyScore),
  balanced_accuracy: labelMetric(CLASSIFICATION, "balanced_accuracy", balancedAccuracyScore),
  matthews_corrcoef: labelMetric(CLASSIFICATION, "matthews_corrcoef", matthewsCorrcoef),
  cohen_kappa: labelMetric(CLASSIFICATION, "cohen_kappa", cohenKappaScore),
  precision: averagedMetric(precisionScore, "precision", "binary"),
  recall: averagedMetric(recallScore, "recall", "binary"),
  f1: averagedMetric(f1Score, "f1", "binary"),
  precision_macro: averagedMetric(precisionScore, "precision", "macro"),
  precision_micro: averagedMetric(precisionScore, "precision", "micro"),
  precision_weighted: averagedMetric(precisionScore, "precision", "weighted"),
  recall_macro: averagedMetric(recallScore, "recall", "macro"),
  recall_micro: averagedMetric(recallScore, "recall", "micro"),
  recall_weighted: averagedMetric(recallScore, "recall", "weighted"),
  f1_macro: averagedMetric(f1Score, "f1", "macro"),
  f1_micro: averagedMetric(f1Score, "f1", "micro"),
  f1_weighted: averagedMetric(f1Score, "f1", "weighted"),
  roc_auc_ovr: {
    task: MULTICLASS,
    needs: "proba",
    greaterIsBetter: true,
    supportsSampleWeight: true,
    compute: (input) =>
      rocAucOvrScore(input.yTrue, requireProba(input, "roc_auc_ovr"), checkNClasses(input.nClasses, "computeMetrics"), {
        average: "macro",
        sampleWeight: input.sampleWeight,
      }),
  },
  roc_auc_ovr_weighted: {
    task: MULTICLASS,
    needs: "proba",
    greaterIsBetter: true,
    supportsSampleWeight: true,
    compute: (input) =>
      rocAucOvrScore(input.yTrue, requireProba(input, "roc_auc_ovr_weighted"), checkNClasses(input.nClasses, "computeMetrics"), {
        average: "weighted",
        sampleWeight: input.sampleWeight,
      }),
  },
  mse: valueMetric("mse", false, meanSquaredError),
  rmse: valueMetric("rmse", false, rootMeanSquaredError),
  mae: valueMetric("mae", false, meanAbsoluteError),
  mape: valueMetric("mape", false, meanAbsolutePercentageError),
  r2: valueMetric("r2", true, r2Score),
  explained_variance: valueMetric("explained_variance", true, explainedVarianceScore),
  median_absolute_error: valueMetric("median_absolute_error", false, medianAbsoluteError),
  max_error: {
    task: REGRESSION,
    needs: "value",
    greaterIsBetter: false,
    supportsSampleWeight: false,
    compute: (input) => maxError(input.yTrue, requirePred(input, "max_error")),
  },
};

/**
 * Every metric by name: the tasks it applies to, what it reads, which way is better, and how to
 * compute it.
 *
 * @example
 * METRICS.log_loss.greaterIsBetter; // false
 * METRICS.r2.compute({ yTrue: [1, 2, 3], yPred: [1, 2, 4] }); // 0.5
 */
export const METRICS: Readonly<Record<MetricName, MetricSpec>> = Object.freeze(
  Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, Object.freeze({ name: name as MetricName, ...spec })]),
  ) as Record<MetricName, MetricSpec>,
);

const DEFAULTS: Readonly<Record<Task, readonly MetricName[]>> = {
  binary: [
    "roc_auc",
    "average_precision",
    "log_loss",
    "brier_score",
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "matthews_corrcoef",
    "cohen_kappa",
  ],
  multiclass: [
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "log_loss",
    "roc_auc_ovr",
    "roc_auc_ovr_weighted",
  ],
  regression: ["rmse", "mae", "r2", "explained_variance", "median_absolute_error", "max_error", "mape"],
};

const PRIMARY: Readonly<Record<Task, MetricName>> = { binary: "roc_auc", multiclass: "accuracy", regression: "rmse" };

/**
 * The metrics reported for a task when none are named.
 *
 * @example
 * defaultMetricNames("regression"); // ["rmse", "mae", "r2", "explained_variance", "median_absolute_error", "max_error", "mape"]
 */
export function defaultMetricNames(task: Task): MetricName[] {
  return [...DEFAULTS[task]];
}

/**
 * The metric that ranks models of a task: roc_auc (binary), accuracy (multiclass), rmse (regression).
 *
 * @example
 * primaryMetric("binary"); // "roc_auc"
 */
export function primaryMetric(task: Task): MetricName {
  return PRIMARY[task];
}

/**
 * The names of every metric defined for a task, in registry order.
 *
 * @example
 * metricNamesFor("multiclass").includes("f1_macro"); // true
 */
export function metricNamesFor(task: Task): MetricName[] {
  return (Object.keys(METRICS) as MetricName[]).filter((name) => METRICS[name].task.includes(task));
}

/**
 * Computes the named metrics (or the task's defaults) for one set of predictions. Unknown names and
 * names not defined for the task throw an InvalidParameterError listing the valid ones; a metric that
 * is undefined for the data (ROC AUC with one class) throws a MetricError.
 *
 * @example
 * computeMetrics("binary", ["roc_auc", "accuracy"], { yTrue: [0, 0, 1, 1], proba: [0.1, 0.4, 0.35, 0.8], nClasses: 2 });
 * // { roc_auc: 0.75, accuracy: 0.75 }
 */
export function computeMetrics(task: Task, names: readonly string[] | undefined, input: MetricInput): Record<string, number> {
  if (task !== "binary" && task !== "multiclass" && task !== "regression") {
    throw new InvalidParameterError("task", `"binary", "multiclass" or "regression"`, task, "computeMetrics");
  }
  const chosen = names ?? DEFAULTS[task];
  const valid = metricNamesFor(task);
  for (const name of chosen) {
    if (!(valid as string[]).includes(name)) throw new InvalidParameterError("metrics", `one of ${valid.join(", ")}`, name);
  }
  let nClasses = input.nClasses;
  if (task === "binary") {
    nClasses ??= 2;
    if (nClasses !== 2) throw new InvalidParameterError("nClasses", "2 for a binary task", nClasses, "computeMetrics");
  } else if (task === "multiclass") {
    nClasses = checkNClasses(nClasses, "computeMetrics");
  }
  const checked: MetricInput = { ...input, nClasses };
  const results: Record<string, number> = {};
  for (const name of chosen) results[name] = METRICS[name as MetricName].compute(checked);
  return results;
}
