/**
 * Batch prediction of a multiclass forest whose bags' Gini trees are stored once, each leaf holding the
 * index of its k class shares (state.multiclassTrees "gini-shared"; ../../kernels/leaf-vectors.ts).
 *
 * Batches for several threads are walked by the tree ensembles' own batch predictor
 * (../gbdt/predict-threads.ts: WebAssembly or generated JavaScript, on threads), given the trees with one output per
 * tree and an initial score of 0: its "score" of output t is then the index of the leaf that tree t
 * reaches (0 + an integer, exact). addLeafVectors adds the reached leaves' shares, tree by tree in order,
 * so each class's sum is bit for bit the sum of the layout that stored the tree once per class.
 *
 * Batches that the batch predictor would run on one thread (fewer rows than MIN_PARALLEL_ROWS, or one
 * thread asked for) are walked here instead by the packed walk (../../kernels/tree-predict.ts
 * predictPackedRaw4), with the same sums and no compile: the batch predictor compiles a model's trees to
 * WebAssembly on its first batch, and a forest's trees are large and deep, where the compiled code gains
 * little. seattle-weather's 100 trees (5 classes, 35k nodes), one thread, ms of the first call / later
 * calls, while the test suite ran on the other core: 20,000 rows, WebAssembly 825-1103 / 110-180, packed
 * walk 231 / 87-159; 1461 rows, packed walk 200 / 19-85.
 */
import { availableParallelism } from "node:os";
import { addLeafVectors } from "../../kernels/leaf-vectors.js";
import { packTrees, predictColumnsBlock, type PackedTrees, type TreeArrays } from "../../kernels/tree-predict.js";
import { MIN_PARALLEL_ROWS, predictColumns } from "../gbdt/predict-threads.js";

/**
 * Rows per slice: a slice's leaf indices (rows x trees float64) stay within 64 MiB, and a slice is at least
 * 16,384 rows, so that large batches are still cut into enough blocks for the threads.
 */
const SLICE_INDEX_BYTES = 64 * 1024 * 1024;
const MIN_SLICE_ROWS = 16_384;
/** Rows the packed walk takes at a time: their leaf indices (rows x trees) stay small. */
const PACKED_BLOCK_ROWS = 1024;

/** Each model's trees packed for the walk on this thread, made once per model. */
const packedTrees = new WeakMap<TreeArrays, PackedTrees>();

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
  const zeros = new Float64Array(nTrees);
  const oneThread = nRows < MIN_PARALLEL_ROWS || Math.floor(threads ?? availableParallelism()) <= 1;
  if (oneThread) {
    let packed = packedTrees.get(byTree);
    if (!packed) packedTrees.set(byTree, (packed = packTrees(byTree)));
    const blockRows = Math.min(PACKED_BLOCK_ROWS, nRows);
    const leafIndex = new Float64Array(blockRows * nTrees);
    const scratch = new Float64Array(blockRows * columns.length);
    for (let start = 0; start < nRows; start += blockRows) {
      const n = Math.min(blockRows, nRows - start);
      const block = columns.map((values) => values.subarray(start, start + n));
      predictColumnsBlock(packed, block, 0, n, nTrees, zeros, leafIndex, scratch);
      addLeafVectors(leafIndex, n, nTrees, leafValues, k, out.subarray(start * k, (start + n) * k));
    }
    return out;
  }
  const sliceRows = Math.max(MIN_SLICE_ROWS, Math.floor(SLICE_INDEX_BYTES / (8 * Math.max(1, nTrees))));
  for (let start = 0; start < nRows; start += sliceRows) {
    const n = Math.min(sliceRows, nRows - start);
    const slice = start === 0 && n === nRows ? columns : columns.map((values) => values.subarray(start, start + n));
    const leafIndex = predictColumns(byTree, slice, n, nTrees, zeros, threads);
    addLeafVectors(leafIndex, n, nTrees, leafValues, k, out.subarray(start * k, (start + n) * k));
  }
  return out;
}
