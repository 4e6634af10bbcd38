/**
 * Cross-validation: an estimator fitted and scored k times, each time on rows it never saw, with the
 * trivial baseline scored on the same folds, the spread of each metric over the folds, and the
 * out-of-fold predictions of every row. Then, by default, one more fit on all the rows: the model to
 * keep, whose expected performance the folds estimate.
 *
 * The folds: stratified k-fold for classification, k-fold (seeded shuffle) for regression, group k-fold
 * when groups are given (no group in both parts), expanding time-ordered folds when row times are given
 * (every training row strictly earlier than every test row). See src/data/split.ts.
 */
import { DataValidationError, InvalidParameterError, MetricError, type DataIssue } from "../core/errors.js";
import type { Matrix } from "../core/matrix.js";
import type { Dataset, Task } from "../core/types.js";
import { groupKFold, kFold, stratifiedKFold, takeRows, timeSplit, type Split } from "../data/index.js";
import { computeMetrics, defaultMetricNames, metricNamesFor, type MetricInput } from "../metrics/index.js";
import type { Estimator, Model } from "../models/types.js";
import { predictionsOf } from "./score-model.js";
import { baselinePredictions } from "./stats/index.js";

/** How the rows were cut into folds. */
export type CvMode = "stratified" | "kfold" | "group" | "time";

/** Options of `crossValidate`. */
export interface CvOptions {
  /** Number of folds (time mode: number of test blocks). Default 5. */
  readonly folds?: number;
  /** A group id per row: group k-fold, no group on both sides of a split. */
  readonly group?: Float64Array | Int32Array;
  /** A time per row: expanding time-ordered folds. Rows in the first block are never held out. */
  readonly time?: Float64Array;
  /** Seed of the fold assignment (stratified and k-fold modes). Default 0. */
  readonly seed?: number;
  /** Metrics to report (default: the task's standard set). */
  readonly metrics?: readonly string[];
  /** Fit a final model on all the rows after the folds. Default true. */
  readonly refit?: boolean;
  /** Called after each fold is scored (for progress). */
  readonly onFold?: (fold: CvFold, nFolds: number) => void;
}

/** One fold: its rows, the model's metrics on its test rows, and the baseline's. */
export interface CvFold {
  /** 0-based fold number. */
  readonly index: number;
  readonly rows: { readonly train: number; readonly test: number };
  /** The row indices of the fold's two parts, ascending. */
  readonly split: Split;
  /** The model's metrics on the test rows; a metric undefined there (ROC AUC with one class) is left out. */
  readonly metrics: Record<string, number>;
  /** The baseline's metrics on the test rows, fitted on the training target; undefined ones left out. */
  readonly baseline: Record<string, number>;
  /** The fold model's fit summary (boosting rounds, solver iterations...). */
  readonly training: Readonly<Record<string, number | string | boolean | null>>;
  /** Seconds spent fitting and scoring. */
  readonly seconds: { readonly fit: number; readonly score: number };
}

/**
 * A metric over the folds: the mean and the sample standard deviation (ddof = 1, as pandas' `.std()`
 * and R's `sd`; numpy's `np.std` defaults to ddof = 0, which is smaller by sqrt((k - 1) / k)), over the
 * `nFolds` folds where the metric is defined. `std` is NaN when fewer than two folds define it.
 */
export interface MetricSummary {
  readonly mean: number;
  readonly std: number;
  readonly nFolds: number;
}

/**
 * Every row's prediction from the fold that held it out, as typed arrays ready to write. Rows never held
 * out (the first block in time mode) have NaN predictions and fold -1.
 */
export interface OutOfFold {
  /** Predicted class index (classification, as Model.predict gives it) or value (regression). */
  readonly yPred: Float64Array;
  /**
   * Classification: class probabilities, nRows x nClasses, row-major. For binary, column 1 is the
   * model's P(class 1) and column 0 is 1 - P(class 1), as the models compute it.
   */
  readonly proba?: Matrix;
  /** The fold (0-based) that held each row out, or -1. */
  readonly fold: Int32Array;
}

/** What cross-validation found. */
export interface CvReport<M extends Model = Model> {
  readonly task: Task;
  readonly mode: CvMode;
  readonly nFolds: number;
  /** The seed of the fold assignment. */
  readonly seed: number;
  /** The metric names, in report order. */
  readonly metricNames: readonly string[];
  readonly folds: readonly CvFold[];
  /** Mean and standard deviation of each metric over the folds. */
  readonly summary: Record<string, MetricSummary>;
  /** The baseline's kind and its mean and standard deviation over the folds. */
  readonly baseline: { readonly kind: string; readonly summary: Record<string, MetricSummary> };
  readonly oof: OutOfFold;
  /** The model fitted on all the rows, unless `refit: false`. */
  readonly model?: M;
}

const OWNER = "crossValidate";

/**
 * Cross-validates `estimator` on `data` (which must carry the target). Deterministic for a given seed.
 * Throws an InvalidParameterError for a number of folds below 2 or above the rows (or groups), and a
 * DataValidationError when, in stratified mode, a class has fewer rows than there are folds.
 *
 * @example
 * const cv = crossValidate(new GradientBoosting({ iterations: 200 }), data, { folds: 5, seed: 42 });
 * cv.summary.roc_auc; // { mean: 0.712, std: 0.009, nFolds: 5 }
 * cv.model!.toBytes();  // the model refitted on every row
 */
export function crossValidate<M extends Model>(estimator: Estimator<M>, data: Dataset, options: CvOptions = {}): CvReport<M> {
  const target = data.target;
  if (!target) throw new InvalidParameterError("data", "labelled rows (with the target column)", "rows without a target", OWNER);
  const task = target.task;
  const nRows = data.nRows;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new InvalidParameterError("seed", "a whole number", seed, OWNER);
  const metricNames = options.metrics && options.metrics.length > 0 ? [...options.metrics] : defaultMetricNames(task);
  // Checked before any fit, with computeMetrics' own message.
  const valid: readonly string[] = metricNamesFor(task);
  for (const name of metricNames) if (!valid.includes(name)) throw new InvalidParameterError("metrics", `one of ${valid.join(", ")}`, name);
  const { mode, splits } = foldsOf(data, options.folds ?? 5, options, seed);
  const nFolds = splits.length;

  const yPred = new Float64Array(nRows).fill(NaN);
  const oofFold = new Int32Array(nRows).fill(-1);
  let proba: Matrix | undefined;
  const folds: CvFold[] = [];
  let baselineKind = "";

  splits.forEach((split, index) => {
    const train = takeRows(data, split.train);
    const test = takeRows(data, split.test);
    const started = performance.now();
    const model = estimator.fit(train);
    const fitted = performance.now();
    const input = predictionsOf(model, test);
    const metrics = definedMetrics(task, metricNames, input, true);
    const nClasses = input.nClasses ?? 1;
    const base = baselinePredictions(task, train.target!.values, nClasses, test.nRows);
    baselineKind = base.kind;
    const baseline = definedMetrics(task, metricNames, { yTrue: input.yTrue, yPred: base.yPred, nClasses: base.nClasses, ...(base.proba ? { proba: base.proba } : {}) }, false);
    const scored = performance.now();

    if (task !== "regression") proba ??= { nRows, nCols: nClasses, data: new Float64Array(nRows * nClasses).fill(NaN) };
    for (let i = 0; i < split.test.length; i++) {
      const row = split.test[i]!;
      yPred[row] = input.yPred![i]!;
      oofFold[row] = index;
      if (!proba) continue;
      const scores = input.proba!;
      if (nClasses === 2) {
        proba.data[2 * row] = 1 - scores[i]!;
        proba.data[2 * row + 1] = scores[i]!;
      } else {
        for (let c = 0; c < nClasses; c++) proba.data[row * nClasses + c] = scores[i * nClasses + c]!;
      }
    }

    const fold: CvFold = {
      index,
      rows: { train: split.train.length, test: split.test.length },
      split,
      metrics,
      baseline,
      training: model.fitSummary(),
      seconds: { fit: (fitted - started) / 1000, score: (scored - fitted) / 1000 },
    };
    folds.push(fold);
    options.onFold?.(fold, nFolds);
  });

  const model = options.refit === false ? undefined : estimator.fit(data);
  return {
    task,
    mode,
    nFolds,
    seed,
    metricNames,
    folds,
    summary: summarize(metricNames, folds.map((fold) => fold.metrics)),
    baseline: { kind: baselineKind, summary: summarize(metricNames, folds.map((fold) => fold.baseline)) },
    oof: { yPred, ...(proba ? { proba } : {}), fold: oofFold },
    ...(model ? { model } : {}),
  };
}

/**
 * Mean and sample standard deviation (ddof = 1) of each metric over the folds that define it.
 *
 * @example
 * summarize(["r2"], [{ r2: 0.5 }, { r2: 0.7 }]); // { r2: { mean: 0.6, std: 0.1414, nFolds: 2 } }
 */
export function summarize(metricNames: readonly string[], perFold: readonly Record<string, number>[]): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  for (const name of metricNames) {
    const values = perFold.map((metrics) => metrics[name]).filter((value): value is number => value !== undefined);
    if (values.length === 0) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    // Two passes (mean, then squared deviations): exact enough for k values and no cancellation.
    const sumSquares = values.reduce((a, b) => a + (b - mean) * (b - mean), 0);
    out[name] = { mean, std: values.length > 1 ? Math.sqrt(sumSquares / (values.length - 1)) : NaN, nFolds: values.length };
  }
  return out;
}

/**
 * The metrics that are defined on these rows: a MetricError (ROC AUC on a fold with one class) leaves
 * that metric out. For the baseline (`strict` false) any failure leaves it out, as evaluateHoldout does.
 */
function definedMetrics(task: Task, names: readonly string[], input: MetricInput, strict: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    try {
      out[name] = computeMetrics(task, [name], input)[name]!;
    } catch (error) {
      if (strict && !(error instanceof MetricError)) throw error;
    }
  }
  return out;
}

/** The folds of `data` for the options, every error naming crossValidate and its options. */
function foldsOf(data: Dataset, folds: number, options: CvOptions, seed: number): { mode: CvMode; splits: Split[] } {
  const nRows = data.nRows;
  const target = data.target!;
  if (!Number.isInteger(folds) || folds < 2) throw new InvalidParameterError("folds", "a whole number >= 2", folds, OWNER);
  if (folds > nRows) throw new InvalidParameterError("folds", `at most the number of rows (${nRows})`, folds, OWNER);
  if (options.group && options.time) throw new InvalidParameterError("group", "left out when time is given (folds are by groups or by time, not both)", "group ids", OWNER);

  if (options.group) {
    const group = options.group;
    if (group.length !== nRows) throw new InvalidParameterError("group", `one group id per row (${nRows})`, `${group.length} values`, OWNER);
    const nGroups = new Set(group).size;
    if (folds > nGroups) throw new InvalidParameterError("folds", `at most the number of distinct groups (${nGroups})`, folds, OWNER);
    return { mode: "group", splits: groupKFold(group, folds) };
  }
  if (options.time) {
    const time = options.time;
    if (time.length !== nRows) throw new InvalidParameterError("time", `one time per row (${nRows})`, `${time.length} values`, OWNER);
    if (folds > nRows - 1) throw new InvalidParameterError("folds", `at most ${nRows - 1} for time folds (the rows are cut into folds + 1 blocks)`, folds, OWNER);
    return { mode: "time", splits: timeSplit(time, { nSplits: folds }) };
  }
  if (target.task === "regression") return { mode: "kfold", splits: kFold(nRows, folds, { shuffle: true, seed }) };

  const classes = target.classes ?? [];
  const counts = new Map<number, number>();
  for (let i = 0; i < nRows; i++) counts.set(target.values[i]!, (counts.get(target.values[i]!) ?? 0) + 1);
  const small = [...counts.entries()].filter(([, count]) => count < folds).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  if (small.length > 0) {
    const issues: DataIssue[] = small.map(([c, count]) => ({
      code: "too_few_rows",
      column: target.name,
      expected: `at least ${folds} rows of every class for ${folds}-fold stratified cross-validation`,
      received: `${count} row${count === 1 ? "" : "s"} of class "${classes[c] ?? c}"`,
      detail: count >= 2 ? `use at most ${count} folds` : "a class with one row cannot be both trained on and tested",
    }));
    throw new DataValidationError(issues);
  }
  return { mode: "stratified", splits: stratifiedKFold(target.values, folds, { seed }) };
}
