import assert from "node:assert/strict";
import { test } from "node:test";
import { average, pairwiseSum } from "./reduce.js";

/** Values with a wide dynamic range, so that the order of additions shows in the last bits. */
function values(n: number): Float64Array {
  const scale = [1000, 1, 0.001];
  return Float64Array.from({ length: n }, (_, i) => (((i * 7919) % 101) - 50) / 7 * scale[i % 3]!);
}

/** The naive twin: left to right. */
function sequentialSum(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  return sum;
}

test("pairwiseSum reproduces numpy's np.sum bit for bit, where a left-to-right sum differs", () => {
  // Reference values: numpy 1.24, np.sum(values(n)).
  const numpy: [number, number][] = [
    [7, -11999.430714285714],
    [20, -12857.854714285713],
    [128, -8573.430714285716],
    [129, -8573.423999999997],
    [1000, -15284.56771428572],
  ];
  for (const [n, expected] of numpy) assert.equal(pairwiseSum(values(n)), expected, `n = ${n}`);
  assert.notEqual(sequentialSum(values(20)), pairwiseSum(values(20)), "n = 20 shows the 8 accumulators");
  assert.notEqual(sequentialSum(values(1000)), pairwiseSum(values(1000)), "n = 1000 shows the recursive halving");
});

test("pairwiseSum agrees with the left-to-right twin below 8 values and to rounding above", () => {
  for (let n = 0; n < 8; n++) assert.equal(pairwiseSum(values(n)), sequentialSum(values(n)));
  for (const n of [8, 9, 100, 257, 5000]) {
    const a = values(n);
    const magnitude = a.reduce((m, v) => m + Math.abs(v), 0);
    assert.ok(Math.abs(pairwiseSum(a) - sequentialSum(a)) <= n * 2 ** -52 * magnitude, `n = ${n}`);
  }
  // A sub-range sums the same as a copy of it.
  const a = values(300);
  assert.equal(pairwiseSum(a, 17, 200), pairwiseSum(a.slice(17, 217)));
});

test("average is np.average: the mean, or the weighted mean", () => {
  assert.equal(average([1, 2, 3, 4]), 2.5);
  assert.equal(average([1, 2, 3], [0, 1, 3]), 11 / 4);
  // numpy: np.mean(np.full(9, 0.1)) == 0.1, while summing left to right gives 0.09999999999999999.
  assert.equal(average(new Float64Array(9).fill(0.1)), 0.1);
  assert.equal(sequentialSum(new Float64Array(9).fill(0.1)) / 9, 0.09999999999999999);
});
