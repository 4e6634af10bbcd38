import assert from "node:assert/strict";
import { test } from "node:test";
import { formatError } from "../../core/messages.js";
import { assertClose, loadStatsFixture } from "../../../test/fixtures/stats/fixtures.js";
import { pairedTTest } from "./paired-t.js";

interface Expected {
  a: number;
  b: number;
  difference: number;
  statistic: number;
  df: number;
  pValue: number;
  ci: [number, number];
}
interface TtestCase {
  name: string;
  yTrue: number[];
  predA: number[];
  predB: number[];
  expected: { squared: Expected; absolute: Expected };
}

test("the paired t-test agrees with scipy.stats.ttest_rel (and its interval) on squared and absolute errors", () => {
  for (const c of loadStatsFixture<TtestCase[]>("ttest")) {
    for (const [metric, kind] of [
      ["mse", "squared"],
      ["rmse", "squared"],
      ["mae", "absolute"],
    ] as const) {
      const result = pairedTTest(c.yTrue, c.predA, c.predB, metric);
      const e = c.expected[kind];
      const what = `${c.name} ${metric}`;
      assert.equal(result.metric, kind === "squared" ? "mse" : "mae");
      assertClose(result.a, e.a, `${what} a`);
      assertClose(result.b, e.b, `${what} b`);
      assertClose(result.difference, e.difference, `${what} difference`);
      assertClose(result.statistic!, e.statistic, `${what} t`);
      assert.equal(result.details!.df, e.df);
      assertClose(result.pValue, e.pValue, `${what} p`);
      assertClose(result.ci[0], e.ci[0], `${what} ci low`);
      assertClose(result.ci[1], e.ci[1], `${what} ci high`);
    }
  }
});

test("identical errors give p = 1; a lower error for B is B significantly better", () => {
  const yTrue = [1, 2, 3, 4, 5, 6];
  const same = pairedTTest(yTrue, [1.5, 2, 2.5, 4, 5.5, 6], [1.5, 2, 2.5, 4, 5.5, 6], "rmse");
  assert.equal(same.pValue, 1);
  assert.equal(same.verdict, "no significant difference (p = 1)");
  const better = pairedTTest(yTrue, [2, 3, 4, 5, 6, 7.2], [1.1, 2.1, 3.05, 3.9, 5.1, 6], "mae", { names: ["old", "new"] });
  assert.ok(better.difference < 0);
  assert.match(better.verdict, /^new is significantly better than old \(p (=|<) 0\.0\d+\)$/);
});

test("fewer than 2 rows, or a metric that is not a mean of per-row errors, is refused", () => {
  assert.throws(
    () => pairedTTest([1], [1], [2], "mse"),
    (e: unknown) => formatError(e) === 'column "yTrue": too few rows (expected at least 2 rows for a paired t-test, got 1)',
  );
  assert.throws(() => pairedTTest([1, 2], [1, 2], [2, 3], "r2" as "mse"), /metric must be "mse", "rmse" or "mae"/);
});
