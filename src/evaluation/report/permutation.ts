/**
 * Permutation importance: how much a model's headline metric drops when one feature's values are
 * shuffled across rows, which breaks the feature's link to the target and keeps its distribution. Unlike
 * gain importance it is measured on labelled data the model is judged on, so a feature the model leaned
 * on in training but that carries nothing on new rows (a memorised identifier, pure noise) scores ~0.
 */
import { InvalidParameterError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { takeRows } from "../../data/index.js";
import { computeMetrics, METRICS, primaryMetric, type MetricName } from "../../metrics/index.js";
import type { Model } from "../../models/types.js";
import { predictionsOf } from "../score-model.js";

/** Options of `permutationImportance`. */
export interface PermutationOptions {
  /** The metric whose drop is measured (default: the task's headline metric). */
  readonly metric?: string;
  /** Shuffles per feature; the importance is their mean. Default 3. */
  readonly repeats?: number;
  /** Rows scored at most: larger data is subsampled (seeded) first. Default 50,000. */
  readonly maxRows?: number;
  /** Seed of the subsample and the shuffles. Default 42. */
  readonly seed?: number;
}

/** One feature's permutation importance. */
export interface PermutationImportance {
  readonly feature: string;
  /** Mean drop of the metric over the repeats, signed so that positive means the model got worse. */
  readonly importance: number;
  /** Standard deviation of the drop over the repeats (ddof 0, as scikit-learn). */
  readonly std: number;
}

/** What `permutationImportance` measured, features largest first. */
export interface PermutationReport {
  readonly metric: string;
  /** The metric on the unshuffled (subsampled) rows. */
  readonly baseline: number;
  readonly repeats: number;
  readonly rows: number;
  /** Set when the rows were a seeded sample of this many. */
  readonly sampledFrom?: number;
  readonly seed: number;
  readonly features: readonly PermutationImportance[];
}

/**
 * Permutation importance of every feature of `model` on labelled `data` (read with the model's schema),
 * as scikit-learn's `permutation_importance`: for each feature and repeat, the rows' values of that
 * feature are shuffled with a seeded generator and the metric recomputed. The same seed gives the same
 * figures. Cost: nFeatures x repeats predictions on at most `maxRows` rows.
 *
 * @example
 * const report = permutationImportance(model, test, { repeats: 5, seed: 7 });
 * report.features[0]; // { feature: "precipitation", importance: 0.31, std: 0.01 }
 */
export function permutationImportance(model: Model, data: Dataset, options: PermutationOptions = {}): PermutationReport {
  const owner = "permutationImportance";
  const metric = options.metric ?? primaryMetric(model.task);
  const spec = METRICS[metric as MetricName];
  if (!spec || !spec.task.includes(model.task)) throw new InvalidParameterError("metric", `a ${model.task} metric such as ${primaryMetric(model.task)}`, metric, owner);
  const repeats = options.repeats ?? 3;
  const maxRows = options.maxRows ?? 50_000;
  const seed = options.seed ?? 42;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new InvalidParameterError("repeats", "an integer >= 1", repeats, owner);
  if (!(Number.isInteger(maxRows) && maxRows >= 2)) throw new InvalidParameterError("maxRows", "an integer >= 2", maxRows, owner);
  if (!data.target) throw new InvalidParameterError("data", `labelled rows with the target column "${model.schema.target.name}"`, "rows without it", owner);

  const rng = new Random(seed);
  const sampled = data.nRows > maxRows;
  const rows = sampled ? takeRows(data, Int32Array.from(rng.permutation(data.nRows).subarray(0, maxRows)).sort()) : data;
  const score = (dataset: Dataset): number => computeMetrics(model.task, [metric], predictionsOf(model, dataset))[metric]!;
  const sign = spec.greaterIsBetter ? 1 : -1;
  const baseline = score(rows);

  const features = rows.features.map((column, featureIndex): PermutationImportance => {
    const drops = new Float64Array(repeats);
    for (let r = 0; r < repeats; r++) {
      const shuffled = shuffledColumn(column, rng.permutation(rows.nRows));
      const permuted: Dataset = { ...rows, features: rows.features.map((other, j) => (j === featureIndex ? shuffled : other)) };
      drops[r] = sign * (baseline - score(permuted));
    }
    const mean = drops.reduce((sum, d) => sum + d, 0) / repeats;
    const variance = drops.reduce((sum, d) => sum + (d - mean) ** 2, 0) / repeats;
    return { feature: column.name, importance: mean, std: Math.sqrt(variance) };
  });
  features.sort((a, b) => b.importance - a.importance);
  return { metric, baseline, repeats, rows: rows.nRows, ...(sampled ? { sampledFrom: data.nRows } : {}), seed, features };
}

function shuffledColumn(column: Column, order: Int32Array): Column {
  if (column.kind === "numeric") {
    const values = new Float64Array(order.length);
    for (let i = 0; i < order.length; i++) values[i] = column.values[order[i]!]!;
    return { ...column, values };
  }
  const codes = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) codes[i] = column.codes[order[i]!]!;
  return { ...column, codes };
}
