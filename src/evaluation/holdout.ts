/**
 * A held-out evaluation as an ML engineer reads it: each metric beside the trivial baseline's (class
 * prior or training mean) and the model's lift over it, and the headline metric with a seeded 95%
 * bootstrap interval.
 */
import type { Dataset } from "../core/types.js";
import { METRICS, computeMetrics, primaryMetric, type MetricInput } from "../metrics/index.js";
import type { Model } from "../models/types.js";
import { scoreModel } from "./score-model.js";
import { baselinePredictions, bootstrapIntervals, type BootstrapInterval } from "./stats/index.js";

/** Options of a held-out evaluation. */
export interface HoldoutOptions {
  /** Metrics to report (default: the task's standard set). */
  readonly metrics?: readonly string[];
  /** Bootstrap resamples for the headline interval; 0 for none. Default 1000. */
  readonly bootstrap?: number;
  readonly seed?: number;
}

/** What a held-out evaluation found. */
export interface HoldoutReport {
  readonly metrics: Record<string, number>;
  /** The baseline's kind and its value of each metric (a metric undefined for it is left out). */
  readonly baseline: { readonly kind: string; readonly metrics: Record<string, number> };
  /** The headline metric's name and its bootstrap interval, when bootstrap > 0. */
  readonly headline: { readonly metric: string; readonly interval?: BootstrapInterval };
  /** The labels and the model's predictions on the test rows. */
  readonly input: MetricInput;
  /** Default metrics undefined on the test rows, with the reason (see scoreModel). */
  readonly undefinedMetrics: readonly { readonly metric: string; readonly reason: string }[];
}

/**
 * Scores `model` on `test`, with the baseline fitted on `train`'s target and a bootstrap interval for
 * the task's headline metric (the first of `metrics` when given).
 *
 * @example
 * const report = evaluateHoldout(model, train, test, { seed: 42 });
 * report.headline.interval; // { estimate: 0.74, low: 0.739, high: 0.742, ... }
 */
export function evaluateHoldout(model: Model, train: Dataset, test: Dataset, options: HoldoutOptions = {}): HoldoutReport {
  const { metrics, input, undefinedMetrics } = scoreModel(model, test, options.metrics && options.metrics.length > 0 ? options.metrics : undefined);
  const names = Object.keys(metrics);
  const baseline = baselinePredictions(model.task, train.target!.values, input.nClasses ?? 1, test.nRows);
  const baselineInput: MetricInput = { yTrue: input.yTrue, yPred: baseline.yPred, nClasses: baseline.nClasses, ...(baseline.proba ? { proba: baseline.proba } : {}) };
  const baselineMetrics: Record<string, number> = {};
  for (const name of names) {
    try {
      baselineMetrics[name] = computeMetrics(model.task, [name], baselineInput)[name]!;
    } catch {
      // Undefined for a constant predictor (scikit-learn raises too): the table shows no baseline there.
    }
  }
  // The task's headline when it is defined here (ROC AUC is not on test rows of one class).
  const metric = options.metrics && options.metrics.length > 0 ? names[0]! : names.includes(primaryMetric(model.task)) ? primaryMetric(model.task) : names[0]!;
  const nBoot = options.bootstrap ?? 1000;
  const interval = nBoot > 0 ? bootstrapIntervals(input, [metric], { nBoot, seed: options.seed ?? 0 })[metric] : undefined;
  return { metrics, baseline: { kind: baseline.kind, metrics: baselineMetrics }, headline: interval ? { metric, interval } : { metric }, input, undefinedMetrics };
}

/** Whether higher values of a metric are better (for lift and comparisons). */
export function greaterIsBetter(metric: string): boolean {
  return METRICS[metric as keyof typeof METRICS]?.greaterIsBetter ?? true;
}
