/**
 * The default number of boosting rounds: 100 when early stopping is off, and a cap of 500 that early
 * stopping ends sooner when it is on, so large data is not under-fitted by a fixed 100.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Dataset } from "../../core/types.js";
import { DEFAULT_ROUNDS, DEFAULT_ROUNDS_EARLY_STOPPING, GradientBoosting } from "./index.js";

/** y = x0 + x1 with a little noise: a slow learner keeps improving on held-out rows for hundreds of rounds. */
function smooth(n: number): Dataset {
  const rng = new Random(3);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    x0[r] = rng.next();
    x1[r] = rng.next();
    y[r] = x0[r]! + x1[r]! + 0.01 * (rng.next() - 0.5);
  }
  return {
    nRows: n,
    features: [
      { kind: "numeric", name: "x0", values: x0 },
      { kind: "numeric", name: "x1", values: x1 },
    ],
    target: { name: "y", task: "regression", values: y },
    fingerprint: "test",
  };
}

test("without early stopping the default is 100 rounds", () => {
  assert.equal(DEFAULT_ROUNDS, 100);
  const summary = new GradientBoosting({ maxLeaves: 4 }).fit(smooth(2000)).fitSummary();
  assert.equal(summary.rounds, 100);
});

test("with early stopping the default rounds are a cap of 500 that stopping may end sooner", () => {
  assert.equal(DEFAULT_ROUNDS_EARLY_STOPPING, 500);
  const slow = new GradientBoosting({ maxLeaves: 4, learningRate: 0.02, earlyStopping: 10 }).fit(smooth(2000)).fitSummary();
  assert.ok(Number(slow.rounds) > 100 && Number(slow.rounds) <= 500, `ran ${slow.rounds} rounds`);
  const capped = new GradientBoosting({ maxLeaves: 4, learningRate: 0.001, earlyStopping: 10 }).fit(smooth(2000)).fitSummary();
  assert.equal(capped.rounds, 500);
  const explicit = new GradientBoosting({ maxLeaves: 4, learningRate: 0.001, earlyStopping: 10, iterations: 50 }).fit(smooth(2000)).fitSummary();
  assert.equal(explicit.rounds, 50);
});
