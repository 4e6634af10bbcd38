/**
 * The trivial predictor every model must beat, and how far a model is from it. A figure such as
 * "ROC AUC 0.71" means little alone; beside "baseline 0.50" (or log loss 0.48 beside the prior's 0.69)
 * it says how much the model learned.
 */
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import type { Task } from "../../core/types.js";

/**
 * The trivial predictor's outputs for the test rows, ready to merge with yTrue into a MetricInput.
 *
 * @example
 * const { yPred, proba, nClasses } = baselinePredictions("binary", trainTarget, 2, nTestRows);
 */
export interface BaselinePredictions {
  readonly task: Task;
  /** "class prior" (classification) or "training mean" (regression). */
  readonly kind: "class prior" | "training mean";
  /** Predicted labels (the most frequent training class, the first on ties) or values (the training mean). */
  readonly yPred: Float64Array;
  /** Binary: the prior P(class 1) per row; multiclass: the prior of every class per row, row-major. Absent for regression. */
  readonly proba?: Float64Array;
  /** The number of classes (1 for regression). */
  readonly nClasses: number;
  /** The class priors (classification) or the single training mean (regression). */
  readonly fitted: Float64Array;
}

/**
 * What a model that ignores the features predicts, fitted on the training target: the class prior
 * probabilities (sklearn's DummyClassifier(strategy="prior")) or the training mean
 * (DummyRegressor(strategy="mean")), repeated for `nTestRows` rows.
 *
 * @example
 * const base = baselinePredictions("binary", trainTarget, 2, test.nRows);
 * computeMetrics("binary", ["roc_auc", "log_loss"], { yTrue: testTarget, ...base }); // { roc_auc: 0.5, log_loss: 0.69 }
 */
export function baselinePredictions(task: Task, yTrainTarget: ArrayLike<number>, nClasses: number, nTestRows: number): BaselinePredictions {
  const owner = "baselinePredictions";
  if (task !== "binary" && task !== "multiclass" && task !== "regression") {
    throw new InvalidParameterError("task", `"binary", "multiclass" or "regression"`, task, owner);
  }
  if (!(Number.isInteger(nTestRows) && nTestRows >= 0)) throw new InvalidParameterError("nTestRows", "an integer >= 0", nTestRows, owner);
  const nTrain = yTrainTarget.length;
  if (nTrain === 0) throw new DataValidationError({ code: "no_rows", column: "target", expected: "at least 1 training row", received: "0" });
  if (task === "regression") {
    let sum = 0;
    for (let i = 0; i < nTrain; i++) {
      const v = yTrainTarget[i]!;
      if (!Number.isFinite(v)) {
        throw new DataValidationError({ code: "invalid_value", column: "target", row: i + 1, expected: "a finite number", received: String(v) });
      }
      sum += v;
    }
    const mean = sum / nTrain;
    return { task, kind: "training mean", yPred: new Float64Array(nTestRows).fill(mean), nClasses: 1, fitted: Float64Array.of(mean) };
  }
  const k = task === "binary" ? 2 : nClasses;
  if (!(Number.isInteger(k) && k >= 2) || (task === "binary" && nClasses !== 2)) {
    throw new InvalidParameterError("nClasses", task === "binary" ? "2 for a binary task" : "an integer >= 2", nClasses, owner);
  }
  const prior = new Float64Array(k);
  for (let i = 0; i < nTrain; i++) {
    const c = yTrainTarget[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < k)) {
      throw new DataValidationError({ code: "invalid_value", column: "target", row: i + 1, expected: `a class index from 0 to ${k - 1}`, received: String(c) });
    }
    prior[c]++;
  }
  let mode = 0;
  for (let c = 0; c < k; c++) {
    if (prior[c]! > prior[mode]!) mode = c;
  }
  for (let c = 0; c < k; c++) prior[c] = prior[c]! / nTrain;
  const yPred = new Float64Array(nTestRows).fill(mode);
  if (task === "binary") return { task, kind: "class prior", yPred, proba: new Float64Array(nTestRows).fill(prior[1]!), nClasses: 2, fitted: prior };
  const proba = new Float64Array(nTestRows * k);
  for (let i = 0; i < nTestRows; i++) proba.set(prior, i * k);
  return { task, kind: "class prior", yPred, proba, nClasses: k, fitted: prior };
}

/**
 * How a model's figure compares with the baseline's.
 *
 * @example
 * const { improvement, ratio } = lift(model.log_loss, baseline.log_loss, false);
 */
export interface Lift {
  /** metricValue - baselineValue. */
  readonly difference: number;
  /** The difference signed so that positive means the model is better (the difference, negated for losses). */
  readonly improvement: number;
  /**
   * metricValue / baselineValue, where a ratio means something: both values finite and the baseline's
   * above zero with the model's not below it (a loss halved, an accuracy 1.3 times the prior's);
   * undefined where the baseline is 0 or a value is negative (r2, matthews_corrcoef near 0).
   */
  readonly ratio?: number;
}

/**
 * The model against the baseline on one metric.
 *
 * @example
 * lift(0.35, 0.69, false); // { difference: -0.34, improvement: 0.34, ratio: 0.507 } (log loss halved)
 * lift(0.21, 0, true); // { difference: 0.21, improvement: 0.21 } (r2: no ratio to a baseline of 0)
 */
export function lift(metricValue: number, baselineValue: number, greaterIsBetter: boolean): Lift {
  const difference = metricValue - baselineValue;
  const improvement = greaterIsBetter ? difference : -difference;
  const meaningful = Number.isFinite(metricValue) && Number.isFinite(baselineValue) && baselineValue > 0 && metricValue >= 0;
  return meaningful ? { difference, improvement, ratio: metricValue / baselineValue } : { difference, improvement };
}
