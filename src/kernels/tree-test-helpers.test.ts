/** Helpers shared by the tree kernel tests. Named *.test.ts so that the build leaves it out; it holds no tests itself. */
import { FLAG_CATEGORICAL, FLAG_MISSING_LEFT, type NaiveNode, type TreeArrays } from "./tree-predict.js";

/** Flattens object trees (pre-order, children after their parent) into TreeArrays; tree t adds to output t % nOutputs. */
export function flattenTrees(trees: NaiveNode[], nOutputs: number): TreeArrays {
  const a = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], flags: [] as number[], cat: [] as number[], value: [] as number[] };
  const catBits: number[] = [];
  const roots: number[] = [];
  const visit = (node: NaiveNode): number => {
    const i = a.feature.length;
    a.feature.push(node.leaf ? -1 : node.feature);
    a.value.push(node.leaf ? node.value : 0);
    a.threshold.push(0), a.left.push(-1), a.right.push(-1), a.flags.push(0), a.cat.push(0);
    if (node.leaf) return i;
    a.flags[i] = (node.missingLeft ? FLAG_MISSING_LEFT : 0) | (node.leftCodes ? FLAG_CATEGORICAL : 0);
    if (node.leftCodes) {
      a.threshold[i] = node.nCodes!;
      a.cat[i] = catBits.length;
      const words = new Array(Math.ceil(node.nCodes! / 32)).fill(0);
      for (const c of node.leftCodes) words[c >>> 5] = (words[c >>> 5] | (1 << (c & 31))) >>> 0;
      catBits.push(...words);
    } else a.threshold[i] = node.threshold!;
    a.left[i] = visit(node.left);
    a.right[i] = visit(node.right);
    return i;
  };
  for (const tree of trees) roots.push(visit(tree));
  return {
    nodeFeature: Int32Array.from(a.feature),
    nodeThreshold: Float64Array.from(a.threshold),
    nodeLeft: Int32Array.from(a.left),
    nodeRight: Int32Array.from(a.right),
    nodeFlags: Uint8Array.from(a.flags),
    nodeCatOffset: Int32Array.from(a.cat),
    nodeValue: Float64Array.from(a.value),
    catBits: Uint32Array.from(catBits),
    treeRoot: Int32Array.from(roots),
    treeOutput: Int32Array.from(roots, (_, t) => t % nOutputs),
  };
}
