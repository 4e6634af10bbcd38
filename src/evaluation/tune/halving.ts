/**
 * Successive halving (Jamieson & Talwalkar 2016; the "rungs" of ASHA, Li et al. 2018, run synchronously):
 * every configuration is scored on a small budget (few boosting rounds or trees), the best 1/eta of them
 * are scored again on eta times the budget, and so on up to the full budget. Most of the compute goes
 * to the few configurations that look best, and a configuration's rank is always decided against others
 * scored on the same budget.
 *
 * The bookkeeping here knows nothing of models: `runHalving` calls an `evaluate` function and promotes on
 * its scores. A rung's promotions are decided only once all its evaluations are in, in trial order, so
 * the outcome does not depend on how many ran at once or which finished first.
 */
import { InvalidParameterError } from "../../core/errors.js";

/** One rung: its budget and how many configurations are scored on it. */
export interface Rung {
  /** 0-based. */
  readonly index: number;
  /** The budget (rounds, trees) each configuration gets on this rung. */
  readonly budget: number;
  /** How many configurations are scored on this rung. */
  readonly nConfigs: number;
}

/** Options of `planRungs`. */
export interface RungPlanOptions {
  readonly nTrials: number;
  /** The full budget: the last rung's. */
  readonly maxBudget: number;
  /** The smallest budget a rung may have. */
  readonly minBudget: number;
  /** The promotion factor: 1/eta of a rung goes on, with eta times the budget. Default 3. */
  readonly eta?: number;
  /** False: one rung, every trial on the full budget (plain random search). Default true. */
  readonly halving?: boolean;
}

/**
 * The rungs for `nTrials` configurations: as many as keep at least one configuration on the last rung
 * (nTrials >= eta^(rungs - 1)) and a first budget of at least `minBudget` (maxBudget / eta^(rungs - 1)).
 * Rung i scores floor(nTrials / eta^i) configurations on round(maxBudget / eta^(rungs - 1 - i)).
 *
 * @example
 * planRungs({ nTrials: 27, maxBudget: 300, minBudget: 10 });
 * // [{ index: 0, budget: 11, nConfigs: 27 }, { index: 1, budget: 33, nConfigs: 9 }, { index: 2, budget: 100, nConfigs: 3 }, { index: 3, budget: 300, nConfigs: 1 }]
 */
export function planRungs(options: RungPlanOptions): Rung[] {
  const { nTrials, maxBudget, minBudget } = options;
  const eta = options.eta ?? 3;
  if (!Number.isInteger(nTrials) || nTrials < 1) throw new InvalidParameterError("trials", "an integer >= 1", nTrials, "planRungs");
  if (!Number.isInteger(eta) || eta < 2) throw new InvalidParameterError("eta", "an integer >= 2", eta, "planRungs");
  if (!(maxBudget >= 1)) throw new InvalidParameterError("maxBudget", "a number >= 1", maxBudget, "planRungs");
  if (!(minBudget >= 1 && minBudget <= maxBudget)) throw new InvalidParameterError("minBudget", `a number >= 1 and <= the full budget (${maxBudget})`, minBudget, "planRungs");
  let extra = 0;
  // Integer powers, not logarithms: log(243) / log(3) is 4.999999999999999.
  if (options.halving !== false) {
    while (eta ** (extra + 1) <= nTrials && maxBudget / eta ** (extra + 1) >= minBudget) extra++;
  }
  const rungs: Rung[] = [];
  for (let i = 0; i <= extra; i++) {
    rungs.push({ index: i, budget: Math.round(maxBudget / eta ** (extra - i)), nConfigs: Math.max(1, Math.floor(nTrials / eta ** i)) });
  }
  return rungs;
}

/** A score as `runHalving` needs it; NaN (or a failed evaluation) ranks last. */
export interface Scored {
  readonly score: number;
}

/** What happened to one evaluation. */
export type EvaluationOutcome<R extends Scored> =
  | { readonly status: "done"; readonly result: R }
  | { readonly status: "failed"; readonly error: unknown }
  /** Not started: the run was stopped (time budget) before its turn. */
  | { readonly status: "skipped" };

/** One evaluation of one trial on one rung. */
export interface Evaluation<R extends Scored> {
  readonly trial: number;
  readonly rung: number;
  readonly budget: number;
  readonly outcome: EvaluationOutcome<R>;
}

/** What `runHalving` found. */
export interface HalvingResult<R extends Scored> {
  /** Every evaluation, rung by rung, in trial order within a rung. */
  readonly evaluations: Evaluation<R>[];
  /** The trials scored on each rung, in trial order (a rung cut short by a stop lists only those started). */
  readonly rungTrials: number[][];
  /** The trials promoted from each rung to the next, best first. */
  readonly promoted: number[][];
  /** True when `shouldStop` ended the run before the last rung was complete. */
  readonly stopped: boolean;
}

/** Options of `runHalving`. */
export interface HalvingOptions<R extends Scored> {
  readonly rungs: readonly Rung[];
  /** Higher scores are better (true) or lower (false). */
  readonly greaterIsBetter: boolean;
  /**
   * Scores trial `trial` on `budget`. All of a rung's evaluations are requested at once; the function
   * (a worker pool) decides how many run together.
   */
  evaluate(trial: number, budget: number, rung: number): Promise<EvaluationOutcome<R>>;
  /** Called when a rung is complete, with its ranking (best first). */
  readonly onRung?: (rung: Rung, ranking: readonly number[]) => void;
}

/**
 * Runs successive halving over trials 0..rungs[0].nConfigs-1. The run stops after a rung where any
 * evaluation was skipped (the time budget ran out) or every evaluation failed.
 */
export async function runHalving<R extends Scored>(options: HalvingOptions<R>): Promise<HalvingResult<R>> {
  const { rungs, greaterIsBetter } = options;
  const evaluations: Evaluation<R>[] = [];
  const rungTrials: number[][] = [];
  const promoted: number[][] = [];
  let trials = Array.from({ length: rungs[0]?.nConfigs ?? 0 }, (_, i) => i);
  let stopped = false;
  for (const rung of rungs) {
    const outcomes = await Promise.all(trials.map((trial) => options.evaluate(trial, rung.budget, rung.index)));
    const here: Evaluation<R>[] = trials.map((trial, i) => ({ trial, rung: rung.index, budget: rung.budget, outcome: outcomes[i]! }));
    const started = here.filter((evaluation) => evaluation.outcome.status !== "skipped");
    evaluations.push(...started);
    rungTrials.push(started.map((evaluation) => evaluation.trial));
    const ranking = rankEvaluations(started, greaterIsBetter);
    options.onRung?.(rung, ranking);
    const next = rungs[rung.index + 1];
    const anySkipped = started.length < here.length;
    const anyDone = started.some((evaluation) => evaluation.outcome.status === "done");
    if (!next || anySkipped || !anyDone) {
      stopped = anySkipped || (!anyDone && next !== undefined);
      break;
    }
    // Only trials that produced a score go on; the best nConfigs of them, best first.
    const scoredRanking = ranking.filter((trial) => here.find((evaluation) => evaluation.trial === trial)!.outcome.status === "done");
    const chosen = scoredRanking.slice(0, next.nConfigs);
    promoted.push(chosen);
    // Evaluate the promoted trials in trial order, so logs read in order.
    trials = [...chosen].sort((a, b) => a - b);
  }
  return { evaluations, rungTrials, promoted, stopped };
}

/**
 * The trials of one rung, best first: done before failed, then by score (NaN last), ties by trial
 * number (the earlier trial wins, so the order never depends on timing).
 */
export function rankEvaluations<R extends Scored>(evaluations: readonly Evaluation<R>[], greaterIsBetter: boolean): number[] {
  const key = (evaluation: Evaluation<R>): number => {
    if (evaluation.outcome.status !== "done" || Number.isNaN(evaluation.outcome.result.score)) return Number.NEGATIVE_INFINITY;
    return greaterIsBetter ? evaluation.outcome.result.score : -evaluation.outcome.result.score;
  };
  return [...evaluations].sort((a, b) => key(b) - key(a) || a.trial - b.trial).map((evaluation) => evaluation.trial);
}
