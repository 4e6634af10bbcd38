import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { predictVectorsNaive } from "../../kernels/leaf-vectors.js";
import { flattenVectorTrees, randomRows, randomVectorTree } from "../../kernels/leaf-vectors-helpers.test.js";
import { MIN_PARALLEL_ROWS, predictThreadStats } from "../gbdt/predict-threads.js";
import { predictLeafVectorColumns, treesByTree } from "./shared-trees.js";

const N_CODES = 40;

/** Rows of 3 numeric and 2 categorical features as a dataset's columns (codes as Int32Array, -1 missing). */
function columnsOf(x: Float64Array, nRows: number): (Float64Array | Int32Array)[] {
  return [0, 1, 2, 3, 4].map((f) => (f < 3 ? Float64Array.from({ length: nRows }, (_, r) => x[r * 5 + f]!) : Int32Array.from({ length: nRows }, (_, r) => x[r * 5 + f]!)));
}

const N_TREES = 25;
for (const [k, nRows] of [[3, 777], [10, MIN_PARALLEL_ROWS + 2345]] as const) {
  test(`vector-leaf trees, k = ${k}, ${nRows} rows: each tree walked once plus the leaves' vectors equals the naive recursive walk, bit for bit, by the packed walk on 1 thread and ${nRows < MIN_PARALLEL_ROWS ? "on 2" : "the batch predictor on 2 threads"}`, () => {
    const rng = new Random(k);
    const vectorTrees = Array.from({ length: N_TREES }, () => randomVectorTree(rng, 8, k, N_CODES));
    const { trees, leafValues } = flattenVectorTrees(vectorTrees, k, 1);
    const x = randomRows(rng, nRows, N_CODES);
    const columns = columnsOf(x, nRows);
    const byTree = treesByTree(trees);
    predictThreadStats.predictor = "";
    const one = predictLeafVectorColumns(byTree, leafValues, k, columns, nRows, 1);
    assert.equal(predictThreadStats.predictor, "");
    const two = predictLeafVectorColumns(byTree, leafValues, k, columns, nRows, 2);
    assert.equal(predictThreadStats.predictor === "", nRows < MIN_PARALLEL_ROWS);
    assert.deepEqual(two, one);
    for (let r = 0; r < nRows; r++) {
      assert.deepEqual(Array.from(one.subarray(r * k, r * k + k)), predictVectorsNaive(vectorTrees, x.subarray(r * 5, r * 5 + 5), k), `row ${r}`);
    }
  });
}
