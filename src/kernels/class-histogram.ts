/**
 * Class-count histograms and the Gini split search of multiclass classification trees (random forests).
 *
 * Layout: for feature f and bin b, CLASS_STRIDE(k) = k + 1 float64 slots at
 * (featureOffset[f] + b) * (k + 1): the weight of each of the k classes among the node's rows in that
 * bin, then the number of distinct rows (for minSamplesLeaf, counted exactly rather than estimated
 * from weights as ./split.ts must). The last bin of every feature is its missing bin (the bin mapper's).
 *
 * The gain of a split is the decrease of the weighted Gini impurity, W(1 - Σc p_c²) summed over the
 * node minus its children, which simplifies to
 *   gain = Σc L_c² / W_L + Σc R_c² / W_R - Σc T_c² / W
 * (L, R, T: class weights left, right and in the node; W their totals): scikit-learn's impurity decrease
 * times the node's weight. With two classes it is twice the squared-error decrease of the class-1
 * indicator (expand (W_L - L_1)² + L_1² over W_L), so a binary tree grown on the indicator is the same tree.
 *
 * A numeric feature is scanned once per missing direction, O(bins x k). A categorical feature's bins have
 * no best order for k > 2 classes (the exact search is over 2^c subsets); its bins are ordered by the
 * share of one class, for each class in turn (one-vs-rest orders; for k = 2 the share of class 1 alone,
 * which is exact), and every prefix of each order, forward and reversed, is a candidate left set.
 */
import { insertByKey, orderPrefixBins } from "./split.js";

/** Float64 slots per bin of a class histogram of k classes: k class weights and a row count. */
export function classStride(nClasses: number): number {
  return nClasses + 1;
}

/** Settings of the Gini split search. */
export interface GiniSplitSettings {
  /** Fewest distinct rows on each side of a split. */
  readonly minSamplesLeaf: number;
  /** Categories with fewer rows in the node are not ordered; they stay on the right side. */
  readonly minCategoryCount: number;
  /** Most categories a categorical split may put on its left side. */
  readonly maxCatThreshold: number;
}

/** The best Gini split of a node; preallocated and overwritten by findBestGiniSplit. */
export class GiniSplit {
  /** Weighted Gini impurity decrease; -Infinity when no split satisfies the constraints. */
  gain = -Infinity;
  featureIndex = -1;
  /** Numeric: value bins 0..binThreshold go left (the lowest such bin: the last one holding left rows). */
  binThreshold = 0;
  /**
   * Numeric: the first value bin after binThreshold holding rows of the node (-1 when none): every
   * threshold bin in binThreshold..nextBin-1 splits the node's rows alike, so the caller may centre it.
   */
  nextBin = -1;
  missingLeft = false;
  categorical = false;
  /** Categorical: bit b set when value bin b goes left (8 words: 256 bins). */
  readonly catBins = new Uint32Array(8);
  /** Distinct rows going left. */
  leftCount = 0;
}

/** Scratch of the Gini split search for k classes, allocated once per grower. */
export class GiniScratch {
  readonly order = new Int32Array(256);
  readonly keys = new Float64Array(256);
  /** Class weights of the left side being scanned. */
  readonly left: Float64Array;

  constructor(nClasses: number) {
    this.left = new Float64Array(nClasses);
  }
}

/**
 * Adds the rows rows[begin..begin+count) to the class histograms of the first nSelected features of
 * `features` (zeroing those features' bins first): weight weights[r] to class classOf[r] of the row's bin,
 * and 1 to the bin's row count. `bins` is column-major, nFeatures x nRows. Row-major over the node's
 * rows within a feature, so each feature's bins are read in one pass.
 */
export function buildClassHistogram(
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
  begin: number,
  count: number,
  classOf: Int32Array,
  weights: Float64Array,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  nClasses: number,
  out: Float64Array,
): void {
  const stride = nClasses + 1;
  const end = begin + count;
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    const base = featureOffset[f]! * stride;
    out.fill(0, base, base + nBins[f]! * stride);
    const column = f * nRows;
    for (let i = begin; i < end; i++) {
      const r = rows[i]!;
      const k = base + bins[column + r]! * stride;
      out[k + classOf[r]!] += weights[r]!;
      out[k + nClasses]++;
    }
  }
}

/**
 * Sum of squared class weights over their total, Σc w_c² / Σc w_c, from `weights` starting at `at`
 * (0 when the total is 0).
 */
function squaresOverTotal(weights: Float64Array, at: number, nClasses: number): number {
  let total = 0;
  let squares = 0;
  for (let c = 0; c < nClasses; c++) {
    const w = weights[at + c]!;
    total += w;
    squares += w * w;
  }
  return total > 0 ? squares / total : 0;
}

/**
 * Finds the best Gini split of a node over the first nSelected features of `features`, from its class
 * histogram (see the file comment) and its class weights `totals` and distinct rows `count`. Writes it
 * into `out` (out.gain = -Infinity when no split has positive gain and minSamplesLeaf rows each side)
 * and returns the gain. Ties keep the first candidate found: lower feature position, lower threshold,
 * missing right before left.
 */
export function findBestGiniSplit(
  hist: Float64Array,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  isCategorical: Uint8Array,
  nClasses: number,
  totals: Float64Array,
  count: number,
  settings: GiniSplitSettings,
  scratch: GiniScratch,
  out: GiniSplit,
): number {
  const stride = nClasses + 1;
  const { minSamplesLeaf } = settings;
  const left = scratch.left;
  let totalWeight = 0;
  for (let c = 0; c < nClasses; c++) totalWeight += totals[c]!;
  const parentScore = squaresOverTotal(totals, 0, nClasses);
  out.gain = -Infinity;
  out.featureIndex = -1;
  // A pure node cannot gain; gains below this are rounding (a split of a pure node "gains" ~1e-16).
  let bestGain = 1e-12 * totalWeight;
  // Score of the current left side and its complement, from `left`, its weight and row count.
  const splitScore = (leftWeight: number): number => {
    let leftSquares = 0;
    let rightSquares = 0;
    for (let c = 0; c < nClasses; c++) {
      const l = left[c]!;
      const r = totals[c]! - l;
      leftSquares += l * l;
      rightSquares += r * r;
    }
    const rightWeight = totalWeight - leftWeight;
    return leftSquares / leftWeight + rightSquares / rightWeight - parentScore;
  };
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    const base = featureOffset[f]! * stride;
    const nValue = nBins[f]! - 1;
    const missing = base + nValue * stride;
    const missingCount = hist[missing + nClasses]!;
    const hasMissing = missingCount > 0;
    if (isCategorical[f] === 0) {
      for (let dir = 0; dir < 2; dir++) {
        // dir 0: missing right; dir 1: missing left (only when the node has missing values).
        if (dir === 1 && !hasMissing) break;
        let leftWeight = 0;
        let leftCount = 0;
        for (let c = 0; c < nClasses; c++) {
          left[c] = dir === 1 ? hist[missing + c]! : 0;
          leftWeight += left[c]!;
        }
        if (dir === 1) leftCount = missingCount;
        for (let b = 0; b < nValue - 1; b++) {
          const k = base + b * stride;
          const binCount = hist[k + nClasses]!;
          if (binCount === 0) continue;
          for (let c = 0; c < nClasses; c++) {
            left[c] += hist[k + c]!;
            leftWeight += hist[k + c]!;
          }
          leftCount += binCount;
          if (count - leftCount < minSamplesLeaf) break;
          if (leftCount < minSamplesLeaf || !(leftWeight > 0) || !(totalWeight - leftWeight > 0)) continue;
          const gain = splitScore(leftWeight);
          if (gain > bestGain) {
            bestGain = gain;
            out.gain = gain;
            out.featureIndex = f;
            out.categorical = false;
            out.binThreshold = b;
            // With no missing value in this node, missing values at predict time follow the larger child.
            out.missingLeft = dir === 1 || (!hasMissing && leftCount >= count - leftCount);
            out.leftCount = leftCount;
          }
        }
      }
    } else {
      const { order, keys } = scratch;
      // Orders to try: by the share of class c, for each class (class 1 only for two classes).
      const firstClass = nClasses === 2 ? 1 : 0;
      let found = false;
      let foundClass = 0;
      let foundDir = 0;
      let foundLength = 0;
      let nUsed = 0;
      for (let byClass = firstClass; byClass < nClasses; byClass++) {
        // Insertion sort of the bins with enough rows by the class's share (at most 255 bins).
        nUsed = 0;
        for (let b = 0; b < nValue; b++) {
          const k = base + b * stride;
          if (hist[k + nClasses]! < settings.minCategoryCount) continue;
          let binWeight = 0;
          for (let c = 0; c < nClasses; c++) binWeight += hist[k + c]!;
          if (!(binWeight > 0)) continue;
          nUsed = insertByKey(order, keys, nUsed, b, hist[k + byClass]! / binWeight);
        }
        const maxLeft = Math.min(nUsed, settings.maxCatThreshold);
        for (let dir = 0; dir < 4; dir++) {
          // bit 0: order reversed; bit 1: missing goes left.
          const missingLeft = dir >= 2;
          if (missingLeft && !hasMissing) break;
          let leftWeight = 0;
          for (let c = 0; c < nClasses; c++) {
            left[c] = missingLeft ? hist[missing + c]! : 0;
            leftWeight += left[c]!;
          }
          let leftCount = missingLeft ? missingCount : 0;
          for (let i = 0; i < maxLeft; i++) {
            const b = (dir & 1) === 0 ? order[i]! : order[nUsed - 1 - i]!;
            const k = base + b * stride;
            for (let c = 0; c < nClasses; c++) {
              left[c] += hist[k + c]!;
              leftWeight += hist[k + c]!;
            }
            leftCount += hist[k + nClasses]!;
            if (count - leftCount < minSamplesLeaf) break;
            if (leftCount < minSamplesLeaf || !(totalWeight - leftWeight > 0)) continue;
            const gain = splitScore(leftWeight);
            if (gain > bestGain) {
              bestGain = gain;
              found = true;
              foundClass = byClass;
              foundDir = dir;
              foundLength = i + 1;
              out.gain = gain;
              out.featureIndex = f;
              out.categorical = true;
              out.missingLeft = missingLeft;
              out.leftCount = leftCount;
            }
          }
        }
        if (found && foundClass === byClass) {
          // Build the bitset while `order` is this class's order.
          orderPrefixBins(order, nUsed, (foundDir & 1) === 1, foundLength, out.catBins);
        }
      }
    }
  }
  if (out.featureIndex >= 0 && !out.categorical) {
    const f = out.featureIndex;
    const base = featureOffset[f]! * stride;
    out.nextBin = -1;
    for (let b = out.binThreshold + 1; b < nBins[f]! - 1; b++) {
      if (hist[base + b * stride + nClasses]! > 0) {
        out.nextBin = b;
        break;
      }
    }
  }
  return out.gain;
}

/**
 * The threshold bin among binThreshold..nextBin-1 (bins that split a node's rows alike) whose edge is
 * nearest the middle of the gap's edges: scikit-learn puts a threshold halfway between the two values
 * around it, and with one bin per distinct value (edges halfway between neighbours) this is the bin
 * whose edge is nearest that point. A threshold at the lowest bin instead would put every gap's values
 * on the right side, in every tree. `edges`: the feature's upper bin edges, increasing.
 */
export function centredThresholdBin(edges: Float64Array, binThreshold: number, nextBin: number): number {
  if (nextBin <= binThreshold + 1) return binThreshold;
  const middle = edges[binThreshold]! / 2 + edges[nextBin - 1]! / 2;
  let best = binThreshold;
  for (let b = binThreshold + 1; b < nextBin; b++) if (Math.abs(edges[b]! - middle) < Math.abs(edges[best]! - middle)) best = b;
  return best;
}
