import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { TreeGrower, RandomNodeFeatures, type BinnedData, type NodeFeatureSampler } from "./grower.js";

/** 3000 rows x 6 features of 9 bins (8 values + missing), gradients from a function of every feature. */
function binnedData(): { data: BinnedData; gh: Float32Array } {
  const rng = new Random(4);
  const nRows = 3000;
  const nFeatures = 6;
  const nBins = new Int32Array(nFeatures).fill(9);
  const featureOffset = Int32Array.from({ length: nFeatures }, (_, f) => 9 * f);
  const bins = Uint8Array.from({ length: nRows * nFeatures }, () => rng.int(8));
  const gh = new Float32Array(2 * nRows);
  for (let r = 0; r < nRows; r++) {
    let z = 0;
    for (let f = 0; f < nFeatures; f++) z += (f + 1) * (bins[f * nRows + r]! > 3 ? 1 : -1);
    gh[2 * r] = z + rng.next();
    gh[2 * r + 1] = 1;
  }
  return { data: { bins, nRows, nFeatures, nBins, featureOffset, isCategorical: new Uint8Array(nFeatures), totalBins: 9 * nFeatures }, gh };
}

const SETTINGS = { maxLeaves: 40, maxDepth: Infinity, minSamplesLeaf: 5, minChildWeight: 1e-3, l2: 0, minSplitGain: 0, maxCatThreshold: 32, catSmooth: 10, minCategoryCount: 5 };

test("with a node feature sampler, every node splits on one of the features drawn for it, each node drawn once", () => {
  const { data, gh } = binnedData();
  const grower = new TreeGrower(data, SETTINGS);
  const drawn = new Map<number, Set<number>>();
  const random = new RandomNodeFeatures(new Random(9), 2);
  const recording: NodeFeatureSampler = {
    sample(node, features, nSelected, out) {
      const n = random.sample(node, features, nSelected, out);
      assert.ok(!drawn.has(node), `node ${node} drawn twice`);
      const set = new Set(out.subarray(0, n));
      assert.equal(set.size, 2);
      for (const f of set) assert.ok(Array.from(features.subarray(0, nSelected)).includes(f), `feature ${f} not among the tree's`);
      drawn.set(node, set);
      return n;
    },
  };
  const features = Int32Array.of(0, 1, 2, 3, 4, 5);
  const used = new Set<number>();
  for (let tree = 0; tree < 5; tree++) {
    drawn.clear();
    for (let r = 0; r < data.nRows; r++) grower.rows[r] = r;
    grower.grow(gh, data.nRows, true, features, 6, 1, recording);
    assert.equal(grower.nLeaves, 40);
    for (let node = 0; node < grower.nNodes; node++) {
      const f = grower.nodeFeature[node]!;
      if (f < 0) continue;
      assert.ok(drawn.get(node)?.has(f), `node ${node} split on ${f}, drawn ${[...(drawn.get(node) ?? [])]}`);
      used.add(f);
    }
  }
  // Not just the strongest feature: sampling spreads the splits.
  assert.ok(used.size >= 5, `features used: ${[...used]}`);
});

test("without a sampler the root takes the strongest feature; a sampler of all features changes nothing", () => {
  const { data, gh } = binnedData();
  const grow = (sampler: NodeFeatureSampler | null) => {
    const grower = new TreeGrower(data, SETTINGS);
    for (let r = 0; r < data.nRows; r++) grower.rows[r] = r;
    grower.grow(gh, data.nRows, true, Int32Array.of(0, 1, 2, 3, 4, 5), 6, 1, sampler);
    return { feature: Array.from(grower.nodeFeature.subarray(0, grower.nNodes)), bin: Array.from(grower.nodeBin.subarray(0, grower.nNodes)), value: Array.from(grower.nodeValue.subarray(0, grower.nNodes)) };
  };
  const plain = grow(null);
  assert.equal(plain.feature[0], 5);
  assert.equal(plain.bin[0], 3);
  assert.deepEqual(grow(new RandomNodeFeatures(new Random(1), 6)), plain);
});

test("RandomNodeFeatures draws distinct features from the first nSelected, deterministically by seed", () => {
  const features = Int32Array.of(3, 5, 8, 13, 21, 99);
  const a = new RandomNodeFeatures(new Random(7), 3);
  const b = new RandomNodeFeatures(new Random(7), 3);
  const counts = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    const out = new Int32Array(5);
    const again = new Int32Array(5);
    assert.equal(a.sample(i, features, 5, out), 3);
    b.sample(i, features, 5, again);
    assert.deepEqual(out, again);
    const drawn = Array.from(out.subarray(0, 3));
    assert.equal(new Set(drawn).size, 3);
    for (const f of drawn) counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  // 99 is beyond nSelected; each of the 5 others is drawn 3/5 of the time (1200 of 2000).
  assert.equal(counts.get(99), undefined);
  for (const f of [3, 5, 8, 13, 21]) assert.ok(Math.abs(counts.get(f)! - 1200) < 100, `${f}: ${counts.get(f)}`);
  assert.equal(new RandomNodeFeatures(new Random(7), 10).sample(0, features, 4, new Int32Array(6)), 4);
});

test("a pool of 3 histograms grows the same tree as one histogram per leaf, rebuilding given-up parents from rows", () => {
  const { data, gh } = binnedData();
  // Whole-number gradients: every histogram sum is exact, built from rows or by subtraction alike.
  for (let r = 0; r < data.nRows; r++) gh[2 * r] = Math.round(gh[2 * r]! * 4);
  const grow = (maxHistograms: number | undefined) => {
    const grower = new TreeGrower(data, { ...SETTINGS, maxLeaves: 200, ...(maxHistograms ? { maxHistograms } : {}) });
    for (let r = 0; r < data.nRows; r++) grower.rows[r] = r;
    grower.grow(gh, data.nRows, true, Int32Array.of(0, 1, 2, 3, 4, 5), 6, 1);
    const tree = { nLeaves: grower.nLeaves, feature: Array.from(grower.nodeFeature.subarray(0, grower.nNodes)), bin: Array.from(grower.nodeBin.subarray(0, grower.nNodes)), value: Array.from(grower.nodeValue.subarray(0, grower.nNodes)) };
    return { tree, rebuilt: grower.rebuiltHistograms };
  };
  const full = grow(undefined);
  const pooled = grow(3);
  assert.ok(full.tree.nLeaves > 100, `${full.tree.nLeaves} leaves`);
  assert.equal(full.rebuilt, 0);
  assert.ok(pooled.rebuilt > 20, `rebuilt ${pooled.rebuilt}`);
  assert.deepEqual(pooled.tree, full.tree);
});

test("the WebAssembly kernels grow the JavaScript kernels' trees, bit for bit (all rows and a row sample)", () => {
  const { data, gh } = binnedData();
  const wasm = new TreeGrower(data, SETTINGS);
  const js = new TreeGrower(data, SETTINGS, null, 1, "javascript");
  const features = Int32Array.of(0, 1, 2, 3, 4, 5);
  const sample = Int32Array.from({ length: data.nRows }, (_, r) => r).filter((r) => r % 3 !== 1);
  for (const allRows of [true, false]) {
    for (const grower of [wasm, js]) {
      if (allRows) for (let r = 0; r < data.nRows; r++) grower.rows[r] = r;
      else grower.rows.set(sample);
      grower.grow(gh, allRows ? data.nRows : sample.length, allRows, features, 5, 0.1);
    }
    assert.equal(wasm.nLeaves, 40);
    assert.equal(wasm.kernels, "webassembly");
    assert.equal(js.kernels, "javascript");
    for (const name of ["nodeFeature", "nodeBin", "nodeMissingLeft", "nodeValue", "nodeGain", "nodeCount", "leafBegin", "leafCount", "rows"] as const) {
      assert.deepEqual(Array.from(wasm[name]), Array.from(js[name]), name);
    }
  }
});
