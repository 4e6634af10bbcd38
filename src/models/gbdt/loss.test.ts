import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { logLossGradientsWasm, type LogLossGradientKernel } from "../../kernels/gradients.js";
import { WasmArena } from "../../kernels/wasm/arena.js";
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

test("binary log loss gradients in WebAssembly are loss.ts's, bit for bit, and so are their row-order sums", () => {
  const rng = new Random(7);
  const n = 200001;
  const arena = WasmArena.create([8 * n, 8 * n, 8 * n, 8 * n, 16]);
  assert.ok(arena, "WebAssembly SIMD and shared memory are available on Node.js 20");
  const raw = arena.float64(n);
  const y = arena.float64(n);
  const weights = arena.float64(n);
  const outWords = arena.float64(n);
  const out = new Float32Array(outWords.buffer, outWords.byteOffset, 2 * n);
  const sums = arena.float64(2);
  // Every branch of fdlibm's exp: |x| < 2^-28 (1 + x), up to 0.5 ln2 (no reduction), to 1.5 ln2 (k = +-1),
  // beyond (k from x / ln2), and past 704 or NaN, which the kernel leaves to JavaScript.
  const scales = [1e-30, 1e-9, 1e-3, 0.3, 0.35, 1, 3, 10, 50, 720];
  for (let r = 0; r < n; r++) {
    raw[r] = (rng.next() * 2 - 1) * scales[r % scales.length]!;
    y[r] = rng.int(2);
    weights[r] = rng.next() * 3;
  }
  const edges = [0, -0, NaN, 709.9, -745, 704, -704, 703.99, 0.34657359027997264, -0.34657359027997264, 0.3465735912322998, -0.3465735912322998, 1.0397207708399179, -1.0397207708399179, 1.0397205352783203, 2 ** -28, -(2 ** -28), 3.725290298461914e-9 * 0.999, Number.MIN_VALUE, 1e308, -Infinity, Infinity];
  edges.forEach((v, i) => (raw[3 * i + 1] = v));
  for (const w of [null, weights]) {
    const expected = new Float32Array(2 * n);
    logLoss.gradients(y, w, raw, n, 1, expected);
    // Over every row, then from an odd row to an odd end (as the streamed root's chunks), adding to sums.
    sums.fill(0);
    logLossGradientsWasm(arena.kernels as unknown as LogLossGradientKernel, raw, y, w, 0, n, out, sums);
    for (let i = 0; i < 2 * n; i++) if (!Object.is(out[i], expected[i])) assert.fail(`row ${i >> 1} (raw ${raw[i >> 1]}): ${out[i]} vs ${expected[i]}`);
    let g = 0;
    let h = 0;
    for (let r = 0; r < n; r++) {
      g += expected[2 * r]!;
      h += expected[2 * r + 1]!;
    }
    assert.ok(Object.is(sums[0], g) && Object.is(sums[1], h), `sums ${sums[0]}, ${sums[1]} vs ${g}, ${h}`);
    out.fill(-1);
    sums[0] = 0.25;
    sums[1] = 0.5;
    logLossGradientsWasm(arena.kernels as unknown as LogLossGradientKernel, raw, y, w, 3, 1002, out, sums);
    g = 0.25;
    h = 0.5;
    for (let r = 3; r < 1002; r++) {
      g += expected[2 * r]!;
      h += expected[2 * r + 1]!;
    }
    assert.deepEqual(Array.from(out.subarray(6, 2004)), Array.from(expected.subarray(6, 2004)));
    assert.equal(out[5], -1, "rows before begin are not written");
    assert.equal(out[2004], -1, "rows from end on are not written");
    assert.ok(Object.is(sums[0], g) && Object.is(sums[1], h));
  }
});
