/**
 * The linear models against scikit-learn 1.2: the same design matrices, the same objectives, tight
 * tolerances on both sides (tools/fixtures/make_linear_fixtures.py made the fixtures and checked their
 * optimality). Coefficients and intercepts must agree within 1e-4 (relative above 1).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Dataset, Task } from "../../core/types.js";
import { LinearEstimator, LinearRegression, LogisticRegression, type LinearModel } from "./index.js";

interface FixtureModel {
  readonly name: string;
  readonly sklearn: string;
  readonly learnloop: Record<string, unknown>;
  readonly sampleWeight: boolean;
  readonly coef: number[][];
  readonly intercept: number[];
}

interface Fixture {
  readonly nRows: number;
  readonly nFeatures: number;
  readonly X: number[][];
  readonly y: number[];
  readonly sampleWeight: number[];
  readonly models: FixtureModel[];
}

function readFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/linear/${name}.json`, import.meta.url), "utf8")) as Fixture;
}

function datasetOf(fixture: Fixture, task: Task): Dataset {
  const features = Array.from({ length: fixture.nFeatures }, (_, j) => ({
    kind: "numeric" as const,
    name: `x${j}`,
    values: Float64Array.from(fixture.X, (row) => row[j]!),
  }));
  const nClasses = task === "regression" ? 0 : Math.max(...fixture.y) + 1;
  return {
    nRows: fixture.nRows,
    features,
    target: {
      name: "y",
      task,
      values: Float64Array.from(fixture.y),
      ...(task === "regression" ? {} : { classes: Array.from({ length: nClasses }, (_, k) => String(k)) }),
    },
    fingerprint: "fixture",
  };
}

/** Largest |ours - sklearn| / max(1, |sklearn|) over coefficients and intercepts. */
function maxDifference(model: LinearModel, expected: FixtureModel): number {
  const { weights, intercepts } = model.coefficients();
  assert.equal(weights.length, expected.coef.length, "number of outputs");
  let worst = 0;
  expected.coef.forEach((row, k) => {
    row.forEach((value, j) => (worst = Math.max(worst, Math.abs(weights[k]![j]! - value) / Math.max(1, Math.abs(value)))));
    worst = Math.max(worst, Math.abs(intercepts[k]! - expected.intercept[k]!) / Math.max(1, Math.abs(expected.intercept[k]!)));
  });
  return worst;
}

// Raw design (no standardization), a tolerance far below the 1e-4 the comparison allows.
const TIGHT = { standardize: false, tol: 1e-10, maxIter: 10000 };

for (const [file, task] of [["binary", "binary"], ["multinomial", "multiclass"], ["regression", "regression"]] as const) {
  const fixture = readFixture(file);
  const data = datasetOf(fixture, task);
  for (const expected of fixture.models) {
    test(`${file}: ${expected.name} matches ${expected.sklearn}`, (t) => {
      const params = { ...expected.learnloop, ...TIGHT };
      const estimator = task === "regression" ? new LinearRegression(params) : new LogisticRegression(params);
      const options = expected.sampleWeight ? { sampleWeight: Float64Array.from(fixture.sampleWeight) } : {};
      const model = estimator.fit(data, options);
      const difference = maxDifference(model, expected);
      t.diagnostic(`${model.fitInfo.solver}: ${model.fitInfo.nIter} iterations, converged ${model.fitInfo.converged}, violation ${model.fitInfo.violation.toExponential(1)}, max difference ${difference.toExponential(2)}`);
      assert.equal(model.fitInfo.converged, true, "the solver converged");
      assert.ok(difference <= 1e-4, `max difference ${difference} > 1e-4`);
    });
  }
}

test("LinearEstimator maps alpha to scikit-learn's C = 1 / (alpha n) and to ElasticNet(alpha)", () => {
  const binary = readFixture("binary");
  const l2 = binary.models.find((m) => m.name === "l2 C=0.1")!;
  const logistic = new LinearEstimator({ alpha: 1 / (0.1 * binary.nRows), ...TIGHT }).fit(datasetOf(binary, "binary"));
  assert.ok(maxDifference(logistic, l2) <= 1e-4);
  const l1 = binary.models.find((m) => m.name === "l1 C=0.1")!;
  const sparse = new LinearEstimator({ alpha: 1 / (0.1 * binary.nRows), l1Ratio: 1, ...TIGHT }).fit(datasetOf(binary, "binary"));
  assert.ok(maxDifference(sparse, l1) <= 1e-4);

  const regression = readFixture("regression");
  const enet = regression.models.find((m) => m.name === "elasticnet alpha=0.1 l1_ratio=0.5")!;
  const fitted = new LinearEstimator({ alpha: 0.1, l1Ratio: 0.5, ...TIGHT }).fit(datasetOf(regression, "regression"));
  assert.ok(maxDifference(fitted, enet) <= 1e-4);
  // l1Ratio 0 is Ridge(alpha * n).
  const ridge = regression.models.find((m) => m.name === "ridge alpha=10")!;
  const smooth = new LinearEstimator({ alpha: 10 / regression.nRows, ...TIGHT }).fit(datasetOf(regression, "regression"));
  assert.ok(maxDifference(smooth, ridge) <= 1e-4);
});

test("standardization changes the penalty's geometry but not the unpenalized fit", () => {
  // Without a penalty the optimum is the same function of the raw features, standardized or not.
  const binary = readFixture("binary");
  const none = binary.models.find((m) => m.name === "none")!;
  const model = new LogisticRegression({ penalty: "none", tol: 1e-10 }).fit(datasetOf(binary, "binary"));
  assert.equal(model.design.standardize, true);
  assert.ok(maxDifference(model, none) <= 1e-4);
  const regression = readFixture("regression");
  const ols = regression.models.find((m) => m.name === "ols")!;
  assert.ok(maxDifference(new LinearRegression().fit(datasetOf(regression, "regression")), ols) <= 1e-4);
});
