/**
 * Split search over a leaf's histogram (see ./histogram.ts for the layout).
 *
 * The gain of a split is the second-order (Newton) loss reduction used by XGBoost and LightGBM:
 *   gain = GL^2 / (HL + l2) + GR^2 / (HR + l2) - G^2 / (H + l2)
 * (twice the loss reduction; the leaf value is -G / (H + l2)). A numeric feature is scanned once per
 * missing direction (missing right, then missing left when the leaf has missing values): O(bins).
 * A categorical feature's bins are sorted by sumGradients / (sumHessians + catSmooth) and every prefix of
 * that order (and of the reverse order) is a candidate left set: for this gain the best partition is a
 * prefix of the ratio order (Fisher 1958, Breiman et al. 1984), so the scan is O(c log c), not O(2^c).
 *
 * Histograms hold no counts (see ./histogram.ts), so minSamplesLeaf is checked on an estimate:
 * count(side) = round(sumHessians(side) * count / sumHessians), LightGBM's approach. It is exact when
 * every row has the same hessian (squared error without weights) and close for log loss; the partition
 * then gives the children's exact counts.
 */
import { HIST_STRIDE } from "./histogram.js";

/** Settings of the split search; see GBDT_PARAMS for their meaning. */
export interface SplitSettings {
  readonly minSamplesLeaf: number;
  readonly minChildWeight: number;
  readonly l2: number;
  readonly minSplitGain: number;
  /** Most categories a categorical split may put on its left side. */
  readonly maxCatThreshold: number;
  /** Added to each category's hessian when ordering categories, so rare categories do not lead the order. */
  readonly catSmooth: number;
  /** Categories with fewer (estimated) rows in the leaf are not ordered; they stay on the right side. */
  readonly minCategoryCount: number;
}

/** Words of a categorical split's bitset of left bins: 256 bins, 32 per word. */
export const CAT_WORDS = 8;

/** The best split of one leaf. Preallocated per leaf and overwritten, never allocated in the search. */
export class SplitInfo {
  /** Gain of the split; -Infinity when no split satisfies the constraints. */
  gain = -Infinity;
  featureIndex = -1;
  /** Numeric: value bins 0..binThreshold go left. */
  binThreshold = 0;
  missingLeft = false;
  categorical = false;
  /** Categorical: bit b set when value bin b goes left. */
  readonly catBins = new Uint32Array(CAT_WORDS);
  leftGradients = 0;
  leftHessians = 0;
  /** Estimated rows going left (see the file comment); the partition gives the exact number. */
  leftCount = 0;
  rightGradients = 0;
  rightHessians = 0;
  rightCount = 0;

  /** Copies another split into this one. */
  copyFrom(other: SplitInfo): void {
    this.gain = other.gain;
    this.featureIndex = other.featureIndex;
    this.binThreshold = other.binThreshold;
    this.missingLeft = other.missingLeft;
    this.categorical = other.categorical;
    this.catBins.set(other.catBins);
    this.leftGradients = other.leftGradients;
    this.leftHessians = other.leftHessians;
    this.leftCount = other.leftCount;
    this.rightGradients = other.rightGradients;
    this.rightHessians = other.rightHessians;
    this.rightCount = other.rightCount;
  }
}

/** Scratch space for the categorical sort, allocated once per learner. */
export class SplitScratch {
  readonly order = new Int32Array(256);
  readonly keys = new Float64Array(256);
}

/** The value of a leaf with these sums, before shrinkage: the Newton step -G / (H + l2). */
export function leafValue(sumGradients: number, sumHessians: number, l2: number): number {
  return -sumGradients / (sumHessians + l2);
}

/**
 * Inserts value bin `bin` with sort key `key` into order[0..nUsed) and keys[0..nUsed), kept ascending
 * by key (after the bins of an equal key already there): an insertion sort, as a feature has at most 255
 * categories. Returns the new count. Shared by the categorical searches here and in ./class-histogram.ts.
 */
export function insertByKey(order: Int32Array, keys: Float64Array, nUsed: number, bin: number, key: number): number {
  let i = nUsed;
  while (i > 0 && keys[i - 1]! > key) {
    keys[i] = keys[i - 1]!;
    order[i] = order[i - 1]!;
    i--;
  }
  keys[i] = key;
  order[i] = bin;
  return nUsed + 1;
}

/** Writes to `out` the bitset (32 bins a word) of the first `length` bins of order[0..nUsed), or its last `length` when `reversed`. */
export function orderPrefixBins(order: Int32Array, nUsed: number, reversed: boolean, length: number, out: Uint32Array): void {
  out.fill(0);
  for (let i = 0; i < length; i++) {
    const b = reversed ? order[nUsed - 1 - i]! : order[i]!;
    out[b >>> 5] |= 1 << (b & 31);
  }
}

/**
 * Finds the best split of a leaf over the first nSelected features of `features`, given the leaf's
 * histogram and totals. Writes it into `out` (out.gain = -Infinity when there is none) and returns the gain.
 */
export function findBestSplit(
  hist: Float64Array,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  isCategorical: Uint8Array,
  sumGradients: number,
  sumHessians: number,
  count: number,
  settings: SplitSettings,
  scratch: SplitScratch,
  out: SplitInfo,
): number {
  const { minSamplesLeaf, minChildWeight, l2 } = settings;
  const parentScore = (sumGradients * sumGradients) / (sumHessians + l2);
  // Rows per unit of hessian, to estimate counts; no split of a leaf without hessian.
  const countFactor = count / sumHessians;
  out.gain = -Infinity;
  out.featureIndex = -1;
  if (!(sumHessians > 0)) return out.gain;
  // The count tests as hessian bounds, so the scan needs no rounding per candidate:
  // round(hl * countFactor) >= minSamplesLeaf  <=>  hl >= (minSamplesLeaf - 0.5) / countFactor, and
  // count - round(hl * countFactor) >= minSamplesLeaf  <=>  hl < (count - minSamplesLeaf + 0.5) / countFactor.
  const minLeftH = Math.max(minChildWeight, (minSamplesLeaf - 0.5) / countFactor);
  const rightCountLimit = (count - minSamplesLeaf + 0.5) / countFactor;
  const maxLeftH = sumHessians - minChildWeight;
  let bestGain = settings.minSplitGain > 0 ? settings.minSplitGain : 0;
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    const base = featureOffset[f]! * HIST_STRIDE;
    const nValue = nBins[f]! - 1;
    const mk = base + nValue * HIST_STRIDE;
    const missG = hist[mk]!;
    const missH = hist[mk + 1]!;
    // Whether the leaf has missing values at all is decided exactly, on the hessian sum.
    const hasMissing = missH > 0;
    if (isCategorical[f] === 0) {
      for (let dir = 0; dir < 2; dir++) {
        // dir 0: missing right; dir 1: missing left (only when this leaf has missing values).
        if (dir === 1 && !hasMissing) break;
        let gl = dir === 1 ? missG : 0;
        let hl = dir === 1 ? missH : 0;
        for (let b = 0; b < nValue - 1; b++) {
          const k = base + b * HIST_STRIDE;
          gl += hist[k]!;
          hl += hist[k + 1]!;
          if (hl >= rightCountLimit) break;
          if (hl < minLeftH || hl > maxLeftH) continue;
          const hr = sumHessians - hl;
          const gr = sumGradients - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
          if (gain > bestGain) {
            const cl = Math.round(hl * countFactor);
            bestGain = gain;
            out.gain = gain;
            out.featureIndex = f;
            out.categorical = false;
            out.binThreshold = b;
            // With no missing value in this leaf, missing values at predict time follow the larger child.
            out.missingLeft = dir === 1 || (!hasMissing && cl >= count - cl);
            out.leftGradients = gl;
            out.leftHessians = hl;
            out.leftCount = cl;
          }
        }
      }
    } else {
      // Order the value bins with enough rows by their smoothed gradient ratio (insertion sort: <= 255 items).
      const { order, keys } = scratch;
      let nUsed = 0;
      for (let b = 0; b < nValue; b++) {
        const k = base + b * HIST_STRIDE;
        const binCount = Math.round(hist[k + 1]! * countFactor);
        if (binCount < settings.minCategoryCount || !(hist[k + 1]! > 0)) continue;
        nUsed = insertByKey(order, keys, nUsed, b, hist[k]! / (hist[k + 1]! + settings.catSmooth));
      }
      const maxLeft = Math.min(nUsed, settings.maxCatThreshold);
      let found = false;
      let foundDir = 0;
      let foundLength = 0;
      for (let dir = 0; dir < 4; dir++) {
        // bit 0: order reversed; bit 1: missing goes left.
        const missingLeft = dir >= 2;
        if (missingLeft && !hasMissing) break;
        let gl = missingLeft ? missG : 0;
        let hl = missingLeft ? missH : 0;
        for (let i = 0; i < maxLeft; i++) {
          const b = (dir & 1) === 0 ? order[i]! : order[nUsed - 1 - i]!;
          const k = base + b * HIST_STRIDE;
          gl += hist[k]!;
          hl += hist[k + 1]!;
          if (hl >= rightCountLimit) break;
          if (hl < minLeftH || hl > maxLeftH) continue;
          const hr = sumHessians - hl;
          const gr = sumGradients - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
          if (gain > bestGain) {
            const cl = Math.round(hl * countFactor);
            bestGain = gain;
            found = true;
            foundDir = dir;
            foundLength = i + 1;
            out.gain = gain;
            out.featureIndex = f;
            out.categorical = true;
            out.missingLeft = missingLeft;
            out.leftGradients = gl;
            out.leftHessians = hl;
            out.leftCount = cl;
          }
        }
      }
      if (found) {
        // Build the bitset now: the next categorical feature reuses `order`.
        orderPrefixBins(order, nUsed, (foundDir & 1) === 1, foundLength, out.catBins);
      }
    }
  }
  if (out.featureIndex >= 0) {
    out.rightGradients = sumGradients - out.leftGradients;
    out.rightHessians = sumHessians - out.leftHessians;
    out.rightCount = count - out.leftCount;
  }
  return out.gain;
}

/** A split found by the naive search: the left set is given by goLeft over bins. */
export interface NaiveSplit {
  readonly gain: number;
  readonly featureIndex: number;
  readonly goLeft: Uint8Array;
}

/**
 * Naive twin for tests: tries every numeric threshold with missing on each side and, for categorical
 * features, EVERY subset of bins (so keep them small), summing gradients straight from the rows. It
 * assumes catSmooth = 0, minCategoryCount <= 1 and maxCatThreshold >= categories, where the sorted-prefix
 * scan is exact. Counts are estimated from hessians exactly as the fast search does.
 */
export function findBestSplitNaive(
  bins: Uint8Array,
  nRows: number,
  rows: ArrayLike<number>,
  nFeatures: number,
  nBins: Int32Array,
  isCategorical: Uint8Array,
  gradients: Float64Array,
  hessians: Float64Array,
  settings: SplitSettings,
): NaiveSplit | null {
  const { l2 } = settings;
  let G = 0;
  let H = 0;
  for (let i = 0; i < rows.length; i++) {
    G += gradients[rows[i]!]!;
    H += hessians[rows[i]!]!;
  }
  let best: NaiveSplit | null = null;
  const consider = (f: number, goLeft: Uint8Array) => {
    let gl = 0, hl = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (goLeft[bins[f * nRows + r]!]) {
        gl += gradients[r]!;
        hl += hessians[r]!;
      }
    }
    const cl = Math.round(hl * (rows.length / H));
    const cr = rows.length - cl;
    const hr = H - hl;
    if (cl < settings.minSamplesLeaf || cr < settings.minSamplesLeaf || hl < settings.minChildWeight || hr < settings.minChildWeight) return;
    const gain = (gl * gl) / (hl + l2) + ((G - gl) * (G - gl)) / (hr + l2) - (G * G) / (H + l2);
    if (gain > Math.max(0, settings.minSplitGain) && (!best || gain > best.gain)) best = { gain, featureIndex: f, goLeft: goLeft.slice() };
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
