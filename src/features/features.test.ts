import { test } from "node:test";
import assert from "node:assert/strict";
import { DataValidationError, InvalidParameterError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import type { Dataset } from "../core/types.js";
import { schemaOf } from "../data/schema.js";
import { DesignTransform, MeanImputer, OneHotEncoder, Standardizer, checkFeatures, designMatrix, fitDesign } from "./index.js";

const NaN_ = Number.NaN;

function dataset(age: number[], color: number[], target = true): Dataset {
  return {
    nRows: age.length,
    features: [
      { kind: "numeric", name: "age", values: Float64Array.from(age) },
      { kind: "categorical", name: "color", codes: Int32Array.from(color), categories: ["red", "green", "blue"] },
    ],
    ...(target ? { target: { name: "y", task: "binary" as const, values: Float64Array.from(age, (_, i) => i % 2), classes: ["no", "yes"] } } : {}),
    fingerprint: "test",
    source: "people.csv",
  };
}

test("MeanImputer imputes the mean of the present values and flags missing ones", () => {
  const imputer = MeanImputer.fit(new Float64Array([1, NaN_, 5, NaN_]));
  assert.deepEqual(imputer.toJSON(), { mean: 3, indicator: true });
  const out = new Float64Array(8);
  imputer.transformInto(new Float64Array([NaN_, 7]), out, 0, 2);
  imputer.indicatorInto(new Float64Array([NaN_, 7]), out, 1, 2);
  assert.deepEqual(Array.from(out.subarray(0, 4)), [3, 1, 7, 0]);
  assert.deepEqual(MeanImputer.fit(new Float64Array([2, 4])).toJSON(), { mean: 3, indicator: false });
  assert.deepEqual(MeanImputer.fit(new Float64Array([NaN_, NaN_])).toJSON(), { mean: 0, indicator: true });
});

test("Standardizer uses the population std, as StandardScaler, and scale 1 for a constant column", () => {
  const values = new Float64Array([1, 2, 3, 4, 10]);
  const s = Standardizer.fit(values);
  const mean = 4;
  const naiveStd = Math.sqrt(values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length);
  assert.equal(s.mean, mean);
  assert.ok(Math.abs(s.scale - naiveStd) < 1e-15);
  const constant = Standardizer.fit(new Float64Array([0.1, 0.1, 0.1]));
  assert.deepEqual(constant.toJSON(), { mean: 0.1 * 3 / 3, scale: 1 });
  const out = Float64Array.from(values);
  s.transformInPlace(out, 5, 0, 1);
  assert.ok(Math.abs(out.reduce((a, v) => a + v, 0)) < 1e-12);
  assert.ok(Math.abs(out.reduce((a, v) => a + v * v, 0) / 5 - 1) < 1e-12);
});

test("OneHotEncoder keeps the categories seen in training; missing and unknown codes encode as zeros", () => {
  const encoder = OneHotEncoder.fit(new Int32Array([0, 2, -1, 2]), ["red", "green", "blue"]);
  assert.deepEqual(encoder.toJSON(), { codes: [0, 2], labels: ["red", "blue"] });
  const out = new Float64Array(5 * 2).fill(9);
  encoder.transformInto(new Int32Array([2, 0, 1, -1, 7]), out, 0, 2);
  assert.deepEqual(Array.from(out), [0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
});

test("fitDesign builds value, indicator and one-hot columns, standardized as asked", () => {
  const train = dataset([20, NaN_, 40, 60], [0, 1, 0, -1]);
  const design = fitDesign(train, { standardize: true });
  assert.deepEqual(design.columnNames, ["age", "age:missing", "color=red", "color=green"]);
  assert.deepEqual(Array.from(design.columnFeature), [0, 0, 1, 1]);
  const x = designMatrix(train, design);
  assert.equal(x.nRows, 4);
  assert.equal(x.nCols, 4);
  // age imputed with 40, then standardized over [20, 40, 40, 60]: mean 40, std sqrt(200).
  const std = Math.sqrt(200);
  const expected = [-20 / std, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 20 / std, 0, 0, 0];
  x.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-15, `cell ${i}: ${v} vs ${expected[i]}`));
  const raw = designMatrix(train, fitDesign(train, { standardize: false }));
  assert.deepEqual(Array.from(raw.data.filter((_, i) => i % 4 === 0)), [20, 40, 40, 60]);
  assert.equal(fitDesign(train, { standardize: false }).columnStd[0], std);
});

test("a DesignTransform survives JSON exactly", () => {
  const train = dataset([0.1, NaN_, 0.7, 1 / 3], [2, 1, 0, 2]);
  const design = fitDesign(train, { standardize: true });
  const again = DesignTransform.fromJSON(JSON.parse(JSON.stringify(design.toJSON())));
  assert.deepEqual(again.toJSON(), design.toJSON());
  const test_ = dataset([5, NaN_, -1], [1, -1, 9], false);
  assert.deepEqual(Array.from(designMatrix(test_, again).data), Array.from(designMatrix(test_, design).data));
});

test("the design refuses misaligned data and infinite values with one-line errors", () => {
  const train = dataset([1, 2, 3], [0, 1, 2]);
  const design = fitDesign(train, { standardize: true });
  const swapped: Dataset = { ...train, features: [train.features[1]!, train.features[0]!] };
  assert.throws(() => designMatrix(swapped, design), (error: unknown) => {
    assert.ok(error instanceof DataValidationError);
    assert.equal(formatError(error), 'people.csv, column "age": a feature the model needs is missing (expected numeric feature "age" at position 1, got categorical column "color")');
    return true;
  });
  const infinite = dataset([1, Infinity, 3], [0, 1, 2]);
  assert.throws(() => fitDesign(infinite, { standardize: true }), (error: unknown) => {
    assert.equal(formatError(error), 'people.csv, row 2, column "age": invalid value (expected a finite number or a missing value, got Infinity)');
    return true;
  });
  assert.throws(() => checkFeatures([{ name: "age", kind: "numeric" }], train), /missing_feature/);
});

test("schemaOf copies features, dictionaries, date provenance, derived expressions and the target's classes", () => {
  const schema = schemaOf(dataset([1, 2], [0, 1]));
  assert.deepEqual(schema, {
    features: [{ name: "age", kind: "numeric" }, { name: "color", kind: "categorical", categories: ["red", "green", "blue"] }],
    target: { name: "y", task: "binary", classes: ["no", "yes"] },
  });
  const base = dataset([1, 2], [0, 1]);
  const dated: Dataset = {
    ...base,
    features: [{ kind: "numeric", name: "when_hour", values: Float64Array.of(3, 4), derivedFrom: { column: "when", part: "hour" } }],
    derived: [{ name: "y", expression: "delay > 15" }],
  };
  assert.deepEqual(schemaOf(dated), {
    features: [{ name: "when_hour", kind: "numeric", derivedFrom: { column: "when", part: "hour" } }],
    target: { name: "y", task: "binary", classes: ["no", "yes"] },
    derived: [{ name: "y", expression: "delay > 15" }],
  });
  assert.throws(() => schemaOf(dataset([1], [0], false)), InvalidParameterError);
});

test("OneHotEncoder keeps a column for the maxCategories most frequent categories only", () => {
  // Counts: a 1, b 3, c 2, d 3 (ties to the smaller code): the top two are b and d.
  const codes = Int32Array.of(0, 1, 1, 1, 2, 2, 3, 3, 3, -1);
  const encoder = OneHotEncoder.fit(codes, ["a", "b", "c", "d"], 2);
  assert.deepEqual(encoder.labels, ["b", "d"]);
  const out = new Float64Array(4 * 2);
  encoder.transformInto(Int32Array.of(0, 1, 2, 3), out, 0, 2);
  assert.deepEqual(Array.from(out), [0, 0, 1, 0, 0, 0, 0, 1], "a and c encode like an unknown category");
  assert.deepEqual(OneHotEncoder.fit(codes, ["a", "b", "c", "d"]).labels, ["a", "b", "c", "d"]);
});
