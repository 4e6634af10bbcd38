/**
 * The linear models end to end on small datasets built here: a categorical feature, missing values,
 * binary, multiclass and regression targets; predictions, probabilities, importances, coefficients,
 * model files, and the errors a user sees.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DataValidationError, InvalidParameterError, ModelFormatError } from "../../core/errors.js";
import { formatError } from "../../core/messages.js";
import { validateParams } from "../../core/params.js";
import { Random } from "../../core/rng.js";
import type { Dataset, Task } from "../../core/types.js";
import { decodeModelFile, encodeModelFile } from "../format.js";
import { loadModel } from "../registry.js";
import { LINEAR_PARAMS, LinearEstimator, LinearRegression, LogisticRegression, loadLinearModel, type LinearModel } from "./index.js";

/**
 * 300 rows: income (numeric, 10% missing), age (numeric, none missing), city (categorical: 3 cities, a
 * 4th in the dictionary never used, some missing). The target depends on all three.
 */
function makeData(task: Task, seed = 1, nRows = 300): Dataset {
  const rng = new Random(seed);
  const income = new Float64Array(nRows);
  const age = new Float64Array(nRows);
  const city = new Int32Array(nRows);
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const inc = 50 + 20 * (rng.next() - 0.5) * 3;
    income[i] = rng.next() < 0.1 ? Number.NaN : inc;
    age[i] = 20 + 50 * rng.next();
    city[i] = rng.next() < 0.05 ? -1 : rng.int(3);
    const score = 0.08 * (inc - 50) - 0.03 * (age[i]! - 45) + [0.8, -0.5, 0][Math.max(city[i]!, 0)]! + (rng.next() - 0.5) * 2;
    if (task === "regression") y[i] = 10 + 3 * score;
    else if (task === "binary") y[i] = score > 0 ? 1 : 0;
    else y[i] = score < -0.5 ? 0 : score < 0.5 ? 1 : 2;
  }
  return {
    nRows,
    features: [
      { kind: "numeric", name: "income", values: income },
      { kind: "numeric", name: "age", values: age },
      { kind: "categorical", name: "city", codes: city, categories: ["Lyon", "Paris", "Nice", "Brest"] },
    ],
    target: { name: "outcome", task, values: y, ...(task === "binary" ? { classes: ["no", "yes"] } : task === "multiclass" ? { classes: ["low", "mid", "high"] } : {}) },
    fingerprint: `test-${task}-${seed}`,
    source: "people.csv",
  };
}

function withoutTarget(data: Dataset): Dataset {
  const { target: _target, ...rest } = data;
  return rest;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function roundTrip(model: LinearModel): LinearModel {
  return loadLinearModel(decodeModelFile(model.toBytes({ fingerprint: "abc", metrics: { accuracy: 0.9 } })));
}

for (const [task, estimator] of [
  ["binary", () => new LogisticRegression({ C: 0.5 })],
  ["binary", () => new LogisticRegression({ penalty: "elasticnet", C: 0.05, l1Ratio: 0.7 })],
  ["multiclass", () => new LogisticRegression()],
  ["multiclass", () => new LogisticRegression({ penalty: "l1", C: 0.1 })],
  ["regression", () => new LinearRegression({ penalty: "l2", alpha: 3 })],
  ["regression", () => new LinearRegression({ penalty: "elasticnet", alpha: 0.05 })],
  ["binary", () => new LinearEstimator()],
  ["multiclass", () => new LinearEstimator({ alpha: 1e-3, l1Ratio: 0.5 })],
  ["regression", () => new LinearEstimator()],
] as const) {
  const label = `${estimator().constructor.name}(${JSON.stringify(Object.fromEntries(Object.entries(estimator().params).filter(([k]) => ["penalty", "C", "alpha", "l1Ratio"].includes(k))))})`;
  test(`${label} on a ${task} target: predictions, probabilities, importances, bit-identical save and load`, () => {
    const train = makeData(task, 1);
    const test_ = withoutTarget(makeData(task, 2, 120));
    const model = estimator().fit(train);
    assert.equal(model.kind, "linear");
    assert.equal(model.task, task);
    assert.equal(model.fitInfo.converged, true);
    assert.deepEqual(model.schema.features.map((f) => f.name), ["income", "age", "city"]);
    assert.deepEqual(model.design.columnNames, ["income", "income:missing", "age", "city=Lyon", "city=Paris", "city=Nice"]);

    const predictions = model.predict(test_);
    assert.equal(predictions.length, 120);
    if (task === "regression") {
      assert.throws(() => model.predictProba(test_), (error: unknown) => {
        assert.ok(error instanceof InvalidParameterError);
        assert.equal(error.message, 'LinearModel: predictProba must be a classification model, got "a regression model"');
        return true;
      });
      // The model learned something: R^2 on fresh data well above 0.
      const truth = makeData(task, 2, 120).target!.values;
      const mean = truth.reduce((a, v) => a + v, 0) / truth.length;
      const ssRes = truth.reduce((a, v, i) => a + (v - predictions[i]!) ** 2, 0);
      const ssTot = truth.reduce((a, v) => a + (v - mean) ** 2, 0);
      assert.ok(1 - ssRes / ssTot > 0.5, `R^2 ${1 - ssRes / ssTot}`);
    } else {
      const proba = model.predictProba(test_);
      const nClasses = task === "binary" ? 2 : 3;
      assert.equal(proba.nRows, 120);
      assert.equal(proba.nCols, nClasses);
      for (let i = 0; i < 120; i++) {
        let sum = 0;
        let best = 0;
        for (let k = 0; k < nClasses; k++) {
          const p = proba.data[i * nClasses + k]!;
          assert.ok(p >= 0 && p <= 1);
          sum += p;
          if (p > proba.data[i * nClasses + best]!) best = k;
        }
        assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} sums to ${sum}`);
        assert.equal(predictions[i], task === "binary" ? (proba.data[i * 2 + 1]! > 0.5 ? 1 : 0) : best);
      }
      const truth = makeData(task, 2, 120).target!.values;
      const accuracy = truth.reduce((a, v, i) => a + (v === predictions[i] ? 1 : 0), 0) / 120;
      assert.ok(accuracy > (task === "binary" ? 0.7 : 0.55), `accuracy ${accuracy}`);
    }

    const importance = model.importance();
    assert.deepEqual(importance.map((f) => f.feature).sort(), ["age", "city", "income"]);
    for (let i = 1; i < importance.length; i++) assert.ok(importance[i - 1]!.importance >= importance[i]!.importance);
    assert.ok(importance[0]!.importance > 0);

    const loaded = roundTrip(model);
    assert.ok(sameBits(loaded.predict(test_), predictions), "predict after load is bit-identical");
    if (task !== "regression") assert.ok(sameBits(loaded.predictProba(test_).data, model.predictProba(test_).data), "predictProba after load is bit-identical");
    assert.deepEqual(loaded.importance(), importance);
    assert.deepEqual(loaded.coefficients(), model.coefficients());
    assert.deepEqual(loaded.fitInfo, model.fitInfo);
    assert.deepEqual(loaded.params, { ...model.params });
    assert.deepEqual(loaded.schema, model.schema);
    // And through the registry, as the CLI loads models.
    assert.ok(sameBits(loadModel(model.toBytes()).predict(test_), predictions));
  });
}

test("coefficients() are in the original units: they reproduce the margins from raw values", () => {
  const train = makeData("binary");
  const model = new LogisticRegression({ C: 0.3 }).fit(train);
  const { columns, outputs, weights, intercepts } = model.coefficients();
  assert.deepEqual(outputs, ["yes"]);
  assert.deepEqual(columns, model.design.columnNames);
  const margins = model.decisionFunction(train).data;
  const income = train.features[0]!;
  const age = train.features[1]!;
  const city = train.features[2]!;
  const incomeMean = model.design.toJSON().features[0]!.kind === "numeric" ? (model.design.toJSON().features[0] as { imputer: { mean: number } }).imputer.mean : 0;
  for (let i = 0; i < train.nRows; i++) {
    const inc = income.kind === "numeric" ? income.values[i]! : 0;
    const code = city.kind === "categorical" ? city.codes[i]! : -1;
    const raw = [Number.isNaN(inc) ? incomeMean : inc, Number.isNaN(inc) ? 1 : 0, age.kind === "numeric" ? age.values[i]! : 0, code === 0 ? 1 : 0, code === 1 ? 1 : 0, code === 2 ? 1 : 0];
    const margin = intercepts[0]! + raw.reduce((a, v, j) => a + v * weights[0]![j]!, 0);
    assert.ok(Math.abs(margin - margins[i]!) < 1e-10, `row ${i}: ${margin} vs ${margins[i]}`);
  }
});

test("predict handles values unseen in training: a missing age, an unknown city, a never-seen category", () => {
  const train = makeData("binary");
  const model = new LogisticRegression().fit(train);
  const odd: Dataset = {
    nRows: 3,
    features: [
      { kind: "numeric", name: "income", values: new Float64Array([Number.NaN, 50, 50]) },
      { kind: "numeric", name: "age", values: new Float64Array([Number.NaN, 30, 30]) },
      { kind: "categorical", name: "city", codes: new Int32Array([-1, 3, -1]), categories: ["Lyon", "Paris", "Nice", "Brest"] },
    ],
    fingerprint: "odd",
  };
  const margins = model.decisionFunction(odd).data;
  assert.ok(margins.every(Number.isFinite));
  // "Brest" (code 3) never appeared in training: it encodes like a missing city.
  assert.equal(margins[1], margins[2]);
});

test("one-hot columns beside an intercept with no penalty: singular systems still solve", () => {
  // Without missing cities the one-hot columns sum to the intercept column: exactly collinear.
  const base = makeData("regression");
  const city = base.features[2]!;
  const codes = city.kind === "categorical" ? city.codes.map((c) => (c < 0 ? 0 : c)) : new Int32Array(0);
  const data: Dataset = { ...base, features: [{ kind: "categorical", name: "city", codes, categories: ["Lyon", "Paris", "Nice"] }] };
  const ols = new LinearRegression().fit(data);
  // Least squares on a single categorical feature predicts each category's mean.
  const y = base.target!.values;
  const predictions = ols.predict(data);
  for (let k = 0; k < 3; k++) {
    const rows = Array.from(codes.keys()).filter((i) => codes[i] === k);
    const mean = rows.reduce((a, i) => a + y[i]!, 0) / rows.length;
    for (const i of rows) assert.ok(Math.abs(predictions[i]! - mean) < 1e-9);
  }
  // The minimum-norm solution (scikit-learn's lstsq answer): one-hot weights sum to 0 after centering.
  const w = ols.coefficients().weights[0]!;
  assert.ok(Math.abs(w[0]! + w[1]! + w[2]!) < 1e-9);

  const classes: Dataset = { ...data, target: { name: "c", task: "multiclass", values: makeData("multiclass").target!.values, classes: ["low", "mid", "high"] } };
  const logistic = new LogisticRegression({ penalty: "none" }).fit(classes);
  assert.equal(logistic.fitInfo.converged, true);
  const proba = logistic.predictProba(classes);
  // Unpenalized multinomial on one categorical: probabilities are the class frequencies within each city.
  const labels = classes.target!.values;
  for (let k = 0; k < 3; k++) {
    const rows = Array.from(codes.keys()).filter((i) => codes[i] === k);
    for (let c = 0; c < 3; c++) {
      const share = rows.filter((i) => labels[i] === c).length / rows.length;
      assert.ok(Math.abs(proba.data[rows[0]! * 3 + c]! - share) < 1e-6, `city ${k} class ${c}`);
    }
  }
});

test("a class absent from the training rows gets probability 0, and two present classes reproduce the binary fit", () => {
  const base = makeData("binary");
  const data: Dataset = { ...base, target: { name: "c", task: "multiclass", values: base.target!.values.map((v) => (v === 1 ? 2 : 0)), classes: ["a", "b", "c"] } };
  const model = new LogisticRegression({ C: 0.7 }).fit(data);
  const proba = model.predictProba(data);
  const binary = new LogisticRegression({ C: 0.7 }).fit(base).predictProba(base);
  for (let i = 0; i < data.nRows; i++) {
    assert.equal(proba.data[i * 3 + 1], 0);
    assert.ok(Math.abs(proba.data[i * 3 + 2]! - binary.data[i * 2 + 1]!) < 1e-12);
  }
  assert.equal(model.coefficients().intercepts[1], -Infinity);
  assert.ok(model.predict(data).every((k) => k !== 1));
  assert.ok(sameBits(roundTrip(model).predictProba(data).data, proba.data));
});

test("sample weights: integer weights equal repeated rows", () => {
  // No missing values: imputation means are unweighted, so they would differ between the two datasets.
  const base = makeData("binary", 3, 60);
  const data: Dataset = { ...base, features: base.features.map((f) => (f.kind === "numeric" ? { ...f, values: f.values.map((v) => (Number.isNaN(v) ? 50 : v)) } : f)) };
  const weights = Float64Array.from({ length: 60 }, (_, i) => 1 + (i % 3));
  const rows = Array.from({ length: 60 }, (_, i) => Array<number>(1 + (i % 3)).fill(i)).flat();
  const take = <T extends Float64Array | Int32Array>(a: T): T => (a instanceof Float64Array ? Float64Array.from(rows, (i) => a[i]!) : Int32Array.from(rows, (i) => a[i]!)) as T;
  const repeated: Dataset = {
    nRows: rows.length,
    features: data.features.map((f) => (f.kind === "numeric" ? { ...f, values: take(f.values) } : { ...f, codes: take(f.codes) })),
    target: { ...data.target!, values: take(data.target!.values) },
    fingerprint: "repeated",
  };
  for (const estimator of [new LogisticRegression({ penalty: "elasticnet", C: 0.5, standardize: false, tol: 1e-10 }), new LinearRegression({ penalty: "l2", alpha: 2, standardize: false })]) {
    const target = estimator instanceof LinearRegression ? { name: "v", task: "regression" as const, values: data.features[1]!.kind === "numeric" ? data.features[1]!.values.map((v, i) => v * 0.1 + i) : new Float64Array(0) } : undefined;
    const d = target ? { ...data, features: [data.features[0]!, data.features[2]!], target } : data;
    const r = target ? { ...repeated, features: [repeated.features[0]!, repeated.features[2]!], target: { ...target, values: take(target.values) } } : repeated;
    const a = estimator.fit(d, { sampleWeight: weights }).coefficients();
    const b = estimator.fit(r).coefficients();
    a.weights[0]!.forEach((w, j) => assert.ok(Math.abs(w - b.weights[0]![j]!) < 1e-7, `${a.columns[j]}: ${w} vs ${b.weights[0]![j]}`));
    assert.ok(Math.abs(a.intercepts[0]! - b.intercepts[0]!) < 1e-7);
  }
});

test("fit never mutates the estimator, and estimators are their parameters", () => {
  const estimator = new LogisticRegression({ C: 2, penalty: "l1" });
  const before = JSON.stringify(estimator.params);
  estimator.fit(makeData("binary"));
  estimator.fit(makeData("multiclass"));
  assert.equal(JSON.stringify(estimator.params), before);
  assert.ok(Object.isFrozen(estimator.params));
  assert.deepEqual(new LinearEstimator().params, validateParams("LinearEstimator", LINEAR_PARAMS, {}));
});

test("parameter errors say what was expected and what was given", () => {
  const message = (make: () => unknown): string => {
    try {
      make();
    } catch (error) {
      assert.ok(error instanceof InvalidParameterError);
      return formatError(error);
    }
    throw new Error("no error thrown");
  };
  assert.equal(message(() => new LogisticRegression({ C: -1 })), "LogisticRegression: C must be a number > 0, got -1");
  assert.equal(message(() => new LogisticRegression({ penalty: "l3" })), 'LogisticRegression: penalty must be one of "l2", "l1", "elasticnet", "none", got "l3"');
  assert.equal(message(() => new LogisticRegression({ l1Ratio: 1.5 })), "LogisticRegression: l1Ratio must be a number >= 0 and <= 1, got 1.5");
  assert.equal(message(() => new LinearRegression({ alpha: -0.1 })), "LinearRegression: alpha must be a number >= 0, got -0.1");
  assert.equal(message(() => new LinearRegression({ maxIter: 2.5 })), "LinearRegression: maxIter must be an integer >= 1, got 2.5");
  assert.equal(message(() => new LinearEstimator({ tol: 0 })), "LinearEstimator: tol must be a number > 0, got 0");
  assert.equal(
    message(() => new LinearEstimator({ lambda: 1 })),
    "LinearEstimator: lambda must be one of the known parameters (alpha, l1Ratio, classWeight, fitIntercept, standardize, maxCategories, maxIter, tol), got 1",
  );
  assert.equal(message(() => new LinearEstimator({ classWeight: "balanced" }).fit(makeData("regression"))), 'LinearEstimator: classWeight must be "none" for a regression target, got "balanced"');
});

test("data errors name the column and the problem", () => {
  const message = (make: () => unknown): string => {
    try {
      make();
    } catch (error) {
      assert.ok(error instanceof DataValidationError, String(error));
      return formatError(error);
    }
    throw new Error("no error thrown");
  };
  const binary = makeData("binary");
  const oneClass: Dataset = { ...binary, target: { ...binary.target!, values: new Float64Array(binary.nRows).fill(1) } };
  assert.equal(message(() => new LogisticRegression().fit(oneClass)), 'people.csv, column "outcome": the target has a single class (expected 2 or more classes, got only "yes")');
  assert.equal(
    message(() => new LogisticRegression().fit(makeData("regression"))),
    'people.csv, column "outcome": invalid value (expected a binary or multiclass target for LogisticRegression, got a regression target; use LinearRegression)',
  );
  assert.equal(
    message(() => new LinearRegression().fit(binary)),
    'people.csv, column "outcome": invalid value (expected a regression target for LinearRegression, got a binary target; use LogisticRegression)',
  );
  assert.equal(
    message(() => new LogisticRegression().fit(binary, { sampleWeight: new Float64Array(3) })),
    'people.csv, column "sampleWeight": columns have different lengths (expected 300 weights (one per row), got 3)',
  );
  const negative = new Float64Array(binary.nRows).fill(1);
  negative[4] = -2;
  assert.equal(message(() => new LinearEstimator().fit(binary, { sampleWeight: negative })), 'people.csv, row 5, column "sampleWeight": invalid value (expected a finite weight >= 0, got -2)');
  assert.equal(message(() => new LinearEstimator().fit(withoutTarget(binary))), "people.csv: a feature the model needs is missing (expected a target column to fit LinearEstimator, got a dataset without one)");
  const model = new LinearEstimator().fit(binary);
  const fewer: Dataset = { ...binary, features: binary.features.slice(0, 2) };
  assert.equal(message(() => model.predict(fewer)), 'people.csv, column "city": a feature the model needs is missing (expected categorical feature "city" at position 3, got no column)');
});

test("maxIter reached: converged is false and the fit still returns a usable model", () => {
  const model = new LogisticRegression({ maxIter: 1, tol: 1e-12 }).fit(makeData("multiclass"));
  assert.equal(model.fitInfo.nIter, 1);
  assert.equal(model.fitInfo.converged, false);
  assert.equal(model.converged, false);
  assert.ok(model.fitInfo.violation > 1e-12);
  assert.ok(model.predict(makeData("multiclass")).every((k) => k >= 0 && k < 3));
  const lasso = new LinearRegression({ penalty: "l1", alpha: 0.01, maxIter: 2, tol: 1e-14 }).fit(makeData("regression"));
  assert.equal(lasso.fitInfo.converged, false);
  assert.equal(lasso.fitInfo.nIter, 2);
});

test("onProgress reports iterations", () => {
  const seen: number[] = [];
  new LogisticRegression().fit(makeData("binary"), { onProgress: (p) => seen.push(p.done) });
  assert.ok(seen.length > 0);
  assert.deepEqual(seen, seen.map((_, i) => i + 1));
});

test("a damaged linear model file is refused with a precise reason", () => {
  const model = new LinearEstimator().fit(makeData("binary"));
  const content = decodeModelFile(model.toBytes());
  const rewrite = (state: unknown, arrays = content.arrays) => {
    const { formatVersion: _v, learnloopVersion: _l, ...header } = content.header;
    return decodeModelFile(encodeModelFile({ ...header, state }, arrays));
  };
  const state = content.header.state as Record<string, unknown>;
  const reason = (make: () => unknown): string => {
    try {
      make();
    } catch (error) {
      assert.ok(error instanceof ModelFormatError, String(error));
      return error.detail;
    }
    throw new Error("no error thrown");
  };
  assert.equal(reason(() => loadLinearModel(rewrite({ ...state, link: "softmax" }))), 'link "softmax" does not fit task "binary"');
  assert.equal(reason(() => loadLinearModel(rewrite(state, { coef: new Float64Array(2), intercept: content.arrays["intercept"]! }))), 'array "coef" must be f64 of length 6');
  assert.equal(reason(() => loadLinearModel(rewrite({ ...state, design: { standardize: true, features: [] } }))), "the preprocessing state does not match the schema's features");
  assert.equal(reason(() => loadLinearModel(rewrite(undefined))), "the linear model state is missing");
});

test("a linear design wider than the solvers take is refused with the parameter to change", () => {
  const n = 5000;
  const data: Dataset = {
    nRows: n,
    features: [{ kind: "categorical", name: "id", codes: Int32Array.from({ length: n }, (_, i) => i), categories: Array.from({ length: n }, (_, i) => `r${i}`) }],
    target: { name: "y", task: "regression", values: Float64Array.from({ length: n }, (_, i) => i % 7) },
    fingerprint: "wide",
  };
  assert.throws(() => new LinearEstimator({ maxCategories: 5000 }).fit(data), (error: unknown) => {
    assert.equal(formatError(error), 'LinearEstimator: maxCategories must be small enough that the design has at most 4096 columns (or use the gbdt model, which needs no one-hot encoding), got "5000, which gives 5000 columns"');
    return true;
  });
  assert.equal(new LinearEstimator().fit(data).design.nColumns, 256, "the default keeps the 256 most frequent");
});
