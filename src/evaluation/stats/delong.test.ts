import assert from "node:assert/strict";
import { test } from "node:test";
import { MetricError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import { rocAucScore } from "../../metrics/index.js";
import { assertClose, loadStatsFixture } from "../../../test/fixtures/stats/fixtures.js";
import { delongCovariance, delongTest, midranks } from "./delong.js";

interface DelongCase {
  name: string;
  yTrue: number[];
  scoreA: number[];
  scoreB: number[];
  expected: {
    a: number;
    b: number;
    difference: number;
    variance: number;
    varianceA: number;
    varianceB: number;
    statistic: number;
    pValue: number;
    ci: [number, number];
  };
}

/**
 * The naive twin: DeLong's covariance from the definition, comparing every positive with every
 * negative (psi = 1 if it ranks above, 1/2 if tied), O(n_pos * n_neg).
 */
function naiveDelong(y: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>) {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? pos : neg).push(i);
  const m = pos.length;
  const n = neg.length;
  const place = (s: ArrayLike<number>) => {
    const v10 = pos.map((i) => neg.reduce((t, j) => t + (s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0), 0) / n);
    const v01 = neg.map((j) => pos.reduce((t, i) => t + (s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0), 0) / m);
    return { v10, v01, auc: v10.reduce((t, v) => t + v, 0) / m };
  };
  const cov = (x: number[], z: number[]) => {
    const mx = x.reduce((t, v) => t + v, 0) / x.length;
    const mz = z.reduce((t, v) => t + v, 0) / z.length;
    return x.reduce((t, v, k) => t + (v - mx) * (z[k]! - mz), 0) / (x.length - 1);
  };
  const pa = place(a);
  const pb = place(b);
  const s = (x: typeof pa, z: typeof pa) => cov(x.v10, z.v10) / m + cov(x.v01, z.v01) / n;
  return { aucA: pa.auc, aucB: pb.auc, varianceA: s(pa, pa), varianceB: s(pb, pb), covarianceAB: s(pa, pb) };
}

test("DeLong's test agrees with the O(n^2) numpy reference and scipy's normal tail on every fixture", () => {
  for (const c of loadStatsFixture<DelongCase[]>("delong")) {
    const result = delongTest(c.yTrue, c.scoreA, c.scoreB);
    const e = c.expected;
    assertClose(result.a, e.a, `${c.name} a`);
    assertClose(result.b, e.b, `${c.name} b`);
    assertClose(result.difference, e.difference, `${c.name} difference`);
    assertClose(Number(result.details!.variance), e.variance, `${c.name} variance`);
    assertClose(Number(result.details!.varianceA), e.varianceA, `${c.name} varianceA`);
    assertClose(result.statistic!, e.statistic, `${c.name} z`);
    assertClose(result.pValue, e.pValue, `${c.name} p`);
    assertClose(result.ci[0], e.ci[0], `${c.name} ci low`);
    assertClose(result.ci[1], e.ci[1], `${c.name} ci high`);
    // And the AUCs are the registry's (sklearn's).
    assertClose(result.a, rocAucScore(c.yTrue, c.scoreA), `${c.name} a vs roc_auc`);
  }
});

test("the fast midrank DeLong equals its naive twin, ties included", () => {
  for (const [n, levels, seed] of [
    [30, 0, 1],
    [200, 7, 2],
    [501, 3, 3],
  ] as const) {
    const rng = new Random(seed);
    const y = Float64Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.next() < 0.3 ? 1 : 0));
    const round = (v: number) => (levels === 0 ? v : Math.round(v * levels) / levels);
    const a = Float64Array.from(y, (v) => round(0.4 * v + 0.6 * rng.next()));
    const b = Float64Array.from(y, (v, i) => round(0.5 * a[i]! + 0.3 * v + 0.2 * rng.next()));
    const fast = delongCovariance(y, a, b);
    const naive = naiveDelong(y, a, b);
    for (const key of ["aucA", "aucB", "varianceA", "varianceB", "covarianceAB"] as const) {
      assertClose(fast[key], naive[key], `n=${n} levels=${levels} ${key}`, 1e-12);
    }
  }
});

test("two identical models: difference 0, p = 1, no significant difference", () => {
  const y = [0, 1, 0, 1, 1, 0, 0, 1];
  const s = [0.1, 0.8, 0.3, 0.6, 0.4, 0.45, 0.2, 0.9];
  const result = delongTest(y, s, s);
  assert.equal(result.difference, 0);
  assert.equal(result.pValue, 1);
  assert.equal(result.statistic, 0);
  assert.deepEqual(result.ci, [0, 0]);
  assert.equal(result.verdict, "no significant difference (p = 1)");
});

test("a much better model B is called significantly better, with names when given", () => {
  const rng = new Random(4);
  const y = Float64Array.from({ length: 400 }, () => (rng.next() < 0.5 ? 1 : 0));
  const a = Float64Array.from(y, (v) => 0.1 * v + rng.next());
  const b = Float64Array.from(y, (v) => 0.8 * v + rng.next());
  const result = delongTest(y, a, b, { names: ["logistic", "gbdt"] });
  assert.ok(result.pValue < 1e-6);
  assert.equal(result.verdict, "gbdt is significantly better than logistic (p < 0.001)");
  assert.ok(result.ci[0] > 0);
  // Swapped, A is the better one and the difference changes sign.
  const swapped = delongTest(y, b, a);
  assert.equal(swapped.verdict, "A is significantly better than B (p < 0.001)");
  assertClose(swapped.difference, -result.difference, "swapped difference", 1e-15);
});

test("midranks share ranks between ties", () => {
  assert.deepEqual([...midranks(Float64Array.of(3, 1, 3, 2))], [3.5, 1, 3.5, 2]);
  assert.deepEqual([...midranks(Float64Array.of(5, 5, 5))], [2, 2, 2]);
});

test("DeLong needs two rows of each class, and the registry's checks apply", () => {
  assert.throws(() => delongTest([0, 0, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]), (e: unknown) => e instanceof MetricError && /at least 2 positive and 2 negative rows, got 1 positive and 2 negative/.test(e.message));
  assert.throws(() => delongTest([0, 0, 0], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]), /only one class/);
  assert.throws(() => delongTest([0, 1, 0, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1, 0.5]), /length|4 values/);
});
