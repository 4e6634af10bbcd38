/**
 * Live metrics: how a served model does on the outcomes observed since it predicted, computed from the
 * prediction log's labelled predictions (the answers as logged, joined to the outcomes sent as feedback).
 * One computation for GET /v1/models/{name}/live and `learnloop models show`. The figures come from
 * src/metrics (scikit-learn's definitions); a metric the window leaves undefined is left out with the
 * reason, in the words `learnloop score` uses.
 */
import { MetricError } from "../core/errors.js";
import type { Task } from "../core/types.js";
import { withClassLabels } from "../evaluation/score-model.js";
import { computeMetrics, type MetricInput } from "../metrics/index.js";
import type { LabelledPrediction } from "../tracking/types.js";

/** Labelled predictions read by default, and at most. */
export const DEFAULT_LIVE_LIMIT = 1000;
export const MAX_LIVE_LIMIT = 100_000;

/** What the metrics of one version need to know of it: its classes (undefined for a regression); ./models.ts's OutcomeLabels is one. */
export interface VersionClasses {
  readonly version: number;
  readonly classes?: readonly string[];
}

/** The figures of the predictions of one version (or of all of them, `total`). */
export interface LiveWindow {
  readonly labelled: number;
  /** The time of the oldest and of the newest of these predictions. */
  readonly from: string;
  readonly to: string;
  readonly metrics: Record<string, number>;
  /** Metrics left out, each with why ("roc_auc is left out: ..."). */
  readonly notes?: string[];
}

export interface LiveVersion extends LiveWindow {
  readonly version: number;
  readonly task: Task;
}

/** The body of GET /v1/models/{name}/live and the `live` of `models show --json`. */
export interface LiveReport {
  readonly model: string;
  readonly labelled: number;
  /** Newest version first. */
  readonly versions: LiveVersion[];
  /** Over every version, when more than one made the predictions. */
  readonly total?: LiveWindow;
}

/**
 * The live metrics of `model` over `rows` (labelled predictions, any order), per version that made them,
 * newest version first, and in total when there is more than one. `classesOf` gives each version's classes.
 *
 * @example
 * const rows = await store.labelledPredictions("flights", { limit: 1000 });
 * const report = await liveReport("flights", rows, (version) => host.outcomeLabels("flights", version));
 */
export async function liveReport(
  model: string,
  rows: readonly LabelledPrediction[],
  classesOf: (version: number) => Promise<VersionClasses>,
): Promise<LiveReport> {
  const byVersion = new Map<number, LabelledPrediction[]>();
  for (const row of rows) {
    const list = byVersion.get(row.version);
    if (list) list.push(row);
    else byVersion.set(row.version, [row]);
  }
  const numbers = [...byVersion.keys()].sort((a, b) => b - a);
  const known = new Map<number, VersionClasses>();
  for (const version of numbers) known.set(version, await classesOf(version));
  const versions = numbers.map((version) => {
    const classes = known.get(version)!.classes;
    return { version, task: taskOf(classes), ...windowOf(byVersion.get(version)!, classes) };
  });
  if (versions.length <= 1) return { model, labelled: rows.length, versions };
  // In total only when every version predicted the same classes (or all are regressions): the figures of
  // versions with other classes would not mean one thing together.
  const first = known.get(numbers[0]!)!.classes;
  const same = numbers.every((version) => sameClasses(known.get(version)!.classes, first));
  const total: LiveWindow = same
    ? windowOf(rows, first)
    : { ...timesOf(rows), labelled: rows.length, metrics: {}, notes: ["the versions predict different classes: no metric is computed over them together"] };
  return { model, labelled: rows.length, versions, total };
}

function taskOf(classes: readonly string[] | undefined): Task {
  return classes === undefined ? "regression" : classes.length === 2 ? "binary" : "multiclass";
}

function sameClasses(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((label, i) => label === b[i]);
}

function timesOf(rows: readonly LabelledPrediction[]): { from: string; to: string } {
  let from = rows[0]!.at;
  let to = from;
  for (const row of rows) {
    if (row.at < from) from = row.at;
    if (row.at > to) to = row.at;
  }
  return { from, to };
}

/** The metrics by task, as `learnloop score` computes them from the same columns. */
const METRICS_BY_TASK: Readonly<Record<Task, readonly string[]>> = {
  binary: ["accuracy", "roc_auc", "log_loss"],
  multiclass: ["accuracy", "log_loss"],
  regression: ["rmse", "mae", "r2"],
};

function windowOf(rows: readonly LabelledPrediction[], classes: readonly string[] | undefined): LiveWindow {
  const task = taskOf(classes);
  const n = rows.length;
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const compute = (name: string, input: MetricInput, as = name): void => {
    try {
      const value = computeMetrics(task, [name], input)[name]!;
      // sklearn's r2 of one row is nan with a warning; JSON holds no NaN: said, as the other undefined ones.
      if (Number.isNaN(value)) notes.push(`${as} is left out: ${name === "r2" && n < 2 ? "R² is not well-defined with fewer than two samples" : `it is undefined on these ${n} predictions`}`);
      else metrics[as] = value;
    } catch (error) {
      if (!(error instanceof MetricError)) throw error;
      notes.push(`${as} is left out: ${(classes ? withClassLabels(error, classes) : error).reason}`);
    }
  };
  if (classes === undefined) {
    const yTrue = Float64Array.from(rows, (row) => Number(row.label));
    const yPred = Float64Array.from(rows, (row) => Number(row.outputs.prediction));
    for (const name of METRICS_BY_TASK.regression) compute(name, { yTrue, yPred });
  } else {
    const k = classes.length;
    const index = new Map(classes.map((label, i) => [label, i]));
    const indexOf = (value: unknown): number => index.get(typeof value === "string" ? value : String(value)) ?? -1;
    const yTrue = Float64Array.from(rows, (row) => indexOf(row.label));
    const yPred = Float64Array.from(rows, (row) => indexOf(row.outputs.prediction));
    const probabilities = (row: LabelledPrediction): Readonly<Record<string, number>> => (row.outputs.probabilities ?? {}) as Record<string, number>;
    // Binary: P(classes[1]) per row; multiclass: row-major n x k, by class label.
    const proba =
      task === "binary"
        ? Float64Array.from(rows, (row) => probabilities(row)[classes[1]!] ?? Number.NaN)
        : (() => {
            const matrix = new Float64Array(n * k);
            rows.forEach((row, i) => classes.forEach((label, c) => void (matrix[i * k + c] = probabilities(row)[label] ?? Number.NaN)));
            return matrix;
          })();
    const input = { yTrue, yPred, proba, nClasses: k };
    for (const name of METRICS_BY_TASK[task]) compute(name, name === "accuracy" ? { yTrue, yPred, nClasses: k } : input);
    // The decision rule (a binary model saved with a threshold) chooses the class acted on: its accuracy.
    if (task === "binary" && rows.every((row) => row.outputs.decision !== undefined)) {
      compute("accuracy", { yTrue, yPred: Float64Array.from(rows, (row) => indexOf(row.outputs.decision)), nClasses: k }, "decision_accuracy");
    }
  }
  return { labelled: n, ...timesOf(rows), metrics, ...(notes.length > 0 ? { notes } : {}) };
}
