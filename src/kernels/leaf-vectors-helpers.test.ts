/** Helpers shared by the vector-leaf tree tests (kernels and forest). Named *.test.ts so that the build leaves it out; it holds no tests itself. */
import type { Random } from "../core/rng.js";
import type { VectorNode } from "./leaf-vectors.js";
import type { NaiveNode, TreeArrays } from "./tree-predict.js";
import { flattenTrees } from "./tree-test-helpers.test.js";

/** A random tree with vector leaves (k values each) over 3 numeric features (0..2) and 2 categorical ones (3, 4). */
export function randomVectorTree(rng: Random, depth: number, k: number, nCodes: number): VectorNode {
  if (depth === 0 || rng.next() < 0.2) return { leaf: true, values: Array.from({ length: k }, () => rng.next()) };
  const feature = rng.int(5);
  const missingLeft = rng.next() < 0.5;
  const left = randomVectorTree(rng, depth - 1, k, nCodes);
  const right = randomVectorTree(rng, depth - 1, k, nCodes);
  if (feature < 3) return { leaf: false, feature, threshold: rng.next(), missingLeft, left, right };
  const leftCodes = Array.from({ length: nCodes }, (_, c) => c).filter(() => rng.next() < 0.4);
  return { leaf: false, feature, leftCodes, nCodes, missingLeft, left, right };
}

/**
 * The vector trees as flattened trees whose leaf values are leaf indices, and the leaves' vectors in index
 * order (the layout of ./leaf-vectors.ts); tree t adds to output t % nOutputs.
 */
export function flattenVectorTrees(trees: readonly VectorNode[], k: number, nOutputs: number): { trees: TreeArrays; leafValues: Float64Array } {
  const values: number[] = [];
  const toIndexed = (node: VectorNode): NaiveNode => {
    if (node.leaf) {
      const index = values.length / k;
      values.push(...node.values);
      return { leaf: true, value: index };
    }
    return { ...node, left: toIndexed(node.left), right: toIndexed(node.right) };
  };
  const indexed = trees.map(toIndexed);
  return { trees: flattenTrees(indexed, nOutputs), leafValues: Float64Array.from(values) };
}

/** Random rows of the 5 features: 10% NaN / missing code -1, and codes past nCodes that no split has seen. */
export function randomRows(rng: Random, nRows: number, nCodes: number): Float64Array {
  const x = new Float64Array(nRows * 5);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < 3; f++) x[r * 5 + f] = rng.next() < 0.1 ? NaN : rng.next();
    for (let f = 3; f < 5; f++) x[r * 5 + f] = rng.next() < 0.1 ? -1 : rng.int(nCodes + 5);
  }
  return x;
}
