import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Dataset } from "../../core/types.js";
import { planRungs, rankEvaluations, runHalving, type EvaluationOutcome } from "./halving.js";
import { sampleConfig, type SearchSpace } from "./space.js";
import { trialSeed, type TrialRequest, type TrialScore } from "./trial.js";
import { tune, type TuneProgress } from "./tune.js";

test("planRungs: rung budgets and sizes, worked by hand", () => {
  const plan = (options: Parameters<typeof planRungs>[0]) => planRungs(options).map((rung) => [rung.budget, rung.nConfigs]);
  // 27 configurations, eta 3, 300 rounds: 300/27 = 11.1 -> 11, 300/9 = 33.3 -> 33.
  assert.deepEqual(plan({ nTrials: 27, maxBudget: 300, minBudget: 10 }), [[11, 27], [33, 9], [100, 3], [300, 1]]);
  // A fourth rung would start at 100/27 = 3.7 rounds, under the minimum of 10.
  assert.deepEqual(plan({ nTrials: 27, maxBudget: 100, minBudget: 10 }), [[11, 27], [33, 9], [100, 3]]);
  // 20 configurations: 3^2 <= 20 < 3^3, so three rungs of 20, 6 and 2.
  assert.deepEqual(plan({ nTrials: 20, maxBudget: 90, minBudget: 1 }), [[10, 20], [30, 6], [90, 2]]);
  assert.deepEqual(plan({ nTrials: 8, maxBudget: 80, minBudget: 10, eta: 2 }), [[10, 8], [20, 4], [40, 2], [80, 1]]);
  assert.deepEqual(plan({ nTrials: 2, maxBudget: 90, minBudget: 10 }), [[90, 2]]);
  assert.deepEqual(plan({ nTrials: 27, maxBudget: 300, minBudget: 10, halving: false }), [[300, 27]]);
  // Exactly eta^k configurations: integer powers, not floating logarithms (log 243 / log 3 < 5).
  assert.equal(planRungs({ nTrials: 243, maxBudget: 243, minBudget: 1 }).length, 6);
  assert.throws(() => planRungs({ nTrials: 0, maxBudget: 10, minBudget: 1 }), /trials must be an integer >= 1, got 0/);
  assert.throws(() => planRungs({ nTrials: 9, maxBudget: 10, minBudget: 20 }), /minBudget must be a number >= 1 and <= the full budget \(10\), got 20/);
});

// The hand-worked case: score(trial, budget) = start[trial] + budget * slope[trial] / 100, so a slow
// starter can overtake on a bigger budget. Trial 6 always fails.
const START = [0.5, 0.7, 0.6, 0.65, 0.4, 0.68, 0.3, 0.2, 0.55];
const SLOPE = [0.1, 0, 0.3, 0.05, 0.9, 0.1, 0.1, 0, 0.2];
const fakeScore = (trial: number, budget: number) => START[trial]! + (budget * SLOPE[trial]!) / 100;

function fakeOutcome(trial: number, budget: number, sign = 1): EvaluationOutcome<TrialScore> {
  if (trial === 6) return { status: "failed", error: new Error("trial 6 cannot be fitted") };
  const score = sign * fakeScore(trial, budget);
  return { status: "done", result: { score, std: 0.01, foldScores: [score], rounds: budget, seconds: 0.001 } };
}

test("successive halving promotes the best third on each rung, decided on that rung's scores", async () => {
  // Rung 0 (10 rounds): 1 0.70, 5 0.69, 3 0.655, 2 0.63, 8 0.57, 0 0.51, 4 0.49, 7 0.20, 6 failed -> 1, 5, 3 go on.
  // Rung 1 (30 rounds): 5 0.71, 1 0.70, 3 0.665 -> 5 goes on. Rung 2 (90 rounds): 5 0.77.
  const rungs = planRungs({ nTrials: 9, maxBudget: 90, minBudget: 10 });
  const calls: [number, number][] = [];
  const rankings: number[][] = [];
  for (const [greaterIsBetter, sign] of [[true, 1], [false, -1]] as const) {
    calls.length = 0;
    rankings.length = 0;
    const result = await runHalving<TrialScore>({
      rungs,
      greaterIsBetter,
      evaluate: async (trial, budget) => {
        calls.push([trial, budget]);
        // Later trials finish first: the outcome must not depend on the order of completion.
        await new Promise((resolve) => setTimeout(resolve, 9 - trial));
        return fakeOutcome(trial, budget, sign);
      },
      onRung: (_, ranking) => rankings.push([...ranking]),
    });
    assert.deepEqual(calls, [[0, 10], [1, 10], [2, 10], [3, 10], [4, 10], [5, 10], [6, 10], [7, 10], [8, 10], [1, 30], [3, 30], [5, 30], [5, 90]]);
    assert.deepEqual(rankings, [[1, 5, 3, 2, 8, 0, 4, 7, 6], [5, 1, 3], [5]]);
    assert.deepEqual(result.promoted, [[1, 5, 3], [5]]);
    assert.deepEqual(result.rungTrials, [[0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 5], [5]]);
    assert.equal(result.stopped, false);
  }
});

test("ties rank the earlier trial first; a stop leaves the rung unpromoted", async () => {
  const done = (trial: number, score: number) => ({ trial, rung: 0, budget: 1, outcome: { status: "done" as const, result: { score, std: 0, foldScores: [], rounds: 1, seconds: 0 } } });
  assert.deepEqual(rankEvaluations([done(3, 0.5), done(1, 0.5), done(2, 0.9), done(0, NaN)], true), [2, 1, 3, 0]);
  assert.deepEqual(rankEvaluations([done(3, 0.5), done(1, 0.5), done(2, 0.9)], false), [1, 3, 2]);

  let started = 0;
  const result = await runHalving<TrialScore>({
    rungs: planRungs({ nTrials: 9, maxBudget: 90, minBudget: 10 }),
    greaterIsBetter: true,
    evaluate: async (trial, budget) => (started++ < 5 ? fakeOutcome(trial, budget) : { status: "skipped" }),
  });
  assert.deepEqual(result.rungTrials, [[0, 1, 2, 3, 4]]);
  assert.deepEqual(result.promoted, []);
  assert.equal(result.stopped, true);
});

/** A two-row dataset: tune() needs a target; the fake executor never reads the rows. */
const DATA: Dataset = {
  nRows: 2,
  features: [{ kind: "numeric", name: "x", values: new Float64Array([0, 1]) }],
  target: { name: "y", task: "binary", values: new Float64Array([0, 1]), classes: ["a", "b"] },
  fingerprint: "test",
};
const SPACE: SearchSpace = { learningRate: { kind: "log_uniform", low: 0.01, high: 0.3 }, maxLeaves: { kind: "log_int", low: 8, high: 128 } };

test("tune: configurations from the seed, trial seeds, the leaderboard and the best, with a fake scorer", async () => {
  const requests: TrialRequest[] = [];
  const progress: TuneProgress[] = [];
  const result = await tune(DATA, {
    onEvaluation: (event) => progress.push(event),
    kind: "gbdt",
    space: SPACE,
    trials: 9,
    maxBudget: 90,
    minBudget: 10,
    seed: 11,
    refit: false,
    executor: () => ({
      run: async (request) => {
        requests.push(request);
        return fakeOutcome(request.trial, request.budget);
      },
      close: async () => {},
    }),
  });
  const rng = new Random(11);
  const configs = Array.from({ length: 9 }, () => sampleConfig(SPACE, rng));
  for (const request of requests) {
    assert.deepEqual(request.config, configs[request.trial]);
    assert.equal(request.seed, trialSeed(11, request.trial));
  }
  assert.equal(result.metric, "roc_auc");
  assert.deepEqual(result.leaderboard.map((entry) => [entry.trial, entry.rung, entry.budget, entry.status]), [
    [5, 2, 90, "done"],
    [1, 1, 30, "done"],
    [3, 1, 30, "done"],
    [2, 0, 10, "done"],
    [8, 0, 10, "done"],
    [0, 0, 10, "done"],
    [4, 0, 10, "done"],
    [7, 0, 10, "done"],
    [6, 0, 10, "failed"],
  ]);
  assert.deepEqual(result.leaderboard.map((entry) => entry.rank), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(result.leaderboard[8]!.error, "trial 6 cannot be fitted");
  assert.equal(result.best!.trial, 5);
  assert.ok(Math.abs(result.best!.score! - 0.77) < 1e-12);
  assert.deepEqual(result.best!.params, configs[5]);
  assert.deepEqual(result.bestParams, { ...configs[5], iterations: 90, earlyStopping: 20, seed: trialSeed(11, 5), threads: null });
  assert.deepEqual(result.rungs, [
    { rung: 0, budget: 10, planned: 9, scored: 9, promoted: [1, 5, 3] },
    { rung: 1, budget: 30, planned: 3, scored: 3, promoted: [5] },
    { rung: 2, budget: 90, planned: 1, scored: 1, promoted: [] },
  ]);
  assert.deepEqual(result.trials, { planned: 9, scored: 8, failed: 1, notRun: 0 });
  assert.equal(result.stoppedBy, null);
  // Progress: 9 + 3 + 1 evaluations; the best so far is the best on the highest rung reached.
  assert.deepEqual(progress.map((event) => event.done), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  assert.ok(progress.every((event) => event.planned === 13 && event.nRungs === 3));
  assert.deepEqual(progress[8]!.best, { trial: 1, score: fakeScore(1, 10), rung: 0 });
  assert.deepEqual(progress[10]!.best, { trial: 1, score: fakeScore(1, 30), rung: 1 }, "rung 1 runs trials 1, 3, 5 in order");
  assert.deepEqual(progress[11]!.best, { trial: 5, score: fakeScore(5, 30), rung: 1 });
  assert.deepEqual(progress[12]!.best, { trial: 5, score: fakeScore(5, 90), rung: 2 });
  assert.equal(progress[6]!.outcome, "failed");
});

test("tune: the time budget stops new trials and keeps the best so far", async () => {
  const result = await tune(DATA, {
    kind: "gbdt",
    space: SPACE,
    trials: 9,
    maxBudget: 90,
    minBudget: 10,
    refit: false,
    timeBudget: 0.2,
    executor: (_, shouldStop) => ({
      run: async (request) => {
        // Trials 0-3 finish at once; trial 4 waits until the budget is spent and is never run.
        if (request.trial < 4) return fakeOutcome(request.trial, request.budget);
        while (!shouldStop()) await new Promise((resolve) => setTimeout(resolve, 10));
        return { status: "skipped" };
      },
      close: async () => {},
    }),
  });
  assert.equal(result.stoppedBy, "time_budget");
  assert.deepEqual(result.leaderboard.map((entry) => entry.trial), [1, 3, 2, 0]);
  assert.equal(result.best!.trial, 1);
  assert.deepEqual(result.trials, { planned: 9, scored: 4, failed: 0, notRun: 5 });
  assert.deepEqual(result.rungs.map((rung) => rung.scored), [4, 0, 0]);
});

test("tune: when every first-rung trial fails, the first trial's error is thrown", async () => {
  await assert.rejects(
    tune(DATA, { kind: "gbdt", space: SPACE, trials: 3, refit: false, executor: () => ({ run: async (request) => ({ status: "failed", error: new Error(`bad ${request.trial}`) }), close: async () => {} }) }),
    /^Error: bad 0$/,
  );
  await assert.rejects(tune(DATA, { kind: "gbdt", metric: "rmse", refit: false }), /metric must be one of .* for a binary target, got "rmse"/);
});
