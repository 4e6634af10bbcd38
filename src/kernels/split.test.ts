import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { buildHistogramNaive } from "./histogram.js";
import { categoricalGoLeft, numericGoLeft } from "./partition.js";
import { findBestSplit, findBestSplitNaive, leafValue, SplitInfo, SplitScratch, type SplitSettings } from "./split.js";

const base: SplitSettings = { minSamplesLeaf: 1, minChildWeight: 1e-3, l2: 0, minSplitGain: 0, maxCatThreshold: 255, catSmooth: 0, minCategoryCount: 1 };

function setup(rng: Random, nRows: number, nBins: Int32Array) {
  const nFeatures = nBins.length;
  const featureOffset = new Int32Array(nFeatures);
  for (let f = 1; f < nFeatures; f++) featureOffset[f] = featureOffset[f - 1]! + nBins[f - 1]!;
  const bins = new Uint8Array(nFeatures * nRows);
  for (let f = 0; f < nFeatures; f++) for (let r = 0; r < nRows; r++) bins[f * nRows + r] = rng.next() < 0.15 ? nBins[f]! - 1 : rng.int(nBins[f]! - 1);
  const g = Float64Array.from({ length: nRows }, (_, r) => (bins[r]! % 2 === 0 ? 1 : -1) * rng.next() + rng.next() - 0.5);
  const h = Float64Array.from({ length: nRows }, () => 0.1 + rng.next());
  const rows = Array.from({ length: nRows }, (_, i) => i);
  const hist = buildHistogramNaive(bins, nRows, rows, nFeatures, featureOffset, nBins, g, h);
  let G = 0, H = 0;
  for (let r = 0; r < nRows; r++) (G += g[r]!), (H += h[r]!);
  return { bins, featureOffset, g, h, rows, hist, G, H, features: Int32Array.from({ length: nFeatures }, (_, i) => i) };
}

/** The fast split's sums, recomputed from the rows through its goLeft table. */
function checkSums(split: SplitInfo, bins: Uint8Array, nRows: number, nBins: Int32Array, g: Float64Array, h: Float64Array) {
  const goLeft = new Uint8Array(256);
  if (split.categorical) categoricalGoLeft(split.catBins, nBins[split.featureIndex]!, split.missingLeft, goLeft);
  else numericGoLeft(split.binThreshold, nBins[split.featureIndex]!, split.missingLeft, goLeft);
  let gl = 0, hl = 0, H = 0;
  for (let r = 0; r < nRows; r++) {
    H += h[r]!;
    if (goLeft[bins[split.featureIndex * nRows + r]!]) (gl += g[r]!), (hl += h[r]!);
  }
  assert.ok(Math.abs(gl - split.leftGradients) < 1e-9 && Math.abs(hl - split.leftHessians) < 1e-9);
  assert.equal(split.leftCount, Math.round((hl * nRows) / H));
}

test("with equal hessians the estimated counts are exact: minSamplesLeaf holds to the row", () => {
  // 10 rows, one per bin, hessian 0.5 each; gradients push for a split after bin 1 (2 rows left).
  const hist = new Float64Array(11 * 2);
  for (let b = 0; b < 10; b++) (hist[2 * b] = b < 2 ? -5 : 1), (hist[2 * b + 1] = 0.5);
  const split = new SplitInfo();
  const at = (minSamplesLeaf: number) => {
    findBestSplit(hist, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(11), Uint8Array.of(0), -2, 5, 10, { ...base, minSamplesLeaf }, new SplitScratch(), split);
    return split.leftCount;
  };
  assert.equal(at(2), 2);
  assert.equal(at(3), 3);
  assert.equal(at(5), 5);
  at(6);
  assert.equal(split.featureIndex, -1, "10 rows cannot make two leaves of 6");
});

test("numeric split search finds the brute-force best gain, with constraints and L2", () => {
  const rng = new Random(21);
  for (let trial = 0; trial < 40; trial++) {
    const nBins = Int32Array.from({ length: 3 }, () => 3 + rng.int(20));
    const nRows = 80 + rng.int(100);
    const { bins, featureOffset, g, h, rows, hist, G, H, features } = setup(rng, nRows, nBins);
    const settings = { ...base, minSamplesLeaf: 1 + rng.int(15), l2: rng.next() < 0.5 ? 0 : rng.next() * 3, minChildWeight: rng.next() * 5 };
    const split = new SplitInfo();
    findBestSplit(hist, features, 3, featureOffset, nBins, new Uint8Array(3), G, H, nRows, settings, new SplitScratch(), split);
    const naive = findBestSplitNaive(bins, nRows, rows, 3, nBins, new Uint8Array(3), g, h, settings);
    if (!naive) {
      assert.equal(split.featureIndex, -1);
      continue;
    }
    assert.ok(Math.abs(split.gain - naive.gain) < 1e-9, `trial ${trial}: ${split.gain} vs ${naive.gain}`);
    checkSums(split, bins, nRows, nBins, g, h);
  }
});

test("categorical split search (sorted prefixes) finds the best of all subsets", () => {
  const rng = new Random(22);
  for (let trial = 0; trial < 40; trial++) {
    const nBins = Int32Array.of(2 + rng.int(7), 3 + rng.int(5));
    const nRows = 60 + rng.int(80);
    const { bins, featureOffset, g, h, rows, hist, G, H, features } = setup(rng, nRows, nBins);
    const isCategorical = Uint8Array.of(1, 0);
    const split = new SplitInfo();
    findBestSplit(hist, features, 2, featureOffset, nBins, isCategorical, G, H, nRows, base, new SplitScratch(), split);
    const naive = findBestSplitNaive(bins, nRows, rows, 2, nBins, isCategorical, g, h, base)!;
    assert.ok(Math.abs(split.gain - naive.gain) < 1e-9, `trial ${trial}: ${split.gain} vs ${naive.gain}`);
    checkSums(split, bins, nRows, nBins, g, h);
  }
});

test("a hand-worked stump: gradients +1,+1,-1,-1 split in the middle with gain 4", () => {
  const hist = Float64Array.of(1, 1, 1, 1, -1, 1, -1, 1, 0, 0);
  const split = new SplitInfo();
  const gain = findBestSplit(hist, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(5), Uint8Array.of(0), 0, 4, 4, base, new SplitScratch(), split);
  assert.equal(gain, 4);
  assert.equal(split.binThreshold, 1);
  assert.equal(leafValue(split.leftGradients, split.leftHessians, 0), -1);
  assert.equal(leafValue(split.rightGradients, split.rightHessians, 1), 2 / 3);
  // minSamplesLeaf 3 forbids every split of 4 rows.
  assert.equal(findBestSplit(hist, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(5), Uint8Array.of(0), 0, 4, 4, { ...base, minSamplesLeaf: 3 }, new SplitScratch(), split), -Infinity);
  assert.equal(split.featureIndex, -1);
  // minSplitGain above the best gain forbids it too.
  assert.equal(findBestSplit(hist, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(5), Uint8Array.of(0), 0, 4, 4, { ...base, minSplitGain: 4 }, new SplitScratch(), split), -Infinity);
});

test("missing values go to the side that gains most", () => {
  // Bins 0,1 and missing (bin 2): missing rows look like bin 1's, so they should go right with it.
  const hist = Float64Array.of(-3, 3, 2, 2, 2, 2);
  const split = new SplitInfo();
  findBestSplit(hist, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(3), Uint8Array.of(0), 1, 7, 7, base, new SplitScratch(), split);
  assert.equal(split.binThreshold, 0);
  assert.equal(split.missingLeft, false);
  assert.equal(split.leftCount, 3);
  const mirrored = Float64Array.of(-3, 3, 2, 2, -2, 2);
  findBestSplit(mirrored, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(3), Uint8Array.of(0), -3, 7, 7, base, new SplitScratch(), split);
  assert.equal(split.missingLeft, true);
  assert.equal(split.leftCount, 5);
});
