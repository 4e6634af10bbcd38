/**
 * The automatic boosting schedule (iterations and learningRate left null): without early stopping
 * (automatic up to 10,000 rows) 200 rounds at learning rate 0.05; with early stopping (automatic above
 * 10,000 rows, or when a validation set is given) learning rate 0.1 under a cap of 500 rounds that the
 * stopping usually ends sooner. Explicit values always win.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Dataset } from "../../core/types.js";
import { AUTO_EARLY_STOPPING_ROWS, GradientBoosting } from "./index.js";
import { DEFAULT_LEARNING_RATE, DEFAULT_LEARNING_RATE_EARLY_STOPPING, DEFAULT_ROUNDS, DEFAULT_ROUNDS_EARLY_STOPPING, resolveSchedule } from "./params.js";

/** y = x0 + x1 with a little noise: a slow learner keeps improving on held-out rows for hundreds of rounds. */
function smooth(n: number, seed = 3): Dataset {
  const rng = new Random(seed);
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

test("the resolved schedule: 200 rounds at 0.05 without early stopping, a cap of 500 at 0.1 with it, explicit values win", () => {
  assert.deepEqual([DEFAULT_ROUNDS, DEFAULT_LEARNING_RATE, DEFAULT_ROUNDS_EARLY_STOPPING, DEFAULT_LEARNING_RATE_EARLY_STOPPING], [200, 0.05, 500, 0.1]);
  assert.deepEqual(resolveSchedule(null, null, false), { iterations: 200, learningRate: 0.05 });
  assert.deepEqual(resolveSchedule(null, null, true), { iterations: 500, learningRate: 0.1 });
  assert.deepEqual(resolveSchedule(50, 0.3, false), { iterations: 50, learningRate: 0.3 });
  assert.deepEqual(resolveSchedule(null, 0.3, false), { iterations: 200, learningRate: 0.3 });
  assert.deepEqual(resolveSchedule(1000, null, true), { iterations: 1000, learningRate: 0.1 });
});

test("a small data set (early stopping off) is fitted with 200 rounds at learning rate 0.05", () => {
  const small = smooth(2000);
  const auto = new GradientBoosting({ maxLeaves: 4 }).fit(small);
  assert.equal(auto.fitSummary().rounds, 200);
  // The saved model records the step it was fitted with, not null.
  assert.equal(auto.params.learningRate, 0.05);
  const explicit = new GradientBoosting({ maxLeaves: 4, iterations: 200, learningRate: 0.05 }).fit(small);
  const hundredAtTenth = new GradientBoosting({ maxLeaves: 4, iterations: 100, learningRate: 0.1 }).fit(small);
  const probe = smooth(200, 9);
  assert.deepEqual(auto.predict(probe), explicit.predict(probe));
  assert.notDeepEqual(auto.predict(probe), hundredAtTenth.predict(probe));
});

test("a large data set (early stopping automatic above 10,000 rows) is fitted at learning rate 0.1 under a cap of 500 rounds", () => {
  const large = smooth(AUTO_EARLY_STOPPING_ROWS + 2000);
  const auto = new GradientBoosting({ maxLeaves: 4 }).fit(large);
  const rounds = Number(auto.fitSummary().rounds);
  assert.equal(auto.params.learningRate, 0.1);
  assert.ok(rounds > 100 && rounds <= 500, `ran ${rounds} rounds`);
  const probe = smooth(200, 9);
  const explicit = new GradientBoosting({ maxLeaves: 4, learningRate: 0.1 }).fit(large);
  assert.deepEqual(auto.predict(probe), explicit.predict(probe));
  const halfStep = new GradientBoosting({ maxLeaves: 4, learningRate: 0.05 }).fit(large);
  assert.notDeepEqual(auto.predict(probe), halfStep.predict(probe));
});

test("with early stopping the default rounds are a cap of 500 that stopping may end sooner", () => {
  const slow = new GradientBoosting({ maxLeaves: 4, learningRate: 0.02, earlyStopping: 10 }).fit(smooth(2000)).fitSummary();
  assert.ok(Number(slow.rounds) > 100 && Number(slow.rounds) <= 500, `ran ${slow.rounds} rounds`);
  const capped = new GradientBoosting({ maxLeaves: 4, learningRate: 0.001, earlyStopping: 10 }).fit(smooth(2000)).fitSummary();
  assert.equal(capped.rounds, 500);
  const explicit = new GradientBoosting({ maxLeaves: 4, learningRate: 0.001, earlyStopping: 10, iterations: 50 }).fit(smooth(2000)).fitSummary();
  assert.equal(explicit.rounds, 50);
});
