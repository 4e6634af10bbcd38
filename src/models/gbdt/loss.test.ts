import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { absoluteError, huberLoss, logLoss, poisson, squaredError, type Loss } from "./loss.js";

/** d meanLoss / d raw[r * nRaw + k] by central differences, times nRows (meanLoss is a mean). */
function numericGradient(loss: Loss, y: Float64Array, raw: Float64Array, nRaw: number, index: number): number {
  const eps = 1e-6;
  const plus = raw.slice();
  const minus = raw.slice();
  plus[index] += eps;
  minus[index] -= eps;
  const nRows = y.length;
  return ((loss.meanLoss(y, null, plus, nRows, nRaw) - loss.meanLoss(y, null, minus, nRows, nRaw)) / (2 * eps)) * nRows;
}

test("gradients are the derivatives of the losses (central differences)", () => {
  const rng = new Random(1);
  const n = 6;
  const cases: { loss: Loss; nRaw: number; y: Float64Array; scale: number }[] = [
    { loss: logLoss, nRaw: 1, y: Float64Array.from({ length: n }, () => rng.int(2)), scale: 1 },
    { loss: logLoss, nRaw: 3, y: Float64Array.from({ length: n }, () => rng.int(3)), scale: 1 },
    // The squared error's validation loss is the MSE; its gradient is that of half the MSE.
    { loss: squaredError, nRaw: 1, y: Float64Array.from({ length: n }, () => rng.next() * 4), scale: 2 },
    { loss: poisson, nRaw: 1, y: Float64Array.from({ length: n }, () => rng.int(5)), scale: 1 },
  ];
  for (const { loss, nRaw, y, scale } of cases) {
    const raw = Float64Array.from({ length: n * nRaw }, () => rng.next() * 2 - 1);
    const gh = new Float32Array(2 * n * nRaw);
    loss.gradients(y, null, raw, n, nRaw, gh);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < nRaw; k++) {
        const expected = numericGradient(loss, y, raw, nRaw, r * nRaw + k) / scale;
        assert.ok(Math.abs(gh[2 * (k * n + r)]! - expected) < 1e-5, `${loss.name} (${nRaw}) row ${r} output ${k}: ${gh[2 * (k * n + r)]} vs ${expected}`);
      }
    }
  }
});

test("log loss hessians are p(1 - p); priors are the best constants", () => {
  const y = Float64Array.of(1, 0, 0, 1, 1);
  const raw = new Float64Array(5).fill(0.5);
  const gh = new Float32Array(10);
  logLoss.gradients(y, null, raw, 5, 1, gh);
  const p = 1 / (1 + Math.exp(-0.5));
  assert.ok(Math.abs(gh[1]! - p * (1 - p)) < 1e-7);
  assert.ok(Math.abs(logLoss.initScores(y, null, 1)[0]! - Math.log(3 / 2)) < 1e-12);
  assert.deepEqual(Array.from(logLoss.initScores(Float64Array.of(0, 1, 1, 2), null, 3)), [Math.log(0.25), Math.log(0.5), Math.log(0.25)]);
  assert.equal(squaredError.initScores(Float64Array.of(1, 2, 6), Float64Array.of(1, 1, 2), 1)[0], 15 / 4);
  assert.equal(absoluteError.initScores(Float64Array.of(1, 2, 60), null, 1)[0], 2);
});

test("Huber: delta is the alpha-quantile of |residual|, leaves are median plus mean clipped deviation", () => {
  const huber = huberLoss(0.5);
  const y = Float64Array.of(5, 6, 7, 100);
  const gh = new Float32Array(8);
  huber.gradients(y, null, new Float64Array(4), 4, 1, gh);
  // |residuals| 5, 6, 7, 100: the 0.5-quantile is 6, so gradients are clipped to [-6, 6].
  assert.deepEqual(Array.from(gh.filter((_, i) => i % 2 === 0)), [-5, -6, -6, -6]);
  // median 6; deviations -1, 0, 1, 94 clipped to 6: mean 1.5
  assert.equal(huber.refitLeaf!(y, null), 7.5);
  assert.equal(absoluteError.refitLeaf!(y, null), 6);
});
