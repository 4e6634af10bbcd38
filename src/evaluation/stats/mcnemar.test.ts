import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidParameterError } from "../../core/errors.js";
import { formatError } from "../../core/messages.js";
import { assertClose, loadStatsFixture } from "../../../test/fixtures/stats/fixtures.js";
import { mcnemarPValue, mcnemarTest, type McnemarPValue } from "./mcnemar.js";

interface Expected {
  method: "exact" | "chi2";
  statistic: number;
  pValue: number;
}
interface Fixture {
  counts: { aOnly: number; bOnly: number; expected: Expected }[];
  labelled: {
    name: string;
    nClasses: number;
    yTrue: number[];
    predA: number[];
    predB: number[];
    aOnly: number;
    bOnly: number;
    accuracyA: number;
    accuracyB: number;
    expected: Expected;
  }[];
}

const fixture = loadStatsFixture<Fixture>("mcnemar");

test("McNemar from discordant counts agrees with statsmodels' definitions (via scipy) on every fixture", () => {
  for (const c of fixture.counts) {
    const result = mcnemarPValue(c.aOnly, c.bOnly);
    const what = `aOnly=${c.aOnly} bOnly=${c.bOnly}`;
    assert.equal(result.method, c.expected.method, what);
    assertClose(result.statistic, c.expected.statistic, `${what} statistic`, 1e-12, 1e-300);
    assertClose(result.pValue, c.expected.pValue, `${what} p`);
  }
});

test("hand-worked: 10 against 2 is exact, p = 2 * (1 + 12 + 66) / 4096", () => {
  const result = mcnemarPValue(10, 2);
  assert.equal(result.method, "exact");
  assert.equal(result.statistic, 2);
  assertClose(result.pValue, 158 / 4096, "p", 1e-14);
  // 25 discordant rows switch to the chi-square with continuity correction: (|20 - 5| - 1)^2 / 25.
  assert.deepEqual({ ...mcnemarPValue(20, 5), pValue: 0 }, { method: "chi2", statistic: 196 / 25, pValue: 0 });
  assert.equal(mcnemarPValue(0, 0).pValue, 1);
});

test("mcnemarTest counts the discordant rows of labelled predictions and agrees with the fixtures", () => {
  for (const c of fixture.labelled) {
    const result = mcnemarTest(c.yTrue, c.predA, c.predB, { nClasses: c.nClasses });
    assert.equal(result.details!.aOnly, c.aOnly, c.name);
    assert.equal(result.details!.bOnly, c.bOnly, c.name);
    assertClose(result.a, c.accuracyA, `${c.name} accuracy A`);
    assertClose(result.b, c.accuracyB, `${c.name} accuracy B`);
    assertClose(result.pValue, c.expected.pValue, `${c.name} p`);
    assert.ok(result.ci[0] < result.difference && result.difference < result.ci[1]);
  }
});

test("the verdict names the model that is right more often on the discordant rows", () => {
  // 12 rows: A right and B wrong on 10, B right and A wrong on 2.
  const yTrue = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
  const predA = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
  const predB = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const result = mcnemarTest(yTrue, predA, predB);
  assert.deepEqual([result.details!.aOnly, result.details!.bOnly], [10, 2]);
  assert.equal(result.verdict, "A is significantly better than B (p = 0.039)");
  assertClose(result.difference, -8 / 14, "difference", 1e-15);
  assert.equal(mcnemarTest(yTrue, predA, predA).verdict, "no significant difference (p = 1)");
});

test("bad counts are refused", () => {
  assert.throws(() => mcnemarPValue(2.5, 1), (e: unknown) => e instanceof InvalidParameterError && /aOnly must be a count/.test(e.message));
  assert.throws(
    () => mcnemarTest([0, 1], [0, 1], [0, 2]),
    (e: unknown) => formatError(e) === 'row 2, column "yPred": invalid value (expected a binary label, 0 or 1, got 2)',
  );
});

test("McNemar's exact and chi2 versions can be chosen, chi2 with or without continuity correction, as statsmodels' mcnemar(exact, correction)", () => {
  // Expected values: scipy.stats.chi2.sf((|b - c| - corr)^2 / (b + c), 1) and 2 * binom.cdf(min, n, 0.5).
  const cases: [number, number, Parameters<typeof mcnemarPValue>[2], McnemarPValue][] = [
    [40, 22, { method: "chi2", correction: false }, { method: "chi2", statistic: 5.225806451612903, pValue: 0.022254124823099214 }],
    [10, 2, { method: "chi2" }, { method: "chi2", statistic: 4.083333333333333, pValue: 0.04330814281079206 }],
    [10, 2, { method: "chi2", correction: false }, { method: "chi2", statistic: 5.333333333333333, pValue: 0.020921335337794035 }],
    [0, 1, { method: "chi2", correction: false }, { method: "chi2", statistic: 1, pValue: 0.31731050786291115 }],
    [3, 3, { method: "chi2", correction: false }, { method: "chi2", statistic: 0, pValue: 1 }],
    [30, 40, { method: "exact" }, { method: "exact", statistic: 30, pValue: 0.281978921793656 }],
  ];
  for (const [aOnly, bOnly, options, expected] of cases) {
    const result = mcnemarPValue(aOnly, bOnly, options);
    const what = `${aOnly}, ${bOnly}, ${JSON.stringify(options)}`;
    assert.equal(result.method, expected.method, what);
    assertClose(result.statistic, expected.statistic, `${what} statistic`, 1e-14, 0);
    assertClose(result.pValue, expected.pValue, `${what} p`, 1e-12);
  }
  // No discordant rows: no evidence (statsmodels' chi2 would divide by zero).
  assert.deepEqual(mcnemarPValue(0, 0, { method: "chi2" }), { method: "chi2", statistic: 0, pValue: 1 });
  assert.throws(
    () => mcnemarPValue(3, 4, { method: "midp" as "exact" }),
    (e: unknown) => e instanceof InvalidParameterError && formatError(e) === 'mcnemarPValue: method must be "auto", "exact" or "chi2", got "midp"',
  );
});
