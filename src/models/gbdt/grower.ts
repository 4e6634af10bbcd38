/**
 * Grows one tree, leaf-wise (best-first), on binned data. Reads like the algorithm:
 *
 *   root histogram -> best split of the root
 *   repeat until maxLeaves: take the leaf with the largest gain (a heap), partition its rows, build the
 *   smaller child's histogram, get the larger one by subtraction, find both children's best splits
 *
 * Every buffer is allocated once per fit and reused by every tree: the row partition (rows, scratch),
 * the ordered gradients, a pool of histogram slots (a leaf holds one while it may split; when it splits,
 * the larger child takes the parent's slot in place and the smaller child a free one; a leaf that cannot
 * split gives its slot back; see GrowerSettings.maxHistograms for a pool smaller than the leaves), the
 * per-leaf split records and the node arrays of the tree under construction. Optional: a per-node feature
 * sampler (random forests) and quantized gradients (GrowerSettings.quantizeGradients). With node
 * histograms "drawn" (random forests), each node draws its features first, builds only their histogram
 * from its rows, and gives it back once its split is found (GrowerSettings.nodeHistograms): on pd_speech
 * (751 features, 27 a node) a forest's fit went from 0.89 to 0.10 s.
 *
 * With HistogramThreads, the histograms of big nodes are built by several threads over feature blocks
 * (see ./histogram-threads.ts), big leaves are partitioned by the threads one segment each (see
 * TreeGrower), and the root histogram may be built while this thread computes the gradients
 * (GradientSource); all bit-identical to one thread. Split search stays on this thread.
 *
 * Kernels: unless told otherwise (GrowerKernels), the histograms and partitions run in WebAssembly
 * (../../kernels/wasm/kernels.wat) over one shared memory that holds a copy of the bins, the row partition,
 * the gradient pairs and the histogram pool (and, for binary log loss, the training scores and targets, whose
 * gradients a WebAssembly kernel computes: logLossGradients); the JavaScript kernels are the fallback (quantized gradients,
 * no WebAssembly SIMD, data past 2 GiB) and give the same trees bit for bit. 1M x 28 on one thread:
 * histogram 0.36 vs 1.7 ns per update, partition 1.7 vs 6.3 ns per row (see bench/gbdt/RESULTS.md).
 */
import { buildHistogramAllRows, buildHistogramAllRowsWasm, buildHistogramOrdered, buildHistogramOrderedWasm, buildHistogramSegmentsWasm, buildPackedAllRows, buildPackedOrdered, gatherGradients, HIST_STRIDE, Quantization, quantizationLevels, quantizeGradients, subtractHistograms, subtractPacked, unpackHistogram, type WasmKernels } from "../../kernels/histogram.js";
import { categoricalGoLeft, numericGoLeft, partitionRowsWithPairs, partitionRowsWithPairsWasm } from "../../kernels/partition.js";
import { WasmArena } from "../../kernels/wasm/arena.js";
import { logLossGradientsWasm, type LogLossGradientKernel } from "../../kernels/gradients.js";
import { CAT_WORDS, findBestSplit, leafValue, SplitInfo, SplitScratch, type SplitSettings } from "../../kernels/split.js";
import type { Random } from "../../core/rng.js";
import { MIN_PARALLEL_PARTITION_ROWS, type HistogramThreads } from "./histogram-threads.js";
import { LeafHeap } from "./leaf-heap.js";

/**
 * Writes the gradient/hessian pairs of rows begin..end-1 into out[2r], out[2r + 1] and adds them, row
 * after row, to sums[0] (gradients) and sums[1] (hessians) (see TreeGrower.grow: the root is built while
 * the gradients are computed).
 */
export type GradientSource = (begin: number, end: number, out: Float32Array, sums: Float64Array) => void;

/** Which kernels a grower runs: WebAssembly where it can ("auto"), or the JavaScript ones only. */
export type GrowerKernels = "auto" | "javascript";

/** Shape of the binned training data, as the grower needs it. */
export interface BinnedData {
  /** Column-major bins, nFeatures x nRows. */
  readonly bins: Uint8Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly nBins: Int32Array;
  readonly featureOffset: Int32Array;
  readonly isCategorical: Uint8Array;
  readonly totalBins: number;
}

/** Tree-shape settings of the grower. */
export interface GrowerSettings extends SplitSettings {
  readonly maxLeaves: number;
  /** Depth limit, or Infinity. */
  readonly maxDepth: number;
  /**
   * Histograms kept at once (default: one per leaf, never fewer than 3). A leaf's histogram is kept only
   * while the leaf may still split; when more leaves wait than there are histograms, the waiting leaf
   * least likely to split next gives its histogram up, and its children are then built from their rows
   * instead of by subtraction (LightGBM's histogram pool). Lets trees of many leaves (random forests)
   * grow in bounded memory.
   */
  readonly maxHistograms?: number;
  /**
   * Quantized gradients (see ../../kernels/histogram.ts): histograms of small integers packed in one
   * float64 per bin, split search on their scaled sums, leaf values from the exact gradients. Ignored when
   * the data has too many rows for exact packed sums (quantizationLevels below 4, past ~12M rows).
   */
  readonly quantizeGradients?: boolean;
  /**
   * Binary log loss targets (labels 0/1 and weights, null when all 1): with the WebAssembly kernels, the
   * grower keeps a copy of them and the training scores in its memory, for `logLossGradients`.
   */
  readonly logLossTargets?: { readonly y: Float64Array; readonly weights: Float64Array | null };
  /**
   * Which histograms a node gets (default "all"): "all" builds every feature of the tree (the smaller
   * child from its rows, the larger by subtraction from the parent's); "drawn" only the features the node
   * drew (every feature of the tree without a sampler), each child from its rows, and gives the histogram
   * back once the node's split is found, so one pool slot is held at a time. Building each child from its
   * rows costs (rows of the parent) x (drawn) updates, the subtraction (rows of the smaller child) x (all
   * features), so on paper the crossover is at half of the features for even splits; but the subtraction
   * also passes over every feature's bins of the parent's histogram, which waited in the pool (cold in the
   * cache, or given up and rebuilt from rows when the pool is full, as in a forest's deep trees). Measured
   * on a forest's fit, CPU seconds drawn / all (bench/forest/RESULTS.md, "Drawn features' histograms"):
   * 160,000 x 28, 5 trees, 14 of 28 features a node 0.62, 18 of 28 0.74, 22 of 28 0.75; cells (1514 x 56),
   * 100 trees, 28 of 56 0.48, 42 of 56 0.61, 50 of 56 0.67.
   */
  readonly nodeHistograms?: "all" | "drawn";
}

/**
 * Chooses the candidate features of each node's split (a random forest's max_features). The grower calls it
 * on its own thread, once per node whose split it searches, in a fixed order of nodes (the root, then the
 * left and right child of each split in split order), so the choice is the same for any number of threads.
 * Histograms are built either for every feature of the tree (a child's histogram is its parent's minus its
 * sibling's, whatever features each node drew) or, when a node draws few features, for the drawn ones only,
 * from the node's rows (see GrowerSettings.nodeHistograms); the draws are the same either way.
 */
export interface NodeFeatureSampler {
  /**
   * Writes the candidate features of node `node`, a subset of features[0..nSelected) in any order (the
   * split search keeps the first of equal gains in that order), to `out` (room for nSelected) and returns
   * how many there are.
   */
  sample(node: number, features: Int32Array, nSelected: number, out: Int32Array): number;
}

/**
 * scikit-learn's max_features: `perNode` of the tree's features drawn without replacement for every node,
 * from a seeded generator (a partial Fisher-Yates shuffle), in the order drawn, also when perNode is all of
 * them. The split search keeps the first of equal gains, so a tie goes to a feature drawn at random, as in
 * scikit-learn's splitter. Ties are common: features that order a node's rows alike give the same
 * partition and the same gain (neighbouring wavelengths of a spectrum; any separating feature in a 2-row
 * node). Given to the lowest feature index, every tree of a forest made the same choices where the data
 * did not decide, put its thresholds on the same column and averaged less out: on meats (161 x 100
 * spectra) RMSE 2.15 against scikit-learn's 2.05 (bench/forest/RESULTS.md, "Ties between equal gains").
 */
export class RandomNodeFeatures implements NodeFeatureSampler {
  readonly #rng: Random;
  readonly #perNode: number;

  constructor(rng: Random, perNode: number) {
    this.#rng = rng;
    this.#perNode = perNode;
  }

  sample(_node: number, features: Int32Array, nSelected: number, out: Int32Array): number {
    const n = Math.min(this.#perNode, nSelected);
    out.set(features.subarray(0, nSelected));
    for (let i = 0; i < n; i++) {
      const j = i + this.#rng.int(nSelected - i);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return n;
  }
}

/** Time spent in each phase, in milliseconds, summed over trees (LightGBM-style phase timers). */
export interface GrowerTimings {
  histogram: number;
  /** Part of `histogram` spent on root histograms. */
  rootHistogram: number;
  split: number;
  partition: number;
  /** (row, feature) pairs added to histograms: divided into `histogram`, the cost per update. */
  histogramUpdates: number;
  /** Rows moved by partitions. */
  partitionedRows: number;
}

/**
 * The leaf-wise tree grower. After `grow`, the tree is in the node arrays (nNodes entries, root 0,
 * leaves have nodeFeature -1) and each leaf's rows are `segments` slices of `rows`: slice t is
 * rows[leafBegin[l * segments + t] .. + leafCount[l * segments + t]). Their concatenation lists the
 * leaf's rows in ascending order, whatever the number of segments.
 *
 * Segments (WebAssembly kernels on threads only; else one): the tree's rows are cut into one region per
 * thread, and every leaf keeps its rows of region t in segment t, so a split is partitioned by the
 * threads at once, each its own segments in place (no merge: the earlier "chunks, then a merge" attempt
 * was slower than one thread). Partitions are stable, so the concatenated list, and every histogram sum
 * added in its order, is the one of a single partition: the trees are the same bit for bit.
 */
export class TreeGrower {
  readonly data: BinnedData;
  readonly settings: GrowerSettings;
  /** The row partition: every leaf's rows, contiguous. */
  readonly rows: Int32Array;
  /** Slices of `rows` per leaf (see the class comment). */
  readonly segments: number;
  readonly leafBegin: Int32Array;
  readonly leafCount: Int32Array;
  /** Rows of each leaf (the sum of its segments' counts). */
  readonly leafRows: Int32Array;
  /** Rows going left in each segment of the leaf being split. */
  readonly #segmentLeft: Int32Array;
  /** Node of each leaf. */
  readonly leafNode: Int32Array;
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
  readonly nodeGain: Float64Array;
  /** Training rows reaching each node. */
  readonly nodeCount: Float64Array;
  /** Leaf value (learning rate applied); 0 for inner nodes. */
  readonly nodeValue: Float64Array;
  readonly timings: GrowerTimings = { histogram: 0, rootHistogram: 0, split: 0, partition: 0, histogramUpdates: 0, partitionedRows: 0 };

  /** The bins the kernels read: data.bins, or its copy in the WebAssembly memory. */
  readonly #bins: Uint8Array;
  /** The WebAssembly kernels over this grower's memory, or null for the JavaScript kernels. */
  readonly #wasm: WasmKernels | null;
  /** The split's goLeft table where the WebAssembly partition reads it. */
  readonly #goLeft: Uint8Array;
  readonly #scratch: Int32Array;
  /** Gradient/hessian pairs aligned with `rows` (pair of rows[i] at 2i), moved by every partition. */
  readonly #ordered: Float32Array;
  /** The same pairs as one 8-byte word per row, as the partition moves them. */
  readonly #orderedWords: Float64Array;
  readonly #scratchPairs: Float64Array;
  readonly #pool: Float64Array[];
  /** Histogram slots not held by a leaf (a stack). */
  readonly #freeSlots: Int32Array;
  #nFree = 0;
  /** Leaves that may split, by gain. */
  readonly #heap: LeafHeap;
  /** Histograms built from rows because the parent's had been given up (see maxHistograms). */
  rebuiltHistograms = 0;
  /**
   * Whether `grow` takes a GradientSource (the WebAssembly kernels, exact gradients): then its gradHess
   * argument is not read when every row is used.
   */
  get acceptsGradientSource(): boolean {
    return this.#wasm !== null && !this.quantized;
  }

  /** The kernels this grower runs (see GrowerKernels). */
  readonly kernels: "webassembly" | "javascript";
  /** Whether this grower quantizes gradients (settings.quantizeGradients, when the data allows it). */
  readonly quantized: boolean;
  readonly #levels: number;
  readonly #quantization = new Quantization();
  /** The split search's unpacked copy of a quantized histogram. */
  readonly #unpacked: Float64Array;
  readonly #leafSlot: Int32Array;
  readonly #leafDepth: Int32Array;
  readonly #leafSums: Float64Array;
  /** The streamed root's gradient and hessian sums and the milliseconds spent producing them. */
  readonly #rootSums: Float64Array;
  /**
   * With settings.logLossTargets and the WebAssembly kernels: the training scores (raw log odds, one per
   * row, zeroed) in this grower's memory, and a GradientSource of binary log loss over them (the
   * WebAssembly kernel of ../../kernels/gradients.ts: the values of loss.ts, bit for bit); else null.
   */
  readonly logLossScores: Float64Array | null = null;
  readonly logLossGradients: GradientSource | null = null;
  readonly #splits: SplitInfo[];
  readonly #splitScratch = new SplitScratch();
  /** Worker threads building histograms for feature ranges, or null to build them all here. */
  readonly #threads: HistogramThreads | null;
  /** With threads: the selected features of the current tree, in shared memory. */
  readonly #sharedFeatures: Int32Array;
  /** The current tree's node feature sampler (null: every node searches all the tree's features). */
  #sampler: NodeFeatureSampler | null = null;
  /** The candidate features of the node being searched, when sampling. */
  readonly #nodeFeatures: Int32Array;
  /**
   * Whether the current tree builds only the features each node draws (see GrowerSettings.nodeHistograms):
   * then a node draws its features before its histogram is built, and gives its histogram back as soon as
   * its split is found (no child is derived from it).
   */
  #drawnOnly = false;
  /** With drawn-only histograms: the tree's features, which every node draws from. */
  readonly #treeFeatures: Int32Array;
  #treeSelected = 0;
  /** Trees grown with drawn-only histograms (see GrowerSettings.nodeHistograms). */
  drawnOnlyTrees = 0;

  /**
   * With `threads` (bound here to this grower's buffers for nThreads threads), data.bins must be in
   * shared memory, and the row partition, gradient pairs and histograms are allocated there.
   */
  constructor(data: BinnedData, settings: GrowerSettings, threads: HistogramThreads | null = null, nThreads = 1, kernels: GrowerKernels = "auto") {
    this.data = data;
    this.settings = settings;
    const L = settings.maxLeaves;
    const nodes = 2 * L - 1;
    this.#levels = quantizationLevels(data.nRows);
    this.quantized = settings.quantizeGradients === true && this.#levels >= 4;
    const slotLength = data.totalBins * (this.quantized ? 1 : HIST_STRIDE);
    this.#unpacked = new Float64Array(this.quantized ? data.totalBins * HIST_STRIDE : 0);
    const n = data.nRows;
    // Drawn-only histograms hold one slot at a time (a node's, until its split is found): the pool's
    // minimum, not a forest's 256 MB of slots, which the WebAssembly memory had to make room for beside
    // the data (no change in peak RSS: untouched pages were never resident; 143 vs 135 MB on pd_speech).
    const nSlots = settings.nodeHistograms === "drawn" ? 3 : Math.max(3, Math.min(L, settings.maxHistograms ?? L));
    // The WebAssembly kernels read and write one memory: the bins are copied into it (quantized gradients
    // have JavaScript kernels only).
    // Segments: as many as threads at most (the pool may have fewer workers than asked).
    const maxSegments = threads ? Math.max(1, nThreads) : 1;
    const arrayBytes = [data.bins.length, 4 * n, 4 * n, 8 * n, 8 * n, 8 * nSlots * slotLength, 4 * data.nFeatures, 256, 4 * L * maxSegments, 4 * L * maxSegments, 4 * maxSegments, 24];
    // The log loss arrays (scores, labels, weights) only if the memory can take them too: the tree kernels first.
    let targets = settings.logLossTargets;
    let arena = kernels === "auto" && !this.quantized && targets ? WasmArena.create([...arrayBytes, 8 * n, 8 * n, targets.weights ? 8 * n : 0]) : null;
    if (!arena) {
      targets = undefined;
      arena = kernels === "auto" && !this.quantized ? WasmArena.create(arrayBytes) : null;
    }
    let histograms: Float64Array;
    if (arena) {
      this.#bins = arena.uint8(data.bins.length);
      this.#bins.set(data.bins);
      this.rows = arena.int32(n);
      this.#scratch = arena.int32(n);
      this.#ordered = arena.float32(2 * n);
      this.#scratchPairs = arena.float64(n);
      histograms = arena.float64(nSlots * slotLength);
      this.#sharedFeatures = arena.int32(data.nFeatures);
      this.#goLeft = arena.uint8(256);
      this.leafBegin = arena.int32(L * maxSegments);
      this.leafCount = arena.int32(L * maxSegments);
      this.#segmentLeft = arena.int32(maxSegments);
      this.#rootSums = arena.float64(3);
      if (targets) {
        const scores = arena.float64(n);
        const y = arena.float64(n);
        y.set(targets.y.subarray(0, n));
        const weights = targets.weights ? arena.float64(n) : null;
        weights?.set(targets.weights!.subarray(0, n));
        const lossKernels = arena.kernels as unknown as LogLossGradientKernel;
        this.logLossScores = scores;
        this.logLossGradients = (begin, end, out, sums) => logLossGradientsWasm(lossKernels, scores, y, weights, begin, end, out, sums);
      }
    } else {
      // Shared buffers only with threads: the single-threaded fit keeps ordinary (GC-managed) memory.
      const memory = (bytes: number): ArrayBuffer | SharedArrayBuffer => (threads ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
      if (threads && !(data.bins.buffer instanceof SharedArrayBuffer)) throw new Error("TreeGrower: with threads, data.bins must be in a SharedArrayBuffer");
      this.#bins = data.bins;
      this.rows = new Int32Array(memory(4 * n));
      this.#scratch = new Int32Array(n);
      this.#ordered = new Float32Array(memory(8 * n));
      this.#scratchPairs = new Float64Array(n);
      histograms = new Float64Array(memory(8 * nSlots * slotLength));
      this.#sharedFeatures = new Int32Array(memory(4 * data.nFeatures));
      this.#goLeft = new Uint8Array(0);
      this.leafBegin = new Int32Array(L);
      this.leafCount = new Int32Array(L);
      this.#segmentLeft = new Int32Array(1);
      this.#rootSums = new Float64Array(3);
    }
    this.#wasm = arena?.kernels ?? null;
    this.kernels = arena ? "webassembly" : "javascript";
    this.#orderedWords = new Float64Array(this.#ordered.buffer, this.#ordered.byteOffset, n);
    this.#pool = Array.from({ length: nSlots }, (_, s) => histograms.subarray(s * slotLength, (s + 1) * slotLength));
    this.#freeSlots = new Int32Array(nSlots);
    this.#nodeFeatures = new Int32Array(data.nFeatures);
    this.#treeFeatures = new Int32Array(data.nFeatures);
    this.#threads = threads;
    // One segment per thread of the fit (the calling one and the workers the pool has).
    const segments = threads && arena ? Math.min(maxSegments, threads.workers + 1) : 1;
    this.segments = segments;
    if (threads) {
      const wasm = arena ? { module: arena.module, memory: arena.memory } : null;
      threads.bind({ bins: this.#bins, nRows: n, rows: this.rows, ordered: this.#ordered, features: this.#sharedFeatures, featureOffset: data.featureOffset, nBins: data.nBins, histograms, slotLength, packed: this.quantized, orderedWords: this.#orderedWords, wasm, segments, leafBegin: this.leafBegin, leafCount: this.leafCount, segmentLeft: this.#segmentLeft, goLeft: this.#goLeft, scratch: this.#scratch, scratchPairs: this.#scratchPairs }, nThreads, this.#wasm);
    }
    this.leafRows = new Int32Array(L);
    this.leafNode = new Int32Array(L);
    this.#leafSlot = new Int32Array(L);
    this.#leafDepth = new Int32Array(L);
    this.#leafSums = new Float64Array(L * 3);
    this.#splits = Array.from({ length: L }, () => new SplitInfo());
    this.#heap = new LeafHeap(this.#splits, L);
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
  }

  /**
   * Grows a tree on the rows rows[0..nUsed) (the caller fills them, ascending; `allRows` says they are
   * exactly 0..nRows-1, which allows the root histogram without an index list), with interleaved
   * gradient/hessian pairs by row (gradHess[2r], gradHess[2r+1]), over the first nSelected features of
   * `features`. With a `sampler`, each node's split is searched over the features it draws from those.
   * With a `gradients` source (see acceptsGradientSource) and every row used, the pairs come from it
   * instead of gradHess, chunk by chunk, and the root histogram is built on the threads meanwhile.
   */
  grow(gradHess: Float32Array, nUsed: number, allRows: boolean, features: Int32Array, nSelected: number, learningRate: number, sampler: NodeFeatureSampler | null = null, roundingSeed = 0, gradients: GradientSource | null = null): void {
    const { data, settings } = this;
    this.#sampler = sampler;
    const { nRows, featureOffset, nBins } = data;
    const bins = this.#bins;
    const wasm = this.#wasm;
    const sums = this.#leafSums;
    this.nLeaves = 1;
    this.nNodes = 1;
    // The root is a leaf until it splits (a tree may be a single leaf); its arrays hold the last tree's.
    this.nodeFeature[0] = -1;
    // The root's segments: one region of the rows per thread.
    const T = this.segments;
    for (let t = 0; t < T; t++) {
      this.leafBegin[t] = Math.floor((t * nUsed) / T);
      this.leafCount[t] = Math.floor(((t + 1) * nUsed) / T) - this.leafBegin[t]!;
    }
    this.leafRows[0] = nUsed;
    this.leafNode[0] = 0;
    this.#leafDepth[0] = 0;
    this.#heap.size = 0;
    this.#nFree = 0;
    for (let slot = this.#pool.length - 1; slot >= 0; slot--) this.#freeSlots[this.#nFree++] = slot;
    const rootSlot = this.#allocSlot();
    this.#leafSlot[0] = rootSlot;
    let G = 0;
    let H = 0;
    const drawnOnly = settings.nodeHistograms === "drawn";
    this.#drawnOnly = drawnOnly;
    if (drawnOnly) {
      this.drawnOnlyTrees++;
      this.#treeFeatures.set(features.subarray(0, nSelected));
      this.#treeSelected = nSelected;
      // Without a sampler every node builds the tree's features, which stay in #nodeFeatures.
      if (!sampler) this.#nodeFeatures.set(features.subarray(0, nSelected));
    }
    if (this.#threads) {
      // The workers read the features from shared memory; the kernels below read the same copy.
      this.#sharedFeatures.set(features.subarray(0, nSelected));
      features = this.#sharedFeatures;
    }
    // The root's histogram: of the tree's features, or of those the root draws.
    const rootFeatures = drawnOnly ? this.#nodeFeaturesBuilt() : features;
    const rootSelected = drawnOnly ? this.#drawFeatures(0) : nSelected;
    let t0 = performance.now();
    if (this.quantized) {
      const q = this.#quantization;
      // rows 0..nRows-1: the pairs as they are; else gathered, then quantized in place.
      if (allRows) quantizeGradients(gradHess, nRows, this.#levels, roundingSeed, this.#orderedWords, q);
      else {
        gatherGradients(this.rows, 0, nUsed, gradHess, this.#ordered);
        quantizeGradients(this.#ordered, nUsed, this.#levels, roundingSeed, this.#orderedWords, q);
      }
      // The split search sees the quantized sums, so every leaf's sums must be the quantized ones too.
      G = q.sumGradients * q.gradientScale;
      H = q.sumHessians * q.hessianScale;
      if (this.#threads) this.#threads.build(allRows, rootSlot, 0, nUsed, rootSelected);
      else if (allRows) buildPackedAllRows(bins, nRows, rootFeatures, rootSelected, featureOffset, nBins, this.#orderedWords, this.#pool[rootSlot]!);
      else buildPackedOrdered(bins, nRows, this.rows, 0, nUsed, rootFeatures, rootSelected, featureOffset, nBins, this.#orderedWords, this.#pool[rootSlot]!);
    } else if (allRows && gradients && this.acceptsGradientSource) {
      // The gradients straight into the aligned pairs (rows are 0..nRows-1), chunk by chunk, while the
      // workers build the root histogram from the chunks already written; the sums in row order as below.
      const ordered = this.#ordered;
      // The running sums in an array, not in G and H: a closure that assigned them would move them (and
      // every loop of this method that adds to them) into a context object, 2.7 vs 7.6 ms per 800k rows.
      const rootSums = this.#rootSums.fill(0);
      const produce = (begin: number, end: number): void => {
        const start = performance.now();
        gradients(begin, end, ordered, rootSums);
        rootSums[2] += performance.now() - start;
      };
      if (this.#threads) this.#threads.streamRoot(rootSlot, rootSelected, produce);
      else {
        produce(0, nRows);
        buildHistogramAllRowsWasm(wasm!, bins, nRows, rootFeatures, rootSelected, featureOffset, nBins, ordered, this.#pool[rootSlot]!);
      }
      G = rootSums[0]!;
      H = rootSums[1]!;
      // Histogram time without the gradients' (reported by the caller).
      t0 += rootSums[2]!;
    } else if (allRows) {
      // rows are 0..nRows-1, so the aligned pairs are the gradients as they are.
      this.#ordered.set(gradHess.subarray(0, 2 * nRows));
      for (let r = 0; r < nRows; r++) {
        G += gradHess[2 * r]!;
        H += gradHess[2 * r + 1]!;
      }
      if (this.#threads) this.#threads.build(true, rootSlot, 0, nRows, rootSelected);
      else if (wasm) buildHistogramAllRowsWasm(wasm, bins, nRows, rootFeatures, rootSelected, featureOffset, nBins, this.#ordered, this.#pool[rootSlot]!);
      else buildHistogramAllRows(bins, nRows, rootFeatures, rootSelected, featureOffset, nBins, this.#ordered, this.#pool[rootSlot]!);
    } else {
      gatherGradients(this.rows, 0, nUsed, gradHess, this.#ordered);
      for (let i = 0; i < nUsed; i++) {
        G += this.#ordered[2 * i]!;
        H += this.#ordered[2 * i + 1]!;
      }
      if (this.#threads) this.#threads.build(false, rootSlot, 0, nUsed, rootSelected);
      else if (wasm) buildHistogramOrderedWasm(wasm, bins, nRows, this.rows, 0, nUsed, rootFeatures, rootSelected, featureOffset, nBins, this.#ordered, this.#pool[rootSlot]!);
      else buildHistogramOrdered(bins, nRows, this.rows, 0, nUsed, rootFeatures, rootSelected, featureOffset, nBins, this.#ordered, this.#pool[rootSlot]!);
    }
    this.timings.histogramUpdates += nUsed * rootSelected;
    sums[0] = G;
    sums[1] = H;
    sums[2] = nUsed;
    this.nodeCount[0] = nUsed;
    let t1 = performance.now();
    this.timings.histogram += t1 - t0;
    this.timings.rootHistogram += t1 - t0;
    this.#findSplit(0, rootFeatures, rootSelected);
    if (drawnOnly) this.#releaseHistogram(0);
    this.#settle(0);
    this.timings.split += performance.now() - t1;

    while (this.nLeaves < settings.maxLeaves && this.#heap.size > 0) {
      // Best-first: the leaf whose split gains most (ties: the lowest leaf index).
      const best = this.#heap.pop();
      const split = this.#splits[best]!;
      const right = this.nLeaves++;
      const parentNode = this.leafNode[best]!;
      const leftNode = this.nNodes++;
      const rightNode = this.nNodes++;
      const f = split.featureIndex;
      // Record the split in the parent node.
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
        this.nodeBin[parentNode] = split.binThreshold;
        numericGoLeft(split.binThreshold, nBins[f]!, split.missingLeft, goLeft);
      }
      t0 = performance.now();
      const count = this.leafRows[best]!;
      const segmentLeft = this.#segmentLeft;
      // Each segment is partitioned in place; big leaves by the threads at once (see the class comment).
      if (!wasm) segmentLeft[0] = partitionRowsWithPairs(this.rows, this.#orderedWords, this.leafBegin[best]!, count, bins, f * nRows, goLeft, this.#scratch, this.#scratchPairs);
      else {
        this.#goLeft.set(goLeft);
        if (this.#threads && T > 1 && count >= MIN_PARALLEL_PARTITION_ROWS) this.#threads.partition(best, f);
        else {
          for (let t = 0; t < T; t++) {
            const i = best * T + t;
            segmentLeft[t] = partitionRowsWithPairsWasm(wasm, this.rows, this.#orderedWords, this.leafBegin[i]!, this.leafCount[i]!, bins, f * nRows, this.#goLeft, this.#scratch, this.#scratchPairs);
          }
        }
      }
      // Left child keeps the leaf index `best` (the first rows of each segment), right child is leaf `right`.
      let nLeft = 0;
      for (let t = 0; t < T; t++) {
        const i = best * T + t;
        const j = right * T + t;
        const left = segmentLeft[t]!;
        this.leafBegin[j] = this.leafBegin[i]! + left;
        this.leafCount[j] = this.leafCount[i]! - left;
        this.leafCount[i] = left;
        nLeft += left;
      }
      this.leafRows[best] = nLeft;
      this.leafRows[right] = count - nLeft;
      t1 = performance.now();
      this.timings.partition += t1 - t0;
      this.timings.partitionedRows += count;
      const depth = this.#leafDepth[best]! + 1;
      this.leafNode[best] = leftNode;
      this.#leafDepth[best] = depth;
      this.leafNode[right] = rightNode;
      this.#leafDepth[right] = depth;
      sums[best * 3] = split.leftGradients;
      sums[best * 3 + 1] = split.leftHessians;
      sums[best * 3 + 2] = nLeft;
      sums[right * 3] = split.rightGradients;
      sums[right * 3 + 1] = split.rightHessians;
      sums[right * 3 + 2] = count - nLeft;
      this.nodeCount[leftNode] = nLeft;
      this.nodeCount[rightNode] = count - nLeft;
      this.nodeFeature[leftNode] = -1;
      this.nodeFeature[rightNode] = -1;

      const lastSplit = this.nLeaves === settings.maxLeaves;
      const canSplitLeft = !lastSplit && this.#splittable(best);
      const canSplitRight = !lastSplit && this.#splittable(right);
      const parentSlot = this.#leafSlot[best]!;
      this.#leafSlot[best] = -1;
      this.#leafSlot[right] = -1;
      if (!canSplitLeft && !canSplitRight) {
        if (parentSlot >= 0) this.#freeSlot(parentSlot);
        continue;
      }
      if (drawnOnly) {
        // Each child that may split: its draw, its histogram of those features from its rows, its split.
        // The left child first, as the search order of the other mode (the same draws for a seed).
        this.#searchDrawn(best, canSplitLeft);
        this.#searchDrawn(right, canSplitRight);
        this.#settle(best);
        this.#settle(right);
        continue;
      }
      t0 = performance.now();
      if (parentSlot >= 0) {
        // Build the smaller child, derive the larger from the parent's histogram in place.
        const leftSmaller = nLeft <= count - nLeft;
        const small = leftSmaller ? best : right;
        const large = leftSmaller ? right : best;
        const smallSlot = this.#allocSlot();
        this.#leafSlot[small] = smallSlot;
        this.#leafSlot[large] = parentSlot;
        this.#buildLeaf(small, features, nSelected);
        if (leftSmaller ? canSplitRight : canSplitLeft) {
          const subtract = this.quantized ? subtractPacked : subtractHistograms;
          subtract(this.#pool[parentSlot]!, this.#pool[smallSlot]!, features, nSelected, featureOffset, nBins, this.#pool[parentSlot]!);
        }
      } else {
        // The parent gave its histogram up to another leaf: build the children that may split from their rows.
        if (canSplitLeft) {
          this.#leafSlot[best] = this.#allocSlot();
          this.#buildLeaf(best, features, nSelected);
          this.rebuiltHistograms++;
        }
        if (canSplitRight) {
          this.#leafSlot[right] = this.#allocSlot();
          this.#buildLeaf(right, features, nSelected);
          this.rebuiltHistograms++;
        }
      }
      t1 = performance.now();
      this.timings.histogram += t1 - t0;
      if (canSplitLeft) this.#findSplit(best, features, nSelected);
      else this.#splits[best]!.gain = -Infinity;
      if (canSplitRight) this.#findSplit(right, features, nSelected);
      else this.#splits[right]!.gain = -Infinity;
      this.#settle(best);
      this.#settle(right);
      this.timings.split += performance.now() - t1;
    }
    // Leaves still waiting keep their histograms until the next tree resets the pool.
    if (this.quantized) {
      // Leaf values from the exact gradients of each leaf's rows (LightGBM's quant_train_renew_leaf).
      for (let l = 0; l < this.nLeaves; l++) {
        let g = 0;
        let h = 0;
        // One segment: quantized gradients have the JavaScript kernels only.
        const end = this.leafBegin[l]! + this.leafCount[l]!;
        for (let i = this.leafBegin[l]!; i < end; i++) {
          const r = this.rows[i]!;
          g += gradHess[2 * r]!;
          h += gradHess[2 * r + 1]!;
        }
        sums[l * 3] = g;
        sums[l * 3 + 1] = h;
      }
    }
    for (let l = 0; l < this.nLeaves; l++) {
      const node = this.leafNode[l]!;
      this.nodeValue[node] = leafValue(sums[l * 3]!, sums[l * 3 + 1]!, settings.l2) * learningRate;
    }
  }

  /** Builds the histogram of leaf `leaf` from its rows into its slot. */
  #buildLeaf(leaf: number, features: Int32Array, nSelected: number): void {
    const { nRows, featureOffset, nBins } = this.data;
    const bins = this.#bins;
    const slot = this.#leafSlot[leaf]!;
    const begin = this.leafBegin[leaf]!;
    const count = this.leafRows[leaf]!;
    if (this.#threads) this.#threads.buildLeaf(slot, leaf, count, nSelected);
    else if (this.quantized) buildPackedOrdered(bins, nRows, this.rows, begin, count, features, nSelected, featureOffset, nBins, this.#orderedWords, this.#pool[slot]!);
    else if (this.#wasm) buildHistogramSegmentsWasm(this.#wasm, bins, nRows, this.rows, this.leafBegin, this.leafCount, leaf * this.segments, this.segments, features, nSelected, featureOffset, nBins, this.#ordered, this.#pool[slot]!);
    else buildHistogramOrdered(bins, nRows, this.rows, begin, count, features, nSelected, featureOffset, nBins, this.#ordered, this.#pool[slot]!);
    this.timings.histogramUpdates += count * nSelected;
  }

  /**
   * Drawn-only histograms: the split of leaf `leaf` (none when it cannot split) among the features it draws,
   * from their histogram built of its rows, which goes back to the pool at once.
   */
  #searchDrawn(leaf: number, canSplit: boolean): void {
    if (!canSplit) {
      this.#splits[leaf]!.gain = -Infinity;
      return;
    }
    const t0 = performance.now();
    const drawn = this.#drawFeatures(leaf);
    const features = this.#nodeFeaturesBuilt();
    this.#leafSlot[leaf] = this.#allocSlot();
    this.#buildLeaf(leaf, features, drawn);
    const t1 = performance.now();
    this.timings.histogram += t1 - t0;
    this.#findSplit(leaf, features, drawn);
    this.#releaseHistogram(leaf);
    this.timings.split += performance.now() - t1;
  }

  /**
   * Drawn-only histograms: draws leaf `leaf`'s features (all the tree's without a sampler) into #nodeFeatures (and, with
   * threads, into the shared features the workers build) and returns how many.
   */
  #drawFeatures(leaf: number): number {
    // Without a sampler: the tree's features, in #nodeFeatures and the shared features since the root.
    if (!this.#sampler) return this.#treeSelected;
    const n = this.#sampler.sample(this.leafNode[leaf]!, this.#treeFeatures, this.#treeSelected, this.#nodeFeatures);
    if (this.#threads) this.#sharedFeatures.set(this.#nodeFeatures.subarray(0, n));
    return n;
  }

  /** The array holding the features #drawFeatures drew, where this grower's kernels read them. */
  #nodeFeaturesBuilt(): Int32Array {
    return this.#threads ? this.#sharedFeatures : this.#nodeFeatures;
  }

  /** Gives leaf `leaf`'s histogram back to the pool (drawn-only histograms: no child is derived from it). */
  #releaseHistogram(leaf: number): void {
    this.#freeSlot(this.#leafSlot[leaf]!);
    this.#leafSlot[leaf] = -1;
  }

  /** After a leaf's split search: a leaf that may split waits in the heap, any other gives its histogram back. */
  #settle(leaf: number): void {
    if (this.#splits[leaf]!.gain > -Infinity) this.#heap.push(leaf);
    else if (this.#leafSlot[leaf]! >= 0) {
      this.#freeSlot(this.#leafSlot[leaf]!);
      this.#leafSlot[leaf] = -1;
    }
  }

  #freeSlot(slot: number): void {
    this.#freeSlots[this.#nFree++] = slot;
  }

  /**
   * A free histogram slot, or, when none is left, the slot of the waiting leaf that would split last (the
   * lowest in the heap's order). Never fails: at most two slots are held outside the heap (the leaf being
   * split and one child) and there are at least three.
   */
  #allocSlot(): number {
    if (this.#nFree > 0) return this.#freeSlots[--this.#nFree]!;
    let victim = -1;
    for (let i = 0; i < this.#heap.size; i++) {
      const leaf = this.#heap.at(i);
      if (this.#leafSlot[leaf]! >= 0 && (victim < 0 || this.#heap.before(victim, leaf))) victim = leaf;
    }
    const slot = this.#leafSlot[victim]!;
    this.#leafSlot[victim] = -1;
    return slot;
  }

  /** A leaf may split when it is above the depth limit and has rows for two children. */
  #splittable(leaf: number): boolean {
    return this.#leafDepth[leaf]! < this.settings.maxDepth && this.leafRows[leaf]! >= 2 * this.settings.minSamplesLeaf;
  }

  #findSplit(leaf: number, features: Int32Array, nSelected: number): void {
    const { data, settings } = this;
    const sums = this.#leafSums;
    if (this.#sampler && !this.#drawnOnly) {
      nSelected = this.#sampler.sample(this.leafNode[leaf]!, features, nSelected, this.#nodeFeatures);
      features = this.#nodeFeatures;
    }
    let hist = this.#pool[this.#leafSlot[leaf]!]!;
    if (this.quantized) {
      unpackHistogram(hist, features, nSelected, data.featureOffset, data.nBins, this.#quantization, this.#unpacked);
      hist = this.#unpacked;
    }
    findBestSplit(
      hist,
      features,
      nSelected,
      data.featureOffset,
      data.nBins,
      data.isCategorical,
      sums[leaf * 3]!,
      sums[leaf * 3 + 1]!,
      sums[leaf * 3 + 2]!,
      settings,
      this.#splitScratch,
      this.#splits[leaf]!,
    );
    if (!this.#splittable(leaf)) this.#splits[leaf]!.gain = -Infinity;
  }
}
