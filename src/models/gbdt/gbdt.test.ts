import assert from "node:assert/strict";
import { test } from "node:test";
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset, Task } from "../../core/types.js";
import { predictNaive, type NaiveNode } from "../../kernels/tree-predict.js";
import { decodeModelFile } from "../format.js";
import { GBDT_PARAMS, GradientBoosting, loadGbdtModel, type DumpedNode } from "./index.js";

function numeric(name: string, values: ArrayLike<number>): Column {
  return { kind: "numeric", name, values: Float64Array.from(values) };
}

function dataset(features: Column[], y: ArrayLike<number>, task: Task, classes?: string[]): Dataset {
  return { nRows: y.length, features, target: { name: "y", task, values: Float64Array.from(y), ...(classes ? { classes } : {}) }, fingerprint: "test" };
}

/** y = 1 with probability sigmoid(3 * f(x)), f nonlinear: sin, an interaction, a step. */
function nonlinear(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x = Array.from({ length: 6 }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (const col of x) col[r] = rng.next() * 2 - 1;
    const z = Math.sin(3 * x[0]![r]!) + 2 * x[1]![r]! * x[2]![r]! + (x[3]![r]! > 0.3 ? 1 : -0.5);
    y[r] = rng.next() < 1 / (1 + Math.exp(-3 * z)) ? 1 : 0;
  }
  return dataset(x.map((v, f) => numeric(`x${f}`, v)), y, "binary", ["no", "yes"]);
}

function accuracy(predicted: Float64Array, data: Dataset): number {
  let ok = 0;
  for (let r = 0; r < data.nRows; r++) if (predicted[r] === data.target!.values[r]) ok++;
  return ok / data.nRows;
}

test("a one-split stump has leaf values -G / (H + l2) * learningRate (regression)", () => {
  const data = dataset([numeric("x", [1, 2, 3, 4])], [1, 1, 3, 3], "regression");
  const model = new GradientBoosting({ iterations: 1, maxLeaves: 2, minSamplesLeaf: 1, learningRate: 0.1, l2: 0 }).fit(data);
  // prior 2; gradients f - y = +1, +1, -1, -1; left leaf -(2)/(2) * 0.1
  assert.deepEqual(Array.from(model.predict(data)), [1.9, 1.9, 2.1, 2.1]);
  const l2 = new GradientBoosting({ iterations: 1, maxLeaves: 2, minSamplesLeaf: 1, learningRate: 0.1, l2: 2 }).fit(data);
  assert.deepEqual(Array.from(l2.predict(data)), [2 - 0.05, 2 - 0.05, 2.05, 2.05]);
  const dump = model.dumpTrees()[0]!;
  assert.ok("threshold" in dump && dump.threshold === 2.5 && dump.gain === 4);
});

test("a binary stump: prior log-odds 0, hessians p(1 - p) = 1/4, leaf values -+0.2 at lr 0.1", () => {
  const data = dataset([numeric("x", [1, 2, 3, 4])], [0, 0, 1, 1], "binary", ["a", "b"]);
  const model = new GradientBoosting({ iterations: 1, maxLeaves: 2, minSamplesLeaf: 1, learningRate: 0.1, l2: 0 }).fit(data);
  const raw = model.predictRaw(data);
  assert.ok(Math.abs(raw[0]! + 0.2) < 1e-15 && Math.abs(raw[3]! - 0.2) < 1e-15);
  const proba = model.predictProba(data);
  assert.ok(Math.abs(proba.data[1]! - 1 / (1 + Math.exp(0.2))) < 1e-15);
  assert.deepEqual(Array.from(model.predict(data)), [0, 0, 1, 1]);
});

test("beats the majority-class baseline clearly on a nonlinear problem", () => {
  const train = nonlinear(6000, 1);
  const test = nonlinear(4000, 2);
  const model = new GradientBoosting({ iterations: 200 }).fit(train);
  const acc = accuracy(model.predict(test), test);
  const positive = test.target!.values.reduce((a, b) => a + b, 0) / test.nRows;
  const baseline = Math.max(positive, 1 - positive);
  assert.ok(acc > 0.8 && acc > baseline + 0.2, `accuracy ${acc}, baseline ${baseline}`);
  const importance = model.importance();
  assert.deepEqual(new Set(importance.slice(0, 4).map((i) => i.feature)), new Set(["x0", "x1", "x2", "x3"]));
  const splits = model.importance("split");
  assert.ok(splits.every((i) => Number.isInteger(i.importance)));
});

test("regression: squared error, absolute error, Huber and Poisson all explain a nonlinear target", () => {
  const rng = new Random(3);
  const n = 3000;
  const x = Array.from({ length: 3 }, () => Float64Array.from({ length: n }, () => rng.next() * 4 - 2));
  const y = Float64Array.from({ length: n }, (_, r) => Math.exp(0.5 * Math.sin(2 * x[0]![r]!) + 0.3 * x[1]![r]!) + 0.1 * rng.next());
  const data = dataset(x.map((v, f) => numeric(`x${f}`, v)), y, "regression");
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const sse = (p: Float64Array) => p.reduce((s, v, r) => s + (v - y[r]!) ** 2, 0);
  const constant = sse(new Float64Array(n).fill(mean));
  for (const loss of ["squared_error", "absolute_error", "huber", "poisson"]) {
    const model = new GradientBoosting({ loss, iterations: 150 }).fit(data);
    const r2 = 1 - sse(model.predict(data)) / constant;
    assert.ok(r2 > 0.9, `${loss}: R^2 ${r2}`);
  }
});

test("missing values: a split learns where they go, and NaN alone can carry the signal", () => {
  const rng = new Random(4);
  const n = 2000;
  const x = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? NaN : rng.next()));
  const y = Float64Array.from(x, (v) => (Number.isNaN(v) || v > 0.8 ? 1 : 0));
  const model = new GradientBoosting({ iterations: 30 }).fit(dataset([numeric("x", x)], y, "binary"));
  const check = dataset([numeric("x", [NaN, 0.1, 0.5, 0.9])], [1, 0, 0, 1], "binary");
  assert.deepEqual(Array.from(model.predict(check)), [1, 0, 0, 1]);
  // A model trained without missing values still predicts NaN rows (they follow the larger child).
  const clean = new GradientBoosting({ iterations: 5 }).fit(dataset([numeric("x", Float64Array.from({ length: 200 }, (_, i) => i))], Float64Array.from({ length: 200 }, (_, i) => (i < 150 ? 0 : 1)), "binary"));
  assert.equal(clean.predict(dataset([numeric("x", [NaN])], [0], "binary"))[0], 0);
});

test("categorical features split natively; unknown and missing codes follow the default side", () => {
  const rng = new Random(6);
  const n = 4000;
  const categories = Array.from({ length: 30 }, (_, i) => `c${i}`);
  const codes = Int32Array.from({ length: n }, () => (rng.next() < 0.05 ? -1 : rng.int(29))); // c29 never seen
  const good = new Set([1, 4, 7, 9, 13, 20, 22, 28]);
  const y = Float64Array.from(codes, (c) => (good.has(c) ? (rng.next() < 0.9 ? 1 : 0) : rng.next() < 0.1 ? 1 : 0));
  const column: Column = { kind: "categorical", name: "c", codes, categories };
  const train = dataset([column, numeric("noise", Float64Array.from({ length: n }, () => rng.next()))], y, "binary");
  const model = new GradientBoosting({ iterations: 50, maxLeaves: 4 }).fit(train);
  const acc = accuracy(model.predict(train), train);
  assert.ok(acc > 0.85, `accuracy ${acc}`);
  // The first tree puts exactly the good categories on one side.
  const root = model.dumpTrees()[0]! as Extract<DumpedNode, { categories?: readonly string[] }>;
  const side = new Set(root.categories);
  const goodNames = [...good].map((c) => `c${c}`);
  assert.ok(goodNames.every((c) => side.has(c)) || goodNames.every((c) => !side.has(c)));
  const probe = dataset([{ kind: "categorical", name: "c", codes: Int32Array.of(29, -1, 1, 2), categories }, numeric("noise", [0.5, 0.5, 0.5, 0.5])], [0, 0, 1, 0], "binary");
  assert.deepEqual(Array.from(model.predict(probe)), [0, 0, 1, 0]);
  assert.equal(model.schema.features[0]!.categories!.length, 30);
});

test("multiclass: one tree per class per round, probabilities sum to 1", () => {
  const rng = new Random(8);
  const n = 3000;
  const x = Array.from({ length: 2 }, () => Float64Array.from({ length: n }, () => rng.next() * 2 - 1));
  const y = Float64Array.from({ length: n }, (_, r) => (x[0]![r]! * x[0]![r]! + x[1]![r]! * x[1]![r]! < 0.4 ? 0 : x[0]![r]! > 0 ? 1 : 2));
  const data = dataset(x.map((v, f) => numeric(`x${f}`, v)), y, "multiclass", ["in", "right", "left"]);
  const model = new GradientBoosting({ iterations: 40 }).fit(data);
  assert.equal(model.nTrees, 120);
  assert.ok(accuracy(model.predict(data), data) > 0.95);
  const proba = model.predictProba(data);
  assert.equal(proba.nCols, 3);
  for (let r = 0; r < 10; r++) assert.ok(Math.abs(proba.data[3 * r]! + proba.data[3 * r + 1]! + proba.data[3 * r + 2]! - 1) < 1e-12);
  const row = model.predictRow(Float64Array.of(x[0]![0]!, x[1]![0]!));
  assert.deepEqual(Array.from(row), Array.from(proba.data.subarray(0, 3)));
});

test("deterministic for a seed, with row and column subsampling; another seed gives another model", () => {
  const data = nonlinear(3000, 9);
  const params = { iterations: 20, subsample: 0.7, colsample: 0.5, seed: 5 };
  const a = new GradientBoosting(params).fit(data).predictRaw(data);
  const b = new GradientBoosting(params).fit(data).predictRaw(data);
  assert.deepEqual(a, b);
  const c = new GradientBoosting({ ...params, seed: 6 }).fit(data).predictRaw(data);
  assert.notDeepEqual(a, c);
});

test("save -> load gives bit-identical predictions, and the file holds no code", () => {
  const rng = new Random(10);
  const base = nonlinear(2000, 11);
  const codes = Int32Array.from({ length: base.nRows }, () => (rng.next() < 0.1 ? -1 : rng.int(5)));
  const data: Dataset = { ...base, features: [...base.features, { kind: "categorical", name: "cat", codes, categories: ["a", "b", "c", "d", "e"] }] };
  const model = new GradientBoosting({ iterations: 30, seed: 3 }).fit(data);
  const bytes = model.toBytes({ fingerprint: "abc" });
  const loaded = loadGbdtModel(decodeModelFile(bytes));
  const before = model.predictRaw(data);
  const after = loaded.predictRaw(data);
  assert.deepEqual(new Uint8Array(after.buffer), new Uint8Array(before.buffer));
  assert.deepEqual(loaded.importance(), model.importance());
  assert.deepEqual(loaded.schema, model.schema);
  assert.equal(loaded.kind, "gbdt");
});

test("a crafted file with a child pointing backwards is refused", () => {
  const model = new GradientBoosting({ iterations: 2 }).fit(nonlinear(500, 12));
  const content = decodeModelFile(model.toBytes());
  const nodeLeft = (content.arrays["nodeLeft"] as Int32Array).slice();
  nodeLeft[0] = 0;
  assert.throws(() => loadGbdtModel({ ...content, arrays: { ...content.arrays, nodeLeft } }), /node 0 has children outside its tree/);
});

test("predicting with dumped trees agrees with the model", () => {
  const data = nonlinear(1500, 13);
  const model = new GradientBoosting({ iterations: 10 }).fit(data);
  const toNaive = (node: DumpedNode): NaiveNode =>
    "leaf" in node ? { leaf: true, value: node.leaf } : { leaf: false, feature: Number(node.feature.slice(1)), threshold: node.threshold!, missingLeft: node.missing === "left", left: toNaive(node.left), right: toNaive(node.right) };
  const trees = model.dumpTrees().map(toNaive);
  const raw = model.predictRaw(data);
  const prior = model.state.baseScores[0]!;
  for (let r = 0; r < 200; r++) {
    const row = data.features.map((c) => (c.kind === "numeric" ? c.values[r]! : 0));
    const expected = trees.reduce((s, t) => s + predictNaive(t, row), prior);
    assert.ok(Math.abs(raw[r]! - expected) < 1e-12);
  }
});

test("early stopping keeps the best iteration of the validation loss", () => {
  const train = nonlinear(3000, 14);
  const valid = nonlinear(2000, 15);
  const model = new GradientBoosting({ iterations: 400, learningRate: 0.3, maxLeaves: 63, minSamplesLeaf: 2, earlyStopping: 10 }).fit(train, { valid });
  const history = model.state.validationLoss!;
  const best = model.state.bestIteration!;
  assert.equal(history.indexOf(Math.min(...history)), best);
  assert.ok(history.length < 400 && history.length === best + 11, `ran ${history.length} rounds, best ${best}`);
  assert.equal(model.nTrees, best + 1);
  assert.equal(model.state.nRounds, best + 1);
  // Automatic: early stopping is on for large data (held-out slice), off for small data.
  assert.equal(new GradientBoosting({ iterations: 5 }).fit(train).state.bestIteration, null);
  const big = nonlinear(12000, 16);
  assert.notEqual(new GradientBoosting({ iterations: 5 }).fit(big).state.bestIteration, null);
  assert.equal(new GradientBoosting({ iterations: 5, earlyStopping: 0 }).fit(big).state.bestIteration, null);
});

test("sample weights: zero-weight rows are ignored; balanced class weights raise the rare class", () => {
  const n = 400;
  const x = Float64Array.from({ length: n }, (_, i) => i % 2);
  // Rows 0..199 say y = x, rows 200..399 say y = 1 - x; weighting one half decides.
  const y = Float64Array.from({ length: n }, (_, i) => (i < 200 ? x[i]! : 1 - x[i]!));
  const data = dataset([numeric("x", x)], y, "binary");
  const w = Float64Array.from({ length: n }, (_, i) => (i < 200 ? 1 : 0));
  const model = new GradientBoosting({ iterations: 20 }).fit(data, { sampleWeight: w });
  assert.deepEqual(Array.from(model.predict(dataset([numeric("x", [0, 1])], [0, 1], "binary"))), [0, 1]);

  const rare = nonlinear(3000, 17);
  const yr = Float64Array.from(rare.target!.values, (v, i) => (v === 1 && i % 5 !== 0 ? 0 : v));
  const imbalanced: Dataset = { ...rare, target: { ...rare.target!, values: yr } };
  const mean = (m: ReturnType<GradientBoosting["fit"]>) => {
    const p = m.predictProba(imbalanced);
    let s = 0;
    for (let r = 0; r < p.nRows; r++) s += p.data[2 * r + 1]!;
    return s / p.nRows;
  };
  assert.ok(mean(new GradientBoosting({ iterations: 30, classWeight: "balanced" }).fit(imbalanced)) > 2 * mean(new GradientBoosting({ iterations: 30 }).fit(imbalanced)));
});

test("without a possible split every tree is one leaf, and the model predicts the prior", () => {
  const cases: Dataset[] = [
    dataset([numeric("nan", [NaN, NaN, NaN]), numeric("constant", [1, 1, 1])], [0, 1, 1], "binary"),
    dataset([], [0, 1, 1], "binary"),
    dataset([numeric("x", [1, 2, 3])], [0, 1, 1], "binary"), // 3 rows < 2 * minSamplesLeaf
  ];
  for (const data of cases) {
    const model = new GradientBoosting({ iterations: 3 }).fit(data);
    assert.equal(model.nTrees, 3);
    const proba = model.predictProba(data);
    for (let r = 0; r < data.nRows; r++) assert.ok(Math.abs(proba.data[2 * r + 1]! - 2 / 3) < 1e-6);
    for (const tree of model.dumpTrees()) assert.ok("leaf" in tree && Math.abs(tree.leaf) < 1e-6 && tree.count === 3);
    assert.deepEqual(loadGbdtModel(decodeModelFile(model.toBytes())).predictRaw(data), model.predictRaw(data));
  }
});

test("maxDepth limits the depth of every tree", () => {
  const model = new GradientBoosting({ iterations: 5, maxDepth: 2, maxLeaves: 31 }).fit(nonlinear(2000, 18));
  const depth = (node: DumpedNode): number => ("leaf" in node ? 0 : 1 + Math.max(depth(node.left), depth(node.right)));
  for (const tree of model.dumpTrees()) assert.ok(depth(tree) <= 2);
});

test("fit never changes the estimator, and reports progress by round", () => {
  const estimator = new GradientBoosting({ iterations: 3 });
  const params = { ...estimator.params };
  const progress: number[] = [];
  estimator.fit(nonlinear(300, 19), { onProgress: (p) => progress.push(p.done) });
  assert.deepEqual(progress, [1, 2, 3]);
  assert.deepEqual({ ...estimator.params }, params);
  assert.ok(Object.isFrozen(estimator.params));
});

test("bad parameters and data are refused with messages that say what to do", () => {
  assert.throws(() => new GradientBoosting({ maxLeaves: 1 }), { message: "GradientBoosting: maxLeaves must be an integer >= 2 and <= 4096, got 1" });
  assert.throws(() => new GradientBoosting({ learningRate: 0 }), { message: "GradientBoosting: learningRate must be a number > 0 and <= 10 (or null), got 0" });
  assert.throws(() => new GradientBoosting({ maxBins: 256 }), /maxBins must be an integer >= 2 and <= 255, got 256/);
  assert.throws(() => new GradientBoosting({ leaves: 3 }), /leaves must be one of the known parameters \(loss, iterations/);
  assert.throws(() => new GradientBoosting({ loss: "poisson" }).fit(nonlinear(100, 1)), (e: unknown) => e instanceof InvalidParameterError && e.message === 'GradientBoosting: loss must be "log_loss" or "auto" for a binary target, got "poisson"');
  const data = nonlinear(100, 1);
  assert.throws(() => new GradientBoosting().fit(data, { sampleWeight: new Float64Array(3) }), (e: unknown) => e instanceof DataValidationError && e.issues[0]!.code === "length_mismatch");
  const bad = dataset([numeric("x", [1, 2, 3])], [0, 2, 1], "binary");
  assert.throws(() => new GradientBoosting().fit(bad), (e: unknown) => e instanceof DataValidationError && e.issues[0]!.row === 2 && e.issues[0]!.expected === "a class index in 0..1");
  assert.equal(Object.keys(GBDT_PARAMS).length, 22);
});

test("test loss within a few percent of scikit-learn's HistGradientBoosting on the same data (fixture)", async () => {
  const { readFile } = await import("node:fs/promises");
  const fixture = JSON.parse(await readFile(new URL("./fixtures/sklearn-hgb.json", import.meta.url), "utf8"));
  const n = fixture.nTrain as number;
  const split = (problem: { X: number[][]; y: number[] }, task: Task) => {
    const part = (from: number, to: number) =>
      dataset(problem.X.map((col, f) => numeric(`x${f}`, col.slice(from, to))), problem.y.slice(from, to), task, task === "binary" ? ["0", "1"] : undefined);
    return [part(0, n), part(n, problem.y.length)] as const;
  };
  const [btrain, btest] = split(fixture.binary, "binary");
  const proba = new GradientBoosting({ l2: 0 }).fit(btrain).predictProba(btest);
  let logLoss = 0;
  for (let r = 0; r < btest.nRows; r++) logLoss -= Math.log(proba.data[2 * r + btest.target!.values[r]!]!);
  logLoss /= btest.nRows;
  assert.ok(Math.abs(logLoss / fixture.binary.testLogLoss - 1) < 0.05, `log loss ${logLoss}, scikit-learn ${fixture.binary.testLogLoss}`);
  const [rtrain, rtest] = split(fixture.regression, "regression");
  const predicted = new GradientBoosting({ l2: 0 }).fit(rtrain).predict(rtest);
  const mse = predicted.reduce((s, v, r) => s + (v - rtest.target!.values[r]!) ** 2, 0) / rtest.nRows;
  assert.ok(Math.abs(mse / fixture.regression.testMse - 1) < 0.05, `MSE ${mse}, scikit-learn ${fixture.regression.testMse}`);
});

test("Huber and absolute error resist outliers that pull squared error", () => {
  const rng = new Random(21);
  const n = 3000;
  const x = Float64Array.from({ length: n }, () => rng.next() * 4);
  const clean = Float64Array.from(x, (v) => Math.sin(v) * 3);
  const y = Float64Array.from(clean, (v) => v + (rng.next() < 0.08 ? 60 : 0) + 0.1 * (rng.next() - 0.5));
  const data = dataset([numeric("x", x)], y, "regression");
  const errorOnClean = (loss: string) => {
    const p = new GradientBoosting({ loss, iterations: 150 }).fit(data).predict(data);
    let s = 0;
    for (let r = 0; r < n; r++) s += Math.abs(p[r]! - clean[r]!);
    return s / n;
  };
  const squared = errorOnClean("squared_error");
  const huber = errorOnClean("huber");
  const absolute = errorOnClean("absolute_error");
  assert.ok(huber < squared / 3 && absolute < squared / 3, `mean error on clean values: squared ${squared}, huber ${huber}, absolute ${absolute}`);
});

test("quantized gradients: test log loss within 2% of exact gradients, and within 5% of scikit-learn's (fixture)", async () => {
  const { readFile } = await import("node:fs/promises");
  const fixture = JSON.parse(await readFile(new URL("./fixtures/sklearn-hgb.json", import.meta.url), "utf8"));
  const n = fixture.nTrain as number;
  const part = (from: number, to: number) =>
    dataset(fixture.binary.X.map((col: number[], f: number) => numeric(`x${f}`, col.slice(from, to))), fixture.binary.y.slice(from, to), "binary", ["0", "1"]);
  const train = part(0, n);
  const heldOut = part(n, fixture.binary.y.length);
  const testLogLoss = (quantizedGradients: boolean) => {
    // scikit-learn's schedule (100 rounds at 0.1), as the fixture was made with.
    const proba = new GradientBoosting({ l2: 0, iterations: 100, learningRate: 0.1, quantizedGradients }).fit(train).predictProba(heldOut);
    let loss = 0;
    for (let r = 0; r < heldOut.nRows; r++) loss -= Math.log(proba.data[2 * r + heldOut.target!.values[r]!]!);
    return loss / heldOut.nRows;
  };
  const exact = testLogLoss(false);
  const quantized = testLogLoss(true);
  assert.notEqual(quantized, exact);
  assert.ok(Math.abs(quantized / exact - 1) < 0.02, `quantized ${quantized}, exact ${exact}`);
  assert.ok(Math.abs(quantized / fixture.binary.testLogLoss - 1) < 0.05, `quantized ${quantized}, scikit-learn ${fixture.binary.testLogLoss}`);
  // Leaf values come from the exact gradients: a one-split stump's leaves are -G / (H + l2) * lr exactly.
  const x = [0, 0, 0, 1, 1, 1];
  const y = [1, 2, 3, 10, 11, 12];
  const stump = new GradientBoosting({ iterations: 1, maxLeaves: 2, minSamplesLeaf: 1, l2: 0, learningRate: 1, earlyStopping: 0, quantizedGradients: true }).fit(dataset([numeric("x", x)], y, "regression"));
  const dump = stump.dumpTrees()[0]!;
  assert.ok("left" in dump && "leaf" in dump.left && "leaf" in dump.right);
  assert.ok(Math.abs(dump.left.leaf - (2 - 6.5)) < 1e-5 && Math.abs(dump.right.leaf - (11 - 6.5)) < 1e-5, JSON.stringify(dump));
});
