/**
 * Batch prediction of a multiclass forest whose bags' Gini trees are stored once, each leaf holding the
 * index of its k class shares (state.multiclassTrees "gini-shared"; ../../kernels/leaf-vectors.ts).
 *
 * The trees are walked by the tree ensembles' own batch predictor (../gbdt/predict-threads.ts:
 * WebAssembly or generated JavaScript, on threads for large batches), given the trees with one output per
 * tree and an initial score of 0: its "score" of output t is then the index of the leaf that tree t
 * reaches (0 + an integer, exact). addLeafVectors adds the reached leaves' shares, tree by tree in order,
 * so each class's sum is bit for bit the sum of the layout that stored the tree once per class.
 *
 * Small batches (under DIRECT_WALKS rows x trees, and too few rows for the batch predictor's threads) are
 * walked here instead, row by row (findLeaf), with the same sums: the batch predictor compiles a model's
 * trees on its first batch, which costs more than such a batch's whole walk.
 */
import { addLeafVectors, addLeafVectorsRow } from "../../kernels/leaf-vectors.js";
import type { TreeArrays } from "../../kernels/tree-predict.js";
import { MIN_PARALLEL_ROWS, predictColumns } from "../gbdt/predict-threads.js";

/**
 * Rows per slice: a slice's leaf indices (rows x trees float64) stay within 64 MiB, and a slice is at least
 * 16,384 rows, so that large batches are still cut into enough blocks for the threads.
 */
const SLICE_INDEX_BYTES = 64 * 1024 * 1024;
const MIN_SLICE_ROWS = 16_384;
/**
 * Batches of fewer rows x trees than this (and fewer rows than MIN_PARALLEL_ROWS, from which the batch
 * predictor uses threads) are walked row by row on this thread. Digits' 100 trees (10
 * classes, ~150 leaves a tree), 450 rows (45,000 walks), one thread, while the test suite ran on the other
 * core: the batch predictor's first call (compiling the trees to WebAssembly) took 374 ms, later calls
 * 2.3-2.7 ms; the walk here 15.7 ms on the first call, 4.5-4.8 ms on later ones. Under this limit a walk
 * costs a few milliseconds, less than a first compile.
 */
export const DIRECT_WALKS = 100_000;

/** `trees` with tree t adding to output t: the walk's output t is tree t's leaf index (its nodeValue). */
export function treesByTree(trees: TreeArrays): TreeArrays {
  return { ...trees, treeOutput: Int32Array.from(trees.treeRoot, (_, t) => t) };
}

/**
 * Sums over the trees of their leaves' k values for every row of `columns` (numeric values, or categorical
 * codes with -1 for missing), row-major nRows x k. `byTree`: the trees as treesByTree gives them (kept by
 * the caller: the batch predictor compiles a model's trees once per TreeArrays object).
 */
export function predictLeafVectorColumns(byTree: TreeArrays, leafValues: Float64Array, k: number, columns: readonly (Float64Array | Int32Array)[], nRows: number, threads?: number | null): Float64Array {
  const nTrees = byTree.treeRoot.length;
  const out = new Float64Array(nRows * k);
  if (nRows < MIN_PARALLEL_ROWS && nRows * nTrees < DIRECT_WALKS) {
    const nFeatures = columns.length;
    const row = new Float64Array(nFeatures);
    for (let r = 0; r < nRows; r++) {
      for (let f = 0; f < nFeatures; f++) row[f] = columns[f]![r]!;
      addLeafVectorsRow(byTree, leafValues, k, row, 0, out, r * k);
    }
    return out;
  }
  const zeros = new Float64Array(nTrees);
  const sliceRows = Math.max(MIN_SLICE_ROWS, Math.floor(SLICE_INDEX_BYTES / (8 * Math.max(1, nTrees))));
  for (let start = 0; start < nRows; start += sliceRows) {
    const n = Math.min(sliceRows, nRows - start);
    const slice = start === 0 && n === nRows ? columns : columns.map((values) => values.subarray(start, start + n));
    const leafIndex = predictColumns(byTree, slice, n, nTrees, zeros, threads);
    addLeafVectors(leafIndex, n, nTrees, leafValues, k, out.subarray(start * k, (start + n) * k));
  }
  return out;
}
