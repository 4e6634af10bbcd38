import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { binNumericColumn, computeNumericEdges } from "./binning.js";
import { numericGoLeft } from "./partition.js";
import { batchPredictorSources, compileRowPredictor, compileRowsPredictors } from "./tree-compile.js";
import { FLAG_CATEGORICAL, FLAG_MISSING_LEFT, packTrees, predictBinnedAdd, predictColumnsBlock, predictNaive, predictPackedRaw, predictPackedRaw4, predictRaw, type NaiveNode, type TreeArrays } from "./tree-predict.js";
import { flattenTrees } from "./tree-test-helpers.test.js";

const N_CODES = 40;

/** A random tree over 3 numeric features (0..2) and 2 categorical ones (3, 4) with N_CODES codes. */
function randomTree(rng: Random, depth: number): NaiveNode {
  if (depth === 0 || rng.next() < 0.2) return { leaf: true, value: rng.next() - 0.5 };
  const feature = rng.int(5);
  const missingLeft = rng.next() < 0.5;
  const left = randomTree(rng, depth - 1);
  const right = randomTree(rng, depth - 1);
  if (feature < 3) return { leaf: false, feature, threshold: rng.next(), missingLeft, left, right };
  const leftCodes = Array.from({ length: N_CODES }, (_, c) => c).filter(() => rng.next() < 0.4);
  return { leaf: false, feature, leftCodes, nCodes: N_CODES, missingLeft, left, right };
}

/** Flattens object trees; tree t adds to output t % 2. */
const flatten = (trees: NaiveNode[]): TreeArrays => flattenTrees(trees, 2);

test("flattened prediction agrees with walking object trees (NaN, missing and unknown codes included)", () => {
  const rng = new Random(5);
  const trees = Array.from({ length: 12 }, () => randomTree(rng, 6));
  const flat = flatten(trees);
  const nRows = 500;
  const x = new Float64Array(nRows * 5);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < 3; f++) x[r * 5 + f] = rng.next() < 0.1 ? NaN : rng.next();
    for (let f = 3; f < 5; f++) x[r * 5 + f] = rng.next() < 0.1 ? -1 : rng.int(N_CODES + 5); // codes >= N_CODES are unknown
  }
  const out = new Float64Array(nRows * 2);
  predictRaw(flat, 0, trees.length, x, nRows, 5, 2, out);
  for (let r = 0; r < nRows; r++) {
    const expected = [0, 0];
    trees.forEach((tree, t) => (expected[t % 2] += predictNaive(tree, x.subarray(r * 5, r * 5 + 5))));
    assert.equal(out[r * 2], expected[0]);
    assert.equal(out[r * 2 + 1], expected[1]);
  }
});

test("packed trees (children adjacent, 1 and 4 rows at a time, column blocks) predict like the object trees, bit for bit", () => {
  const rng = new Random(11);
  const trees = Array.from({ length: 15 }, () => randomTree(rng, 7));
  const packed = packTrees(flatten(trees));
  // Every child pair is adjacent and placed after its parent.
  const nNodes = packed.value.length;
  for (let i = 0; i < nNodes; i++) if (packed.node[4 * i]! >= 0) assert.ok(packed.node[4 * i + 1]! > i && packed.node[4 * i + 1]! + 1 < nNodes);
  const nRows = 503; // not a multiple of 4: the last rows take the one-row walk
  const x = new Float64Array(nRows * 5);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < 3; f++) x[r * 5 + f] = rng.next() < 0.1 ? NaN : rng.next();
    for (let f = 3; f < 5; f++) x[r * 5 + f] = rng.next() < 0.1 ? -1 : rng.int(N_CODES + 5);
  }
  const expected = new Float64Array(nRows * 2);
  for (let r = 0; r < nRows; r++) trees.forEach((tree, t) => (expected[r * 2 + (t % 2)] += predictNaive(tree, x.subarray(r * 5, r * 5 + 5))));
  const one = new Float64Array(nRows * 2);
  predictPackedRaw(packed, x, nRows, 5, 2, one);
  assert.deepEqual(one, expected);
  const four = new Float64Array(nRows * 2);
  predictPackedRaw4(packed, x, nRows, 5, 2, four);
  assert.deepEqual(four, expected);
  // The column block: rows 100..399 of the columns, from initial scores 0.5 and -1.
  const columns = Array.from({ length: 5 }, (_, f) => (f < 3 ? Float64Array.from({ length: nRows }, (_, r) => x[r * 5 + f]!) : Int32Array.from({ length: nRows }, (_, r) => x[r * 5 + f]!)));
  const block = new Float64Array(nRows * 2).fill(7);
  predictColumnsBlock(packed, columns, 100, 300, 2, Float64Array.of(0.5, -1), block, new Float64Array(300 * 5));
  for (let r = 0; r < nRows; r++) {
    const inside = r >= 100 && r < 400;
    assert.equal(block[2 * r], inside ? [0.5, ...trees.filter((_, t) => t % 2 === 0).map((tree) => predictNaive(tree, x.subarray(r * 5, r * 5 + 5)))].reduce((a, b) => a + b) : 7);
    assert.equal(block[2 * r + 1], inside ? [-1, ...trees.filter((_, t) => t % 2 === 1).map((tree) => predictNaive(tree, x.subarray(r * 5, r * 5 + 5)))].reduce((a, b) => a + b) : 7);
  }
});

test("a binned tree with goLeft tables predicts like the raw tree with edge thresholds", () => {
  const rng = new Random(8);
  const nRows = 400;
  const columns = Array.from({ length: 3 }, () => Float64Array.from({ length: nRows }, () => (rng.next() < 0.1 ? NaN : Math.round(rng.next() * 50))));
  const edges = columns.map((c) => computeNumericEdges(c, null, 16));
  const bins = new Uint8Array(3 * nRows);
  columns.forEach((c, f) => binNumericColumn(c, null, nRows, edges[f]!, edges[f]!.length + 1, bins, f * nRows));
  // A depth-2 tree: root on feature 0, children on 1 and 2.
  const nodeFeature = Int32Array.of(0, 1, 2, -1, -1, -1, -1);
  const nodeLeft = Int32Array.of(1, 3, 5, 0, 0, 0, 0);
  const nodeRight = Int32Array.of(2, 4, 6, 0, 0, 0, 0);
  const nodeValue = Float64Array.of(0, 0, 0, 1, 2, 3, 4);
  const binThreshold = [4, 7, 2];
  const missingLeft = [true, false, true];
  const goLeft = new Uint8Array(7 * 256);
  for (let i = 0; i < 3; i++) numericGoLeft(binThreshold[i]!, edges[nodeFeature[i]!]!.length + 2, missingLeft[i]!, goLeft.subarray(i * 256, (i + 1) * 256));
  const binned = new Float64Array(nRows);
  predictBinnedAdd(bins, nRows, nodeFeature, nodeLeft, nodeRight, goLeft, nodeValue, binned, 1, 0);
  const trees: TreeArrays = {
    nodeFeature,
    nodeThreshold: Float64Array.of(...binThreshold.map((b, i) => edges[i]![b]!), 0, 0, 0, 0),
    nodeLeft,
    nodeRight,
    nodeFlags: Uint8Array.of(...missingLeft.map((m) => (m ? FLAG_MISSING_LEFT : 0)), 0, 0, 0, 0),
    nodeCatOffset: new Int32Array(7),
    nodeValue,
    catBits: new Uint32Array(0),
    treeRoot: Int32Array.of(0),
    treeOutput: Int32Array.of(0),
  };
  const x = new Float64Array(nRows * 3);
  for (let r = 0; r < nRows; r++) for (let f = 0; f < 3; f++) x[r * 3 + f] = columns[f]![r]!;
  const raw = new Float64Array(nRows);
  predictRaw(trees, 0, 1, x, nRows, 3, 1, raw);
  assert.deepEqual(raw, binned);
  assert.equal(new Set(raw).size, 4, "every leaf is reached");
});

/** Nodes of the largest tree (flatten numbers each tree's nodes consecutively). */
const largestTree = (flat: TreeArrays): number =>
  Math.max(...Array.from(flat.treeRoot, (root, t) => (t + 1 < flat.treeRoot.length ? flat.treeRoot[t + 1]! : flat.nodeFeature.length) - root));

/** The bytes of a float array: equal bytes are equal bits (-0 and NaN included), which assert.deepEqual on floats does not check. */
const bitsOf = (values: Float64Array): Uint8Array => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

test("compiled one-row trees add the same leaf values as findLeaf, bit for bit (NaN, missing and unknown codes, -0 leaves, NaN and infinite thresholds, two outputs)", () => {
  const rng = new Random(13);
  const trees = Array.from({ length: 40 }, () => randomTree(rng, 7));
  const flat = flatten(trees);
  // Edge values a model file may hold: a leaf of -0, a threshold of NaN (no value goes left but missing ones), infinite thresholds.
  const leaves = [...flat.nodeFeature.keys()].filter((i) => flat.nodeFeature[i]! < 0);
  // Roots, which every row reaches: numeric ones get the odd thresholds, the NaN one sending missing values left.
  const numeric = Array.from(flat.treeRoot).filter((i) => flat.nodeFeature[i]! >= 0 && (flat.nodeFlags[i]! & FLAG_CATEGORICAL) === 0);
  assert.ok(leaves.length > 10 && numeric.length >= 3);
  flat.nodeValue[leaves[0]!] = -0;
  flat.nodeValue[leaves[3]!] = -0;
  flat.nodeThreshold[numeric[0]!] = NaN;
  flat.nodeFlags[numeric[0]!] = FLAG_MISSING_LEFT;
  flat.nodeThreshold[numeric[1]!] = Infinity;
  flat.nodeThreshold[numeric[2]!] = -Infinity;
  const nRows = 600;
  const x = new Float64Array(nRows * 5);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < 3; f++) x[r * 5 + f] = rng.next() < 0.1 ? NaN : rng.next() < 0.05 ? -0 : rng.next();
    for (let f = 3; f < 5; f++) x[r * 5 + f] = rng.next() < 0.1 ? -1 : rng.next() < 0.05 ? NaN : rng.int(N_CODES + 5);
  }
  const expected = new Float64Array(nRows * 2);
  predictRaw(flat, 0, trees.length, x, nRows, 5, 2, expected);
  // One function for all, and groups of at most as many nodes as the largest tree (several functions, in tree order).
  for (const nodesPerFunction of [2000, largestTree(flat)]) {
    const compiled = compileRowPredictor(flat, { nodesPerFunction });
    assert.ok(compiled, `compiled with ${nodesPerFunction} nodes per function`);
    const got = new Float64Array(nRows * 2);
    for (let r = 0; r < nRows; r++) compiled(x.subarray(r * 5, r * 5 + 5), got.subarray(r * 2, r * 2 + 2));
    assert.deepEqual(bitsOf(got), bitsOf(expected));
  }
  // From a starting score, as a model adds its trees to its prior; and against the object trees (unedited).
  const raw = Float64Array.of(0.25, -3);
  compileRowPredictor(flat)!(x.subarray(0, 5), raw);
  const fromPrior = Float64Array.of(0.25, -3);
  predictRaw(flat, 0, trees.length, x.subarray(0, 5), 1, 5, 2, fromPrior);
  assert.deepEqual(bitsOf(raw), bitsOf(fromPrior));
  // A leaf of -0 added to a score of -0 leaves -0 (a leaf written as 0 would make it +0).
  const negativeZero = flatten([{ leaf: true, value: 0 }]);
  negativeZero.nodeValue[0] = -0;
  const zero = Float64Array.of(-0);
  compileRowPredictor(negativeZero)!(x.subarray(0, 5), zero);
  assert.ok(Object.is(zero[0], -0));
  const plain = compileRowPredictor(flatten(trees))!;
  const naive = [0, 0];
  const got = new Float64Array(2);
  for (let r = 0; r < 100; r++) {
    const row = x.subarray(r * 5, r * 5 + 5);
    got.fill(0);
    plain(row, got);
    naive.fill(0);
    trees.forEach((tree, t) => (naive[t % 2] += predictNaive(tree, row)));
    assert.deepEqual(Array.from(got), naive);
  }
});

test("trees past the compile limits are not compiled (the caller walks findLeaf)", () => {
  const rng = new Random(14);
  const flat = flatten(Array.from({ length: 10 }, () => randomTree(rng, 9)));
  const nodes = flat.nodeFeature.length;
  assert.ok(compileRowPredictor(flat));
  assert.equal(compileRowPredictor(flat, { maxNodes: nodes - 1 }), undefined);
  const largest = largestTree(flat);
  assert.equal(compileRowPredictor(flat, { nodesPerFunction: largest - 1 }), undefined);
  assert.ok(compileRowPredictor(flat, { nodesPerFunction: largest }));
  // A chain 80 levels deep: past the default depth of 64.
  let chain: NaiveNode = { leaf: true, value: 1 };
  for (let d = 0; d < 80; d++) chain = { leaf: false, feature: 0, threshold: d / 80, missingLeft: false, left: { leaf: true, value: d }, right: chain };
  assert.equal(compileRowPredictor(flatten([chain])), undefined);
  assert.ok(compileRowPredictor(flatten([chain]), { maxDepth: 80 }));
});

test("without code generation (node --disallow-code-generation-from-strings) the trees are not compiled, and nothing throws", async () => {
  const { execFile } = await import("node:child_process");
  const script = `
    const { compileRowPredictor } = await import(${JSON.stringify(new URL("./tree-compile.ts", import.meta.url).href)});
    const one = { nodeFeature: Int32Array.of(0, -1, -1), nodeThreshold: Float64Array.of(0.5, 0, 0), nodeLeft: Int32Array.of(1, 0, 0), nodeRight: Int32Array.of(2, 0, 0),
      nodeFlags: new Uint8Array(3), nodeCatOffset: new Int32Array(3), nodeValue: Float64Array.of(0, 1, 2), catBits: new Uint32Array(0), treeRoot: Int32Array.of(0), treeOutput: Int32Array.of(0) };
    console.log(typeof compileRowPredictor(one));`;
  const run = (flags: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", script], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())));
    });
  assert.equal(await run([]), "function");
  assert.equal(await run(["--disallow-code-generation-from-strings"]), "undefined");
});

/** Raw scores by the compiled batch functions of `flat` over column-major `columns`, starting from `initial`. */
function predictCompiledBatch(flat: TreeArrays, columns: (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: number[], limits = {}): Float64Array {
  const groups = compileRowsPredictors(batchPredictorSources(flat, nOutputs, limits)!, flat.catBits)!;
  const out = new Float64Array(nRows * nOutputs);
  for (let r = 0; r < nRows; r++) for (let k = 0; k < nOutputs; k++) out[r * nOutputs + k] = initial[k]!;
  // Two row ranges, to check that a range starts and ends where it says.
  const middle = nRows >> 1;
  for (const group of groups) group(columns, 0, middle, out);
  for (const group of groups) group(columns, middle, nRows, out);
  return out;
}

test("compiled batch functions add the same leaf values as findLeaf, bit for bit (NaN, missing and unknown codes, -0 leaves, NaN and infinite thresholds, two outputs, int32 code columns)", () => {
  const rng = new Random(21);
  const trees = Array.from({ length: 30 }, () => randomTree(rng, 7));
  const flat = flatten(trees);
  // A NaN threshold (every number goes right, NaN follows the missing direction) and infinite ones.
  for (let i = 0, seen = 0; i < flat.nodeFeature.length; i++) {
    if (flat.nodeFeature[i]! < 0 || flat.nodeFeature[i]! >= 3) continue;
    if (seen === 3) flat.nodeThreshold[i] = NaN;
    if (seen === 5) flat.nodeThreshold[i] = Infinity;
    if (seen === 7) flat.nodeThreshold[i] = -Infinity;
    seen++;
  }
  const nRows = 700;
  const numeric = Array.from({ length: 3 }, () => Float64Array.from({ length: nRows }, () => (rng.next() < 0.1 ? NaN : rng.next() < 0.05 ? -0 : rng.next())));
  const codes = Array.from({ length: 2 }, () => Int32Array.from({ length: nRows }, () => (rng.next() < 0.1 ? -1 : rng.int(N_CODES + 5))));
  const x = new Float64Array(nRows * 5);
  for (let r = 0; r < nRows; r++) for (let f = 0; f < 5; f++) x[r * 5 + f] = f < 3 ? numeric[f]![r]! : codes[f - 3]![r]!;
  const initial = [0.25, -0.5];
  const expected = new Float64Array(nRows * 2);
  for (let r = 0; r < nRows; r++) expected.set(initial, r * 2);
  predictRaw(flat, 0, trees.length, x, nRows, 5, 2, expected);
  const columns = [...numeric, ...codes];
  // One function for all, one per tree, and groups in between: the same sums in every case.
  for (const charsPerFunction of [1e9, 1, 5000]) {
    assert.deepEqual(predictCompiledBatch(flat, columns, nRows, 2, initial, { charsPerFunction }), expected, `charsPerFunction ${charsPerFunction}`);
  }
  // Codes given as float64 (NaN among them) decide like int32 codes; NaN follows the missing direction.
  const floatCodes = codes.map((c) => Float64Array.from(c, (v) => (v === -1 && rng.next() < 0.5 ? NaN : v)));
  assert.deepEqual(predictCompiledBatch(flat, [...numeric, ...floatCodes], nRows, 2, initial), expected);
  // A -0 leaf added to a -0 score stays -0.
  const negativeZero = flatten([{ leaf: true, value: 0 }]);
  negativeZero.nodeValue[0] = -0;
  assert.ok(Object.is(predictCompiledBatch(negativeZero, [numeric[0]!], 1, 1, [-0])[0], -0));
});

test("compiled batch sources: none past the compile limits (the caller walks the packed trees)", () => {
  const rng = new Random(22);
  const flat = flatten(Array.from({ length: 10 }, () => randomTree(rng, 9)));
  assert.ok(batchPredictorSources(flat, 2));
  assert.equal(batchPredictorSources(flat, 2, { maxNodes: flat.nodeFeature.length - 1 }), undefined);
  assert.equal(batchPredictorSources(flat, 2, { nodesPerFunction: largestTree(flat) - 1 }), undefined);
  assert.equal(batchPredictorSources(flat, 2, { charsPerFunction: 1 })!.length, 10);
});

test("without code generation the batch sources are not compiled, and nothing throws", async () => {
  const { execFile } = await import("node:child_process");
  const script = `
    const { batchPredictorSources, compileRowsPredictors } = await import(${JSON.stringify(new URL("./tree-compile.ts", import.meta.url).href)});
    const one = { nodeFeature: Int32Array.of(0, -1, -1), nodeThreshold: Float64Array.of(0.5, 0, 0), nodeLeft: Int32Array.of(1, 0, 0), nodeRight: Int32Array.of(2, 0, 0),
      nodeFlags: new Uint8Array(3), nodeCatOffset: new Int32Array(3), nodeValue: Float64Array.of(0, 1, 2), catBits: new Uint32Array(0), treeRoot: Int32Array.of(0), treeOutput: Int32Array.of(0) };
    const groups = compileRowsPredictors(batchPredictorSources(one, 1), one.catBits);
    const out = new Float64Array(2);
    if (groups) groups[0]([Float64Array.of(0.25, 0.75)], 0, 2, out);
    console.log(groups ? Array.from(out).join(",") : "undefined");`;
  const run = (flags: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", script], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())));
    });
  assert.equal(await run([]), "1,2");
  assert.equal(await run(["--disallow-code-generation-from-strings"]), "undefined");
});

test("compiled one-row trees cut by characters per function (one tree a function, or several) add the same leaf values as findLeaf", () => {
  const rng = new Random(23);
  const trees = Array.from({ length: 20 }, () => randomTree(rng, 7));
  const flat = flatten(trees);
  const x = new Float64Array(5);
  for (let r = 0; r < 200; r++) {
    for (let f = 0; f < 3; f++) x[f] = rng.next() < 0.1 ? NaN : rng.next();
    for (let f = 3; f < 5; f++) x[f] = rng.next() < 0.1 ? -1 : rng.int(N_CODES + 5);
    const expected = new Float64Array(2);
    predictRaw(flat, 0, trees.length, x, 1, 5, 2, expected);
    for (const charsPerFunction of [1, 3000]) {
      const got = new Float64Array(2);
      compileRowPredictor(flat, { charsPerFunction })!(x, got);
      assert.deepEqual(got, expected, `row ${r}, charsPerFunction ${charsPerFunction}`);
    }
  }
});
