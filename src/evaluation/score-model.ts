/**
 * Scores a fitted model on labelled data: predictions, then the task's metrics. The one place the CLI's
 * train and evaluate commands (and later cross-validation) turn a model and rows into figures.
 */
import { InvalidParameterError, MetricError } from "../core/errors.js";
import type { Dataset } from "../core/types.js";
import { computeMetrics, defaultMetricNames, labelsFromProba, type MetricInput } from "../metrics/index.js";
import type { Model } from "../models/types.js";

/** The figures of one model on one labelled dataset. */
export interface ModelScore {
  readonly metrics: Record<string, number>;
  readonly nRows: number;
  /** The labels and predictions the metrics were computed from (for intervals and paired tests). */
  readonly input: MetricInput;
  /**
   * Metrics of the default set that are undefined on these rows, each with the reason (ROC AUC one vs
   * rest where a class has no row), the class named by its label. A metric asked for by name throws.
   */
  readonly undefinedMetrics: readonly { readonly metric: string; readonly reason: string }[];
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
  const input = predictionsOf(model, data);
  const labelled = (error: MetricError): MetricError => withClassLabels(error, model.schema.target.classes ?? []);
  if (metricNames !== undefined) {
    try {
      return { nRows: data.nRows, metrics: computeMetrics(model.task, metricNames, input), input, undefinedMetrics: [] };
    } catch (error) {
      throw error instanceof MetricError ? labelled(error) : error;
    }
  }
  // The default set: a metric the rows leave undefined (a small test split without one of many
  // classes) is left out and said why, rather than losing every other figure.
  const metrics: Record<string, number> = {};
  const undefinedMetrics: { metric: string; reason: string }[] = [];
  for (const name of defaultMetricNames(model.task)) {
    try {
      metrics[name] = computeMetrics(model.task, [name], input)[name]!;
    } catch (error) {
      if (!(error instanceof MetricError)) throw error;
      undefinedMetrics.push({ metric: name, reason: labelled(error).reason });
    }
  }
  return { nRows: data.nRows, metrics, input, undefinedMetrics };
}

/**
 * The metrics know classes by index ("class 2 is not present"); the user knows them by label: the same
 * error with the class named by `classes`.
 */
export function withClassLabels(error: MetricError, classes: readonly string[]): MetricError {
  return new MetricError(
    error.metric,
    error.reason.replace(/^(only one )?class (\()?(\d+)/, (_, one: string | undefined, paren: string | undefined, index: string) =>
      `${one ?? ""}class ${paren ?? ""}${JSON.stringify(classes[Number(index)] ?? index)}`,
    ),
  );
}

/** A model's predictions on labelled rows, in the form the metrics take. */
export function predictionsOf(model: Model, data: Dataset): MetricInput {
  const yTrue = data.target!.values;
  if (model.task === "regression") return { yTrue, yPred: model.predict(data), nClasses: 1 };
  // Labels from the probabilities, as Model.predict defines them, so the model runs once, not twice.
  const proba = model.predictProba(data);
  const nClasses = proba.nCols;
  if (model.task === "binary") {
    const positive = positiveColumn(proba.data, proba.nRows);
    return { yTrue, yPred: labelsFromProba(positive, proba.nRows, 2), proba: positive, nClasses };
  }
  return { yTrue, yPred: labelsFromProba(proba.data, proba.nRows, nClasses), proba: proba.data, nClasses };
}

function positiveColumn(data: Float64Array, nRows: number): Float64Array {
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) out[i] = data[2 * i + 1]!;
  return out;
}
