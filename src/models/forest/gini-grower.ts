/**
 * Grows one multiclass classification tree, best-first, on binned data, with scikit-learn's criterion:
 * each split minimises the Gini impurity over all k classes together, and each leaf holds its classes'
 * shares (weighted by the bootstrap counts and sample weights). Reads like the algorithm:
 *
 *   root: class histograms of its drawn features -> best Gini split
 *   repeat until maxLeaves: take the leaf with the largest gain, partition its rows, and for each child
 *   that may split, draw its features, build their class histograms from its rows, find its best split
 *
 * Features are drawn as scikit-learn's splitter draws them: one at a time, without replacement, until
 * featuresPerSplit of them vary within the node (a feature constant there is skipped and not counted), or
 * none is left. Without that, a node whose drawn features were all constant would stay an impure leaf:
 * common on sparse sets (most of digits' 64 pixels are 0 in a deep node).
 *
 * Histograms are built for the drawn features only (sqrt of the features by default), from each node's
 * own rows: no subtraction from the parent (which would need every feature's histogram) and no pool.
 * The node arrays have the names and meaning of TreeGrower's (../gbdt/grower.ts), so the forest flattens
 * the tree with the same TreeBuilder, once per class with that class's shares as leaf values.
 */
import { buildClassHistogram, centredThresholdBin, classStride, findBestGiniSplit, GiniScratch, GiniSplit } from "../../kernels/class-histogram.js";
import { categoricalGoLeft, numericGoLeft, partitionRows } from "../../kernels/partition.js";
import { CAT_WORDS } from "../../kernels/split.js";
import type { Random } from "../../core/rng.js";
import type { BinnedData } from "../gbdt/grower.js";
import { LeafHeap } from "../gbdt/leaf-heap.js";

/** Tree-shape settings of the Gini grower. */
export interface GiniGrowerSettings {
  readonly maxLeaves: number;
  /** Depth limit, or Infinity. */
  readonly maxDepth: number;
  /** Fewest distinct rows in a leaf. */
  readonly minSamplesLeaf: number;
  /** Fewest rows of a category in a node for a categorical split to set it apart. */
  readonly minCategoryCount: number;
  /** Most categories on the left side of a categorical split. */
  readonly maxCatThreshold: number;
  /**
   * Upper bin edges of each numeric feature (the bin mapper's): a numeric split's threshold is centred
   * in the gap between the node's values (see centredThresholdBin). Absent: the lowest bin of the gap.
   */
  readonly edges?: readonly Float64Array[];
}

/** The multiclass Gini tree grower; buffers are allocated once and reused by every tree. */
export class GiniTreeGrower {
  readonly data: BinnedData;
  readonly nClasses: number;
  readonly settings: GiniGrowerSettings;
  /** The row partition: the caller puts the tree's rows in rows[0..nUsed); every leaf's rows end up contiguous. */
  readonly rows: Int32Array;
  nLeaves = 0;
  nNodes = 0;
  readonly nodeFeature: Int32Array;
  readonly nodeLeft: Int32Array;
  readonly nodeRight: Int32Array;
  /** Numeric node: last bin going left. */
  readonly nodeBin: Int32Array;
  readonly nodeMissingLeft: Uint8Array;
  readonly nodeCategorical: Uint8Array;
  /** Categorical node: bitset of bins going left, CAT_WORDS words per node. */
  readonly nodeCatBins: Uint32Array;
  /** 256-entry goLeft table per node, for partitioning and binned prediction. */
  readonly nodeGoLeft: Uint8Array;
  /** Split node: its weighted Gini impurity decrease. */
  readonly nodeGain: Float64Array;
  /** Distinct training rows reaching each node. */
  readonly nodeCount: Float64Array;
  /** Leaf values for TreeBuilder: the caller writes each leaf's index into its class shares here (see ./forest.ts, fitMulticlass). */
  readonly nodeValue: Float64Array;
  /** Leaf node: the weighted share of each class among its rows, nClasses per node. */
  readonly nodeShares: Float64Array;
  /** Node of each leaf. */
  readonly leafNode: Int32Array;

  readonly #leafBegin: Int32Array;
  readonly #leafCount: Int32Array;
  readonly #leafDepth: Int32Array;
  /** Class weights of each leaf, nClasses per leaf. */
  readonly #leafTotals: Float64Array;
  readonly #splits: GiniSplit[];
  readonly #scratch: GiniScratch;
  readonly #partitionScratch: Int32Array;
  readonly #histogram: Float64Array;
  /** The candidate features of the node being searched, ascending. */
  readonly #nodeFeatures: Int32Array;
  /** The features in the order of the node's draws (a partial Fisher-Yates shuffle). */
  readonly #featurePool: Int32Array;
  /** Leaves that may split, by gain. */
  readonly #heap: LeafHeap;

  constructor(data: BinnedData, nClasses: number, settings: GiniGrowerSettings) {
    this.data = data;
    this.nClasses = nClasses;
    this.settings = settings;
    const L = settings.maxLeaves;
    const nodes = 2 * L - 1;
    this.rows = new Int32Array(data.nRows);
    this.#partitionScratch = new Int32Array(data.nRows);
    this.#histogram = new Float64Array(data.totalBins * classStride(nClasses));
    this.#nodeFeatures = new Int32Array(data.nFeatures);
    this.#featurePool = new Int32Array(data.nFeatures);
    this.#scratch = new GiniScratch(nClasses);
    this.#splits = Array.from({ length: L }, () => new GiniSplit());
    this.#heap = new LeafHeap(this.#splits, L);
    this.leafNode = new Int32Array(L);
    this.#leafBegin = new Int32Array(L);
    this.#leafCount = new Int32Array(L);
    this.#leafDepth = new Int32Array(L);
    this.#leafTotals = new Float64Array(L * nClasses);
    this.nodeFeature = new Int32Array(nodes);
    this.nodeLeft = new Int32Array(nodes);
    this.nodeRight = new Int32Array(nodes);
    this.nodeBin = new Int32Array(nodes);
    this.nodeMissingLeft = new Uint8Array(nodes);
    this.nodeCategorical = new Uint8Array(nodes);
    this.nodeCatBins = new Uint32Array(nodes * CAT_WORDS);
    this.nodeGoLeft = new Uint8Array(nodes * 256);
    this.nodeGain = new Float64Array(nodes);
    this.nodeCount = new Float64Array(nodes);
    this.nodeValue = new Float64Array(nodes);
    this.nodeShares = new Float64Array(nodes * nClasses);
  }

  /**
   * Grows a tree on rows[0..nUsed) (rows with weight > 0; the caller fills them), row r of class
   * classOf[r] with weight weights[r]; each node's split is searched over featuresPerSplit features that
   * vary within it, drawn with `rng` (see the file comment; every feature when featuresPerSplit is
   * nFeatures, without drawing).
   */
  grow(classOf: Int32Array, weights: Float64Array, nUsed: number, featuresPerSplit: number, rng: Random): void {
    const { data, settings, nClasses } = this;
    const { nRows, nBins } = data;
    const totals = this.#leafTotals;
    this.nLeaves = 1;
    this.nNodes = 1;
    this.nodeFeature[0] = -1;
    this.leafNode[0] = 0;
    this.#leafBegin[0] = 0;
    this.#leafCount[0] = nUsed;
    this.#leafDepth[0] = 0;
    this.#heap.size = 0;
    this.#sumClasses(0, classOf, weights);
    this.nodeCount[0] = nUsed;
    this.#search(0, classOf, weights, featuresPerSplit, rng);

    while (this.nLeaves < settings.maxLeaves && this.#heap.size > 0) {
      const best = this.#heap.pop();
      const split = this.#splits[best]!;
      const right = this.nLeaves++;
      const parentNode = this.leafNode[best]!;
      const leftNode = this.nNodes++;
      const rightNode = this.nNodes++;
      const f = split.featureIndex;
      this.nodeFeature[parentNode] = f;
      this.nodeLeft[parentNode] = leftNode;
      this.nodeRight[parentNode] = rightNode;
      this.nodeGain[parentNode] = split.gain;
      this.nodeMissingLeft[parentNode] = split.missingLeft ? 1 : 0;
      this.nodeCategorical[parentNode] = split.categorical ? 1 : 0;
      const goLeft = this.nodeGoLeft.subarray(parentNode << 8, (parentNode + 1) << 8);
      if (split.categorical) {
        this.nodeCatBins.set(split.catBins, parentNode * CAT_WORDS);
        categoricalGoLeft(split.catBins, nBins[f]!, split.missingLeft, goLeft);
      } else {
        const edges = settings.edges?.[f];
        const threshold = edges && split.nextBin >= 0 ? centredThresholdBin(edges, split.binThreshold, split.nextBin) : split.binThreshold;
        this.nodeBin[parentNode] = threshold;
        numericGoLeft(threshold, nBins[f]!, split.missingLeft, goLeft);
      }
      const begin = this.#leafBegin[best]!;
      const count = this.#leafCount[best]!;
      const nLeft = partitionRows(this.rows, begin, count, data.bins, f * nRows, goLeft, this.#partitionScratch);
      const depth = this.#leafDepth[best]! + 1;
      this.#leafCount[best] = nLeft;
      this.#leafBegin[right] = begin + nLeft;
      this.#leafCount[right] = count - nLeft;
      this.#leafDepth[best] = depth;
      this.#leafDepth[right] = depth;
      this.leafNode[best] = leftNode;
      this.leafNode[right] = rightNode;
      this.nodeFeature[leftNode] = -1;
      this.nodeFeature[rightNode] = -1;
      this.nodeCount[leftNode] = nLeft;
      this.nodeCount[rightNode] = count - nLeft;
      // Each child's class weights summed from its rows (not the parent's minus the other's, which drifts).
      this.#sumClasses(best, classOf, weights);
      this.#sumClasses(right, classOf, weights);
      if (this.nLeaves === settings.maxLeaves) break;
      this.#search(best, classOf, weights, featuresPerSplit, rng);
      this.#search(right, classOf, weights, featuresPerSplit, rng);
    }
    for (let l = 0; l < this.nLeaves; l++) {
      const node = this.leafNode[l]!;
      let total = 0;
      for (let c = 0; c < nClasses; c++) total += totals[l * nClasses + c]!;
      for (let c = 0; c < nClasses; c++) this.nodeShares[node * nClasses + c] = totals[l * nClasses + c]! / total;
    }
  }

  /** The class weights of leaf `leaf`'s rows. */
  #sumClasses(leaf: number, classOf: Int32Array, weights: Float64Array): void {
    const k = this.nClasses;
    const totals = this.#leafTotals;
    totals.fill(0, leaf * k, (leaf + 1) * k);
    const end = this.#leafBegin[leaf]! + this.#leafCount[leaf]!;
    for (let i = this.#leafBegin[leaf]!; i < end; i++) {
      const r = this.rows[i]!;
      totals[leaf * k + classOf[r]!] += weights[r]!;
    }
  }

  /** Finds leaf `leaf`'s best split, when it may split, and puts it in the heap when there is one. */
  #search(leaf: number, classOf: Int32Array, weights: Float64Array, featuresPerSplit: number, rng: Random): void {
    const { data, settings, nClasses } = this;
    const count = this.#leafCount[leaf]!;
    const split = this.#splits[leaf]!;
    split.gain = -Infinity;
    if (this.#leafDepth[leaf]! >= settings.maxDepth || count < 2 * settings.minSamplesLeaf) return;
    // A pure leaf cannot split: skip drawing its features (scikit-learn draws none for it either).
    let classesPresent = 0;
    for (let c = 0; c < nClasses; c++) if (this.#leafTotals[leaf * nClasses + c]! > 0) classesPresent++;
    if (classesPresent < 2) return;
    const { nFeatures, featureOffset, nBins } = data;
    const stride = classStride(nClasses);
    const hist = this.#histogram;
    const pool = this.#featurePool;
    const chosen = this.#nodeFeatures;
    for (let f = 0; f < nFeatures; f++) pool[f] = f;
    let nChosen = 0;
    for (let i = 0; i < nFeatures && nChosen < featuresPerSplit; i++) {
      // Drawn in a random order, also when every feature is drawn: see below.
      const j = i + rng.int(nFeatures - i);
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
      buildClassHistogram(data.bins, data.nRows, this.rows, this.#leafBegin[leaf]!, count, classOf, weights, pool.subarray(i, i + 1), 1, featureOffset, nBins, nClasses, hist);
      // Constant in this node: one bin (the missing bin included) holds every row.
      const f = pool[i]!;
      let nonEmpty = 0;
      for (let b = 0; b < nBins[f]! && nonEmpty < 2; b++) if (hist[(featureOffset[f]! + b) * stride + nClasses]! > 0) nonEmpty++;
      if (nonEmpty >= 2) chosen[nChosen++] = f;
    }
    // In the order drawn: the search keeps the first of equal gains, so a tie goes to a feature at random,
    // as in scikit-learn's splitter and the binary and regression trees (../gbdt/grower.ts's RandomNodeFeatures,
    // which says why: given to the lowest feature, every tree made the same choice where the data did not
    // decide).
    const features = chosen;
    const nSelected = nChosen;
    const totals = this.#leafTotals.subarray(leaf * nClasses, (leaf + 1) * nClasses);
    findBestGiniSplit(this.#histogram, features, nSelected, data.featureOffset, data.nBins, data.isCategorical, nClasses, totals, count, settings, this.#scratch, split);
    if (split.gain > -Infinity) this.#heap.push(leaf);
  }
}
