/**
 * One trial evaluation: a configuration, with its budget, cross-validated on the data. The same function
 * runs on the calling thread and in the tuning workers, so a score never depends on where it ran.
 */
import { Random } from "../../core/rng.js";
import type { Dataset } from "../../core/types.js";
import { MODEL_FAMILIES, modelFamily } from "../../models/registry.js";
import { crossValidate } from "../cv.js";
import { BUDGETS, type ParamValue } from "./space.js";

/** Rounds of early-stopping patience in each trial's fits, unless the space sets earlyStopping. */
export const TRIAL_EARLY_STOPPING = 20;

/** What a trial evaluation needs besides the data. */
export interface TrialSetup {
  /** The model family ("gbdt", "forest", "linear"). */
  readonly kind: string;
  /** The metric that scores the trial. */
  readonly metric: string;
  readonly folds: number;
  /** Seed of the folds: the run's seed, so every trial is scored on the same folds. */
  readonly foldSeed: number;
}

/** One trial to evaluate. */
export interface TrialRequest {
  readonly trial: number;
  /** The sampled configuration. */
  readonly config: Readonly<Record<string, ParamValue>>;
  /** The rung's budget (rounds or trees); ignored for a family without one. */
  readonly budget: number;
  /** The trial's model seed (see trialSeed). */
  readonly seed: number;
}

/** A trial's cross-validated score. */
export interface TrialScore {
  /** Mean of the metric over the folds where it is defined. */
  readonly score: number;
  /** Sample standard deviation over the folds (NaN with one fold). */
  readonly std: number;
  readonly foldScores: readonly number[];
  /**
   * Mean over the folds of what the fit used: boosting rounds kept after early stopping (gbdt), trees
   * (forest), solver iterations (linear).
   */
  readonly rounds: number;
  /** Seconds the cross-validation took. */
  readonly seconds: number;
  /** The trivial baseline (class prior or training mean) on the same folds: its kind and mean score. */
  readonly baseline?: { readonly kind: string; readonly score: number };
}

/**
 * A trial's model seed: derived from the run's seed and the trial's number, so trial 7 gets the same
 * seed whatever ran before it or beside it.
 *
 * @example
 * trialSeed(42, 0); // an integer in [0, 2^31)
 */
export function trialSeed(runSeed: number, trial: number): number {
  return new Random(runSeed * 1_000_003 + trial).nextUint32() >>> 1;
}

/**
 * The estimator parameters of a trial: the configuration, the budget, the trial's seed and one thread.
 * GBDT trials stop early on a slice of each fold's training rows (earlyStopping 20, the estimator's
 * validationFraction) unless the space sets earlyStopping.
 */
export function trialParams(kind: string, request: Pick<TrialRequest, "config" | "budget" | "seed">, threads: number | null = 1): Record<string, unknown> {
  const schema = modelFamily(kind).params;
  const params: Record<string, unknown> = { ...request.config };
  const budget = BUDGETS[kind];
  if (budget) params[budget.param] = request.budget;
  if (kind === "gbdt" && params.earlyStopping === undefined) params.earlyStopping = TRIAL_EARLY_STOPPING;
  if ("seed" in schema) params.seed = request.seed;
  if ("threads" in schema) params.threads = threads;
  return params;
}

/** Cross-validates one trial on `data`. Deterministic for a given request and setup. */
export function evaluateTrial(data: Dataset, setup: TrialSetup, request: TrialRequest): TrialScore {
  const started = performance.now();
  const family = MODEL_FAMILIES[setup.kind] ?? modelFamily(setup.kind);
  const estimator = family.create(trialParams(setup.kind, request));
  const report = crossValidate(estimator, data, { folds: setup.folds, seed: setup.foldSeed, metrics: [setup.metric], refit: false });
  const summary = report.summary[setup.metric];
  const foldScores = report.folds.map((fold) => fold.metrics[setup.metric] ?? NaN);
  const rounds = report.folds.map((fold) => roundsOf(setup.kind, fold.training)).reduce((a, b) => a + b, 0) / report.folds.length;
  return {
    score: summary?.mean ?? NaN,
    std: summary?.std ?? NaN,
    foldScores,
    rounds,
    ...(report.baseline.summary[setup.metric] ? { baseline: { kind: report.baseline.kind, score: report.baseline.summary[setup.metric]!.mean } } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

function roundsOf(kind: string, training: Readonly<Record<string, unknown>>): number {
  const value = kind === "gbdt" ? training.roundsKept : kind === "forest" ? training.bags : training.iterations;
  return typeof value === "number" ? value : NaN;
}
