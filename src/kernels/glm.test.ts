import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../core/rng.js";
import { binaryLogLoss, coordinateDescentSweep, designTimesFeatureMajor, designTransposedTimesResiduals, logLossResiduals, multinomialLogLoss, optimalityViolation, sigmoid, softmaxRows } from "./glm.js";
import { mixedToDense } from "./mixed.js";
import { dot } from "./linalg.js";

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test("sigmoid agrees with the naive 1/(1+exp(-z)) and stays finite at the extremes", () => {
  const z = new Float64Array([-30, -2.5, -1e-9, 0, 1e-9, 0.7, 30]);
  const out = new Float64Array(z.length);
  sigmoid(z, z.length, out);
  assertClose(out, Array.from(z, (v) => 1 / (1 + Math.exp(-v))), 1e-15, "sigmoid");
  const extreme = new Float64Array([-1000, 1000]);
  sigmoid(extreme, 2, extreme);
  assert.deepEqual(Array.from(extreme), [0, 1]);
});

test("softmaxRows agrees with the naive exp/sum, survives huge margins and -Infinity", () => {
  const rng = new Random(7);
  const z = new Float64Array(12).map(() => rng.next() * 6 - 3);
  const out = new Float64Array(12);
  softmaxRows(z, 4, 3, out);
  const expected: number[] = [];
  for (let i = 0; i < 4; i++) {
    const e = [0, 1, 2].map((k) => Math.exp(z[i * 3 + k]!));
    const sum = e[0]! + e[1]! + e[2]!;
    expected.push(...e.map((v) => v / sum));
  }
  assertClose(out, expected, 1e-15, "softmax");
  const big = new Float64Array([1000, 1000, -Infinity]);
  softmaxRows(big, 1, 3, big);
  assert.deepEqual(Array.from(big), [0.5, 0.5, 0]);
});

test("binaryLogLoss agrees with the naive weighted -log likelihood", () => {
  const z = new Float64Array([-3, -0.2, 0, 0.4, 5]);
  const y = new Int32Array([0, 1, 1, 0, 1]);
  const w = new Float64Array([1, 2, 0.5, 1, 3]);
  let expected = 0;
  for (let i = 0; i < 5; i++) {
    const p = 1 / (1 + Math.exp(-z[i]!));
    expected -= w[i]! * (y[i] === 1 ? Math.log(p) : Math.log(1 - p));
  }
  assertClose([binaryLogLoss(z, y, w, 5)], [expected], 1e-14, "binaryLogLoss");
  // A margin of 800 would overflow exp(); the loss of a right answer is 0, of a wrong one the margin.
  assert.equal(binaryLogLoss(new Float64Array([800, 800]), new Int32Array([1, 0]), new Float64Array([1, 1]), 2), 800);
});

test("multinomialLogLoss agrees with the naive weighted -log softmax", () => {
  const rng = new Random(8);
  const z = new Float64Array(15).map(() => rng.next() * 4 - 2);
  const y = new Int32Array([0, 2, 1, 1, 2]);
  const w = new Float64Array([1, 0.5, 2, 1, 1.5]);
  let expected = 0;
  for (let i = 0; i < 5; i++) {
    const e = [0, 1, 2].map((k) => Math.exp(z[i * 3 + k]!));
    expected -= w[i]! * Math.log(e[y[i]!]! / (e[0]! + e[1]! + e[2]!));
  }
  assertClose([multinomialLogLoss(z, y, w, 5, 3)], [expected], 1e-14, "multinomialLogLoss");
});

/** The naive twin of a sweep: each coordinate minimized by recomputing (A u)_j from scratch. */
function naiveSweep(a: number[][], b: number[], nPenalized: number, l1: number, l2: number, u: number[]): void {
  const n = b.length;
  for (let j = 0; j < n; j++) {
    let rest = -b[j]!;
    for (let k = 0; k < n; k++) if (k !== j) rest += a[j]![k]! * u[k]!;
    const curvature = a[j]![j]! + (j < nPenalized ? l2 : 0);
    const threshold = j < nPenalized ? l1 : 0;
    // Minimize 1/2 curvature u^2 + rest u + threshold |u|.
    u[j] = Math.sign(-rest) * Math.max(Math.abs(rest) - threshold, 0) / curvature;
  }
}

test("coordinateDescentSweep agrees with the naive sweep and converges to the optimality conditions", () => {
  const rng = new Random(9);
  const n = 5;
  const x = Array.from({ length: 20 }, () => Array.from({ length: n }, () => rng.next() * 2 - 1));
  const a = Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, k) => x.reduce((s, row) => s + row[j]! * row[k]!, 0) / 20));
  const b = Array.from({ length: n }, () => rng.next() - 0.5);
  const flat = new Float64Array(a.flat());
  const bFlat = new Float64Array(b);
  const l1 = 0.05;
  const l2 = 0.1;
  const nPenalized = 4;
  const u = new Float64Array(n);
  const au = new Float64Array(n);
  const naive = new Array<number>(n).fill(0);
  for (let sweep = 0; sweep < 3; sweep++) {
    coordinateDescentSweep(flat, n, bFlat, nPenalized, l1, l2, u, au);
    naiveSweep(a, b, nPenalized, l1, l2, naive);
    assertClose(u, naive, 1e-13, `sweep ${sweep}`);
  }
  for (let sweep = 0; sweep < 500; sweep++) coordinateDescentSweep(flat, n, bFlat, nPenalized, l1, l2, u, au);
  const gradient = new Float64Array(n).map((_, j) => a[j]!.reduce((s, v, k) => s + v * u[k]!, 0) - b[j]!);
  assertClose(au, a.map((row) => row.reduce((s, v, k) => s + v * u[k]!, 0)), 1e-12, "au kept equal to A u");
  assert.ok(optimalityViolation(gradient, u, n, nPenalized, l1, l2) < 1e-12);
});

test("optimalityViolation measures the distance of 0 from the subdifferential", () => {
  const g = new Float64Array([0.3, -0.3, 0.05, 0.2]);
  const u = new Float64Array([0, 1, 0, 7]);
  // coordinate 0: |0.3| - 0.1 = 0.2; 1: |-0.3 + 0.5 * 1 + 0.1| = 0.3; 2: inside [-0.1, 0.1] -> 0; 3: unpenalized |0.2|.
  assert.equal(optimalityViolation(g, u, 4, 3, 0.1, 0.5), 0.30000000000000004);
  assert.ok(Number.isNaN(optimalityViolation(new Float64Array([Number.NaN]), new Float64Array([1]), 1, 1, 0, 0)));
});

test("logLossResiduals agrees with the naive loss and w (p - onehot(y)), binary and multinomial", () => {
  const rng = new Random(21);
  const nRows = 9;
  const w = new Float64Array(nRows).map(() => rng.next());
  for (const nOutputs of [1, 4]) {
    const z = new Float64Array(nRows * nOutputs).map(() => rng.next() * 8 - 4);
    z[0] = 40; // large margins stay finite
    z[nOutputs] = -40;
    const y = Int32Array.from({ length: nRows }, () => rng.int(nOutputs === 1 ? 2 : nOutputs));
    const residual = new Float64Array(nRows * nOutputs);
    const loss = logLossResiduals(z, y, w, nRows, nOutputs, residual);
    let expectedLoss = 0;
    const expected: number[] = [];
    for (let i = 0; i < nRows; i++) {
      if (nOutputs === 1) {
        const p = 1 / (1 + Math.exp(-z[i]!));
        expectedLoss += w[i]! * (Math.log(1 + Math.exp(z[i]!)) - y[i]! * z[i]!);
        expected.push(w[i]! * (p - y[i]!));
      } else {
        const e = Array.from({ length: nOutputs }, (_, k) => Math.exp(z[i * nOutputs + k]!));
        const sum = e.reduce((a, b) => a + b, 0);
        expectedLoss += w[i]! * -Math.log(e[y[i]!]! / sum);
        e.forEach((v, k) => expected.push(w[i]! * (v / sum - (k === y[i] ? 1 : 0))));
      }
    }
    assert.ok(Math.abs(loss - expectedLoss) <= 1e-12 * Math.max(1, expectedLoss), `loss K=${nOutputs}: ${loss} vs ${expectedLoss}`);
    assert.ok(Math.abs(loss - (nOutputs === 1 ? binaryLogLoss(z, y, w, nRows) : multinomialLogLoss(z, y, w, nRows, nOutputs))) <= 1e-13 * Math.max(1, loss), "same loss as the loss kernels");
    assertClose(residual, expected, 1e-14, `residual K=${nOutputs}`);
  }
});

test("designTransposedTimesResiduals, designTimesFeatureMajor and dot agree with the dense design multiplied naively", () => {
  const rng = new Random(22);
  const nRows = 13;
  const nDense = 3;
  const nCodes = 2;
  const nColumns = nDense + 5 + 4;
  const dense = new Float64Array(nRows * nDense).map(() => rng.next() * 2 - 1);
  const codes = new Int32Array(nRows * nCodes);
  for (let i = 0; i < nRows; i++) {
    codes[i * 2] = rng.next() < 0.2 ? -1 : nDense + rng.int(5);
    codes[i * 2 + 1] = nDense + 5 + rng.int(4);
  }
  const x = new Float64Array(nRows * nColumns);
  mixedToDense(dense, nDense, codes, nCodes, nRows, nColumns, x);
  for (const nOutputs of [1, 3]) {
    const r = new Float64Array(nRows * nOutputs).map(() => rng.next() - 0.5);
    r[0] = 0; // skipped entries still leave zeros, not stale values
    const out = new Float64Array(nOutputs * nColumns).fill(7);
    designTransposedTimesResiduals(dense, nDense, codes, nCodes, nRows, r, nOutputs, nColumns, out);
    const expected: number[] = [];
    for (let j = 0; j < nColumns; j++) {
      for (let k = 0; k < nOutputs; k++) {
        let sum = 0;
        for (let i = 0; i < nRows; i++) sum += r[i * nOutputs + k]! * x[i * nColumns + j]!;
        expected.push(sum);
      }
    }
    assertClose(out, expected, 1e-14, `X^T R K=${nOutputs}`);
    const w = new Float64Array(nColumns * nOutputs).map(() => rng.next() - 0.5);
    const xw = new Float64Array(nRows * nOutputs).fill(7);
    designTimesFeatureMajor(dense, nDense, codes, nCodes, nRows, w, nOutputs, xw);
    const expectedXw: number[] = [];
    for (let i = 0; i < nRows; i++) {
      for (let k = 0; k < nOutputs; k++) {
        let sum = 0;
        for (let j = 0; j < nColumns; j++) sum += x[i * nColumns + j]! * w[j * nOutputs + k]!;
        expectedXw.push(sum);
      }
    }
    assertClose(xw, expectedXw, 1e-14, `X W K=${nOutputs}`);
    const d = new Float64Array(nRows * nOutputs).map(() => rng.next());
    let naive = 0;
    r.forEach((v, i) => (naive += v * d[i]!));
    assert.ok(Math.abs(dot(r, d, r.length) - naive) <= 1e-14);
  }
});
