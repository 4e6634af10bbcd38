/**
 * The linear models against scikit-learn 1.2 on designs the first fixtures leave out
 * (tools/fixtures/make_linear_audit_fixtures.py): L1 and elastic-net logistic regression (binary and
 * 4-class multinomial), balanced class weights, lasso and elastic net at and just below alpha_max (every
 * coefficient zero, or one leaving zero), collinear and constant columns, features of very different
 * magnitudes, missing values (mean imputation with indicator columns), one-hot categories with a category
 * unseen in training at predict time, sample weights (some zero), intercept-only fits, no intercept with
 * standardized columns, a class of the target absent from training. scikit-learn fits its own
 * preprocessing's design (SimpleImputer, MissingIndicator, OneHotEncoder, StandardScaler); the
 * coefficients, in raw units, must agree within 1e-4 (relative above 1), and predictions on held-out rows
 * within 1e-6. Logistic fits also reach sklearn's objective value (1e-9 relative). Where the optimum is a
 * set, not a point (exactly collinear columns under L1; pure L1 softmax over an even number of classes),
 * any point of it is right: those cases compare the objective and the probabilities, not the coefficients.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Column, Dataset, Task } from "../../core/types.js";
import { LinearRegression, LogisticRegression, type LinearModel } from "./index.js";

interface FixtureColumn {
  readonly name: string;
  readonly kind: "numeric" | "categorical";
  readonly values: readonly (number | string | null)[];
}

interface AuditCase {
  readonly name: string;
  readonly task: Task;
  readonly note: string;
  readonly sklearn: string;
  readonly learnloop: Record<string, unknown>;
  readonly columns: readonly FixtureColumn[];
  readonly classes?: readonly string[];
  readonly y: readonly number[];
  readonly sampleWeight: readonly number[] | null;
  readonly designColumns: readonly string[];
  readonly coef: readonly (readonly number[])[];
  /** null for a class absent from training: learnloop gives it intercept -Infinity (probability 0). */
  readonly intercept: readonly (number | null)[];
  /** Logistic: the normalized objective at sklearn's solution (mean weighted log loss + penalty / (C sum(s))). */
  readonly objective?: number;
  /** Why the optimum is not unique, or null. */
  readonly nonUnique?: string | null;
  /** Where it is not unique: the probabilities of the training rows, which are. */
  readonly trainProba?: readonly (readonly number[])[] | null;
  /**
   * Constant columns whose coefficient is 0 (the minimum-norm solution) where sklearn's round-off gives
   * another, offset by its intercept: their coefficients and the intercept are not compared, the training
   * predictions (`trainPredictions`) are.
   */
  readonly zeroColumns?: readonly string[] | null;
  readonly trainPredictions?: readonly number[] | null;
  readonly test?: { readonly columns: readonly FixtureColumn[]; readonly proba?: readonly (readonly number[])[]; readonly predictions?: readonly number[] };
}

const fixture = JSON.parse(readFileSync(new URL("../../../test/fixtures/linear/audit.json", import.meta.url), "utf8")) as { sklearnVersion: string; cases: AuditCase[] };
assert.match(fixture.sklearnVersion, /^1\.2\./);

/** Training dictionaries: the categories seen, sorted, as scikit-learn's OneHotEncoder orders them. */
function dictionaries(columns: readonly FixtureColumn[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const column of columns) {
    if (column.kind !== "categorical") continue;
    out.set(column.name, [...new Set(column.values.filter((v): v is string => v !== null))].sort());
  }
  return out;
}

/** Columns as the data layer gives them; a category missing from `dictionary` is appended (unseen in training). */
function columnsOf(columns: readonly FixtureColumn[], dictionary: Map<string, string[]>): Column[] {
  return columns.map((column): Column => {
    if (column.kind === "numeric") return { kind: "numeric", name: column.name, values: Float64Array.from(column.values, (v) => (v === null ? NaN : (v as number))) };
    const categories = [...dictionary.get(column.name)!];
    const codes = Int32Array.from(column.values, (v) => {
      if (v === null) return -1;
      let code = categories.indexOf(v as string);
      if (code < 0) code = categories.push(v as string) - 1;
      return code;
    });
    return { kind: "categorical", name: column.name, codes, categories };
  });
}

function datasets(c: AuditCase): { train: Dataset; test?: Dataset } {
  const dictionary = dictionaries(c.columns);
  const train: Dataset = {
    nRows: c.y.length,
    features: columnsOf(c.columns, dictionary),
    target: { name: "y", task: c.task, values: Float64Array.from(c.y), ...(c.classes ? { classes: [...c.classes] } : {}) },
    fingerprint: c.name,
  };
  if (!c.test) return { train };
  const features = columnsOf(c.test.columns, dictionary);
  return { train, test: { nRows: c.test.columns[0]!.values.length, features, fingerprint: `${c.name}/test` } };
}

/**
 * Largest |ours - sklearn| / max(1, |sklearn|) over coefficients and intercepts (the columns must match),
 * leaving out the case's zeroColumns and then the intercept, which absorbs them.
 */
function maxDifference(model: LinearModel, c: AuditCase): number {
  const { columns, weights, intercepts } = model.coefficients();
  assert.deepEqual(columns, c.designColumns, "the design columns, in order");
  assert.equal(weights.length, c.coef.length, "number of outputs");
  const skipped = new Set(c.zeroColumns ?? []);
  let worst = 0;
  c.coef.forEach((row, k) => {
    row.forEach((value, j) => {
      if (!skipped.has(columns[j]!)) worst = Math.max(worst, Math.abs(weights[k]![j]! - value) / Math.max(1, Math.abs(value)));
    });
    const expected = c.intercept[k]!;
    if (expected === null) assert.equal(intercepts[k], -Infinity, `class ${k}, absent from training: intercept -Infinity`);
    else if (skipped.size === 0) worst = Math.max(worst, Math.abs(intercepts[k]! - expected) / Math.max(1, Math.abs(expected)));
  });
  return worst;
}

const TIGHT = { tol: 1e-10, maxIter: 100000 };

for (const c of fixture.cases) {
  test(`${c.task}: ${c.name} matches ${c.sklearn}`, (t) => {
    const { train, test: held } = datasets(c);
    const params = { ...c.learnloop, ...TIGHT };
    const estimator = c.task === "regression" ? new LinearRegression(params) : new LogisticRegression(params);
    const model = estimator.fit(train, c.sampleWeight ? { sampleWeight: Float64Array.from(c.sampleWeight) } : {});
    const difference = maxDifference(model, c);
    t.diagnostic(`${model.fitInfo.solver}: ${model.fitInfo.nIter} iterations, converged ${model.fitInfo.converged}, max difference ${difference.toExponential(2)}`);
    assert.equal(model.fitInfo.converged, true, "the solver converged");
    if (c.objective !== undefined) {
      const gap = (model.fitInfo.objective - c.objective) / Math.abs(c.objective);
      assert.ok(Math.abs(gap) <= 1e-9, `objective ${model.fitInfo.objective} vs sklearn's ${c.objective} (relative ${gap})`);
    }
    if (c.nonUnique) {
      t.diagnostic(`not unique: ${c.nonUnique}`);
      const proba = model.predictProba(train);
      let worst = 0;
      c.trainProba!.forEach((row, i) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(proba.data[i * proba.nCols + k]! - p)))));
      assert.ok(worst <= 1e-6, `training probabilities differ by ${worst}`);
    } else {
      assert.ok(difference <= 1e-4, `max coefficient difference ${difference} > 1e-4`);
    }
    if (c.zeroColumns) {
      const { columns, weights } = model.coefficients();
      for (const name of c.zeroColumns) assert.equal(weights[0]![columns.indexOf(name)], 0, `constant column ${name}: coefficient exactly 0`);
      const predictions = model.predict(train);
      let worst = 0;
      // Rows of weight zero do not determine the fit: a column constant on the others may differ there.
      c.trainPredictions!.forEach((p, i) => {
        if (c.sampleWeight?.[i] !== 0) worst = Math.max(worst, Math.abs(predictions[i]! - p) / Math.max(1, Math.abs(p)));
      });
      assert.ok(worst <= 1e-9, `training predictions (rows of positive weight) differ by ${worst}`);
    }
    if (c.coef.every((row) => row.every((v) => v === 0))) {
      const { weights } = model.coefficients();
      assert.ok(weights.every((row) => row.every((v) => v === 0)), "every coefficient exactly zero, as sklearn's");
    }
    if (held && c.test!.proba) {
      const proba = model.predictProba(held);
      let worst = 0;
      c.test!.proba.forEach((row, i) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(proba.data[i * proba.nCols + k]! - p)))));
      assert.ok(worst <= 1e-6, `held-out probabilities (unseen category, missing values) differ by ${worst}`);
    }
    if (held && c.test!.predictions) {
      const predictions = model.predict(held);
      let worst = 0;
      c.test!.predictions.forEach((p, i) => (worst = Math.max(worst, Math.abs(predictions[i]! - p) / Math.max(1, Math.abs(p)))));
      assert.ok(worst <= 1e-6, `held-out predictions (unseen category, missing values) differ by ${worst}`);
    }
  });
}

test("a column constant over the weighted rows gets coefficient 0 and changes nothing else, whatever its value", () => {
  // The oracle is the same fit without the column. Centered by a computed mean, a column of 0.1s was
  // round-off that the Cholesky solve turned into coefficients such as -20 (offset by the intercept).
  const n = 100;
  let checked = 0;
  for (const seed of [1, 2, 3]) {
    let state = seed;
    const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const x = Float64Array.from({ length: n }, () => next() * 4);
    const y = Float64Array.from(x, (v) => 2 * v + next());
    const weights = Float64Array.from({ length: n }, () => 0.1 + next());
    const target = { name: "y", task: "regression" as const, values: y };
    const without: Dataset = { nRows: n, features: [{ kind: "numeric", name: "x", values: x }], target, fingerprint: "without" };
    for (const value of [0.1, 7.25, 1e6 / 3]) {
      const constant: Column = { kind: "numeric", name: "k", values: new Float64Array(n).fill(value) };
      const oneLevel: Column = { kind: "categorical", name: "c", codes: new Int32Array(n), categories: ["solo"] };
      const withConstant: Dataset = { ...without, features: [without.features[0]!, constant, oneLevel], fingerprint: "with" };
      for (const params of [{ penalty: "none" }, { penalty: "l2", alpha: 0.5 }, { penalty: "l1", alpha: 0.01, tol: 1e-12 }]) {
        for (const standardize of [false, true]) {
          for (const sampleWeight of [undefined, weights]) {
            const options = sampleWeight ? { sampleWeight } : {};
            const fitted = new LinearRegression({ ...params, standardize }).fit(withConstant, options).coefficients();
            const reference = new LinearRegression({ ...params, standardize }).fit(without, options).coefficients();
            const what = `${JSON.stringify(params)} value ${value} standardize ${standardize} weighted ${sampleWeight !== undefined}`;
            assert.deepEqual([fitted.weights[0]![1], fitted.weights[0]![2]], [0, 0], `${what}: the constant columns' coefficients`);
            assert.ok(Math.abs(fitted.weights[0]![0]! - reference.weights[0]![0]!) <= 1e-9, `${what}: x ${fitted.weights[0]![0]} vs ${reference.weights[0]![0]}`);
            assert.ok(Math.abs(fitted.intercepts[0]! - reference.intercepts[0]!) <= 1e-9, `${what}: intercept ${fitted.intercepts[0]} vs ${reference.intercepts[0]}`);
            checked++;
          }
        }
      }
    }
  }
  assert.equal(checked, 108);
});
