/**
 * Hyperparameter search: seeded random search over a space, successive halving on the boosting rounds
 * (gbdt) or trees (forest), every evaluation a cross-validated score, trials on a pool of worker threads,
 * a time budget, a leaderboard, and the best configuration refit on all the rows.
 *
 * Reproducible: configuration i is the i-th draw from Random(seed), trial i's model seed derives from
 * (seed, i), every trial is scored on the same folds (seeded by `seed`), and promotions are decided once a
 * rung is complete. The same seed gives the same leaderboard for any number of workers; only a time
 * budget that cuts the run short makes it depend on the machine.
 */
import { availableParallelism } from "node:os";
import { InvalidParameterError } from "../../core/errors.js";
import { formatError } from "../../core/messages.js";
import { Random } from "../../core/rng.js";
import type { Dataset, Task } from "../../core/types.js";
import { METRICS, metricNamesFor, primaryMetric, type MetricName } from "../../metrics/index.js";
import { modelFamily } from "../../models/registry.js";
import type { Model } from "../../models/types.js";
import { planRungs, runHalving, type Evaluation, type EvaluationOutcome, type Rung } from "./halving.js";
import { InlineExecutor, WorkerPoolExecutor, type TrialExecutor } from "./executors.js";
import { BUDGETS, defaultSpace, sampleConfig, spaceForRows, type BudgetSpec, type ParamValue, type SearchSpace } from "./space.js";
import { trialParams, trialSeed, type TrialRequest, type TrialScore, type TrialSetup } from "./trial.js";

/** Options of `tune`. */
export interface TuneOptions {
  /** The model family: "gbdt" (default), "forest" or "linear". */
  readonly kind?: string;
  /** The search space (default: the family's, see defaultSpace). */
  readonly space?: SearchSpace;
  /** Configurations drawn (the first rung's size). Default 27 (eta^3: rungs of 27, 9, 3, 1). */
  readonly trials?: number;
  /** Cross-validation folds per evaluation (stratified for classification). Default 5. */
  readonly folds?: number;
  /** The metric to optimise (default: the task's primary metric: roc_auc, accuracy, rmse). */
  readonly metric?: string;
  /** The run's seed: configurations, folds, trial seeds. Default 42. */
  readonly seed?: number;
  /** Promotion factor of successive halving. Default 3. */
  readonly eta?: number;
  /** The full budget, the last rung's (rounds or trees; default 300 for gbdt, 100 for forest). */
  readonly maxBudget?: number;
  /** The smallest rung budget (default 10 rounds for gbdt, 5 trees for forest). */
  readonly minBudget?: number;
  /** False: every trial on the full budget (plain random search). Default true; linear has no budget. */
  readonly halving?: boolean;
  /** Worker threads (default: one per core); 0 runs every trial on the calling thread. */
  readonly parallel?: number;
  /**
   * Seconds after which no new trial starts (running ones finish); the best so far is reported. The
   * trials started before any has finished (one per worker) always run.
   */
  readonly timeBudget?: number;
  /** Refit the best configuration on all the rows. Default true. */
  readonly refit?: boolean;
  /** Called after every evaluation. */
  readonly onEvaluation?: (event: TuneProgress) => void;
  /** Runs the trials instead of the built-in executors (tests pass a deterministic fake). */
  readonly executor?: (setup: TrialSetup, shouldStop: () => boolean) => TrialExecutor;
}

/** Progress of a tuning run, after each evaluation. */
export interface TuneProgress {
  readonly trial: number;
  readonly rung: number;
  readonly nRungs: number;
  readonly budget: number;
  readonly outcome: EvaluationOutcome<TrialScore>["status"];
  /** Evaluations finished so far, and the most the plan holds. */
  readonly done: number;
  readonly planned: number;
  /** The best score so far on the highest rung reached, and its trial. */
  readonly best: { readonly trial: number; readonly score: number; readonly rung: number } | null;
  readonly elapsedSeconds: number;
}

/** One trial in the leaderboard: its configuration, and its score on the highest rung it reached. */
export interface LeaderboardEntry {
  /** 1-based rank; failed trials rank last. */
  readonly rank: number;
  readonly trial: number;
  /** The sampled configuration (the space's parameters only). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The highest rung the trial was scored on (0-based), and that rung's budget. */
  readonly rung: number;
  readonly budget: number | null;
  readonly status: "done" | "failed";
  /** Cross-validated mean and standard deviation of the metric on that rung. */
  readonly score: number | null;
  readonly std: number | null;
  /** What the fits used on that rung (mean over folds): rounds kept, trees or solver iterations. */
  readonly rounds: number | null;
  /** Seconds spent on the trial, every rung. */
  readonly seconds: number;
  /** Why it failed. */
  readonly error?: string;
}

/** What a tuning run found. */
export interface TuneResult {
  readonly kind: string;
  readonly task: Task;
  readonly metric: string;
  readonly greaterIsBetter: boolean;
  readonly folds: number;
  readonly seed: number;
  readonly space: SearchSpace;
  /** The halving budget (null: plain random search for a family without one). */
  readonly budget: (BudgetSpec & { readonly max: number; readonly minRung: number; readonly eta: number }) | null;
  /** Each rung: its budget, the trials planned and scored on it, and those promoted from it. */
  readonly rungs: readonly { readonly rung: number; readonly budget: number; readonly planned: number; readonly scored: number; readonly promoted: readonly number[] }[];
  readonly leaderboard: readonly LeaderboardEntry[];
  /** The best trial, the leaderboard's first; null when no trial produced a score. */
  readonly best: LeaderboardEntry | null;
  /** The estimator parameters of the best trial as refit (configuration, budget, seed). */
  readonly bestParams: Readonly<Record<string, unknown>> | null;
  /** The trivial baseline (class prior or training mean) scored on the same folds as every trial. */
  readonly baseline: { readonly kind: string; readonly score: number } | null;
  /** Every evaluation, rung by rung. */
  readonly evaluations: readonly { readonly trial: number; readonly rung: number; readonly budget: number; readonly status: "done" | "failed"; readonly score: number | null; readonly std: number | null; readonly foldScores: readonly number[] | null; readonly rounds: number | null; readonly seconds: number | null }[];
  readonly trials: { readonly planned: number; readonly scored: number; readonly failed: number; readonly notRun: number };
  /** Why the search ended early ("time_budget"), or null. */
  readonly stoppedBy: "time_budget" | null;
  readonly parallel: number;
  readonly seconds: { readonly search: number; readonly refit: number };
  /** The best configuration refit on all the rows (unless refit: false or nothing was scored). */
  readonly model?: Model;
}

/**
 * Tunes a model family's hyperparameters on `data` (which must carry its target). Throws the first
 * trial's error when every trial of the first rung fails (the data or the space cannot work).
 *
 * @example
 * const result = await tune(data, { kind: "gbdt", trials: 27, folds: 5, seed: 42, timeBudget: 600 });
 * result.best; // { rank: 1, trial: 12, params: { learningRate: 0.05, ... }, score: 0.7312, std: 0.004, ... }
 * result.model!.toBytes();
 */
export async function tune(data: Dataset, options: TuneOptions = {}): Promise<TuneResult> {
  const started = performance.now();
  const target = data.target;
  if (!target) throw new InvalidParameterError("data", "labelled rows (with the target column)", "rows without a target", "tune");
  const kind = options.kind ?? "gbdt";
  const family = modelFamily(kind);
  const task = target.task;
  const metric = tuningMetric(task, options.metric);
  const greaterIsBetter = METRICS[metric].greaterIsBetter;
  const nTrials = options.trials ?? 27;
  const folds = options.folds ?? 5;
  const seed = options.seed ?? 42;
  const eta = options.eta ?? 3;
  const parallel = options.parallel ?? availableParallelism();
  if (!Number.isInteger(parallel) || parallel < 0) throw new InvalidParameterError("parallel", "an integer >= 0", parallel, "tune");
  // The rows a trial fits on: a fold's training rows, less gbdt's early-stopping slice.
  const foldTrainRows = Math.floor((data.nRows * (folds - 1)) / folds);
  const slice = (family.params as Readonly<Record<string, { readonly default?: unknown } | undefined>>).validationFraction?.default;
  const trialRows = kind === "gbdt" && typeof slice === "number" ? Math.floor(foldTrainRows * (1 - slice)) : foldTrainRows;
  const space = spaceForRows(options.space ?? defaultSpace(kind), kind, trialRows);
  const budgetSpec = BUDGETS[kind];
  const maxBudget = options.maxBudget ?? budgetSpec?.defaultMax ?? 1;
  const minBudget = Math.min(options.minBudget ?? budgetSpec?.min ?? 1, maxBudget);
  const rungs = planRungs({ nTrials, maxBudget, minBudget, eta, halving: budgetSpec !== undefined && options.halving !== false });

  // Every configuration is drawn before any runs: configuration i never depends on what ran.
  const rng = new Random(seed);
  const configs = Array.from({ length: nTrials }, () => sampleConfig(space, rng));
  const setup: TrialSetup = { kind, metric, folds, foldSeed: seed };
  const deadline = options.timeBudget !== undefined ? started + options.timeBudget * 1000 : Number.POSITIVE_INFINITY;
  let timedOut = false;
  let done = 0;
  // The budget never stops the first trials: until one has finished there is no "best so far" to keep.
  const shouldStop = () => {
    if (done > 0 && performance.now() >= deadline) timedOut = true;
    return timedOut;
  };
  const executor = options.executor
    ? options.executor(setup, shouldStop)
    : parallel === 0
      ? new InlineExecutor(data, setup, { shouldStop })
      : new WorkerPoolExecutor(data, setup, Math.min(parallel, nTrials), { shouldStop });

  const planned = rungs.reduce((sum, rung) => sum + rung.nConfigs, 0);
  let best: TuneProgress["best"] = null;
  let halving: Awaited<ReturnType<typeof runHalving<TrialScore>>>;
  try {
    halving = await runHalving<TrialScore>({
      rungs,
      greaterIsBetter,
      evaluate: async (trial, budget, rung) => {
        const request: TrialRequest = { trial, config: configs[trial]!, budget, seed: trialSeed(seed, trial) };
        const outcome = await executor.run(request);
        if (outcome.status === "skipped") return outcome;
        done++;
        if (outcome.status === "done" && !Number.isNaN(outcome.result.score)) {
          const score = outcome.result.score;
          if (bestSoFar(best, { trial, score, rung }, greaterIsBetter)) best = { trial, score, rung };
        }
        options.onEvaluation?.({ trial, rung, nRungs: rungs.length, budget, outcome: outcome.status, done, planned, best, elapsedSeconds: (performance.now() - started) / 1000 });
        return outcome;
      },
    });
  } finally {
    await executor.close();
  }
  const searched = performance.now();

  const firstRung = halving.evaluations.filter((evaluation) => evaluation.rung === 0);
  if (firstRung.length > 0 && firstRung.every((evaluation) => evaluation.outcome.status === "failed")) {
    const first = firstRung[0]!.outcome;
    throw first.status === "failed" ? first.error : new Error("every trial failed");
  }

  const ranked = leaderboardOf(halving.evaluations, configs, greaterIsBetter);
  // A family without a budget (linear) was searched at a placeholder budget of 1: show none.
  const leaderboard = budgetSpec ? ranked : ranked.map((entry) => ({ ...entry, budget: null }));
  const bestEntry = leaderboard[0]?.status === "done" ? leaderboard[0] : null;
  const bestParams = bestEntry ? trialParams(kind, { config: bestEntry.params, budget: bestEntry.budget ?? maxBudget, seed: trialSeed(seed, bestEntry.trial) }, null) : null;
  const model = bestParams && options.refit !== false ? family.create(bestParams).fit(data) : undefined;
  const refitted = performance.now();

  const scoredTrials = new Set(halving.evaluations.map((evaluation) => evaluation.trial));
  const failed = leaderboard.filter((entry) => entry.status === "failed").length;
  return {
    kind,
    task,
    metric,
    greaterIsBetter,
    folds,
    seed,
    space,
    budget: budgetSpec ? { ...budgetSpec, max: maxBudget, minRung: rungs[0]!.budget, eta } : null,
    rungs: rungs.map((rung: Rung) => ({
      rung: rung.index,
      budget: rung.budget,
      planned: rung.nConfigs,
      scored: halving.rungTrials[rung.index]?.length ?? 0,
      promoted: halving.promoted[rung.index] ?? [],
    })),
    leaderboard,
    best: bestEntry,
    bestParams,
    // Every trial's folds are the same (foldSeed), so any scored evaluation holds the baseline.
    baseline: halving.evaluations.map((evaluation) => (evaluation.outcome.status === "done" ? evaluation.outcome.result.baseline : undefined)).find((b) => b !== undefined) ?? null,
    evaluations: halving.evaluations.map((evaluation) => evaluationRecord(evaluation)),
    trials: { planned: nTrials, scored: scoredTrials.size - failed, failed, notRun: nTrials - scoredTrials.size },
    stoppedBy: halving.stopped && timedOut ? "time_budget" : null,
    parallel,
    seconds: { search: (searched - started) / 1000, refit: (refitted - searched) / 1000 },
    ...(model ? { model } : {}),
  };
}

/** Whether `candidate` beats `best` for the progress line: a higher rung, then the better score, then the earlier trial. */
function bestSoFar(best: TuneProgress["best"], candidate: NonNullable<TuneProgress["best"]>, greaterIsBetter: boolean): boolean {
  if (!best || candidate.rung !== best.rung) return !best || candidate.rung > best.rung;
  if (candidate.score !== best.score) return greaterIsBetter ? candidate.score > best.score : candidate.score < best.score;
  return candidate.trial < best.trial;
}

/**
 * The metric a tuning run optimises: `name` checked against the task, or the task's primary metric.
 *
 * @example
 * tuningMetric("binary"); // "roc_auc"
 */
export function tuningMetric(task: Task, name?: string): MetricName {
  const metric = name ?? primaryMetric(task);
  const valid: readonly string[] = metricNamesFor(task);
  if (!valid.includes(metric)) throw new InvalidParameterError("metric", `one of ${valid.join(", ")} for a ${task} target`, metric);
  return metric as MetricName;
}

/**
 * The leaderboard: each trial on the highest rung it reached, ranked by that rung (higher first: its
 * score was earned on a bigger budget and against the survivors of the rungs below), then by score,
 * then by trial number; failed trials last.
 */
export function leaderboardOf(evaluations: readonly Evaluation<TrialScore>[], configs: readonly Readonly<Record<string, ParamValue>>[], greaterIsBetter: boolean): LeaderboardEntry[] {
  const last = new Map<number, Evaluation<TrialScore>>();
  const seconds = new Map<number, number>();
  for (const evaluation of evaluations) {
    const previous = last.get(evaluation.trial);
    if (!previous || evaluation.rung > previous.rung) last.set(evaluation.trial, evaluation);
    const spent = evaluation.outcome.status === "done" ? evaluation.outcome.result.seconds : 0;
    seconds.set(evaluation.trial, (seconds.get(evaluation.trial) ?? 0) + spent);
  }
  const scoreOf = (evaluation: Evaluation<TrialScore>) => (evaluation.outcome.status === "done" ? evaluation.outcome.result.score : NaN);
  const ordered = [...last.values()].sort((a, b) => {
    const aFailed = a.outcome.status !== "done" || Number.isNaN(scoreOf(a));
    const bFailed = b.outcome.status !== "done" || Number.isNaN(scoreOf(b));
    if (aFailed !== bFailed) return aFailed ? 1 : -1;
    if (!aFailed && a.rung !== b.rung) return b.rung - a.rung;
    if (!aFailed) {
      const difference = greaterIsBetter ? scoreOf(b) - scoreOf(a) : scoreOf(a) - scoreOf(b);
      if (difference !== 0) return difference;
    }
    return a.trial - b.trial;
  });
  return ordered.map((evaluation, index) => {
    const outcome = evaluation.outcome;
    const common = { rank: index + 1, trial: evaluation.trial, params: configs[evaluation.trial]!, rung: evaluation.rung, budget: evaluation.budget, seconds: seconds.get(evaluation.trial) ?? 0 };
    if (outcome.status === "done" && !Number.isNaN(outcome.result.score)) {
      return { ...common, status: "done", score: outcome.result.score, std: outcome.result.std, rounds: outcome.result.rounds };
    }
    const error = outcome.status === "failed" ? errorText(outcome.error) : "no fold defined the metric";
    return { ...common, status: "failed", score: null, std: null, rounds: null, error };
  });
}

function evaluationRecord(evaluation: Evaluation<TrialScore>): TuneResult["evaluations"][number] {
  const outcome = evaluation.outcome;
  const done = outcome.status === "done" ? outcome.result : null;
  return {
    trial: evaluation.trial,
    rung: evaluation.rung,
    budget: evaluation.budget,
    status: done ? "done" : "failed",
    score: done ? done.score : null,
    std: done ? done.std : null,
    foldScores: done ? done.foldScores : null,
    rounds: done ? done.rounds : null,
    seconds: done ? done.seconds : null,
  };
}

function errorText(error: unknown): string {
  return formatError(error);
}
