/**
 * Bins of a categorical feature with more categories than bins, ordered by the training target.
 *
 * Past `maxBins` categories, frequency alone (computeCategoryBins) keeps the most frequent categories and lumps
 * the rest into one "other" bin, which loses whatever the rare categories say: with 1,000 categories of ~8 rows,
 * three in four share that bin. Here the categories are ordered by a smoothed statistic of the target instead
 * (the weighted mean target shrunk towards the overall mean by `smoothing` pseudo-rows, as LightGBM's cat_smooth
 * shrinks its per-node ratio), and that order is cut into `maxBins` bins of about equal row counts. Categories
 * that behave alike share a bin; a category with more rows than a bin's share closes its bin; a rare one is
 * pulled towards the middle of the order, among the categories the data cannot tell from the average. The
 * split finder then sorts these bins by their gradients at each node, as it sorts single categories.
 *
 * The bins are cut with the labels the trees then fit, so they look purer on the training rows than they
 * are (XGBoost's and LightGBM's per-node sort of single categories has the same bias): on a column that adds
 * little to the others (flights' origin-destination route next to origin and destination) held-out ROC AUC
 * fell 0.007, while columns that carry their own signal gained up to 0.29 (bench/accuracy/RESULTS.md).
 *
 * Only the training rows' targets are read (the caller passes the rows it trains on, not its early-stopping
 * rows). Categories never seen in training get -1 (they go to the missing bin), as in computeCategoryBins.
 * Up to `maxBins` categories seen, the bins are computeCategoryBins' exactly, so such columns bin as before.
 */
import { type CategoryBins, computeCategoryBins } from "./binning.js";

/**
 * Pseudo-rows of the overall mean added to each category's target statistic. Measured 1, 10, 30, 100, 300 on
 * bench/highcard's binary and regression sets: 30 was the best or within 0.002 AUC / 0.5% RMSE of the best on
 * each (10, LightGBM's cat_smooth default, lost 0.004 AUC on the flights route and on grants).
 */
export const CATEGORY_TARGET_SMOOTHING = 30;

/** The training target that orders the categories. */
export interface CategoryTarget {
  /** Target per row, indexed like the codes: 0/1 (binary), the value (regression) or the class index (multiclass). */
  readonly y: Float64Array;
  /** Weight per row, indexed like the codes; null: 1 each. */
  readonly weights: Float64Array | null;
  /** Number of classes for multiclass (more than 2); 1 or 2 order by the mean of y. */
  readonly nClasses: number;
}

/**
 * Bins of a categorical feature from its codes at `rows` (all when null). Up to `maxBins` categories seen, or
 * without a target: computeCategoryBins. Past that, categories are ordered by their smoothed mean target
 * (binary, regression) or, for multiclass, grouped by the class they are most over-represented in (the largest
 * ratio of smoothed class share to overall class share) and ordered by that ratio within the group, largest
 * first; ties by code. The order is cut into exactly `maxBins` bins, each closed once it holds its share of the
 * rows left (rows left / bins left), or when as many categories are left as bins.
 */
export function computeCategoryBinsByTarget(codes: Int32Array, rows: Int32Array | null, nCategories: number, maxBins: number, target: CategoryTarget | null, smoothing = CATEGORY_TARGET_SMOOTHING): CategoryBins {
  const n = rows ? rows.length : codes.length;
  const counts = new Float64Array(nCategories);
  for (let i = 0; i < n; i++) {
    const c = rows ? codes[rows[i]!]! : codes[i]!;
    if (c >= 0 && c < nCategories) counts[c]!++;
  }
  let nSeen = 0;
  for (let c = 0; c < nCategories; c++) if (counts[c]! > 0) nSeen++;
  if (!target || nSeen <= maxBins) return computeCategoryBins(codes, rows, nCategories, maxBins);

  const { y, weights } = target;
  const nStats = target.nClasses > 2 ? target.nClasses : 1;
  // Per category: total weight, and the weighted sum of y (or of each class indicator).
  const weightOf = new Float64Array(nCategories);
  const sumOf = new Float64Array(nCategories * nStats);
  const overall = new Float64Array(nStats);
  let overallWeight = 0;
  for (let i = 0; i < n; i++) {
    const row = rows ? rows[i]! : i;
    const c = codes[row]!;
    const w = weights ? weights[row]! : 1;
    const v = y[row]!;
    overallWeight += w;
    if (nStats === 1) overall[0]! += w * v;
    else overall[v]! += w;
    if (c < 0 || c >= nCategories) continue;
    weightOf[c]! += w;
    if (nStats === 1) sumOf[c]! += w * v;
    else sumOf[c * nStats + v]! += w;
  }
  // Overall mean (or class shares); no weight at all: every key is 0 and the order falls back to the codes.
  const prior = new Float64Array(nStats);
  if (overallWeight > 0) for (let k = 0; k < nStats; k++) prior[k] = overall[k]! / overallWeight;

  const order = new Int32Array(nSeen);
  const group = new Int32Array(nCategories);
  const key = new Float64Array(nCategories);
  let s = 0;
  for (let c = 0; c < nCategories; c++) {
    if (counts[c]! === 0) continue;
    order[s++] = c;
    const denominator = weightOf[c]! + smoothing;
    if (nStats === 1) {
      key[c] = denominator > 0 ? (sumOf[c]! + smoothing * prior[0]!) / denominator : prior[0]!;
      continue;
    }
    let best = 0;
    let bestLift = -1;
    for (let k = 0; k < nStats; k++) {
      if (!(prior[k]! > 0)) continue;
      const share = denominator > 0 ? (sumOf[c * nStats + k]! + smoothing * prior[k]!) / denominator : prior[k]!;
      const lift = share / prior[k]!;
      if (lift > bestLift) {
        bestLift = lift;
        best = k;
      }
    }
    group[c] = best;
    // Largest lift first within a group: the most typical categories of a class sit together.
    key[c] = -bestLift;
  }
  order.sort((a, b) => group[a]! - group[b]! || key[a]! - key[b]! || a - b);

  const codeToBin = new Int32Array(nCategories).fill(-1);
  let rowsLeft = n - countMissing(codes, rows, nCategories);
  let bin = 0;
  let inBin = 0;
  for (let i = 0; i < nSeen; i++) {
    const c = order[i]!;
    codeToBin[c] = bin;
    inBin += counts[c]!;
    const binsLeftAfter = maxBins - bin - 1;
    const categoriesLeftAfter = nSeen - i - 1;
    if (binsLeftAfter > 0 && (inBin * (binsLeftAfter + 1) >= rowsLeft || categoriesLeftAfter <= binsLeftAfter)) {
      rowsLeft -= inBin;
      inBin = 0;
      bin++;
    }
  }
  return { codeToBin, nValueBins: maxBins };
}

/** Rows whose code is missing (< 0) or past the dictionary. */
function countMissing(codes: Int32Array, rows: Int32Array | null, nCategories: number): number {
  const n = rows ? rows.length : codes.length;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const c = rows ? codes[rows[i]!]! : codes[i]!;
    if (c < 0 || c >= nCategories) missing++;
  }
  return missing;
}

/**
 * Naive twin of computeCategoryBinsByTarget, for tests: one record per category seen, keys from plain sums per
 * category, the cut as a list of groups.
 */
export function computeCategoryBinsByTargetNaive(codes: Int32Array, rows: Int32Array | null, nCategories: number, maxBins: number, target: CategoryTarget | null, smoothing = CATEGORY_TARGET_SMOOTHING): CategoryBins {
  const ids = rows ? Array.from(rows) : codes.map((_, i) => i);
  const kept = Array.from(ids).filter((row) => codes[row]! >= 0 && codes[row]! < nCategories);
  const seen = [...new Set(kept.map((row) => codes[row]!))];
  if (!target || seen.length <= maxBins) return computeCategoryBins(codes, rows, nCategories, maxBins);
  const weightOfRow = (row: number): number => (target.weights ? target.weights[row]! : 1);
  const all = Array.from(ids);
  const total = all.reduce((sum, row) => sum + weightOfRow(row), 0);
  const multiclass = target.nClasses > 2;
  const classes = multiclass ? Array.from({ length: target.nClasses }, (_, k) => k) : [0];
  const statOf = (row: number, k: number): number => (multiclass ? (target.y[row] === k ? 1 : 0) : target.y[row]!);
  const prior = classes.map((k) => (total > 0 ? all.reduce((sum, row) => sum + weightOfRow(row) * statOf(row, k), 0) / total : 0));
  const records = seen.map((code) => {
    const mine = kept.filter((row) => codes[row] === code);
    const weight = mine.reduce((sum, row) => sum + weightOfRow(row), 0);
    const smoothed = classes.map((k) => (weight + smoothing > 0 ? (mine.reduce((sum, row) => sum + weightOfRow(row) * statOf(row, k), 0) + smoothing * prior[k]!) / (weight + smoothing) : prior[k]!));
    if (!multiclass) return { code, rowCount: mine.length, group: 0, key: smoothed[0]! };
    let group = 0;
    let lift = -1;
    classes.forEach((k) => {
      if (prior[k]! > 0 && smoothed[k]! / prior[k]! > lift) {
        lift = smoothed[k]! / prior[k]!;
        group = k;
      }
    });
    return { code, rowCount: mine.length, group, key: -lift };
  });
  records.sort((a, b) => a.group - b.group || a.key - b.key || a.code - b.code);
  const bins: number[][] = [[]];
  let rowsLeft = kept.length;
  records.forEach((record, i) => {
    const current = bins[bins.length - 1]!;
    current.push(record.code);
    const binsLeftAfter = maxBins - bins.length;
    const inCurrent = current.reduce((sum, code) => sum + records.find((r) => r.code === code)!.rowCount, 0);
    if (binsLeftAfter > 0 && (inCurrent >= rowsLeft / (binsLeftAfter + 1) || records.length - i - 1 <= binsLeftAfter)) {
      rowsLeft -= inCurrent;
      bins.push([]);
    }
  });
  const codeToBin = new Int32Array(nCategories).fill(-1);
  bins.forEach((codesInBin, bin) => codesInBin.forEach((code) => (codeToBin[code] = bin)));
  return { codeToBin, nValueBins: maxBins };
}
