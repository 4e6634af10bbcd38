import assert from "node:assert/strict";
import { test } from "node:test";
import { assertClose, loadStatsFixture } from "../../../test/fixtures/stats/fixtures.js";
import * as distributions from "./distributions.js";

interface DistributionCase {
  fn: keyof typeof distributions;
  args: number[];
  expected: number;
}

const cases = loadStatsFixture<DistributionCase[]>("distributions");

test("every distribution function agrees with scipy to 1e-10 relative (1e-300 absolute)", () => {
  const seen = new Set<string>();
  const failures: string[] = [];
  for (const c of cases) {
    const fn = distributions[c.fn] as (...args: number[]) => number;
    assert.equal(typeof fn, "function", `unknown function ${c.fn}`);
    seen.add(c.fn);
    const actual = fn(...c.args);
    // Quantiles pass through 0 (scipy's t.ppf(0.5) is 8e-17, not 0), so they get an absolute floor; a
    // probability far below 1e-300 underflows differently in scipy and here, and both are "zero".
    const absolute = c.fn.endsWith("Quantile") || c.fn === "logGamma" ? 1e-14 : 1e-300;
    try {
      assertClose(actual, c.expected, `${c.fn}(${c.args.join(", ")})`, 1e-10, absolute);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(
    [...seen].sort(),
    [
      "binomialCdf",
      "chiSquareCdf",
      "chiSquareSf",
      "logGamma",
      "normalCdf",
      "normalQuantile",
      "normalSf",
      "regularizedBeta",
      "regularizedGammaP",
      "regularizedGammaQ",
      "studentTCdf",
      "studentTQuantile",
      "studentTSf",
    ],
  );
});

test("hand-worked values: exact binomial sums, closed forms, symmetry", () => {
  assertClose(distributions.binomialCdf(2, 12, 0.5), 79 / 4096, "P(X <= 2), X ~ Bin(12, 1/2)", 1e-14);
  assertClose(distributions.regularizedGammaQ(1, 2), Math.exp(-2), "Q(1, 2) = e^-2", 1e-14);
  assertClose(distributions.chiSquareSf(2, 2), Math.exp(-1), "chi2(2) sf at 2 = e^-1", 1e-14);
  assertClose(distributions.regularizedBeta(0.5, 2, 3), 0.6875, "I_0.5(2, 3)", 1e-14);
  // t with 1 degree of freedom is Cauchy: P(T > t) = 1/2 - atan(t)/pi.
  for (const t of [-3, -0.5, 0.25, 1, 7]) {
    assertClose(distributions.studentTSf(t, 1), 0.5 - Math.atan(t) / Math.PI, `Cauchy sf(${t})`, 1e-13);
  }
  assertClose(distributions.studentTTwoSidedP(2, 2), 1 - 2 / Math.sqrt(6), "two-sided p of t = 2, df = 2", 1e-13);
  assert.equal(distributions.normalCdf(0), 0.5);
  assert.equal(distributions.studentTQuantile(0.5, 7), 0);
  for (const p of [0.001, 0.3, 0.975]) {
    assertClose(distributions.normalCdf(distributions.normalQuantile(p)), p, `cdf(quantile(${p}))`, 1e-14);
    assertClose(distributions.studentTCdf(distributions.studentTQuantile(p, 4.5), 4.5), p, `t cdf(quantile(${p}))`, 1e-12);
  }
});

test("out-of-range arguments give NaN or the limits, never a wrong number", () => {
  assert.ok(Number.isNaN(distributions.normalQuantile(1.5)));
  assert.equal(distributions.normalQuantile(0), -Infinity);
  assert.equal(distributions.normalSf(Infinity), 0);
  assert.ok(Number.isNaN(distributions.studentTSf(1, 0)));
  assert.equal(distributions.studentTTwoSidedP(Infinity, 3), 0);
  assert.equal(distributions.binomialCdf(-1, 5, 0.5), 0);
  assert.equal(distributions.binomialCdf(5, 5, 0.5), 1);
  assert.equal(distributions.chiSquareSf(0, 3), 1);
});

test("the distribution functions hold 1e-10 relative far into the tails and at extreme degrees of freedom (mpmath at 40 digits)", () => {
  // tools/fixtures/make_stats_extremes.py: normal tails to |z| = 37.5, quantiles to 1e-300, t with df
  // from 0.3 to 1e12 (Hill's expansion from 1e6 on; the beta continued fraction alone was 4e-10 off at
  // 1e7 and 4e-5 at 1e12), chi-square with df 0.1 to 1e6 in both tails, binomial n to 1e6.
  const failures: string[] = [];
  for (const c of loadStatsFixture<DistributionCase[]>("extremes")) {
    const fn = distributions[c.fn] as (...args: number[]) => number;
    try {
      assertClose(fn(...c.args), c.expected, `${c.fn}(${c.args.join(", ")})`, 1e-10, c.fn.endsWith("Quantile") ? 1e-14 : 1e-300);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  assert.deepEqual(failures, []);
});
