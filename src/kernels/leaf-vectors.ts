/**
 * Trees whose leaves hold vectors: a leaf's nodeValue is not its value but the index of its vector of k
 * values in a separate array (vector i at leafValues[i*k .. i*k+k-1]). A multiclass random forest stores
 * each bag's Gini tree so, once, with its k class shares per leaf, instead of once per class with one
 * share per leaf: 1/k of the nodes to store, load and walk.
 *
 * Prediction walks each tree once per row and adds the reached leaf's k values. The walk itself is any
 * TreeArrays walk that yields the leaf's nodeValue (the index): ../models/forest runs ./tree-predict.ts's
 * packed walk, or the threaded WebAssembly / JavaScript batch predictor, with one output per tree, so
 * that every row gets, per tree, the index of its leaf, and addLeafVectors then adds the vectors. The sums are made tree by
 * tree in order, so each class's sum is the same float64 additions, in the same order, as the walk of k
 * scalar-leaf copies of the trees (tree t's copy of class c holding the shares of class c) would make.
 */

/**
 * For each row r (of nRows) and each tree t (of nTrees) in order: adds leaf vector leafIndex[r*nTrees + t]
 * (a row-major nRows x nTrees matrix of leaf indices) to out[r*k .. r*k+k-1].
 */
export function addLeafVectors(leafIndex: Float64Array, nRows: number, nTrees: number, leafValues: Float64Array, k: number, out: Float64Array): void {
  for (let r = 0; r < nRows; r++) {
    const indexStart = r * nTrees;
    const outStart = r * k;
    for (let t = 0; t < nTrees; t++) {
      const from = leafIndex[indexStart + t]! * k;
      for (let c = 0; c < k; c++) out[outStart + c] += leafValues[from + c]!;
    }
  }
}

/**
 * A tree with vector leaves as plain objects, for the naive twin: tree-predict.ts's NaiveNode with the leaf's
 * values in place of one value. The twin keeps its own type and walk, not NaiveNode with leaf indices, so
 * that it never goes through the index into leafValues that the fast paths use, and the tests check that too.
 */
export type VectorNode =
  | { readonly leaf: true; readonly values: readonly number[] }
  | {
      readonly leaf: false;
      readonly feature: number;
      readonly threshold?: number;
      /** Categorical: the codes that go left, among codes 0..nCodes-1; others (and negative codes) are missing. */
      readonly leftCodes?: readonly number[];
      readonly nCodes?: number;
      readonly missingLeft: boolean;
      readonly left: VectorNode;
      readonly right: VectorNode;
    };

/** Naive twin for tests: a plain recursive walk of each tree over one row, summing the reached leaves' vectors in tree order. */
export function predictVectorsNaive(trees: readonly VectorNode[], row: ArrayLike<number>, k: number): number[] {
  const reach = (node: VectorNode): readonly number[] => {
    if (node.leaf) return node.values;
    const v = row[node.feature]!;
    let left: boolean;
    if (Number.isNaN(v) || (node.leftCodes && (v < 0 || v >= node.nCodes!))) left = node.missingLeft;
    else if (node.leftCodes) left = node.leftCodes.includes(v);
    else left = v <= node.threshold!;
    return reach(left ? node.left : node.right);
  };
  const sum = new Array<number>(k).fill(0);
  for (const tree of trees) {
    const values = reach(tree);
    for (let c = 0; c < k; c++) sum[c] += values[c]!;
  }
  return sum;
}
