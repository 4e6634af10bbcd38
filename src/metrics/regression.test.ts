import assert from "node:assert/strict";
import { test } from "node:test";
import { DataValidationError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import { assertClose, isError, loadCases, weightsOf, type MetricCase } from "../../test/fixtures/metrics/fixtures.js";
import {
  explainedVarianceScore,
  maxError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  r2Score,
  rootMeanSquaredError,
} from "./regression.js";

const cases = loadCases("regression");

function metrics(c: MetricCase): Record<string, () => number> {
  const options = { sampleWeight: weightsOf(c) };
  return {
    mse: () => meanSquaredError(c.yTrue, c.yPred, options),
    rmse: () => rootMeanSquaredError(c.yTrue, c.yPred, options),
    mae: () => meanAbsoluteError(c.yTrue, c.yPred, options),
    mape: () => meanAbsolutePercentageError(c.yTrue, c.yPred, options),
    r2: () => r2Score(c.yTrue, c.yPred, options),
    explained_variance: () => explainedVarianceScore(c.yTrue, c.yPred, options),
    median_absolute_error: () => medianAbsoluteError(c.yTrue, c.yPred, options),
    max_error: () => maxError(c.yTrue, c.yPred),
  };
}

test("regression metrics agree with scikit-learn on every fixture (weights, ties, constant y_true, zeros in y_true)", () => {
  let checked = 0;
  for (const c of cases) {
    for (const [name, run] of Object.entries(metrics(c))) {
      const expected = c.expected[name];
      assert.ok(expected !== undefined && !isError(expected), `${c.name} ${name}: sklearn computed a value`);
      assertClose(run(), expected as number, `${c.name} ${name}`);
      checked++;
    }
  }
  assert.equal(checked, cases.length * 8, "every metric checked on every case");
});

test("R^2 of a constant y_true of 0.1s is sklearn's 0, because the mean is summed in numpy's order", () => {
  // numpy's pairwise mean of nine 0.1s is exactly 0.1, so SS_tot is 0 and force_finite gives 0; a
  // left-to-right mean is 0.09999999999999999, SS_tot about 1e-34, and R^2 about -1e34.
  const c = cases.find((x) => x.name === "constant-y-true/inexact")!;
  assert.equal(c.expected.r2, 0);
  assert.equal(r2Score(c.yTrue, c.yPred), 0);
  let sum = 0;
  for (const v of c.yTrue) sum += v;
  const mean = sum / c.yTrue.length;
  let ssRes = 0;
  let ssTot = 0;
  c.yTrue.forEach((v, i) => {
    ssRes += (v - c.yPred[i]!) ** 2;
    ssTot += (v - mean) ** 2;
  });
  assert.ok(ssTot > 0 && 1 - ssRes / ssTot < -1e20, "a naive R^2 would be hugely negative");
});

test("hand-worked values (sklearn's documented examples)", () => {
  const yTrue = [3, -0.5, 2, 7];
  const yPred = [2.5, 0, 2, 8];
  assert.equal(meanSquaredError(yTrue, yPred), 0.375);
  assert.equal(rootMeanSquaredError(yTrue, yPred), Math.sqrt(0.375));
  assert.equal(meanAbsoluteError(yTrue, yPred), 0.5);
  assert.equal(medianAbsoluteError(yTrue, yPred), 0.5);
  assert.equal(maxError([3, 2, 7, 1], [4, 2, 7, 1]), 1);
  assertClose(r2Score(yTrue, yPred), 0.9486081370449679, "r2");
  assertClose(explainedVarianceScore(yTrue, yPred), 0.9571734475374732, "explained variance");
  assertClose(meanAbsolutePercentageError(yTrue, yPred), 0.3273809523809524, "mape");
  // Weighted median: the first sorted error where the cumulative weight reaches half the total.
  assert.equal(medianAbsoluteError([0, 0, 0], [1, 2, 3], { sampleWeight: [1, 1, 2] }), 2);
  assert.equal(medianAbsoluteError([0, 0, 0, 0], [1, 2, 3, 4]), 2.5);
});

test("edge cases follow sklearn: force_finite R^2 and explained variance, NaN R^2 for one row, MAPE's epsilon", () => {
  assert.equal(r2Score([2, 2, 2], [2, 2, 2]), 1);
  assert.equal(r2Score([2, 2, 2], [1, 2, 3]), 0);
  assert.equal(explainedVarianceScore([2, 2, 2], [1, 2, 3]), 0);
  // A constant bias is not a loss of explained variance.
  assert.equal(explainedVarianceScore([1, 2, 3], [2, 3, 4]), 1);
  assert.ok(Number.isNaN(r2Score([1], [2])), "R^2 of one row is NaN");
  assert.equal(explainedVarianceScore([1], [2]), 1);
  assert.equal(meanAbsolutePercentageError([0, 1], [1, 1]), 1 / 2 ** -52 / 2);
});

test("bad input is a DataValidationError naming the argument", () => {
  assert.throws(
    () => meanSquaredError([1, 2], [1, NaN]),
    (error: unknown) =>
      error instanceof DataValidationError && formatError(error) === 'row 2, column "yPred": invalid value (expected a finite number, got NaN)',
  );
  assert.throws(
    () => r2Score([1, 2, 3], [1, 2]),
    (error: unknown) => error instanceof DataValidationError && error.issues[0]!.code === "length_mismatch",
  );
  assert.throws(
    () => maxError([], []),
    (error: unknown) => error instanceof DataValidationError && formatError(error) === 'column "yTrue": too few rows (expected at least 1 value, got 0)',
  );
  assert.throws(() => meanAbsoluteError([1, 2], [1, 2], { sampleWeight: [0, 0] }), {
    name: "MetricError",
    message: "mae: all sample weights are zero; a weighted metric is undefined",
  });
});
