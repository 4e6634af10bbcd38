/**
 * Bootstrap confidence intervals of any registry metric, and the paired bootstrap comparison of two
 * models. Both draw classical (multinomial) resamples as counts from a seeded Random and evaluate the
 * metric with a prepared resampler (resamplers.ts): one sort and one pass of per-row terms up front,
 * then a weighted pass per resample, instead of re-sorting, re-validating and re-allocating 600k rows
 * a thousand times.
 */
import { DataValidationError, InvalidParameterError, MetricError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import { computeMetrics, METRICS, type MetricInput } from "../../metrics/index.js";
import { checkAlpha, verdictSentence, type Comparison, type ComparisonOptions } from "./comparison.js";
import { drawCounts, quantileSorted } from "./resample.js";
import { metricByName, prepareResampler, taskFor, type SharedPreparation } from "./resamplers.js";

/**
 * Options of `bootstrapInterval`.
 *
 * @example
 * bootstrapInterval(input, "roc_auc", { nBoot: 2000, level: 0.9, seed: 42 });
 */
export interface BootstrapOptions {
  /** Number of resamples. Default 1000. */
  nBoot?: number;
  /** Confidence level of the interval. Default 0.95. */
  level?: number;
  /** Seed of the resampling; the same seed gives the same interval. Default 0. */
  seed?: number;
}

/**
 * A bootstrap percentile interval of a metric.
 *
 * @example
 * const { estimate, low, high } = bootstrapInterval(input, "accuracy"); // 0.84 [0.83, 0.85]
 */
export interface BootstrapInterval {
  /** The metric on all the rows. */
  readonly estimate: number;
  /** The (1 - level) / 2 quantile of the resampled values (numpy's linear percentile). */
  readonly low: number;
  /** The (1 + level) / 2 quantile of the resampled values. */
  readonly high: number;
  /** Resamples drawn. */
  readonly nBoot: number;
  readonly level: number;
  readonly method: "percentile";
  /** Resamples on which the metric was undefined (one class present for ROC AUC); left out of the interval. */
  readonly skipped: number;
}

function checkOptions(options: BootstrapOptions | undefined, owner: string) {
  const nBoot = options?.nBoot ?? 1000;
  const level = options?.level ?? 0.95;
  const seed = options?.seed ?? 0;
  if (!(Number.isInteger(nBoot) && nBoot >= 1)) throw new InvalidParameterError("nBoot", "an integer >= 1, such as 1000", nBoot, owner);
  if (!(typeof level === "number" && level > 0 && level < 1)) throw new InvalidParameterError("level", "a number between 0 and 1 (exclusive), such as 0.95", level, owner);
  if (!Number.isFinite(seed)) throw new InvalidParameterError("seed", "a finite number", seed, owner);
  return { nBoot, level, seed };
}

/**
 * A seeded bootstrap percentile interval for `metricName` on one model's predictions: `nBoot`
 * resamples of the rows with replacement, the metric on each, and the quantiles at (1 ± level) / 2.
 * Resamples on which the metric is undefined are skipped and counted in `skipped`; when every resample
 * is, `low` and `high` are NaN.
 *
 * @example
 * bootstrapInterval({ yTrue, proba, nClasses: 2 }, "roc_auc", { seed: 7 });
 * // { estimate: 0.81, low: 0.79, high: 0.83, nBoot: 1000, level: 0.95, method: "percentile", skipped: 0 }
 */
export function bootstrapInterval(input: MetricInput, metricName: string, options?: BootstrapOptions): BootstrapInterval {
  return bootstrapIntervals(input, [metricName], options)[metricName]!;
}

/**
 * Bootstrap percentile intervals for several metrics of one model from the same resamples: drawing a
 * resample costs more than most metrics' pass over it, so an evaluation that reports a dozen metrics
 * draws once per resample, not once per metric. Each interval is the one `bootstrapInterval` gives for
 * the same seed.
 *
 * @example
 * bootstrapIntervals({ yTrue, proba, nClasses: 2 }, ["roc_auc", "log_loss", "accuracy"], { seed: 7 }).log_loss.high; // 0.49
 */
export function bootstrapIntervals(
  input: MetricInput,
  metricNames: readonly string[],
  options?: BootstrapOptions,
): Record<string, BootstrapInterval> {
  const { nBoot, level, seed } = checkOptions(options, "bootstrapIntervals");
  // The estimates on the rows as given (this validates them), so each figure is the registry's to the
  // last bit; a sum over the rows in score order could differ in it.
  const estimates = metricNames.map((name) => {
    const metric = metricByName(name, "bootstrapIntervals");
    return computeMetrics(taskFor(metric, input), [metric], input)[metric]!;
  });
  const rows = inScoreOrder(input);
  // Metrics that read the same pass (the label metrics' confusion table, r2 and explained variance)
  // share it: one pass per resample for all of them.
  const shared: SharedPreparation = {};
  const resamplers = metricNames.map((name, m) => prepareResampler(name, rows, shared, { estimate: estimates[m]! }));
  const stages = [...new Set(resamplers.flatMap((r) => (r.stage === undefined ? [] : [r.stage])))];
  const n = input.yTrue.length;
  const rng = new Random(seed);
  const counts = new Uint8Array(n);
  const values = resamplers.map(() => new Float64Array(nBoot));
  const kept = new Int32Array(resamplers.length);
  for (let b = 0; b < nBoot; b++) {
    drawCounts(rng, counts);
    for (const stage of stages) stage.fill(counts);
    for (let m = 0; m < resamplers.length; m++) {
      const resampler = resamplers[m]!;
      const value = resampler.fromStage !== undefined ? resampler.fromStage() : resampler.statistic(counts);
      if (!Number.isNaN(value)) values[m]![kept[m]!++] = value;
    }
  }
  const out: Record<string, BootstrapInterval> = {};
  resamplers.forEach((resampler, m) => {
    const sorted = values[m]!.subarray(0, kept[m]).sort();
    out[metricNames[m]!] = {
      estimate: resampler.estimate,
      low: quantileSorted(sorted, (1 - level) / 2),
      high: quantileSorted(sorted, (1 + level) / 2),
      nBoot,
      level,
      method: "percentile",
      skipped: nBoot - kept[m]!,
    };
  });
  return out;
}

/**
 * The rows of a binary input reordered by decreasing P(class 1). A resample is as likely in any row
 * order, and in this one the ROC AUC and average precision passes read the counts in memory order
 * instead of jumping through 600k rows, and with distinct scores skip the tie groups (measured at 600k
 * rows: 1.7 ms a pass in the given order, 0.7 ms in this one).
 * Other inputs are returned as they are.
 */
function inScoreOrder(input: MetricInput): MetricInput {
  const n = input.yTrue.length;
  const proba = input.proba;
  if (proba === undefined || (input.nClasses ?? 2) !== 2 || n < 2) return input;
  const width = proba.length === 2 * n ? 2 : proba.length === n ? 1 : 0;
  if (width === 0) return input;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => proba[b * width + width - 1]! - proba[a * width + width - 1]!);
  const pick = (values: ArrayLike<number> | undefined, w = 1): Float64Array | undefined => {
    if (values === undefined) return undefined;
    const out = new Float64Array(n * w);
    for (let k = 0; k < n; k++) for (let c = 0; c < w; c++) out[k * w + c] = values[order[k]! * w + c]!;
    return out;
  };
  return { yTrue: pick(input.yTrue)!, yPred: pick(input.yPred), proba: pick(proba, width), nClasses: input.nClasses, sampleWeight: pick(input.sampleWeight) };
}

/**
 * Options of `pairedBootstrapTest`.
 *
 * @example
 * pairedBootstrapTest(a, b, "f1", { nBoot: 2000, seed: 1, alpha: 0.01, names: ["old", "new"] });
 */
export interface PairedBootstrapOptions extends ComparisonOptions {
  /** Number of resamples. Default 1000. */
  nBoot?: number;
  /** Seed of the resampling. Default 0. */
  seed?: number;
}

/**
 * Compares two models' `metricName` on the same rows with a paired bootstrap: each resample draws the
 * same rows for both, and the difference b - a is recorded. The interval is the percentile interval of
 * those differences at 1 - alpha. The p-value is twice the share of resampled differences on the other
 * side of zero from the observed one, with the +1 correction that keeps it above 0 (Davison & Hinkley):
 * p = min(1, 2 (1 + #{d* <= 0}) / (B + 1)) when b - a > 0 (mirrored when it is negative; 1 when it is 0).
 * B counts the resamples on which both metrics are defined; the others are reported as skipped.
 *
 * @example
 * pairedBootstrapTest({ yTrue, proba: probaA }, { yTrue, proba: probaB }, "log_loss", { seed: 1 }).verdict;
 * // "B is significantly better than A (p = 0.002)"
 */
export function pairedBootstrapTest(inputA: MetricInput, inputB: MetricInput, metricName: string, options?: PairedBootstrapOptions): Comparison {
  const alpha = checkAlpha(options?.alpha, "pairedBootstrapTest");
  const { nBoot, seed } = checkOptions({ nBoot: options?.nBoot, seed: options?.seed }, "pairedBootstrapTest");
  checkSameRows(inputA.yTrue, inputB.yTrue);
  // Every resample of one row is that row: the differences all equal the observed one, and the +1
  // corrected share would call a single row "significant" (p = 2 / (B + 1)).
  if (inputA.yTrue.length < 2) {
    throw new DataValidationError({ code: "too_few_rows", column: "yTrue", expected: "at least 2 rows for a paired bootstrap", received: String(inputA.yTrue.length) });
  }
  const resamplerA = prepareResampler(metricName, inputA);
  const resamplerB = prepareResampler(metricName, inputB);
  const a = resamplerA.estimate;
  const b = resamplerB.estimate;
  const difference = b - a;
  const rng = new Random(seed);
  const counts = new Uint8Array(resamplerA.nRows);
  const differences = new Float64Array(nBoot);
  let kept = 0;
  let atOrBelowZero = 0;
  let atOrAboveZero = 0;
  for (let r = 0; r < nBoot; r++) {
    drawCounts(rng, counts);
    const d = resamplerB.statistic(counts) - resamplerA.statistic(counts);
    if (Number.isNaN(d)) continue;
    differences[kept++] = d;
    if (d <= 0) atOrBelowZero++;
    if (d >= 0) atOrAboveZero++;
  }
  if (kept === 0) throw new MetricError(metricName, `undefined on every one of the ${nBoot} resamples; the comparison has no data`);
  const sorted = differences.subarray(0, kept).sort();
  const otherSide = difference > 0 ? atOrBelowZero : atOrAboveZero;
  const pValue = difference === 0 ? 1 : Math.min(1, (2 * (1 + otherSide)) / (kept + 1));
  return {
    test: "paired_bootstrap",
    metric: resamplerA.metric,
    a,
    b,
    difference,
    ci: [quantileSorted(sorted, alpha / 2), quantileSorted(sorted, 1 - alpha / 2)],
    pValue,
    verdict: verdictSentence(pValue, difference, METRICS[resamplerA.metric].greaterIsBetter, alpha, options?.names),
    level: 1 - alpha,
    details: { nBoot, used: kept, skipped: nBoot - kept, seed },
  };
}

/**
 * Throws unless the two models were scored on the same true values, row for row.
 *
 * @example
 * checkSameRows(inputA.yTrue, inputB.yTrue); // throws a DataValidationError naming the first differing row
 */
export function checkSameRows(yTrueA: ArrayLike<number>, yTrueB: ArrayLike<number>): void {
  if (yTrueA.length !== yTrueB.length) {
    throw new DataValidationError({
      code: "length_mismatch",
      column: "yTrue",
      expected: `the same ${yTrueA.length} rows for both models`,
      received: `${yTrueB.length} rows for model B`,
    });
  }
  for (let i = 0; i < yTrueA.length; i++) {
    if (yTrueA[i] !== yTrueB[i] && !(Number.isNaN(yTrueA[i]) && Number.isNaN(yTrueB[i]))) {
      throw new DataValidationError({
        code: "invalid_value",
        column: "yTrue",
        row: i + 1,
        expected: `the same true value for both models (a paired comparison needs the same rows), ${yTrueA[i]} for model A`,
        received: String(yTrueB[i]),
      });
    }
  }
}
