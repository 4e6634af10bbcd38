import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { buildClassHistogram, centredThresholdBin, classStride, findBestGiniSplit, GiniScratch, GiniSplit, type GiniSplitSettings } from "./class-histogram.js";
import { HIST_STRIDE } from "./histogram.js";
import { findBestSplit, SplitInfo, SplitScratch } from "./split.js";

/** Naive twin of buildClassHistogram: one pass over the rows, every feature of a row at once. */
function buildClassHistogramNaive(bins: Uint8Array, nRows: number, rows: ArrayLike<number>, classOf: Int32Array, weights: Float64Array, nFeatures: number, nBins: Int32Array, nClasses: number): Float64Array[][] {
  const out = Array.from({ length: nFeatures }, (_, f) => Array.from({ length: nBins[f]! }, () => new Float64Array(nClasses + 1)));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let f = 0; f < nFeatures; f++) {
      const cell = out[f]![bins[f * nRows + r]!]!;
      cell[classOf[r]!] += weights[r]!;
      cell[nClasses]!++;
    }
  }
  return out;
}

/** Weighted Gini impurity of a set of rows, W x (1 - Σ p_c²), from the rows themselves. */
function weightedGini(rows: readonly number[], classOf: Int32Array, weights: Float64Array, nClasses: number): number {
  const w = new Float64Array(nClasses);
  let total = 0;
  for (const r of rows) {
    w[classOf[r]!] += weights[r]!;
    total += weights[r]!;
  }
  if (total === 0) return 0;
  let squares = 0;
  for (const v of w) squares += (v / total) ** 2;
  return total * (1 - squares);
}

interface NaiveGiniSplit {
  gain: number;
  feature: number;
  goLeft: Uint8Array;
}

/**
 * Naive twin of findBestGiniSplit: every numeric threshold with missing values on either side and, for
 * categorical features, EVERY subset of bins (keep them few), the decrease of the weighted Gini impurity
 * computed from the rows of each side, W(1 - Σp²), not from the simplified formula.
 */
function findBestGiniSplitNaive(bins: Uint8Array, nRows: number, rows: readonly number[], nFeatures: number, nBins: Int32Array, isCategorical: Uint8Array, classOf: Int32Array, weights: Float64Array, nClasses: number, minSamplesLeaf: number): NaiveGiniSplit | null {
  const parent = weightedGini(rows, classOf, weights, nClasses);
  let best: NaiveGiniSplit | null = null;
  const consider = (f: number, goLeft: Uint8Array): void => {
    const left = rows.filter((r) => goLeft[bins[f * nRows + r]!] === 1);
    const right = rows.filter((r) => goLeft[bins[f * nRows + r]!] !== 1);
    if (left.length < minSamplesLeaf || right.length < minSamplesLeaf) return;
    const gain = parent - weightedGini(left, classOf, weights, nClasses) - weightedGini(right, classOf, weights, nClasses);
    if (gain > 1e-9 && (!best || gain > best.gain + 1e-9)) best = { gain, feature: f, goLeft: goLeft.slice() };
  };
  for (let f = 0; f < nFeatures; f++) {
    const n = nBins[f]!;
    if (isCategorical[f] === 0) {
      for (let t = 0; t < n - 2; t++) {
        for (const missingLeft of [0, 1]) {
          const goLeft = new Uint8Array(256);
          for (let b = 0; b <= t; b++) goLeft[b] = 1;
          goLeft[n - 1] = missingLeft;
          consider(f, goLeft);
        }
      }
    } else {
      for (let mask = 1; mask < 1 << n; mask++) {
        const goLeft = new Uint8Array(256);
        for (let b = 0; b < n; b++) goLeft[b] = (mask >> b) & 1;
        consider(f, goLeft);
      }
    }
  }
  return best;
}

/** Random binned data: nFeatures features of the given bins (the last one the missing bin), k classes. */
function randomData(seed: number, nRows: number, nBinsList: number[], isCategoricalList: number[], nClasses: number) {
  const rng = new Random(seed);
  const nFeatures = nBinsList.length;
  const nBins = Int32Array.from(nBinsList);
  const featureOffset = new Int32Array(nFeatures);
  for (let f = 1; f < nFeatures; f++) featureOffset[f] = featureOffset[f - 1]! + nBins[f - 1]!;
  const totalBins = featureOffset[nFeatures - 1]! + nBins[nFeatures - 1]!;
  const bins = new Uint8Array(nFeatures * nRows);
  const classOf = new Int32Array(nRows);
  const weights = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) bins[f * nRows + r] = rng.next() < 0.1 ? nBins[f]! - 1 : rng.int(nBins[f]! - 1);
    // The class depends on feature 0's bin, with noise, so there is something to find.
    classOf[r] = rng.next() < 0.7 ? bins[r]! % nClasses : rng.int(nClasses);
    // Bootstrap-like weights: draw counts 1..3, some fractional sample weights.
    weights[r] = (1 + rng.int(3)) * (rng.next() < 0.2 ? 0.5 : 1);
  }
  return { bins, classOf, weights, nBins, featureOffset, totalBins, isCategorical: Uint8Array.from(isCategoricalList), nFeatures };
}

const SETTINGS: GiniSplitSettings = { minSamplesLeaf: 1, minCategoryCount: 0, maxCatThreshold: 64 };

function fastSplit(d: ReturnType<typeof randomData>, rows: Int32Array, nClasses: number, settings: GiniSplitSettings): GiniSplit {
  const hist = new Float64Array(d.totalBins * classStride(nClasses));
  const features = Int32Array.from({ length: d.nFeatures }, (_, f) => f);
  buildClassHistogram(d.bins, d.classOf.length, rows, 0, rows.length, d.classOf, d.weights, features, d.nFeatures, d.featureOffset, d.nBins, nClasses, hist);
  const totals = new Float64Array(nClasses);
  for (const r of rows) totals[d.classOf[r]!] += d.weights[r]!;
  const out = new GiniSplit();
  findBestGiniSplit(hist, features, d.nFeatures, d.featureOffset, d.nBins, d.isCategorical, nClasses, totals, rows.length, settings, new GiniScratch(nClasses), out);
  return out;
}

/** The fast split's goLeft table over its feature's bins. */
function goLeftOf(split: GiniSplit, nBins: number): Uint8Array {
  const goLeft = new Uint8Array(256);
  for (let b = 0; b < nBins - 1; b++) goLeft[b] = split.categorical ? (split.catBins[b >>> 5]! >>> (b & 31)) & 1 : b <= split.binThreshold ? 1 : 0;
  goLeft[nBins - 1] = split.missingLeft ? 1 : 0;
  return goLeft;
}

test("buildClassHistogram equals its naive twin (a subset of rows and features, weights, 4 classes)", () => {
  const nRows = 500;
  const d = randomData(1, nRows, [7, 12, 3, 256], [0, 1, 0, 0], 4);
  const rows = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % nRows).sort();
  const stride = classStride(4);
  const hist = new Float64Array(d.totalBins * stride).fill(99); // stale values of another node: zeroed for the features built
  const features = Int32Array.from([3, 1]);
  buildClassHistogram(d.bins, nRows, rows, 50, 200, d.classOf, d.weights, features, 2, d.featureOffset, d.nBins, 4, hist);
  const naive = buildClassHistogramNaive(d.bins, nRows, rows.subarray(50, 250), d.classOf, d.weights, d.nFeatures, d.nBins, 4);
  for (const f of features) {
    for (let b = 0; b < d.nBins[f]!; b++) {
      const at = (d.featureOffset[f]! + b) * stride;
      assert.deepEqual(Array.from(hist.subarray(at, at + stride)), Array.from(naive[f]![b]!), `feature ${f} bin ${b}`);
    }
  }
  // Features not asked for are left alone.
  assert.equal(hist[d.featureOffset[0]! * stride], 99);
});

test("findBestGiniSplit finds the naive twin's best split (numeric features with missing values, 2-5 classes)", () => {
  for (const nClasses of [2, 3, 5]) {
    for (let seed = 0; seed < 6; seed++) {
      const d = randomData(10 + seed, 120, [9, 6, 14], [0, 0, 0], nClasses);
      const rows = Int32Array.from({ length: 120 }, (_, i) => i);
      for (const minSamplesLeaf of [1, 7, 40]) {
        const fast = fastSplit(d, rows, nClasses, { ...SETTINGS, minSamplesLeaf });
        const naive = findBestGiniSplitNaive(d.bins, 120, Array.from(rows), d.nFeatures, d.nBins, d.isCategorical, d.classOf, d.weights, nClasses, minSamplesLeaf);
        assert.ok(naive, "the data has a split");
        const what = `${nClasses} classes, seed ${seed}, minSamplesLeaf ${minSamplesLeaf}`;
        assert.ok(Math.abs(fast.gain - naive.gain) < 1e-9 * naive.gain, `${what}: gain ${fast.gain} vs ${naive.gain}`);
        assert.equal(fast.featureIndex, naive.feature, what);
        assert.deepEqual(goLeftOf(fast, d.nBins[fast.featureIndex]!), naive.goLeft, what);
      }
    }
  }
});

test("findBestGiniSplit on categorical features: exact for two classes; for more, a valid partition whose gain the naive twin confirms", () => {
  for (let seed = 0; seed < 6; seed++) {
    for (const nClasses of [2, 3]) {
      const d = randomData(30 + seed, 150, [6, 5], [1, 1], nClasses);
      const rows = Array.from({ length: 150 }, (_, i) => i);
      const fast = fastSplit(d, Int32Array.from(rows), nClasses, SETTINGS);
      const naive = findBestGiniSplitNaive(d.bins, 150, rows, d.nFeatures, d.nBins, d.isCategorical, d.classOf, d.weights, nClasses, 1)!;
      // The fast split's own gain, recomputed from its rows.
      const f = fast.featureIndex;
      const goLeft = goLeftOf(fast, d.nBins[f]!);
      const left = rows.filter((r) => goLeft[d.bins[f * 150 + r]!] === 1);
      const right = rows.filter((r) => goLeft[d.bins[f * 150 + r]!] !== 1);
      const gainFromRows = weightedGini(rows, d.classOf, d.weights, nClasses) - weightedGini(left, d.classOf, d.weights, nClasses) - weightedGini(right, d.classOf, d.weights, nClasses);
      assert.ok(Math.abs(fast.gain - gainFromRows) < 1e-9 * gainFromRows, `seed ${seed}: gain ${fast.gain} vs its rows' ${gainFromRows}`);
      if (nClasses === 2) assert.ok(Math.abs(fast.gain - naive.gain) < 1e-9 * naive.gain, `seed ${seed}: ${fast.gain} vs best subset ${naive.gain}`);
      else assert.ok(fast.gain <= naive.gain + 1e-9 && fast.gain > 0.5 * naive.gain, `seed ${seed}: ${fast.gain} vs best subset ${naive.gain}`);
    }
  }
});

test("two classes: the Gini decrease is twice the squared-error decrease of the class-1 indicator (the binary forest's split search), so both pick the same split", () => {
  // (W_L - L_1)² + L_1² over W_L is W_L - 2 L_1 + 2 L_1² / W_L; summed over the children minus the parent,
  // the first two terms cancel and 2 (L_1²/W_L + R_1²/W_R - T_1²/W) is left: twice split.ts's gain with
  // gradient -y w, hessian w, l2 0.
  for (let seed = 0; seed < 8; seed++) {
    const nRows = 200;
    const d = randomData(50 + seed, nRows, [11, 30, 5], [0, 0, 0], 2);
    const rows = Int32Array.from({ length: nRows }, (_, i) => i);
    const gini = fastSplit(d, rows, 2, SETTINGS);
    const hist = new Float64Array(d.totalBins * HIST_STRIDE);
    let sumGradients = 0;
    let sumHessians = 0;
    for (let r = 0; r < nRows; r++) {
      const g = -d.classOf[r]! * d.weights[r]!;
      for (let f = 0; f < d.nFeatures; f++) {
        const at = (d.featureOffset[f]! + d.bins[f * nRows + r]!) * HIST_STRIDE;
        hist[at] += g;
        hist[at + 1] += d.weights[r]!;
      }
      sumGradients += g;
      sumHessians += d.weights[r]!;
    }
    const squaredError = new SplitInfo();
    const settings = { minSamplesLeaf: 1, minChildWeight: 1e-9, l2: 0, minSplitGain: 0, maxCatThreshold: 64, catSmooth: 0, minCategoryCount: 0 };
    findBestSplit(hist, Int32Array.from([0, 1, 2]), 3, d.featureOffset, d.nBins, d.isCategorical, sumGradients, sumHessians, nRows, settings, new SplitScratch(), squaredError);
    assert.deepEqual([gini.featureIndex, gini.binThreshold, gini.missingLeft], [squaredError.featureIndex, squaredError.binThreshold, squaredError.missingLeft], `seed ${seed}`);
    assert.ok(Math.abs(gini.gain - 2 * squaredError.gain) < 1e-9 * gini.gain, `seed ${seed}: ${gini.gain} vs 2 x ${squaredError.gain}`);
  }
});

test("a hand-worked Gini split: x = 1..6, classes 0 0 0 1 1 2 split after x = 3 with gain 7/3", () => {
  // Weighted Gini decrease W(1 - Σp²) - ...: parent 6 x (1 - (9 + 4 + 1)/36) = 11/3; left {0,0,0} 0;
  // right {1,1,2} 3 x (1 - 5/9) = 4/3; gain 7/3. The other thresholds: after 1: 7/15, 2: 7/6, 4: 7/6, 5: 19/15.
  const nRows = 6;
  const bins = Uint8Array.from([0, 1, 2, 3, 4, 5]);
  const classOf = Int32Array.from([0, 0, 0, 1, 1, 2]);
  const weights = new Float64Array(6).fill(1);
  const nBins = Int32Array.from([7]); // six values and the missing bin
  const hist = new Float64Array(7 * classStride(3));
  const features = Int32Array.from([0]);
  buildClassHistogram(bins, nRows, Int32Array.from([0, 1, 2, 3, 4, 5]), 0, 6, classOf, weights, features, 1, Int32Array.from([0]), nBins, 3, hist);
  const out = new GiniSplit();
  findBestGiniSplit(hist, features, 1, Int32Array.from([0]), nBins, Uint8Array.from([0]), 3, Float64Array.from([3, 2, 1]), 6, SETTINGS, new GiniScratch(3), out);
  assert.equal(out.featureIndex, 0);
  assert.equal(out.binThreshold, 2);
  assert.ok(Math.abs(out.gain - 7 / 3) < 1e-12, `gain ${out.gain}`);
  assert.equal(out.leftCount, 3);
  assert.equal(out.nextBin, 3);
  // No missing value in the node: missing values follow the larger child (a tie: left).
  assert.equal(out.missingLeft, true);
  // minSamplesLeaf 4 leaves no threshold with 4 rows on each side.
  findBestGiniSplit(hist, features, 1, Int32Array.from([0]), nBins, Uint8Array.from([0]), 3, Float64Array.from([3, 2, 1]), 6, { ...SETTINGS, minSamplesLeaf: 4 }, new GiniScratch(3), out);
  assert.equal(out.gain, -Infinity);
  // Two identical features tie: the first one wins (the search is over ascending features).
  const twice = new Float64Array(14 * classStride(3));
  const both = Int32Array.from([0, 1]);
  buildClassHistogram(Uint8Array.from([...bins, ...bins]), nRows, Int32Array.from([0, 1, 2, 3, 4, 5]), 0, 6, classOf, weights, both, 2, Int32Array.from([0, 7]), Int32Array.from([7, 7]), 3, twice);
  findBestGiniSplit(twice, both, 2, Int32Array.from([0, 7]), Int32Array.from([7, 7]), Uint8Array.from([0, 0]), 3, Float64Array.from([3, 2, 1]), 6, SETTINGS, new GiniScratch(3), out);
  assert.equal(out.featureIndex, 0);
  // A pure node does not split.
  const pure = new Float64Array(7 * classStride(3));
  buildClassHistogram(bins, nRows, Int32Array.from([0, 1, 2]), 0, 3, classOf, weights, features, 1, Int32Array.from([0]), nBins, 3, pure);
  findBestGiniSplit(pure, features, 1, Int32Array.from([0]), nBins, Uint8Array.from([0]), 3, Float64Array.from([3, 0, 0]), 3, SETTINGS, new GiniScratch(3), out);
  assert.equal(out.gain, -Infinity);
});

test("minSamplesLeaf holds on both sides: classes 1 1 1 1 1 0 split before the last row, or two rows before it with 2", () => {
  // Parent 6 x (1 - 26/36) = 5/3. After x = 5: both sides pure, gain 5/3. After x = 4 (right {1, 0}):
  // 5/3 - 2 x (1 - 1/2) = 2/3; after 3: 5/3 - 3 x (1 - 5/9) = 1/3.
  const bins = Uint8Array.from([0, 1, 2, 3, 4, 5]);
  const classOf = Int32Array.from([1, 1, 1, 1, 1, 0]);
  const weights = new Float64Array(6).fill(1);
  const nBins = Int32Array.from([7]);
  const features = Int32Array.from([0]);
  const hist = new Float64Array(7 * classStride(2));
  buildClassHistogram(bins, 6, Int32Array.from([0, 1, 2, 3, 4, 5]), 0, 6, classOf, weights, features, 1, Int32Array.from([0]), nBins, 2, hist);
  const out = new GiniSplit();
  const search = (minSamplesLeaf: number) => findBestGiniSplit(hist, features, 1, Int32Array.from([0]), nBins, Uint8Array.from([0]), 2, Float64Array.from([1, 5]), 6, { ...SETTINGS, minSamplesLeaf }, new GiniScratch(2), out);
  search(1);
  assert.deepEqual([out.binThreshold, out.leftCount], [4, 5]);
  assert.ok(Math.abs(out.gain - 5 / 3) < 1e-12);
  search(2);
  assert.deepEqual([out.binThreshold, out.leftCount], [3, 4]);
  assert.ok(Math.abs(out.gain - 2 / 3) < 1e-12);
});

test("centredThresholdBin: the bin whose edge is nearest the middle of the gap's edges", () => {
  // Values 1, 2, 3, 4, 10 in their own bins: edges 1.5, 2.5, 3.5, 7; a node holding 1 and 10 only splits
  // between bins 0 and 4: edges 1.5 .. 7 around the middle 4.25 -> bin 2 (edge 3.5, nearer than 7).
  const edges = Float64Array.from([1.5, 2.5, 3.5, 7]);
  assert.equal(centredThresholdBin(edges, 0, 4), 2);
  // Edges 100 .. 110 (middle 105): bin 4, edge 104.
  assert.equal(centredThresholdBin(Float64Array.from([100, 101, 102, 103, 104, 110]), 0, 6), 4);
  // Adjacent bins: nothing to centre.
  assert.equal(centredThresholdBin(edges, 1, 2), 1);
  // Gap of bins 2..3 (edges 3.5, 7, middle 5.25): 3.5 is 1.75 away, 7 is 1.75 away: the lower on a tie.
  assert.equal(centredThresholdBin(edges, 2, 4), 2);
});
