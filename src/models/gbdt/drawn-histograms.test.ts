import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { HistogramThreads, toShared } from "./histogram-threads.js";
import { RandomNodeFeatures, TreeGrower, type BinnedData, type GrowerSettings, type NodeFeatureSampler } from "./grower.js";

// Drawn-only histograms (GrowerSettings.nodeHistograms): a node whose sampler draws few features builds
// only those features' histograms, both children from their rows, instead of every feature's.

const EXACT: GrowerSettings = { maxLeaves: 3, maxDepth: Infinity, minSamplesLeaf: 1, minChildWeight: 1e-9, l2: 0, minSplitGain: 0, maxCatThreshold: 32, catSmooth: 10, minCategoryCount: 1 };

/**
 * 8 rows, 3 features of 2 values (bins 0, 1; bin 2 for missing, never used), the target t as a random
 * forest gives it to the grower (gradient -t, hessian 1):
 *   t  = 0 0 0 0 1 1 1 1
 *   f0 = 0 0 0 0 1 1 1 1   the target itself: the best split, gain 4^2/4 - 4^2/8 = 2
 *   f1 = 0 1 0 1 0 1 0 1   independent of it: gain 2^2/4 + 2^2/4 - 2 = 0, no split
 *   f2 = 0 0 0 1 1 1 1 1   rows 0-2 | 3-7: gain 0 + 4^2/5 - 2 = 1.2
 */
function handWorked(): { data: BinnedData; gh: Float32Array } {
  const t = [0, 0, 0, 0, 1, 1, 1, 1];
  const columns = [t, [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 0, 1, 1, 1, 1, 1]];
  const gh = new Float32Array(16);
  t.forEach((v, r) => {
    gh[2 * r] = -v;
    gh[2 * r + 1] = 1;
  });
  const data: BinnedData = { bins: Uint8Array.from(columns.flat()), nRows: 8, nFeatures: 3, nBins: Int32Array.of(3, 3, 3), featureOffset: Int32Array.of(0, 3, 6), isCategorical: new Uint8Array(3), totalBins: 9 };
  return { data, gh };
}

/** Draws the listed features for each node (by node number), as a forest's sampler would. */
function fixedDraws(draws: Record<number, number[]>): NodeFeatureSampler & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    sample(node, _features, _nSelected, out) {
      calls.push(node);
      const drawn = draws[node]!;
      out.set(drawn);
      return drawn.length;
    },
  };
}

function treeOf(grower: TreeGrower) {
  const n = grower.nNodes;
  return {
    feature: Array.from(grower.nodeFeature.subarray(0, n)),
    bin: Array.from(grower.nodeBin.subarray(0, n)),
    gain: Array.from(grower.nodeGain.subarray(0, n)),
    count: Array.from(grower.nodeCount.subarray(0, n)),
    // A leaf of no gradient holds -0 (-(0) / h): as 0.
    value: Array.from(grower.nodeValue.subarray(0, n), (v) => v + 0),
  };
}

test("a node that draws feature 2 of 3 splits on feature 2, not on the best feature 0; its children search only their own draws", () => {
  const { data, gh } = handWorked();
  const all = Int32Array.of(0, 1, 2);
  const plain = new TreeGrower(data, EXACT);
  for (let r = 0; r < 8; r++) plain.rows[r] = r;
  plain.grow(gh, 8, true, all, 3, 1);
  assert.equal(plain.nodeFeature[0], 0);
  assert.equal(plain.nodeGain[0], 2);

  for (const nodeHistograms of ["drawn", "all"] as const) {
    for (const kernels of ["auto", "javascript"] as const) {
      const grower = new TreeGrower(data, { ...EXACT, nodeHistograms }, null, 1, kernels);
      for (let r = 0; r < 8; r++) grower.rows[r] = r;
      // The root draws f2; its left child (rows 0-2, all t = 0) f1, its right child (rows 3-7) f0.
      const sampler = fixedDraws({ 0: [2], 1: [1], 2: [0] });
      grower.grow(gh, 8, true, all, 3, 1, sampler);
      const label = `${nodeHistograms}, ${kernels} kernels`;
      assert.deepEqual(sampler.calls, [0, 1, 2], label);
      // Root: f2 at bin 0 (rows 0-2 left), gain 1.2. Node 2 (rows 3-7, t = 0 1 1 1 1): f0 at bin 0, gain
      // 4^2/4 - 4^2/5 = 0.8. Leaves: rows 0-2 (mean t 0), row 3 (0), rows 4-7 (1).
      assert.deepEqual(
        treeOf(grower),
        {
          feature: [2, -1, 0, -1, -1],
          bin: [0, 0, 0, 0, 0],
          gain: [16 / 5 - 2, 0, 4 - 16 / 5, 0, 0],
          count: [8, 3, 5, 1, 4],
          value: [0, 0, 0, 0, 1],
        },
        label,
      );
      // Drawn-only ("drawn", and "auto" since 1 of 3 features is drawn): one feature per node, the three
      // nodes' rows (8 + 3 + 5); else every feature of the root and of the smaller child (8 x 3 + 3 x 3).
      const drawnOnly = nodeHistograms !== "all";
      assert.equal(grower.drawnOnlyTrees, drawnOnly ? 1 : 0, label);
      assert.equal(grower.timings.histogramUpdates, drawnOnly ? 16 : 33, label);
    }
  }
});

/**
 * 40000 rows x 30 features of 17 bins (16 values + missing); gradients whole numbers (exact sums). Big
 * enough for the threads: the root and the children of more than 26215 rows (5 drawn features, 131072
 * updates) are built on both threads, and the root is partitioned by both.
 */
function wideData(shared: boolean): { data: BinnedData; gh: Float32Array } {
  const rng = new Random(11);
  const nRows = 40000;
  const nFeatures = 30;
  const bins = Uint8Array.from({ length: nRows * nFeatures }, () => rng.int(17));
  const gh = new Float32Array(2 * nRows);
  for (let r = 0; r < nRows; r++) {
    let z = 0;
    for (let f = 0; f < 10; f++) z += (f % 3) * (bins[f * nRows + r]! > 7 ? 1 : -1);
    // Bootstrap-like weights 0-3 and a 0/1 target, as a binary forest: -t x w, w.
    const w = rng.int(4);
    const t = z + rng.next() * 4 - 2 > 0 ? 1 : 0;
    gh[2 * r] = -t * w;
    gh[2 * r + 1] = w;
  }
  const data: BinnedData = {
    bins: shared ? toShared(bins) : bins,
    nRows,
    nFeatures,
    nBins: new Int32Array(nFeatures).fill(17),
    featureOffset: Int32Array.from({ length: nFeatures }, (_, f) => 17 * f),
    isCategorical: new Uint8Array(nFeatures),
    totalBins: 17 * nFeatures,
  };
  return { data, gh };
}

test("with exact sums, drawn-only histograms grow the subtraction grower's trees bit for bit (JavaScript, WebAssembly, 2 threads, a row sample)", () => {
  const settings: GrowerSettings = { ...EXACT, maxLeaves: 300, maxHistograms: 20, minChildWeight: 1e-9 };
  const features = Int32Array.from({ length: 30 }, (_, f) => f);
  const sample = Int32Array.from({ length: 40000 }, (_, r) => r).filter((r) => r % 5 !== 2);
  const grow = (nodeHistograms: "all" | "drawn", kernels: "auto" | "javascript", nThreads: number, allRows: boolean, perNode = 5) => {
    const { data, gh } = wideData(nThreads > 1);
    const threads = nThreads > 1 ? HistogramThreads.acquire(nThreads) : null;
    try {
      const grower = new TreeGrower(data, { ...settings, nodeHistograms }, threads, nThreads, kernels);
      const rng = new Random(3);
      const trees = [];
      for (let tree = 0; tree < 3; tree++) {
        if (allRows) for (let r = 0; r < data.nRows; r++) grower.rows[r] = r;
        else grower.rows.set(sample);
        grower.grow(gh, allRows ? data.nRows : sample.length, allRows, features, 30, 1, perNode < 30 ? new RandomNodeFeatures(rng, perNode) : null);
        trees.push(treeOf(grower));
      }
      return { trees, drawnOnlyTrees: grower.drawnOnlyTrees, updates: grower.timings.histogramUpdates, parallel: threads ? threads.parallelNodes + threads.parallelPartitions : 0 };
    } finally {
      threads?.release();
    }
  };
  for (const allRows of [true, false]) {
    const reference = grow("all", "javascript", 1, allRows);
    assert.equal(reference.drawnOnlyTrees, 0);
    assert.ok(reference.trees[0]!.feature.filter((f) => f >= 0).length > 250, "a tree of many splits");
    for (const [nodeHistograms, kernels, nThreads] of [["drawn", "javascript", 1], ["drawn", "auto", 1], ["drawn", "auto", 2], ["all", "auto", 2]] as const) {
      const other = grow(nodeHistograms, kernels, nThreads, allRows);
      const label = `${nodeHistograms}, ${kernels} kernels, ${nThreads} threads, ${allRows ? "all rows" : "a sample"}`;
      assert.deepEqual(other.trees, reference.trees, label);
      assert.equal(other.drawnOnlyTrees, nodeHistograms === "all" ? 0 : 3, label);
      // 5 of 30 features a node: far fewer histogram updates.
      if (nThreads > 1) assert.ok(other.parallel > 0, `${label}: nothing ran on the threads`);
      if (nodeHistograms !== "all") assert.ok(other.updates < reference.updates / 2, `${label}: ${other.updates} vs ${reference.updates} updates`);
    }
    // Without a sampler, "drawn" builds every feature of each node from its rows: the same trees too.
    const plain = grow("all", "javascript", 1, allRows, 30);
    for (const [kernels, nThreads] of [["javascript", 1], ["auto", 1], ["auto", 2]] as const) {
      const other = grow("drawn", kernels, nThreads, allRows, 30);
      const label = `no sampler, ${kernels} kernels, ${nThreads} threads, ${allRows ? "all rows" : "a sample"}`;
      assert.deepEqual(other.trees, plain.trees, label);
      assert.equal(other.drawnOnlyTrees, 3, label);
      // Every node's rows times 30 features: more updates than the smaller children's.
      assert.ok(other.updates > plain.updates, `${label}: ${other.updates} vs ${plain.updates} updates`);
    }
  }
});
