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
  for (let attempt = 0; attempt < 40 && workerBlocks === 0; attempt++) {
    predictThreadStats.workerBlocks = 0;
    assert.deepEqual(bytes(predict(threads)), bytes(expected), `threads ${threads}, attempt ${attempt}`);
    workerBlocks = predictThreadStats.workerBlocks;
  }
  assert.ok(workerBlocks > 0, "the workers predicted some blocks");
}

test("blocks a worker has not finished when the calling thread runs out of blocks are predicted again, with the same scores", () => {
  // At the end of most batches the worker is in the middle of a block, which the calling thread then
  // predicts itself (it never waits): repeat until that happened, checking every batch.
  const data = mixed(30000, 4, 2);
  const model = new GradientBoosting({ iterations: 10, maxLeaves: 15, earlyStopping: 0, threads: 1 }).fit(data);
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
