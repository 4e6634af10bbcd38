import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidParameterError } from "../../core/errors.js";
import { parseParamText } from "../../core/params.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset, Task } from "../../core/types.js";
import { decodeModelFile } from "../format.js";
import type { DumpedNode } from "../gbdt/model.js";
import { resolveMaxFeatures } from "./forest.js";
import { FOREST_PARAMS, loadForestModel, RandomForest } from "./index.js";

function numeric(name: string, values: ArrayLike<number>): Column {
  return { kind: "numeric", name, values: Float64Array.from(values) };
}

function dataset(features: Column[], y: ArrayLike<number>, task: Task, classes?: string[]): Dataset {
  return { nRows: y.length, features, target: { name: "y", task, values: Float64Array.from(y), ...(classes ? { classes } : {}) }, fingerprint: "test" };
}

function nonlinearX(n: number, rng: Random): Float64Array[] {
  const x = Array.from({ length: 6 }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) for (const col of x) col[r] = rng.next() * 2 - 1;
  return x;
}

function f(x: Float64Array[], r: number): number {
  return Math.sin(3 * x[0]![r]!) + 2 * x[1]![r]! * x[2]![r]! + (x[3]![r]! > 0.3 ? 1 : -0.5);
}

/** Binary: y = 1 with probability sigmoid(3 f(x)). */
function classification(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x = nonlinearX(n, rng);
  const y = Float64Array.from({ length: n }, (_, r) => (rng.next() < 1 / (1 + Math.exp(-3 * f(x, r))) ? 1 : 0));
  return dataset(x.map((v, i) => numeric(`x${i}`, v)), y, "binary", ["no", "yes"]);
}

/** Three classes from thresholds of f(x) plus noise. */
function multiclass(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x = nonlinearX(n, rng);
  const y = Float64Array.from({ length: n }, (_, r) => {
    const z = f(x, r) + 0.3 * (rng.next() - 0.5);
    return z < -0.3 ? 0 : z < 0.8 ? 1 : 2;
  });
  return dataset(x.map((v, i) => numeric(`x${i}`, v)), y, "multiclass", ["a", "b", "c"]);
}

/** Regression: y = 10 f(x) + 1000 + noise (an offset far from 0 checks the centring). */
function regression(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x = nonlinearX(n, rng);
  const y = Float64Array.from({ length: n }, (_, r) => 1000 + 10 * f(x, r) + 2 * (rng.next() - 0.5));
  return dataset(x.map((v, i) => numeric(`x${i}`, v)), y, "regression");
}

function accuracy(predicted: Float64Array, data: Dataset): number {
  let ok = 0;
  for (let r = 0; r < data.nRows; r++) if (predicted[r] === data.target!.values[r]) ok++;
  return ok / data.nRows;
}

function r2(predicted: Float64Array, data: Dataset): number {
  const y = data.target!.values;
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let sse = 0;
  let sst = 0;
  for (let r = 0; r < y.length; r++) {
    sse += (y[r]! - predicted[r]!) ** 2;
    sst += (y[r]! - mean) ** 2;
  }
  return 1 - sse / sst;
}

const THREADS = { threads: 1 };

test("classification: beats the majority baseline clearly; OOB accuracy close to held-out accuracy", () => {
  const train = classification(3000, 1);
  const heldOut = classification(3000, 2);
  const model = new RandomForest({ nTrees: 60, ...THREADS }).fit(train);
  const acc = accuracy(model.predict(heldOut), heldOut);
  const ones = heldOut.target!.values.reduce((a, b) => a + b, 0) / heldOut.nRows;
  const baseline = Math.max(ones, 1 - ones);
  assert.ok(acc > baseline + 0.15, `accuracy ${acc} vs baseline ${baseline}`);
  const summary = model.fitSummary();
  assert.equal(summary.oobMetric, "accuracy");
  assert.ok(typeof summary.oobScore === "number" && Math.abs(summary.oobScore - acc) < 0.03, `oob ${summary.oobScore} vs held-out ${acc}`);
  assert.equal(summary.oobRows, train.nRows);
  // Importances: the noise features x4, x5 come last.
  const ranked = model.importance().map((i) => i.feature);
  assert.deepEqual(new Set(ranked.slice(4)), new Set(["x4", "x5"]));
});

test("maxFeatures resolves as scikit-learn's max_features: sqrt for classification, all for regression, fraction, count", () => {
  assert.equal(resolveMaxFeatures(null, 28, false), 5);
  assert.equal(resolveMaxFeatures(null, 3, false), 1);
  assert.equal(resolveMaxFeatures(null, 28, true), 28);
  assert.equal(resolveMaxFeatures(0.5, 7, true), 3);
  assert.equal(resolveMaxFeatures(1, 7, false), 7);
  assert.equal(resolveMaxFeatures(0.01, 7, false), 1);
  assert.equal(resolveMaxFeatures(4, 7, false), 4);
  assert.throws(() => resolveMaxFeatures(8, 7, false), (e: unknown) => e instanceof InvalidParameterError && e.message === "RandomForest: maxFeatures must be at most the number of features (7), or a fraction in (0, 1], got 8");
  const train = classification(600, 1);
  assert.equal(new RandomForest({ nTrees: 2, ...THREADS }).fit(train).fitSummary().featuresPerSplit, 2);
  assert.equal(new RandomForest({ nTrees: 2, ...THREADS }).fit(regression(600, 1)).fitSummary().featuresPerSplit, 6);
  assert.throws(() => new RandomForest({ maxFeatures: 7, ...THREADS }).fit(train), /maxFeatures must be at most the number of features \(6\)/);
});

test('maxFeatures takes scikit-learn\'s words "sqrt" and "log2" (floored, at least one), from the library and the CLI text', () => {
  assert.equal(resolveMaxFeatures("sqrt", 28, true), 5);
  assert.equal(resolveMaxFeatures("log2", 28, false), 4);
  assert.equal(resolveMaxFeatures("log2", 1, false), 1);
  assert.equal(new RandomForest({ nTrees: 2, maxFeatures: "log2", ...THREADS }).fit(regression(600, 1)).fitSummary().featuresPerSplit, 2);
  assert.equal(parseParamText(FOREST_PARAMS.maxFeatures, "sqrt"), "sqrt");
  assert.equal(parseParamText(FOREST_PARAMS.maxFeatures, "0.5"), 0.5);
  assert.throws(
    () => new RandomForest({ maxFeatures: "half" }),
    (e: unknown) => e instanceof InvalidParameterError && e.message === 'RandomForest: maxFeatures must be a number > 0, "sqrt" or "log2" (or null), got "half"',
  );
});

/** Every split of a dumped tree, as feature names in depth-first order. */
function splitFeatures(node: DumpedNode, out: string[] = []): string[] {
  if ("feature" in node) {
    out.push(node.feature);
    splitFeatures(node.left, out);
    splitFeatures(node.right, out);
  }
  return out;
}

test("features are drawn per split: with one of two features per split, trees mix both and some roots split on noise", () => {
  // y depends on x0 only; x1 is noise. With all features every root splits on x0.
  const rng = new Random(21);
  const n = 2000;
  const x0 = Float64Array.from({ length: n }, () => rng.next());
  const x1 = Float64Array.from({ length: n }, () => rng.next());
  const y = Float64Array.from(x0, (v) => (v > 0.5 ? 1 : 0));
  const data = dataset([numeric("x0", x0), numeric("x1", x1)], y, "binary", ["a", "b"]);
  const all = new RandomForest({ nTrees: 20, maxFeatures: 1, maxLeaves: 8, ...THREADS }).fit(data).dumpTrees();
  assert.ok(all.every((tree) => "feature" in tree && tree.feature === "x0"));
  const model = new RandomForest({ nTrees: 20, maxFeatures: 0.5, maxLeaves: 8, ...THREADS }).fit(data);
  assert.equal(model.fitSummary().featuresPerSplit, 1);
  const trees = model.dumpTrees();
  const roots = trees.map((tree) => ("feature" in tree ? tree.feature : "leaf"));
  // Per tree sampling would give trees of x0 only or x1 only; per split, a tree mixes both.
  assert.ok(roots.includes("x0") && roots.includes("x1"), `roots: ${roots}`);
  const mixed = trees.filter((tree) => new Set(splitFeatures(tree)).size === 2).length;
  assert.ok(mixed >= 5, `${mixed} of 20 trees split on both features`);
  // Noise splits cost accuracy but the forest still learns x0.
  assert.ok(accuracy(model.predict(data), data) > 0.9);
});

test("trees grow past 4096 leaves (the histogram pool is bounded, not one histogram per leaf)", () => {
  const rng = new Random(23);
  const n = 20000;
  const x = Array.from({ length: 4 }, () => Float64Array.from({ length: n }, () => rng.next()));
  const y = Float64Array.from({ length: n }, () => rng.next());
  const model = new RandomForest({ nTrees: 1, bootstrap: false, minSamplesLeaf: 1, ...THREADS }).fit(dataset(x.map((v, i) => numeric(`x${i}`, v)), y, "regression"));
  assert.equal(model.fitSummary().maxLeaves, n);
  const countLeaves = (node: DumpedNode): number => ("feature" in node ? countLeaves(node.left) + countLeaves(node.right) : 1);
  const leaves = countLeaves(model.dumpTrees()[0]!);
  assert.ok(leaves > 10000, `${leaves} leaves`);
});

test("a forest with per-split sampling is the same with 1 and 2 threads (nodes big enough for the workers)", () => {
  const data = classification(100000, 22);
  const fit = (threads: number) => new RandomForest({ nTrees: 3, maxLeaves: 64, seed: 5, threads }).fit(data);
  const one = fit(1);
  const two = fit(2);
  assert.equal(one.fitSummary().featuresPerSplit, 2);
  assert.deepEqual(two.dumpTrees(), one.dumpTrees());
  assert.deepEqual(two.fitSummary(), one.fitSummary());
});

test("multiclass: probabilities sum to 1, predict is their argmax, beats the baseline", () => {
  const train = multiclass(3000, 3);
  const heldOut = multiclass(2000, 4);
  const model = new RandomForest({ nTrees: 40, ...THREADS }).fit(train);
  const proba = model.predictProba(heldOut);
  assert.equal(proba.nCols, 3);
  const predicted = model.predict(heldOut);
  for (let r = 0; r < heldOut.nRows; r++) {
    const row = proba.data.subarray(3 * r, 3 * r + 3);
    assert.ok(Math.abs(row[0]! + row[1]! + row[2]! - 1) < 1e-12);
    assert.ok(row.every((p) => p >= 0 && p <= 1));
    assert.equal(predicted[r], row.indexOf(Math.max(...row)));
  }
  const counts = [0, 0, 0];
  for (const v of heldOut.target!.values) counts[v]!++;
  const baseline = Math.max(...counts) / heldOut.nRows;
  const acc = accuracy(predicted, heldOut);
  assert.ok(acc > baseline + 0.2, `accuracy ${acc} vs baseline ${baseline}`);
  const oob = model.fitSummary().oobScore as number;
  assert.ok(Math.abs(oob - acc) < 0.04, `oob ${oob} vs held-out ${acc}`);
});

test("binary probabilities: two columns summing to 1", () => {
  const data = classification(500, 5);
  const proba = new RandomForest({ nTrees: 10, ...THREADS }).fit(data).predictProba(data);
  assert.equal(proba.nCols, 2);
  for (let r = 0; r < data.nRows; r++) assert.ok(Math.abs(proba.data[2 * r]! + proba.data[2 * r + 1]! - 1) < 1e-15);
});

test("regression: beats the mean baseline clearly; OOB R² close to held-out R²", () => {
  const train = regression(3000, 6);
  const heldOut = regression(3000, 7);
  const model = new RandomForest({ nTrees: 60, ...THREADS }).fit(train);
  const score = r2(model.predict(heldOut), heldOut);
  assert.ok(score > 0.8, `R² ${score}`);
  const summary = model.fitSummary();
  assert.equal(summary.oobMetric, "r2");
  assert.equal(summary.minSamplesLeaf, 5);
  assert.ok(Math.abs((summary.oobScore as number) - score) < 0.04, `oob ${summary.oobScore} vs held-out ${score}`);
  assert.throws(() => model.predictProba(heldOut), InvalidParameterError);
});

test("a single tree without bootstrap and minSamplesLeaf 1 fits distinct training rows exactly", () => {
  const data = dataset([numeric("x", [1, 2, 3, 4, 5])], [3, 1, 4, 1, 5], "regression");
  const model = new RandomForest({ nTrees: 1, bootstrap: false, minSamplesLeaf: 1, ...THREADS }).fit(data);
  const predicted = Array.from(model.predict(data));
  for (const [i, v] of predicted.entries()) assert.ok(Math.abs(v - [3, 1, 4, 1, 5][i]!) < 1e-6, `${predicted}`);
  assert.equal(model.fitSummary().oobScore, null);
});

test("deterministic by seed; another seed gives another forest; threads do not change the model", () => {
  const data = classification(800, 8);
  const a = new RandomForest({ nTrees: 15, seed: 3, ...THREADS }).fit(data).predictProba(data).data;
  const b = new RandomForest({ nTrees: 15, seed: 3, ...THREADS }).fit(data).predictProba(data).data;
  const c = new RandomForest({ nTrees: 15, seed: 4, ...THREADS }).fit(data).predictProba(data).data;
  const d = new RandomForest({ nTrees: 15, seed: 3, threads: 3 }).fit(data).predictProba(data).data;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(a, d);
});

test("save / load: bit-identical predictions and the same summary", () => {
  for (const data of [regression(600, 9), multiclass(600, 10), classification(600, 11)]) {
    const model = new RandomForest({ nTrees: 12, ...THREADS }).fit(data);
    const bytes = model.toBytes({ info: { note: "test" } });
    const loaded = loadForestModel(decodeModelFile(bytes));
    assert.equal(loaded.kind, "forest");
    assert.deepEqual(loaded.predict(data), model.predict(data));
    if (data.target!.task !== "regression") assert.deepEqual(loaded.predictProba(data).data, model.predictProba(data).data);
    assert.deepEqual(loaded.fitSummary(), model.fitSummary());
    assert.deepEqual(loaded.importance(), model.importance());
  }
});

test("a gbdt file is refused by the forest loader", () => {
  const data = regression(100, 12);
  const bytes = new RandomForest({ nTrees: 2, ...THREADS }).fit(data).toBytes();
  const content = decodeModelFile(bytes);
  assert.throws(() => loadForestModel({ ...content, header: { ...content.header, kind: "gbdt" } }), /expected a forest model/);
});

test("parameter validation names the parameter and the expected range", () => {
  assert.throws(() => new RandomForest({ nTrees: 0 }), (e: unknown) => e instanceof InvalidParameterError && e.message === "RandomForest: nTrees must be an integer >= 1 and <= 100000, got 0");
  assert.throws(() => new RandomForest({ maxFeatures: 1.5 }), (e: unknown) => e instanceof InvalidParameterError && e.message === "RandomForest: maxFeatures must be a fraction in (0, 1] or a whole number of features, got 1.5");
  assert.throws(() => new RandomForest({ maxFeatures: 0 }), /RandomForest: maxFeatures must be a number > 0, "sqrt" or "log2" \(or null\), got 0/);
  assert.throws(() => new RandomForest({ bootstrap: "yes" }), /bootstrap must be true or false/);
  assert.throws(() => new RandomForest({ trees: 10 }), /trees must be one of the known parameters/);
  assert.equal(new RandomForest().params.nTrees, FOREST_PARAMS.nTrees.default);
});

test("categorical features and missing values: learned, and kept through save / load", () => {
  const rng = new Random(13);
  const n = 2000;
  const codes = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    codes[r] = rng.int(5) - (rng.next() < 0.05 ? 10 : 0) < 0 ? -1 : rng.int(5);
    x[r] = rng.next() < 0.1 ? NaN : rng.next();
    const catEffect = codes[r] === 1 || codes[r] === 3 ? 2 : 0;
    y[r] = catEffect + (Number.isNaN(x[r]!) ? -1 : x[r]!) + 0.1 * rng.next();
  }
  const data = dataset([{ kind: "categorical", name: "c", codes, categories: ["a", "b", "c", "d", "e"] }, numeric("x", x)], y, "regression");
  const model = new RandomForest({ nTrees: 20, ...THREADS }).fit(data);
  assert.ok(r2(model.predict(data), data) > 0.9);
  const loaded = loadForestModel(decodeModelFile(model.toBytes()));
  assert.deepEqual(loaded.predict(data), model.predict(data));
});
