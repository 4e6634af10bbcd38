import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { predictNaive, predictRaw, type NaiveNode, type TreeArrays } from "./tree-predict.js";
import { flattenTrees } from "./tree-test-helpers.test.js";
import { COLUMN_F64, COLUMN_I32, COLUMN_UNUSED, wasmBatchLayout, wasmTreesApi, wasmTreesOf, writeWasmBatch, type WasmLimits, type WasmTrees } from "./tree-wasm.js";

/** Categorical features 3, 4 and 5 have this many codes: one bitset constant in i32, one in i64, one read from memory. */
const N_CODES = [20, 50, 150];
const N_FEATURES = 6;

/** Thresholds that test the edges: -0, 0, infinities and NaN among ordinary values. */
const SPECIAL_THRESHOLDS = [0, -0, Infinity, -Infinity, NaN, 0.5];

/** A random tree over numeric features 0..2 and categorical 3..5; leaves include -0 and 0. */
function randomTree(rng: Random, depth: number, categorical = true): NaiveNode {
  if (depth === 0 || rng.next() < 0.15) {
    const u = rng.next();
    return { leaf: true, value: u < 0.05 ? -0 : u < 0.1 ? 0 : rng.next() - 0.5 };
  }
  const feature = categorical ? rng.int(N_FEATURES) : rng.int(3);
  const missingLeft = rng.next() < 0.5;
  const left = randomTree(rng, depth - 1, categorical);
  const right = randomTree(rng, depth - 1, categorical);
  if (feature < 3) {
    const threshold = rng.next() < 0.1 ? SPECIAL_THRESHOLDS[rng.int(SPECIAL_THRESHOLDS.length)]! : rng.next() * 2 - 1;
    return { leaf: false, feature, threshold, missingLeft, left, right };
  }
  const nCodes = N_CODES[feature - 3]!;
  const leftCodes = Array.from({ length: nCodes }, (_, c) => c).filter(() => rng.next() < 0.4);
  return { leaf: false, feature, leftCodes, nCodes, missingLeft, left, right };
}

/**
 * Columns with NaN, -0, 0, infinities, values equal to special thresholds; categorical codes with -1,
 * codes past the bitset (unseen) and, in float64 columns, NaN, fractions and huge values.
 */
function randomColumns(rng: Random, nRows: number, floatCodes: boolean): (Float64Array | Int32Array)[] {
  const columns: (Float64Array | Int32Array)[] = [];
  for (let f = 0; f < 3; f++) {
    const values = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      const u = rng.next();
      values[r] = u < 0.1 ? NaN : u < 0.15 ? SPECIAL_THRESHOLDS[rng.int(SPECIAL_THRESHOLDS.length)]! : rng.next() * 2.2 - 1.1;
    }
    columns.push(values);
  }
  for (const nCodes of N_CODES) {
    const codes = Array.from({ length: nRows }, () => {
      const u = rng.next();
      return u < 0.05 ? -1 : u < 0.1 ? nCodes + rng.int(40) : rng.int(nCodes);
    });
    if (!floatCodes) columns.push(Int32Array.from(codes));
    else {
      const odd = [NaN, -0.5, 2.5, 1e10, -Infinity, Infinity, 2 ** 31, 2 ** 32 + 3];
      columns.push(Float64Array.from(codes, (c) => (rng.next() < 0.1 ? odd[rng.int(odd.length)]! : c)));
    }
  }
  return columns;
}

/** findLeaf's sums (predictRaw over the rows laid out row-major), the reference. */
function referenceScores(trees: TreeArrays, columns: readonly (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: Float64Array): Float64Array {
  const x = new Float64Array(nRows * columns.length);
  columns.forEach((values, f) => {
    for (let r = 0; r < nRows; r++) x[r * columns.length + f] = values[r]!;
  });
  const out = new Float64Array(nRows * nOutputs);
  for (let r = 0; r < nRows; r++) for (let k = 0; k < nOutputs; k++) out[r * nOutputs + k] = initial[k]!;
  predictRaw(trees, 0, trees.treeRoot.length, x, nRows, columns.length, nOutputs, out);
  return out;
}

/**
 * Runs a module as predict-threads.ts does, over the blocks [start, end) given: each block's scores set to
 * `initial`, then every group over it. Rows of no block keep a sentinel (NaN with a payload), so that a
 * kernel writing past its block is seen; the spare rows after each column are filled with garbage.
 */
function runWasm(wasm: WasmTrees, trees: TreeArrays, columns: readonly (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: Float64Array, blocks: readonly (readonly [number, number])[]): Float64Array {
  const api = wasmTreesApi()!;
  const layout = wasmBatchLayout(wasm, trees.catBits.length, nRows, nOutputs);
  const memory = new api.Memory({ initial: Math.ceil(layout.bytes / 65536), maximum: 65536, shared: true });
  new Uint8Array(memory.buffer).fill(0xa5);
  writeWasmBatch(memory.buffer, layout, wasm, trees.catBits, columns, nRows);
  const exports = new api.Instance(new api.Module(wasm.bytes), { env: { memory } }).exports;
  const scores = new Float64Array(memory.buffer, layout.out, nRows * nOutputs);
  scores.fill(SENTINEL);
  for (const [start, end] of blocks) {
    for (let at = start * nOutputs; at < end * nOutputs; at += nOutputs) for (let k = 0; k < nOutputs; k++) scores[at + k] = initial[k]!;
    for (let g = 0; g < wasm.nGroups; g++) (exports[`g${g}`] as (table: number, start: number, end: number) => void)(layout.table, start, end);
  }
  return scores.slice();
}

const SENTINEL = new Float64Array(new BigUint64Array([0x7ff8_dead_beef_0001n]).buffer)[0]!;
const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Blocks over nRows: odd and even starts and lengths, a block of one row, an empty one. */
function someBlocks(nRows: number): [number, number][] {
  const cuts = [0, 1, 2, 5, 6, 6, 37, 64, 101, 104, 106, 109, nRows];
  const blocks: [number, number][] = [];
  for (let i = 0; i + 1 < cuts.length; i++) blocks.push([cuts[i]!, cuts[i + 1]!]);
  return blocks;
}

for (const kernel of ["masks", "branches"] as const) {
  test(`WebAssembly "${kernel}" kernel: the same scores as findLeaf, bit for bit (NaN, -0, infinite and NaN thresholds, -1 / unseen / fractional / NaN codes, bitsets in i32, i64 and memory, 1-3 outputs, odd blocks)`, () => {
    const rng = new Random(kernel === "masks" ? 11 : 12);
    const nRows = 777;
    for (const nOutputs of [1, 3]) {
      for (const floatCodes of [false, true]) {
        const trees = flattenTrees(Array.from({ length: 24 }, () => randomTree(rng, 5)), nOutputs);
        const columns = randomColumns(rng, nRows, floatCodes);
        const initial = Float64Array.from({ length: nOutputs }, (_, k) => [0.25, -0, -1.5][k]!);
        const expected = referenceScores(trees, columns, nRows, nOutputs, initial);
        // All trees in one function, and one tree a function (the sums run through memory between groups).
        const variants: WasmLimits[] = [{ kernel }, { kernel, bytesPerFunction: 1 }];
        if (kernel === "masks") variants.push({ kernel, pairsPerStep: 2 }, { kernel, pairsPerStep: 2, bytesPerFunction: 1 });
        for (const limits of variants) {
          const wasm = wasmTreesOf(trees, N_FEATURES, nOutputs, limits)!;
          assert.ok(wasm, "within the limits");
          if (limits.bytesPerFunction === 1) assert.equal(wasm.nGroups, 24);
          const label = `outputs ${nOutputs}, float codes ${floatCodes}, groups ${wasm.nGroups}, pairs ${limits.pairsPerStep ?? 1}`;
          assert.deepEqual(bytes(runWasm(wasm, trees, columns, nRows, nOutputs, initial, [[0, nRows]])), bytes(expected), label);
          // In blocks of odd sizes, none of which writes past its end.
          const blocks = someBlocks(nRows);
          const inBlocks = runWasm(wasm, trees, columns, nRows, nOutputs, initial, blocks.slice(0, -1));
          const lastStart = blocks.at(-1)![0];
          assert.deepEqual(bytes(inBlocks.subarray(0, lastStart * nOutputs)), bytes(expected.subarray(0, lastStart * nOutputs)), `${label}, in blocks`);
          for (let i = lastStart * nOutputs; i < nRows * nOutputs; i++) assert.ok(Object.is(inBlocks[i], SENTINEL) || bytes(inBlocks.subarray(i, i + 1)).equals(bytes(Float64Array.of(SENTINEL))), `${label}: row ${Math.floor(i / nOutputs)} written outside its blocks`);
        }
      }
    }
  });
}

test("WebAssembly kernels agree with the naive twin's object trees, and with each other, on numeric trees", () => {
  const rng = new Random(5);
  const naive = Array.from({ length: 40 }, () => randomTree(rng, 6, false));
  const trees = flattenTrees(naive, 1);
  const nRows = 501;
  const columns = randomColumns(rng, nRows, false);
  const masks = wasmTreesOf(trees, N_FEATURES, 1, { kernel: "masks" })!;
  const branches = wasmTreesOf(trees, N_FEATURES, 1, { kernel: "branches" })!;
  const a = runWasm(masks, trees, columns, nRows, 1, Float64Array.of(0), [[0, nRows]]);
  const b = runWasm(branches, trees, columns, nRows, 1, Float64Array.of(0), [[0, nRows]]);
  const row = new Float64Array(N_FEATURES);
  for (let r = 0; r < nRows; r++) {
    columns.forEach((values, f) => (row[f] = values[r]!));
    let sum = 0;
    for (const tree of naive) sum += predictNaive(tree, row);
    assert.ok(Object.is(a[r], sum), `row ${r}: masks ${a[r]} vs naive ${sum}`);
    assert.ok(Object.is(b[r], sum), `row ${r}: branches ${b[r]} vs naive ${sum}`);
  }
  // Only features 0..2 are read: the layout leaves the others out.
  assert.deepEqual([...masks.columnKinds], [COLUMN_F64, COLUMN_F64, COLUMN_F64, COLUMN_UNUSED, COLUMN_UNUSED, COLUMN_UNUSED]);
});

test("a model of single-leaf trees and one of no trees predict their leaf sums and the initial scores", () => {
  const leaves = flattenTrees([{ leaf: true, value: 0.125 }, { leaf: true, value: -0 }, { leaf: true, value: 2 }], 1);
  const none = flattenTrees([], 2);
  const columns = randomColumns(new Random(1), 9, false);
  for (const kernel of ["masks", "branches"] as const) {
    assert.deepEqual([...runWasm(wasmTreesOf(leaves, N_FEATURES, 1, { kernel })!, leaves, columns, 9, 1, Float64Array.of(1), [[0, 9]])], new Array(9).fill(1 + 0.125 + -0 + 2));
    assert.deepEqual([...runWasm(wasmTreesOf(none, N_FEATURES, 2, { kernel })!, none, columns, 9, 2, Float64Array.of(1, -0), [[0, 9]])].map((v) => Object.is(v, -0) ? "-0" : v), new Array(9).fill([1, "-0"]).flat());
  }
});

test("past the kernels' limits there is no module (the caller uses another predictor)", () => {
  const rng = new Random(3);
  // A tree of 128 leaves: past the masks kernel's 64, within the branches kernel's.
  const balanced = (depth: number): NaiveNode => (depth === 0 ? { leaf: true, value: rng.next() } : { leaf: false, feature: 0, threshold: rng.next(), missingLeft: false, left: balanced(depth - 1), right: balanced(depth - 1) });
  const wide = flattenTrees([balanced(7)], 1);
  assert.equal(wasmTreesOf(wide, 1, 1, { kernel: "masks" }), undefined);
  assert.ok(wasmTreesOf(wide, 1, 1, { kernel: "branches" }));
  assert.equal(wasmTreesOf(wide, 1, 1, { kernel: "branches", maxDepth: 6 }), undefined);
  assert.equal(wasmTreesOf(wide, 1, 1, { kernel: "branches", maxNodes: 200 }), undefined);
  // A split on a feature the columns do not have, and a feature split both as numeric and categorical.
  assert.equal(wasmTreesOf(flattenTrees([randomTree(new Random(4), 3)], 1), 2, 1), undefined);
  const both = flattenTrees([{ leaf: false, feature: 0, threshold: 1, missingLeft: false, left: { leaf: true, value: 1 }, right: { leaf: false, feature: 0, leftCodes: [1], nCodes: 4, missingLeft: false, left: { leaf: true, value: 2 }, right: { leaf: true, value: 3 } } }], 1);
  assert.equal(wasmTreesOf(both, 1, 1), undefined);
  // A cycle (a crafted file that checkedTrees would refuse) ends the walk instead of looping.
  const cycle = flattenTrees([{ leaf: false, feature: 0, threshold: 1, missingLeft: false, left: { leaf: true, value: 1 }, right: { leaf: true, value: 2 } }], 1);
  (cycle.nodeLeft as Int32Array)[0] = 0;
  assert.equal(wasmTreesOf(cycle, 1, 1), undefined);
});

test("the column layout: categorical columns as int32, numeric as float64; float64 codes become -1 when NaN or out of 0..2^31-1, truncated otherwise", () => {
  const trees = flattenTrees([{ leaf: false, feature: 1, leftCodes: [0, 2], nCodes: 3, missingLeft: true, left: { leaf: true, value: 1 }, right: { leaf: false, feature: 0, threshold: 0.5, missingLeft: false, left: { leaf: true, value: 2 }, right: { leaf: true, value: 3 } } }], 1);
  const wasm = wasmTreesOf(trees, 2, 1)!;
  assert.deepEqual([...wasm.columnKinds], [COLUMN_F64, COLUMN_I32]);
  const codes = Float64Array.of(NaN, -0.5, -0, 2.9, 3, 2 ** 31, 2 ** 40, -Infinity);
  const layout = wasmBatchLayout(wasm, trees.catBits.length, codes.length, 1);
  const memory = new (wasmTreesApi()!.Memory)({ initial: Math.ceil(layout.bytes / 65536), maximum: 100, shared: true });
  writeWasmBatch(memory.buffer, layout, wasm, trees.catBits, [new Float64Array(codes.length), codes], codes.length);
  assert.deepEqual([...new Int32Array(memory.buffer, layout.columns[1]!, codes.length)], [-1, -1, 0, 2, 3, -1, -1, -1]);
});

test("wabt (an independent reader) reads both kernels' modules; the branches kernel needs no SIMD (an engine without it still predicts by WebAssembly), the masks kernel does", async () => {
  const { default: wabtInit } = await import("wabt");
  const wabt = await wabtInit();
  const rng = new Random(8);
  const trees = flattenTrees(Array.from({ length: 6 }, () => randomTree(rng, 5)), 2);
  for (const kernel of ["masks", "branches"] as const) {
    const bytes = wasmTreesOf(trees, N_FEATURES, 2, { kernel, bytesPerFunction: 1 })!.bytes;
    // (wabt's validate() ignores the features and refuses shared memory: V8 validates in the other tests.)
    wabt.readWasm(bytes, { check: true, simd: true, threads: true }).destroy();
    const read = () => wabt.readWasm(bytes, { check: true, simd: false, threads: true }).destroy();
    if (kernel === "branches") read();
    else assert.throws(read);
  }
});
