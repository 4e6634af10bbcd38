import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Random } from "../../core/rng.js";
import type { Column, Dataset, Task } from "../../core/types.js";
import { decodeModelFile } from "../format.js";
import { loadForestModel, RandomForest, type ForestModel } from "./index.js";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Two numeric features with missing values and a categorical one of 12 categories with missing codes;
 * the target depends on all three (multiclass: 3 classes).
 */
function mixed(n: number, seed: number, task: Task): Dataset {
  const rng = new Random(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const codes = new Int32Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    a[r] = rng.next() < 0.1 ? NaN : rng.next() * 2 - 1;
    b[r] = rng.next() < 0.1 ? NaN : rng.next() * 2 - 1;
    codes[r] = rng.next() < 0.1 ? -1 : rng.int(12);
    const z = Math.sin(3 * (Number.isNaN(a[r]!) ? 0.5 : a[r]!)) + (codes[r]! % 3 === 0 ? 1 : -0.5) + (Number.isNaN(b[r]!) ? -1 : b[r]!) + (rng.next() - 0.5);
    y[r] = task === "regression" ? z : task === "binary" ? (z > 0 ? 1 : 0) : z < -0.5 ? 0 : z < 0.7 ? 1 : 2;
  }
  const features: Column[] = [
    { kind: "numeric", name: "a", values: a },
    { kind: "numeric", name: "b", values: b },
    { kind: "categorical", name: "c", codes, categories: Array.from({ length: 12 }, (_, c) => `c${c}`) },
  ];
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["low", "mid", "high"] : undefined;
  return { nRows: n, features, target: { name: "y", task, values: y, ...(classes ? { classes } : {}) }, fingerprint: "row-path-test" };
}

/** The row of `data` as predictRow takes it: features in schema order, categorical codes as numbers. */
function rowOf(data: Dataset, r: number): Float64Array {
  return Float64Array.from(data.features, (column) => (column.kind === "numeric" ? column.values[r]! : column.codes[r]!));
}

/** Row r of `data` as a Dataset of its own (the path the service took for one row before predictRow). */
function oneRow(data: Dataset, r: number): Dataset {
  const features = data.features.map((column): Column => (column.kind === "numeric" ? { ...column, values: column.values.slice(r, r + 1) } : { ...column, codes: column.codes.slice(r, r + 1) }));
  return { nRows: 1, features, fingerprint: "one-row" };
}

/** What predictProba (classification) or predict (regression) gives for `data` as a one-row Dataset. */
function viaDataset(model: ForestModel, data: Dataset): number[] {
  return Array.from(model.task === "regression" ? model.predict(data) : model.predictProba(data).data);
}

/**
 * predictRow equals the one-row Dataset path bit for bit (assert.equal is Object.is: -0 and NaN count) on
 * every row of `data`, and on each row with its categorical features made missing (-1, NaN) and unseen
 * (a code past the dictionary), which must all take the missing direction as the Dataset path does.
 */
function assertRowPathEqual(model: ForestModel, data: Dataset, label: string): number {
  const width = model.task === "regression" ? 1 : Math.max(2, model.state.nOutputs);
  const out = new Float64Array(width).fill(7);
  let checked = 0;
  for (let r = 0; r < data.nRows; r++) {
    const expected = viaDataset(model, oneRow(data, r));
    assert.equal(expected.length, width);
    const row = model.predictRow(rowOf(data, r), out);
    assert.equal(row, out, "out is written in place and returned");
    for (let k = 0; k < width; k++) assert.equal(row[k], expected[k], `${label}: row ${r} output ${k}`);
    // Without `out`: a fresh array of the same values.
    const fresh = model.predictRow(rowOf(data, r));
    assert.notEqual(fresh, out);
    assert.deepEqual(Array.from(fresh), expected);
    checked++;
    for (const [f, column] of data.features.entries()) {
      if (column.kind !== "categorical") continue;
      for (const code of [-1, column.categories.length + 5]) {
        const altered = oneRow(data, r);
        (altered.features[f] as Extract<Column, { kind: "categorical" }>).codes[0] = code;
        const alteredExpected = viaDataset(model, altered);
        const x = rowOf(data, r);
        x[f] = code;
        assert.deepEqual(Array.from(model.predictRow(x, out)), alteredExpected, `${label}: row ${r}, feature ${f} code ${code}`);
        checked++;
      }
      const x = rowOf(data, r);
      x[f] = NaN;
      const missing = oneRow(data, r);
      (missing.features[f] as Extract<Column, { kind: "categorical" }>).codes[0] = -1;
      assert.deepEqual(Array.from(model.predictRow(x, out)), viaDataset(model, missing), `${label}: row ${r}, feature ${f} NaN as missing`);
    }
  }
  // The whole batch agrees too (its first rows): the one-row Dataset path is not a special case of its own.
  const batch = model.task === "regression" ? model.predict(data, { threads: 1 }) : model.predictProba(data, { threads: 1 }).data;
  for (let r = 0; r < Math.min(data.nRows, 50); r++) {
    const row = model.predictRow(rowOf(data, r), out);
    for (let k = 0; k < width; k++) assert.equal(row[k], batch[r * width + k], `${label}: batch row ${r} output ${k}`);
  }
  return checked;
}

/** Nodes in all the model's trees (the dump has one tree per class and bag; "gini-shared" stores 1/k of them). */
function dumpedNodes(model: ForestModel): number {
  const count = (node: object): number => ("left" in node && "right" in node ? 1 + count(node.left as object) + count(node.right as object) : 1);
  return model.dumpTrees().reduce((sum, tree) => sum + count(tree), 0);
}

test("binary forest: predictRow gives predictProba's [1 - p, p] of the one-row Dataset bit for bit, missing and unseen categories included", () => {
  const data = mixed(1500, 31, "binary");
  const model = new RandomForest({ nTrees: 30, maxLeaves: 31, seed: 4, threads: 1 }).fit(data);
  const held = mixed(200, 32, "binary");
  assert.ok(assertRowPathEqual(model, held, "binary") >= 600);
  // The probabilities are not all the same value (a test that could not fail otherwise).
  const distinct = new Set<number>();
  for (let r = 0; r < held.nRows; r++) distinct.add(model.predictRow(rowOf(held, r))[1]!);
  assert.ok(distinct.size > 20, `${distinct.size} distinct probabilities`);
});

test("regression forest: predictRow gives predict's value of the one-row Dataset bit for bit", () => {
  const data = mixed(1500, 33, "regression");
  const model = new RandomForest({ nTrees: 25, minSamplesLeaf: 3, seed: 5, threads: 1 }).fit(data);
  assertRowPathEqual(model, mixed(200, 34, "regression"), "regression");
  assert.equal(model.predictRow(rowOf(data, 0)).length, 1);
});

test('multiclass forest ("gini-shared", leaf shares): predictRow gives predictProba of the one-row Dataset bit for bit', () => {
  const data = mixed(1500, 35, "multiclass");
  const model = new RandomForest({ nTrees: 30, maxLeaves: 63, seed: 6, threads: 1 }).fit(data);
  assert.equal(model.state.multiclassTrees, "gini-shared");
  assertRowPathEqual(model, mixed(200, 36, "multiclass"), "gini-shared");
  const out = model.predictRow(rowOf(data, 3));
  assert.equal(out.length, 3);
  assert.ok(Math.abs(out[0]! + out[1]! + out[2]! - 1) < 1e-12);
});

test("fully grown forests (deep trees, tens of thousands of nodes, compiled in many functions): predictRow gives the one-row Dataset path bit for bit", () => {
  for (const task of ["binary", "multiclass", "regression"] as const) {
    const data = mixed(5000, 37, task);
    const model = new RandomForest({ nTrees: 80, minSamplesLeaf: 1, seed: 7, threads: 1 }).fit(data);
    // "gini-shared" walks each tree once: its own nodes are the dump's over the k classes.
    const walkedNodes = dumpedNodes(model) / (model.state.multiclassTrees === "gini-shared" ? model.state.nOutputs : 1);
    assert.ok(walkedNodes > 25_000, `${task}: ${walkedNodes} nodes, past the compiler's default limit`);
    assertRowPathEqual(model, mixed(80, 38, task), `${task} (deep)`);
  }
});

test("without code generation (findLeaf's walk), every test of this file passes as well", { skip: process.env.ROW_PATH_WALK === "1" }, async () => {
  const { execFile } = await import("node:child_process");
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--disallow-code-generation-from-strings", "--import", "tsx", fileURLToPath(import.meta.url)],
      // Without the parent runner's NODE_TEST_CONTEXT, the child reports in TAP text, not to the parent.
      { env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_TEST_CONTEXT")), ROW_PATH_WALK: "1" } },
      (error, stdout, stderr) => (error ? reject(new Error(`${stdout}\n${stderr}`)) : resolve(stdout)),
    );
  });
  // The child checks that code generation is really off, then runs every other test.
  assert.match(output, /^# pass 7$/m);
  assert.match(output, /^# fail 0$/m);
});

test("the child of the test above cannot generate code", { skip: process.env.ROW_PATH_WALK !== "1" }, () => {
  assert.throws(() => new Function("return 1"), EvalError);
});

interface FixtureRows {
  x: (number | null)[];
  z?: (number | null)[];
  codes: number[];
  categories: string[];
  classes: string[];
  proba: number[];
}

/** A fixture's rows as a Dataset: x, (z), c as the tests that wrote them. */
function fixtureData(f: FixtureRows): Dataset {
  const features: Column[] = [{ kind: "numeric", name: "x", values: Float64Array.from(f.x, (v) => v ?? NaN) }];
  if (f.z) features.push({ kind: "numeric", name: "z", values: Float64Array.from(f.z, (v) => v ?? NaN) });
  features.push({ kind: "categorical", name: "c", codes: Int32Array.from(f.codes), categories: f.categories });
  return { nRows: f.x.length, features, fingerprint: "fixture" };
}

for (const [file, layout] of [
  ["forest-gini-multiclass", "gini"],
  ["forest-v1-multiclass", undefined],
] as const) {
  test(`model file ${file} (layout ${layout ? `"${layout}", the Gini tree stored once per class` : "of before 2026-11-26, one tree per class on the indicator"}): predictRow gives the file's recorded probabilities bit for bit`, () => {
    const model = loadForestModel(decodeModelFile(new Uint8Array(readFileSync(join(here, "fixtures", `${file}.bin`)))));
    assert.equal(model.state.multiclassTrees, layout);
    const fixture = JSON.parse(readFileSync(join(here, "fixtures", `${file}.json`), "utf8")) as FixtureRows;
    const data = fixtureData(fixture);
    assertRowPathEqual(model, data, file);
    // And the probabilities recorded when the file was written (independent of this version's batch path).
    const k = fixture.classes.length;
    const out = new Float64Array(k);
    for (let r = 0; r < data.nRows; r++) {
      model.predictRow(rowOf(data, r), out);
      assert.deepEqual(Array.from(out), fixture.proba.slice(r * k, (r + 1) * k), `row ${r}`);
    }
  });
}
