import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { addLeafVectors, predictVectorsNaive, type VectorNode } from "./leaf-vectors.js";
import { flattenVectorTrees, randomRows, randomVectorTree } from "./leaf-vectors-helpers.test.js";
import { predictRaw } from "./tree-predict.js";

const N_CODES = 40;
const K = 5;

test("leaf indices from the scalar walk (one output per tree), then addLeafVectors, equal the naive recursive walk's sums, bit for bit (NaN, missing and unseen codes included)", () => {
  const rng = new Random(8);
  const vectorTrees = Array.from({ length: 17 }, () => randomVectorTree(rng, 6, K, N_CODES));
  const flat = flattenVectorTrees(vectorTrees, K, vectorTrees.length);
  const nRows = 301;
  const x = randomRows(rng, nRows, N_CODES);
  const leafIndex = new Float64Array(nRows * vectorTrees.length);
  predictRaw(flat.trees, 0, vectorTrees.length, x, nRows, 5, vectorTrees.length, leafIndex);
  const out = new Float64Array(nRows * K);
  addLeafVectors(leafIndex, nRows, vectorTrees.length, flat.leafValues, K, out);
  let missing = 0;
  for (let r = 0; r < nRows; r++) {
    const row = x.subarray(r * 5, r * 5 + 5);
    if (row.some((v) => Number.isNaN(v) || v === -1 || v >= N_CODES)) missing++;
    assert.deepEqual(Array.from(out.subarray(r * K, r * K + K)), predictVectorsNaive(vectorTrees, row, K));
  }
  assert.ok(missing > 50, `${missing} rows with a missing value or an unseen code`);
});

test("hand-worked: two stumps on x <= 0.5 (missing left) and x <= 2 (missing right), k = 2", () => {
  const trees: VectorNode[] = [
    { leaf: false, feature: 0, threshold: 0.5, missingLeft: true, left: { leaf: true, values: [1, 0] }, right: { leaf: true, values: [0.25, 0.75] } },
    { leaf: false, feature: 0, threshold: 2, missingLeft: false, left: { leaf: true, values: [0.5, 0.5] }, right: { leaf: true, values: [0, 1] } },
  ];
  const { trees: flat, leafValues } = flattenVectorTrees(trees, 2, 2);
  assert.deepEqual(Array.from(leafValues), [1, 0, 0.25, 0.75, 0.5, 0.5, 0, 1]);
  const sums = (x: number) => {
    const leafIndex = new Float64Array(2);
    predictRaw(flat, 0, 2, Float64Array.of(x), 1, 1, 2, leafIndex);
    const out = new Float64Array(2);
    addLeafVectors(leafIndex, 1, 2, leafValues, 2, out);
    return Array.from(out);
  };
  assert.deepEqual(sums(0), [1.5, 0.5]);
  assert.deepEqual(sums(1), [0.75, 1.25]);
  assert.deepEqual(sums(3), [0.25, 1.75]);
  assert.deepEqual(sums(NaN), [1, 1]);
});
