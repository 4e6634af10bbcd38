/**
 * Prediction with flattened trees. Every tree of a model lives in the same set of typed arrays (struct of
 * arrays); a node is an index, a leaf is a node whose feature is -1. Children are absolute indices.
 *
 * Raw-value prediction needs no binning: a numeric node sends x left when x <= threshold, where the
 * threshold is the upper edge of the split's last left bin (see ./binning.ts), so it agrees with the
 * binned decision on every value; NaN follows the node's missing direction. A categorical node holds a
 * bitset over category codes; a code outside the bitset (missing, or unseen in training) follows the
 * missing direction.
 */

/** Node flag: missing (NaN, or unknown category) goes to the left child. */
export const FLAG_MISSING_LEFT = 1;
/** Node flag: categorical split (bitset over codes) rather than a threshold. */
export const FLAG_CATEGORICAL = 2;

/** The flattened trees of a model. */
export interface TreeArrays {
  /** Split feature of each node, -1 for a leaf. */
  readonly nodeFeature: Int32Array;
  /** Numeric node: x <= threshold goes left. Categorical node: the number of codes its bitset covers. */
  readonly nodeThreshold: Float64Array;
  readonly nodeLeft: Int32Array;
  readonly nodeRight: Int32Array;
  /** FLAG_MISSING_LEFT | FLAG_CATEGORICAL. */
  readonly nodeFlags: Uint8Array;
  /** Categorical node: first word of its bitset in catBits. */
  readonly nodeCatOffset: Int32Array;
  /** Leaf value (already scaled by the learning rate); 0 for inner nodes. */
  readonly nodeValue: Float64Array;
  /** Bitsets of categorical nodes: bit c set when category code c goes left. */
  readonly catBits: Uint32Array;
  /** Root node of each tree. */
  readonly treeRoot: Int32Array;
  /** Output column each tree adds to (the class, for multiclass; 0 otherwise). */
  readonly treeOutput: Int32Array;
}

/** The leaf that a row-major row x[rowStart..] reaches from `root`. */
export function findLeaf(trees: TreeArrays, root: number, x: Float64Array, rowStart: number): number {
  const { nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeFlags, nodeCatOffset, catBits } = trees;
  let node = root;
  let f = nodeFeature[node]!;
  while (f >= 0) {
    const v = x[rowStart + f]!;
    const flags = nodeFlags[node]!;
    let left: boolean;
    if ((flags & FLAG_CATEGORICAL) === 0) {
      left = v === v ? v <= nodeThreshold[node]! : (flags & FLAG_MISSING_LEFT) !== 0;
    } else if (v >= 0 && v < nodeThreshold[node]!) {
      left = ((catBits[nodeCatOffset[node]! + (v >>> 5)]! >>> (v & 31)) & 1) === 1;
    } else {
      left = (flags & FLAG_MISSING_LEFT) !== 0;
    }
    node = left ? nodeLeft[node]! : nodeRight[node]!;
    f = nodeFeature[node]!;
  }
  return node;
}

/**
 * Adds the trees treeBegin..treeEnd-1 to raw scores: out[r * nOutputs + treeOutput[t]] += leaf value, for
 * rows of the row-major matrix x (nRows x nFeatures; categorical features hold their codes, -1 missing).
 * Row-outer: one row's features stay in cache while every tree walks it, and all trees of a model of
 * usual size (100s of trees x 61 nodes) fit in L2.
 */
export function predictRaw(trees: TreeArrays, treeBegin: number, treeEnd: number, x: Float64Array, nRows: number, nFeatures: number, nOutputs: number, out: Float64Array): void {
  // About 5 ns per node visited (40k rows x 100 trees of 31 leaves: 5 us a row); inlining findLeaf with
  // hoisted arrays measured no faster. The cost is the unpredictable left/right branch of each visit.
  const { treeRoot, treeOutput, nodeValue } = trees;
  for (let r = 0; r < nRows; r++) {
    const rowStart = r * nFeatures;
    const outStart = r * nOutputs;
    for (let t = treeBegin; t < treeEnd; t++) {
      out[outStart + treeOutput[t]!] += nodeValue[findLeaf(trees, treeRoot[t]!, x, rowStart)]!;
    }
  }
}

/**
 * Trees laid out for fast walks: the two children of a node are adjacent (right = left + 1), so the next
 * node is left + (0 or 1) computed without a branch; a node's integers are 4 consecutive words of `node`
 * (16 bytes: four nodes a cache line) and its threshold, or a leaf's value, one float64 of `value`.
 */
export interface PackedTrees {
  /** Per node: feature (-1 for a leaf), left child, route bits (PACKED_*), first word of its category bitset. */
  readonly node: Int32Array;
  /** Numeric node: its threshold; categorical node: codes its bitset covers; leaf: its value. */
  readonly value: Float64Array;
  readonly catBits: Uint32Array;
  readonly treeRoot: Int32Array;
  readonly treeOutput: Int32Array;
}

/** Route bit of a packed node: missing values (NaN, or codes outside the bitset) go right. */
export const PACKED_MISSING_RIGHT = 1;
/** Route bit of a packed node: a categorical split. */
export const PACKED_CATEGORICAL = 2;

/** Re-lays TreeArrays as PackedTrees (children adjacent, nodes renumbered tree by tree, parents first). */
export function packTrees(trees: TreeArrays): PackedTrees {
  const nNodes = trees.nodeFeature.length;
  const node = new Int32Array(4 * nNodes);
  const value = new Float64Array(nNodes);
  const treeRoot = new Int32Array(trees.treeRoot.length);
  let next = 0;
  const stack: number[] = [];
  for (let t = 0; t < trees.treeRoot.length; t++) {
    treeRoot[t] = next;
    // Pairs of (old node, new index): a node's children get two adjacent new indices when it is placed.
    stack.push(trees.treeRoot[t]!, next++);
    while (stack.length > 0) {
      const at = stack.pop()!;
      const old = stack.pop()!;
      const f = trees.nodeFeature[old]!;
      node[4 * at] = f;
      if (f < 0) {
        node[4 * at + 1] = at;
        value[at] = trees.nodeValue[old]!;
        continue;
      }
      const left = next;
      next += 2;
      const flags = trees.nodeFlags[old]!;
      node[4 * at + 1] = left;
      node[4 * at + 2] = ((flags & FLAG_MISSING_LEFT) === 0 ? PACKED_MISSING_RIGHT : 0) | ((flags & FLAG_CATEGORICAL) !== 0 ? PACKED_CATEGORICAL : 0);
      node[4 * at + 3] = trees.nodeCatOffset[old]!;
      value[at] = trees.nodeThreshold[old]!;
      stack.push(trees.nodeLeft[old]!, left, trees.nodeRight[old]!, left + 1);
    }
  }
  return { node, value, catBits: trees.catBits, treeRoot, treeOutput: trees.treeOutput };
}

/**
 * predictRaw over PackedTrees, one row at a time: out[r * nOutputs + treeOutput[t]] += leaf value of tree
 * t, trees added in order. A numeric step is branch-free: right = (x > threshold) | (x is NaN & missing
 * goes right). Alone it is no faster than predictRaw (the walk is one chain of dependent loads); it
 * finishes the last rows of predictPackedRaw4.
 */
export function predictPackedRaw(trees: PackedTrees, x: Float64Array, nRows: number, nFeatures: number, nOutputs: number, out: Float64Array): void {
  const { node, value, catBits, treeRoot, treeOutput } = trees;
  const nTrees = treeRoot.length;
  for (let r = 0; r < nRows; r++) {
    const rowStart = r * nFeatures;
    const outStart = r * nOutputs;
    for (let t = 0; t < nTrees; t++) {
      let i = treeRoot[t]!;
      let f = node[4 * i]!;
      while (f >= 0) {
        const v = x[rowStart + f]!;
        const route = node[4 * i + 2]!;
        let right: number;
        if ((route & PACKED_CATEGORICAL) === 0) right = +(v > value[i]!) | (+(v !== v) & route);
        else if (v >= 0 && v < value[i]!) right = ((catBits[node[4 * i + 3]! + (v >>> 5)]! >>> (v & 31)) & 1) ^ 1;
        else right = route & PACKED_MISSING_RIGHT;
        i = node[4 * i + 1]! + right;
        f = node[4 * i]!;
      }
      out[outStart + treeOutput[t]!] += value[i]!;
    }
  }
}

/**
 * predictPackedRaw walking 4 rows at a time through each tree: the four walks are independent chains of
 * loads, so the CPU overlaps them, and no step branches on the data (the only branch is "all four at a
 * leaf"). Each row's trees are still added in order, so the sums equal predictRaw's bit for bit. 40k rows x
 * 100 trees of 31 leaves, CPU medians: 110-117 ms against 209-243 ms for predictRaw (1M x 28 model) and
 * 113-119 vs 189-204 ms (flights). Tried and no faster: 8 rows at a time (176-193 ms: too many live values
 * for the registers), tree-outer loops over 64-256 rows (144-384 ms), a fixed number of steps per tree
 * with leaves looping to themselves (122 and 140 ms), each node in one 32-byte record with its threshold
 * (116 vs 113 ms, 120 vs 119 ms).
 */
export function predictPackedRaw4(trees: PackedTrees, x: Float64Array, nRows: number, nFeatures: number, nOutputs: number, out: Float64Array): void {
  const { node, value, treeRoot, treeOutput } = trees;
  const nTrees = treeRoot.length;
  let r = 0;
  for (; r + 4 <= nRows; r += 4) {
    const s0 = r * nFeatures, s1 = s0 + nFeatures, s2 = s1 + nFeatures, s3 = s2 + nFeatures;
    for (let t = 0; t < nTrees; t++) {
      const root = treeRoot[t]!;
      let i0 = root, i1 = root, i2 = root, i3 = root;
      // A row already at its leaf stays there (stepAny) until the other three arrive.
      for (;;) {
        const f0 = node[4 * i0]!, f1 = node[4 * i1]!, f2 = node[4 * i2]!, f3 = node[4 * i3]!;
        if ((f0 & f1 & f2 & f3) < 0) break;
        i0 = stepAny(trees, x, s0, i0, f0);
        i1 = stepAny(trees, x, s1, i1, f1);
        i2 = stepAny(trees, x, s2, i2, f2);
        i3 = stepAny(trees, x, s3, i3, f3);
      }
      const k = treeOutput[t]!;
      out[r * nOutputs + k] += value[i0]!;
      out[(r + 1) * nOutputs + k] += value[i1]!;
      out[(r + 2) * nOutputs + k] += value[i2]!;
      out[(r + 3) * nOutputs + k] += value[i3]!;
    }
  }
  if (r < nRows) predictPackedRaw(trees, x.subarray(r * nFeatures), nRows - r, nFeatures, nOutputs, out.subarray(r * nOutputs));
}

/** One step of a walk from node i (feature f): the next node, or i itself at a leaf. */
export function stepAny(trees: PackedTrees, x: Float64Array, rowStart: number, i: number, f: number): number {
  if (f < 0) return i;
  const node = trees.node;
  const v = x[rowStart + f]!;
  const route = node[4 * i + 2]!;
  const t = trees.value[i]!;
  if ((route & PACKED_CATEGORICAL) === 0) return node[4 * i + 1]! + (+(v > t) | (+(v !== v) & route));
  if (v >= 0 && v < t) return node[4 * i + 1]! + (((trees.catBits[node[4 * i + 3]! + (v >>> 5)]! >>> (v & 31)) & 1) ^ 1);
  return node[4 * i + 1]! + (route & PACKED_MISSING_RIGHT);
}

/**
 * Raw scores of rows start..start+n-1 of a dataset's columns (numeric values, or categorical codes with -1
 * for missing): out[r * nOutputs + k] = initial[k] + the trees' leaf values of output k, added in tree
 * order, so every row's score is the same whichever thread or block computes it. The block is first copied
 * row-major into `scratch` (n x nFeatures), which stays in cache while every tree walks it.
 */
export function predictColumnsBlock(
  trees: PackedTrees,
  columns: readonly (Float64Array | Int32Array)[],
  start: number,
  n: number,
  nOutputs: number,
  initial: Float64Array,
  out: Float64Array,
  scratch: Float64Array,
): void {
  const nFeatures = columns.length;
  for (let f = 0; f < nFeatures; f++) {
    const values = columns[f]!;
    for (let i = 0; i < n; i++) scratch[i * nFeatures + f] = values[start + i]!;
  }
  const end = (start + n) * nOutputs;
  for (let at = start * nOutputs; at < end; at += nOutputs) for (let k = 0; k < nOutputs; k++) out[at + k] = initial[k]!;
  predictPackedRaw4(trees, scratch, n, nFeatures, nOutputs, out.subarray(start * nOutputs, end));
}

/**
 * Adds one tree under training to raw scores of binned rows: nodes are local (root 0), and node i's
 * decision is the 256-entry table goLeft[i*256 .. i*256+255] indexed by bin (see ./partition.ts).
 * out[r * outStride + outOffset] += nodeValue[leaf].
 */
export function predictBinnedAdd(
  bins: Uint8Array,
  nRows: number,
  nodeFeature: Int32Array,
  nodeLeft: Int32Array,
  nodeRight: Int32Array,
  goLeft: Uint8Array,
  nodeValue: Float64Array,
  out: Float64Array,
  outStride: number,
  outOffset: number,
): void {
  for (let r = 0; r < nRows; r++) {
    let node = 0;
    let f = nodeFeature[0]!;
    while (f >= 0) {
      node = goLeft[(node << 8) + bins[f * nRows + r]!] ? nodeLeft[node]! : nodeRight[node]!;
      f = nodeFeature[node]!;
    }
    out[r * outStride + outOffset] += nodeValue[node]!;
  }
}

/** A tree node as a plain object, for the naive twin and for dumps. */
export type NaiveNode =
  | { readonly leaf: true; readonly value: number }
  | {
      readonly leaf: false;
      readonly feature: number;
      readonly threshold?: number;
      /** Categorical: the codes that go left, among codes 0..nCodes-1; others are missing. */
      readonly leftCodes?: readonly number[];
      readonly nCodes?: number;
      readonly missingLeft: boolean;
      readonly left: NaiveNode;
      readonly right: NaiveNode;
    };

/** Naive twin for tests: walks a tree of objects over one row given as an array. */
export function predictNaive(tree: NaiveNode, row: ArrayLike<number>): number {
  let node = tree;
  while (!node.leaf) {
    const v = row[node.feature]!;
    let left: boolean;
    if (Number.isNaN(v) || (node.leftCodes && (v < 0 || v >= node.nCodes!))) left = node.missingLeft;
    else if (node.leftCodes) left = node.leftCodes.includes(v);
    else left = v <= node.threshold!;
    node = left ? node.left : node.right;
  }
  return node.value;
}
