/**
 * Single-feature measures of association with the target, over typed arrays: the leakage check's
 * figures. Each is O(n log n) at worst (one native sort of the values) and allocates per call, not per row.
 */
import { entropyBits } from "../profile/information.js";

/** Quantile bins of a numeric feature (and of a regression target) for mutual information, as the profile. */
export const N_BINS = 20;
/** Most frequent categories kept for mutual information, the rest merged into one key, as the profile. */
export const MAX_KEYS = 50;

/**
 * ROC AUC of raw values for the positive class (y = 1), missing values (NaN) left out; ties count a
 * half (scikit-learn's roc_auc_score). Undefined (NaN) when one class is absent.
 *
 * The Mann-Whitney count by merging: the positives' and the negatives' values are sorted apart (native
 * typed-array sorts), and one pass walks the negatives below and equal to each positive.
 * @example numericRocAuc(Float64Array.of(1, 2, 3), Float64Array.of(0, 1, 1)) // 1
 */
export function numericRocAuc(x: Float64Array, y: Float64Array): number {
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== x[i]) continue;
    if (y[i] === 1) nPos++;
    else nNeg++;
  }
  if (nPos === 0 || nNeg === 0) return NaN;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== v) continue;
    if (y[i] === 1) pos[p++] = v;
    else neg[q++] = v;
  }
  pos.sort();
  neg.sort();
  let below = 0; // negatives < v
  let atOrBelow = 0; // negatives <= v
  let sum = 0;
  for (let i = 0; i < nPos; i++) {
    const v = pos[i]!;
    while (below < nNeg && neg[below]! < v) below++;
    if (atOrBelow < below) atOrBelow = below;
    while (atOrBelow < nNeg && neg[atOrBelow]! <= v) atOrBelow++;
    sum += below + (atOrBelow - below) / 2;
  }
  return sum / (nPos * nNeg);
}

/**
 * ROC AUC of the per-category rate of y = 1 used as the score (in-sample target encoding); a missing
 * code (-1) is a category of its own. Returns the AUC and the number of categories seen. Categories with
 * equal rates are tied scores.
 * @example categoricalRocAuc(Int32Array.of(0, 0, 1, 1), 2, Float64Array.of(0, 0, 1, 1)) // { rocAuc: 1, keys: 2 }
 */
export function categoricalRocAuc(codes: Int32Array, nCategories: number, y: Float64Array): { rocAuc: number; keys: number } {
  const pos = new Float64Array(nCategories + 1);
  const neg = new Float64Array(nCategories + 1);
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i]! + 1;
    if (y[i] === 1) pos[k]++;
    else neg[k]++;
  }
  const keys: number[] = [];
  let nPos = 0;
  let nNeg = 0;
  for (let k = 0; k <= nCategories; k++) {
    if (pos[k]! + neg[k]! === 0) continue;
    keys.push(k);
    nPos += pos[k]!;
    nNeg += neg[k]!;
  }
  if (nPos === 0 || nNeg === 0) return { rocAuc: NaN, keys: keys.length };
  const rate = (k: number) => pos[k]! / (pos[k]! + neg[k]!);
  keys.sort((a, b) => rate(a) - rate(b));
  let negBelow = 0;
  let sum = 0;
  for (let i = 0; i < keys.length; ) {
    let j = i;
    let groupPos = 0;
    let groupNeg = 0;
    const r = rate(keys[i]!);
    while (j < keys.length && rate(keys[j]!) === r) {
      groupPos += pos[keys[j]!]!;
      groupNeg += neg[keys[j]!]!;
      j++;
    }
    sum += groupPos * (negBelow + groupNeg / 2);
    negBelow += groupNeg;
    i = j;
  }
  return { rocAuc: sum / (nPos * nNeg), keys: keys.length };
}

/**
 * Pearson's r of x and y over the rows where x is present; NaN when either is constant there.
 * @example pearson(Float64Array.of(1, 2, 3), Float64Array.of(2, 4, 7)) // 0.993...
 */
export function pearson(x: Float64Array, y: Float64Array): number {
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== x[i]) continue;
    n++;
    mx += x[i]!;
    my += y[i]!;
  }
  if (n < 2) return NaN;
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== x[i]) continue;
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/**
 * Keys of numeric values for mutual information: 0 for missing, else 1 + the number of bin edges at or
 * below the value. The edges are the distinct values when there are at most N_BINS of them (each value a
 * key), else the values at ranks i n / N_BINS of the sorted values (duplicates merged).
 */
export function numericKeys(x: Float64Array): { keys: Int32Array; nKeys: number } {
  const present = x.filter((v) => v === v).sort();
  const distinct: number[] = [];
  for (let i = 0; i < present.length && distinct.length <= N_BINS; i++) if (i === 0 || present[i] !== present[i - 1]) distinct.push(present[i]!);
  let edges: number[];
  if (distinct.length <= N_BINS) edges = distinct;
  else {
    edges = [];
    for (let b = 1; b < N_BINS; b++) {
      const edge = present[Math.floor((b * present.length) / N_BINS)]!;
      if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
    }
  }
  const keys = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v !== v) continue;
    let lo = 0;
    let hi = edges.length; // count of edges <= v, by bisection
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    keys[i] = 1 + lo;
  }
  return { keys, nKeys: edges.length + 2 };
}

/**
 * Keys of categorical codes for mutual information: the MAX_KEYS most frequent categories keep a key of
 * their own (1..), the others share one, and missing is key 0.
 */
export function categoricalKeys(codes: Int32Array, nCategories: number): { keys: Int32Array; nKeys: number } {
  const counts = new Float64Array(nCategories);
  for (let i = 0; i < codes.length; i++) if (codes[i]! >= 0) counts[codes[i]!]++;
  const order = Array.from({ length: nCategories }, (_, c) => c).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const keyOf = new Int32Array(nCategories).fill(MAX_KEYS + 1);
  for (let r = 0; r < Math.min(MAX_KEYS, nCategories); r++) keyOf[order[r]!] = r + 1;
  const keys = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) keys[i] = codes[i]! < 0 ? 0 : keyOf[codes[i]!]!;
  return { keys, nKeys: MAX_KEYS + 2 };
}

/** Mutual information in bits, its normalised value and its expected bias, from two key arrays. */
export interface Information {
  readonly normalizedMutualInformation: number;
  /** Miller-Madow bias, (keys - 1)(classes - 1) / (2 n ln 2) bits, over the keys that occur. */
  readonly bias: number;
  /** Entropy of the target keys, in bits. */
  readonly targetEntropy: number;
}

/**
 * I(X; Y) / H(Y) of two key arrays (keys in [0, nx) and [0, ny)), the plug-in estimate from their
 * cross-tab; 0 when Y is constant.
 */
export function information(xKeys: Int32Array, nx: number, yKeys: Int32Array, ny: number): Information {
  const joint = new Float64Array(nx * ny);
  for (let i = 0; i < xKeys.length; i++) joint[xKeys[i]! * ny + yKeys[i]!]++;
  const px = new Array<number>(nx).fill(0);
  const py = new Array<number>(ny).fill(0);
  for (let a = 0; a < nx; a++) for (let b = 0; b < ny; b++) {
    px[a]! += joint[a * ny + b]!;
    py[b]! += joint[a * ny + b]!;
  }
  const hx = entropyBits(px);
  const hy = entropyBits(py);
  const hxy = entropyBits(Array.from(joint));
  const mi = Math.max(0, hx + hy - hxy);
  const usedX = px.filter((c) => c > 0).length;
  const usedY = py.filter((c) => c > 0).length;
  const bias = ((usedX - 1) * (usedY - 1)) / (2 * xKeys.length * Math.LN2);
  return { normalizedMutualInformation: hy > 0 ? Math.min(1, mi / hy) : 0, bias, targetEntropy: hy };
}

/**
 * The rows of an order grouped by value, ascending, rows with NaN left out: the sort `stepAgreement`
 * needs, done once when many labels are read against the same order (every feature against a
 * regression target).
 */
export interface OrderGroups {
  /** Row indices, group by group. */
  readonly rows: Int32Array;
  /** Group g holds rows[groupStart[g] .. groupStart[g + 1]). */
  readonly groupStart: Int32Array;
  readonly nGroups: number;
}

/**
 * Groups the rows of `order` by value (see OrderGroups): one native sort of the values, a bisection per
 * row, a counting sort.
 * @example groupByOrder(Float64Array.of(2, NaN, 1, 2)) // { rows: [2, 0, 3], groupStart: [0, 1, 3], nGroups: 2 }
 */
export function groupByOrder(order: Float64Array): OrderGroups {
  const distinct = order.filter((v) => v === v).sort();
  const m = distinct.length;
  let d = 0;
  for (let i = 0; i < m; i++) if (i === 0 || distinct[i] !== distinct[d - 1]) distinct[d++] = distinct[i]!;
  const groupOf = new Int32Array(order.length).fill(-1);
  const groupStart = new Int32Array(d + 1);
  for (let i = 0; i < order.length; i++) {
    const v = order[i]!;
    if (v !== v) continue;
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    groupOf[i] = lo;
    groupStart[lo + 1]!++;
  }
  for (let g = 0; g < d; g++) groupStart[g + 1]! += groupStart[g]!;
  const next = groupStart.slice(0, d);
  const rows = new Int32Array(m);
  for (let i = 0; i < order.length; i++) if (groupOf[i]! >= 0) rows[next[groupOf[i]!]!++] = i;
  return { rows, groupStart, nGroups: d };
}

/** How far one sorted order determines a label: see `stepAgreement`. */
export interface StepAgreement {
  /** 1 - changes / expectedChanges: 1 when the label is a step function of the order, about 0 when unrelated. */
  readonly agreement: number;
  /** Label changes between neighbours in the sorted order (rows with tied order values: the mean over their orders). */
  readonly changes: number;
  /** Label changes expected between neighbours when the rows are in a random order. */
  readonly expectedChanges: number;
  /** Rows with an order value (NaN left out). */
  readonly rows: number;
}

/**
 * Whether `labels` (keys in [0, nLabels)) is a step function of `order`: the rows with an order value
 * are sorted by it and the label changes between neighbours are counted. A label computed from the
 * order (a copy of a class with noise, a band of a regression target, a field filled in only above some
 * value) changes a few times, once per step; an unrelated one changes about as often as in a random
 * order. Unlike binned mutual information, no bin straddles a step, so a copy that is exact except for
 * where the bins fall scores 1, and it reads any number of steps in any order (a class index need not
 * rise with the value).
 *
 * Rows that tie on the order value have no order among themselves, so the count is its mean over every
 * order of each tie group, exactly: (g - 1) - sum c (c - 1) / g changes inside a group of g rows with
 * label counts c, and 1 - sum p q across the boundary between groups with label shares p and q. In a
 * random order, m rows with label counts c have (m - 1) - sum c (c - 1) / m changes on average.
 * O(m log m): one native sort of the values, then linear passes; O(m) given the order's groups.
 * @example stepAgreement(Float64Array.of(1, 2, 3, 4, 5, 6), Int32Array.of(0, 0, 1, 1, 2, 2), 3).changes // 2
 */
export function stepAgreement(order: Float64Array | OrderGroups, labels: Int32Array, nLabels: number): StepAgreement {
  const { rows, groupStart, nGroups: d } = order instanceof Float64Array ? groupByOrder(order) : order;
  const m = rows.length;
  const grouped = new Int32Array(m);
  for (let r = 0; r < m; r++) grouped[r] = labels[rows[r]!]!;

  const total = new Float64Array(nLabels);
  let current = new Float64Array(nLabels);
  let previous = new Float64Array(nLabels);
  let previousSize = 0;
  let changes = 0;
  for (let g = 0; g < d; g++) {
    const start = groupStart[g]!;
    const end = groupStart[g + 1]!;
    const size = end - start;
    for (let r = start; r < end; r++) current[grouped[r]!]!++;
    let same = 0;
    let sharedBoundary = 0;
    for (let r = start; r < end; r++) {
      const label = grouped[r]!;
      // Each label counted once per group: on its first row there.
      if (current[label]! < 0) continue;
      const c = current[label]!;
      same += c * (c - 1);
      sharedBoundary += c * previous[label]!;
      total[label]! += c;
      current[label] = -c;
    }
    changes += size - 1 - same / size;
    if (previousSize > 0) changes += 1 - sharedBoundary / (size * previousSize);
    // The group's counts become `previous` (signs restored); the old previous is cleared for reuse.
    if (g > 0) for (let r = groupStart[g - 1]!; r < start; r++) previous[grouped[r]!] = 0;
    for (let r = start; r < end; r++) current[grouped[r]!] = Math.abs(current[grouped[r]!]!);
    [previous, current] = [current, previous];
    previousSize = size;
  }
  let same = 0;
  for (let k = 0; k < nLabels; k++) same += total[k]! * (total[k]! - 1);
  const expectedChanges = m > 0 ? m - 1 - same / m : 0;
  return { agreement: expectedChanges > 0 ? 1 - changes / expectedChanges : 0, changes, expectedChanges, rows: m };
}
