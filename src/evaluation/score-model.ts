/**
 * Scores a fitted model on labelled data: predictions, then the task's metrics. The one place the CLI's
 * train and evaluate commands (and later cross-validation) turn a model and rows into figures.
 */
import { InvalidParameterError } from "../core/errors.js";
import type { Dataset } from "../core/types.js";
import { computeMetrics } from "../metrics/index.js";
import type { Model } from "../models/types.js";

/** The figures of one model on one labelled dataset. */
export interface ModelScore {
  readonly metrics: Record<string, number>;
  readonly nRows: number;
}

/**
 * Computes `metricNames` (or the task's default set) for `model` on `data`, which must carry the target.
 *
 * @example
 * const { metrics } = scoreModel(model, test);  // { roc_auc: 0.71, log_loss: 0.48, ... }
 */
export function scoreModel(model: Model, data: Dataset, metricNames?: readonly string[]): ModelScore {
  const target = data.target;
  if (!target) throw new InvalidParameterError("data", `labelled rows with the target column "${model.schema.target.name}"`, "rows without it");
  const task = model.task;
  if (task === "regression") {
    const yPred = model.predict(data);
    return { nRows: data.nRows, metrics: computeMetrics(task, metricNames, { yTrue: target.values, yPred, nClasses: 1 }) };
  }
  const proba = model.predictProba(data);
  const nClasses = proba.nCols;
  const yPred = model.predict(data);
  const input =
    task === "binary"
      ? { yTrue: target.values, yPred, proba: positiveColumn(proba.data, proba.nRows), nClasses }
      : { yTrue: target.values, yPred, proba: proba.data, nClasses };
  return { nRows: data.nRows, metrics: computeMetrics(task, metricNames, input) };
}

function positiveColumn(data: Float64Array, nRows: number): Float64Array {
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) out[i] = data[2 * i + 1]!;
  return out;
}
