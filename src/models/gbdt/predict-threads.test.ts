import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { predictNaive, type NaiveNode } from "../../kernels/tree-predict.js";
import { RandomForest } from "../forest/index.js";
import { GradientBoosting, type DumpedNode } from "./index.js";
import { MIN_PARALLEL_ROWS, predictThreadStats } from "./predict-threads.js";

/** 6 numeric features with 10% NaN and a 12-level categorical with missing codes; class = a noisy band of a score. */
function mixed(n: number, seed: number, nClasses: number): Dataset {
  const rng = new Random(seed);
  const features: Column[] = [];
  for (let f = 0; f < 6; f++) {
    const values = new Float64Array(n);
    for (let r = 0; r < n; r++) values[r] = rng.next() < 0.1 ? NaN : rng.next() * 2 - 1;
    features.push({ kind: "numeric", name: `x${f}`, values });
  }
  const codes = new Int32Array(n);
  for (let r = 0; r < n; r++) codes[r] = rng.next() < 0.05 ? -1 : rng.int(12);
  features.push({ kind: "categorical", name: "c", codes, categories: Array.from({ length: 12 }, (_, i) => `c${i}`) });
  const x = (f: number, r: number) => (features[f] as Extract<Column, { kind: "numeric" }>).values[r]! || 0;
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const z = Math.sin(3 * x(0, r)) + x(1, r) * x(2, r) + ((codes[r]! % 4) - 1.5) * 0.4 + (rng.next() - 0.5);
    y[r] = Math.min(nClasses - 1, Math.max(0, Math.floor(((z + 2) / 4) * nClasses)));
  }
  const classes = Array.from({ length: nClasses }, (_, k) => `k${k}`);
  return { nRows: n, features, target: { name: "y", task: nClasses === 2 ? "binary" : "multiclass", values: y, classes }, fingerprint: "mixed" };
}

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Predicts with `predict` on `threads` threads until the workers took part in a batch (they start on the
 * first one, while the calling thread is already predicting), checking each result against `expected`.
 */
function assertThreadedEqual(predict: (threads: number) => Float64Array, expected: Float64Array, threads: number): void {
  let workerBlocks = 0;
  // With the WebAssembly trees a small batch can end before a busy machine has run the worker at all.
  for (let attempt = 0; attempt < 400 && workerBlocks === 0; attempt++) {
    predictThreadStats.workerBlocks = 0;
    assert.deepEqual(bytes(predict(threads)), bytes(expected), `threads ${threads}, attempt ${attempt}`);
    workerBlocks = predictThreadStats.workerBlocks;
  }
  assert.ok(workerBlocks > 0, "the workers predicted some blocks");
}

test("blocks a worker has not finished when the calling thread runs out of blocks are predicted again, with the same scores", () => {
  // At the end of most batches the worker is in the middle of a block, which the calling thread then
  // predicts itself (it never waits): repeat until that happened, checking every batch.
  // Enough trees that a block takes the worker a while (with 10 small trees the WebAssembly trees finish a
  // block in tens of microseconds, and the worker was rarely inside one at the end).
  const data = mixed(30000, 4, 2);
  const model = new GradientBoosting({ iterations: 80, maxLeaves: 31, earlyStopping: 0, threads: 1 }).fit(data);
  const one = model.predictRaw(data, { threads: 1 });
  const before = predictThreadStats.redoneBlocks;
  for (let attempt = 0; attempt < 100 && predictThreadStats.redoneBlocks === before; attempt++) {
    assert.deepEqual(bytes(model.predictRaw(data, { threads: 2 })), bytes(one), `attempt ${attempt}`);
  }
  assert.ok(predictThreadStats.redoneBlocks > before, "a block was predicted again");
});

/** A dumped tree as the naive twin's object tree (category names back to codes). */
function toNaive(node: DumpedNode, data: Dataset): NaiveNode {
  if ("leaf" in node) return { leaf: true, value: node.leaf };
  const f = data.features.findIndex((column) => column.name === node.feature);
  const column = data.features[f]!;
  const base = { leaf: false as const, feature: f, missingLeft: node.missing === "left", left: toNaive(node.left, data), right: toNaive(node.right, data) };
  if (column.kind === "numeric") return { ...base, threshold: node.threshold! };
  return { ...base, leftCodes: node.categories!.map((name) => column.categories.indexOf(name)), nCodes: column.categories.length };
}

test("boosted trees: predictions on 2 and 3 threads equal one thread's bit for bit, and the naive twin's sums", () => {
  const data = mixed(40000, 5, 2);
  const model = new GradientBoosting({ iterations: 20, maxLeaves: 15, earlyStopping: 0, threads: 1, seed: 1 }).fit(data);
  const one = model.predictRaw(data, { threads: 1 });
  for (const threads of [2, 3]) assertThreadedEqual((t) => model.predictRaw(data, { threads: t }), one, threads);
  assert.deepEqual(bytes(model.predictProba(data, { threads: 2 }).data), bytes(model.predictProba(data, { threads: 1 }).data));
  // The naive twin: the dumped trees walked as objects, leaf values added to the prior in tree order.
  const trees = model.dumpTrees().map((tree) => toNaive(tree, data));
  const row = new Float64Array(data.features.length);
  for (let r = 0; r < data.nRows; r += 7) {
    data.features.forEach((column, f) => (row[f] = column.kind === "numeric" ? column.values[r]! : column.codes[r]!));
    let sum = model.state.baseScores[0]!;
    for (const tree of trees) sum += predictNaive(tree, row);
    assert.equal(one[r], sum, `row ${r}`);
  }
});

test("multiclass boosted trees and forests: threaded predictions equal one thread's bit for bit", () => {
  const data = mixed(MIN_PARALLEL_ROWS + 5000, 9, 3);
  const gbdt = new GradientBoosting({ iterations: 8, maxLeaves: 15, earlyStopping: 0, threads: 1 }).fit(data);
  assert.equal(gbdt.state.nRaw, 3);
  assertThreadedEqual((t) => gbdt.predictRaw(data, { threads: t }), gbdt.predictRaw(data, { threads: 1 }), 2);
  const forest = new RandomForest({ nTrees: 6, seed: 2 }).fit(data);
  assertThreadedEqual((t) => forest.predictProba(data, { threads: t }).data, forest.predictProba(data, { threads: 1 }).data, 2);
  assert.deepEqual(forest.predict(data, { threads: 2 }), forest.predict(data, { threads: 1 }));
});

test("batches one after the other (the shared column memory reused, larger and smaller) each get their own scores", () => {
  const train = mixed(20000, 11, 2);
  const model = new GradientBoosting({ iterations: 10, maxLeaves: 15, earlyStopping: 0, threads: 1 }).fit(train);
  const batches = [mixed(20000, 12, 2), mixed(20000, 13, 2), mixed(30000, 14, 2), mixed(MIN_PARALLEL_ROWS, 15, 2), mixed(20000, 12, 2)];
  const expected = batches.map((data) => bytes(model.predictRaw(data, { threads: 1 })));
  for (let round = 0; round < 3; round++) {
    batches.forEach((data, i) => assert.deepEqual(bytes(model.predictRaw(data, { threads: 2 })), expected[i], `round ${round}, batch ${i}`));
  }
});

test("a batch smaller than MIN_PARALLEL_ROWS stays on the calling thread", () => {
  const data = mixed(MIN_PARALLEL_ROWS - 1, 3, 2);
  const model = new GradientBoosting({ iterations: 3, earlyStopping: 0, threads: 1 }).fit(data);
  predictThreadStats.workerBlocks = -1;
  const raw = model.predictRaw(data, { threads: 2 });
  assert.equal(predictThreadStats.workerBlocks, -1, "no parallel batch ran");
  assert.deepEqual(bytes(raw), bytes(model.predictRaw(data, { threads: 1 })));
});

test("a process that predicted on threads exits by itself (the workers hold no handle)", () => {
  const index = fileURLToPath(new URL("./index.ts", import.meta.url));
  const script = `
    import { GradientBoosting } from ${JSON.stringify(index)};
    const n = 50000;
    const values = Float64Array.from({ length: n }, (_, r) => (r * 7919) % 1000);
    const y = Float64Array.from(values, (v) => (v > 500 ? 1 : 0));
    const data = { nRows: n, features: [{ kind: "numeric", name: "x", values }], target: { name: "y", task: "binary", values: y, classes: ["a", "b"] }, fingerprint: "x" };
    const model = new GradientBoosting({ iterations: 3, threads: 1, earlyStopping: 0 }).fit(data);
    console.log(model.predict(data, { threads: 2 }).length);
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60000 });
  assert.equal(child.error, undefined, "the process exited before the timeout");
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), "50000");
});

/** The naive twin's raw scores: the dumped trees walked as objects, leaf values added to the prior in tree order. */
function naiveRaw(model: ReturnType<GradientBoosting["fit"]>, data: Dataset): Float64Array {
  const trees = model.dumpTrees().map((tree) => toNaive(tree, data));
  const nRaw = model.state.nRaw;
  const out = new Float64Array(data.nRows * nRaw);
  const row = new Float64Array(data.features.length);
  for (let r = 0; r < data.nRows; r++) {
    data.features.forEach((column, f) => (row[f] = column.kind === "numeric" ? column.values[r]! : column.codes[r]!));
    for (let k = 0; k < nRaw; k++) out[r * nRaw + k] = model.state.baseScores[k]!;
    trees.forEach((tree, t) => (out[r * nRaw + (t % nRaw)] += predictNaive(tree, row)));
  }
  return out;
}

/** `mixed` with its categorical column widened to 200 codes (past the "masks" kernel's 64), which carries the signal. */
function wideCategorical(n: number, seed: number): Dataset {
  const data = mixed(n, seed, 2);
  const rng = new Random(seed + 100);
  const codes = Int32Array.from({ length: n }, () => (rng.next() < 0.05 ? -1 : rng.int(200)));
  const y = Float64Array.from(codes, (c, r) => ((c * 7919) % 200 < 90 ? 1 : 0) ^ (rng.next() < 0.1 ? 1 : 0) ^ (r % 97 === 0 ? 1 : 0));
  const features = [...data.features.slice(0, 6), { kind: "categorical" as const, name: "c", codes, categories: Array.from({ length: 200 }, (_, i) => `c${i}`) }];
  return { ...data, features, target: { ...data.target!, values: y } };
}

/** The "masks" kernel's data: numeric columns only (the 12-code categorical column dropped). */
const numericOnly = (data: Dataset): Dataset => ({ ...data, features: data.features.slice(0, 6) });

test("each kind of model (binary, regression, multiclass, wide categorical splits, forest) gets its WebAssembly kernel, and its scores equal the naive twin's bit for bit on 1 and 2 threads", () => {
  const numeric = numericOnly(mixed(MIN_PARALLEL_ROWS + 3001, 21, 2));
  const masksModel = new GradientBoosting({ iterations: 12, maxLeaves: 31, earlyStopping: 0, threads: 1 }).fit(numeric);
  const wide = wideCategorical(MIN_PARALLEL_ROWS + 3001, 22);
  const branchesModel = new GradientBoosting({ iterations: 12, maxLeaves: 31, earlyStopping: 0, threads: 1 }).fit(wide);
  assert.ok(branchesModel.dumpTrees().some(function wideSplit(node: DumpedNode): boolean {
    return "leaf" in node ? false : (node.categories !== undefined && node.categories.length > 0) || wideSplit(node.left) || wideSplit(node.right);
  }), "the wide categorical column is split on");
  // Regression (squared error) and multiclass (3 outputs, one tree per class per round).
  const regressionData: Dataset = { ...numeric, target: { name: "y", task: "regression", values: Float64Array.from({ length: numeric.nRows }, (_, r) => numeric.target!.values[r]! * 3 + Math.sin(r)) } };
  const regression = new GradientBoosting({ iterations: 10, maxLeaves: 31, earlyStopping: 0, threads: 1 }).fit(regressionData);
  const multiData = numericOnly(mixed(MIN_PARALLEL_ROWS + 3001, 23, 3));
  const multiclass = new GradientBoosting({ iterations: 6, maxLeaves: 31, earlyStopping: 0, threads: 1 }).fit(multiData);
  assert.equal(multiclass.state.nRaw, 3);
  for (const [model, data, kernel] of [
    [masksModel, numeric, "wasm-masks"],
    [branchesModel, wide, "wasm-branches"],
    [regression, regressionData, "wasm-masks"],
    [multiclass, multiData, "wasm-masks"],
  ] as const) {
    const expected = naiveRaw(model, data);
    const one = model.predictRaw(data, { threads: 1 });
    assert.equal(predictThreadStats.predictor, kernel);
    // The masks module is compiled by V8's baseline compiler alone (this process sets no tiering flag).
    assert.equal(predictThreadStats.wasmTier, kernel === "wasm-masks" ? "baseline" : "default");
    assert.deepEqual(bytes(one), bytes(expected), kernel);
    assertThreadedEqual((t) => model.predictRaw(data, { threads: t }), expected, 2);
    assert.equal(predictThreadStats.predictor, kernel);
  }
  // A forest's deep trees (more than 64 leaves) take the "branches" kernel.
  const forest = new RandomForest({ nTrees: 4, seed: 3 }).fit(numeric);
  const proba = forest.predictProba(numeric, { threads: 1 }).data;
  assert.equal(predictThreadStats.predictor, "wasm-branches");
  assertThreadedEqual((t) => forest.predictProba(numeric, { threads: t }).data, proba, 2);
});

test("without WebAssembly the generated JavaScript predicts, without code generation too the packed walk: the same scores bit for bit", () => {
  const threads = fileURLToPath(new URL("./predict-threads.ts", import.meta.url));
  const index = fileURLToPath(new URL("./index.ts", import.meta.url));
  const forestIndex = fileURLToPath(new URL("../forest/index.ts", import.meta.url));
  const rng = fileURLToPath(new URL("../../core/rng.ts", import.meta.url));
  // Numeric columns with NaN and a 150-code categorical column: a boosted model of the numeric ones (the
  // "masks" kernel) and a forest of all ("branches": deep trees, wide categorical splits).
  const script = `
    import { createHash } from "node:crypto";
    import { GradientBoosting } from ${JSON.stringify(index)};
    import { RandomForest } from ${JSON.stringify(forestIndex)};
    import { predictThreadStats } from ${JSON.stringify(threads)};
    import { Random } from ${JSON.stringify(rng)};
    const n = 24000, rng = new Random(7);
    const features = [0, 1, 2].map((f) => ({ kind: "numeric", name: "x" + f, values: Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.next() * 2 - 1)) }));
    const codes = Int32Array.from({ length: n }, () => (rng.next() < 0.05 ? -1 : rng.int(150)));
    features.push({ kind: "categorical", name: "c", codes, categories: Array.from({ length: 150 }, (_, i) => "c" + i) });
    const y = Float64Array.from({ length: n }, (_, r) => ((features[0].values[r] || 0) + (codes[r] % 3) * 0.3 + rng.next() * 0.5 > 0.6 ? 1 : 0));
    const data = { nRows: n, features, target: { name: "y", task: "binary", values: y, classes: ["a", "b"] }, fingerprint: "x" };
    const hash = (a) => createHash("sha256").update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest("hex");
    const numeric = { ...data, features: features.slice(0, 3) };
    const gbdt = new GradientBoosting({ iterations: 8, maxLeaves: 31, earlyStopping: 0, threads: 1 }).fit(numeric);
    const forest = new RandomForest({ nTrees: 3, seed: 1 }).fit(data);
    const out = [];
    for (const threads of [1, 2]) {
      out.push(hash(gbdt.predictRaw(numeric, { threads })), predictThreadStats.predictor);
      out.push(hash(forest.predictProba(data, { threads }).data), predictThreadStats.predictor);
    }
    console.log(JSON.stringify(out));
  `;
  const run = (flags: string[]): string[] => {
    const child = spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 120000 });
    assert.equal(child.status, 0, `${flags.join(" ")}: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split("\n").pop()!) as string[];
  };
  const wasm = run([]);
  const js = run(["--no-expose-wasm"]);
  const packed = run(["--no-expose-wasm", "--disallow-code-generation-from-strings"]);
  const hashes = (out: string[]) => out.filter((_, i) => i % 2 === 0);
  const predictors = (out: string[]) => out.filter((_, i) => i % 2 === 1);
  assert.deepEqual(predictors(wasm), ["wasm-masks", "wasm-branches", "wasm-masks", "wasm-branches"]);
  // The forest's deep trees are past the JavaScript compiler's limits (2000 nodes a tree): the packed walk.
  assert.deepEqual(predictors(js), ["js", "packed", "js", "packed"]);
  assert.deepEqual(predictors(packed), ["packed", "packed", "packed", "packed"]);
  assert.deepEqual(hashes(js), hashes(wasm));
  assert.deepEqual(hashes(packed), hashes(wasm));
  assert.equal(hashes(wasm)[0], hashes(wasm)[2], "gbdt: 1 and 2 threads");
  assert.equal(hashes(wasm)[1], hashes(wasm)[3], "forest: 1 and 2 threads");
});
