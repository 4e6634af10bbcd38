/**
 * Splitting rows for training and evaluation. Every split is a pair of row-index arrays (Int32Array,
 * ascending), deterministic for a given seed on any machine (core/rng), and never shares a row between
 * its train and test parts.
 */
import { InvalidParameterError } from "../core/errors.js";
import { Random } from "../core/rng.js";
import type { Column, Dataset, TargetColumn } from "../core/types.js";
import { defineFingerprint, fingerprintOf } from "./fingerprint.js";
import { featureSpecsOf, targetSpecOf } from "./schema.js";

/** Row indices of a training part and a test part, each sorted ascending. */
export interface Split {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * The number of test rows for `testSize`: a fraction in (0, 1) is rounded up (as scikit-learn does), a
 * whole number >= 1 is a row count. Both parts must keep at least one row.
 */
function testCount(nRows: number, testSize: number, owner: string): number {
  const valid = Number.isFinite(testSize) && testSize > 0 && (testSize < 1 || Number.isInteger(testSize));
  if (!valid) throw new InvalidParameterError("testSize", "a fraction in (0, 1) or a whole number of rows", testSize, owner);
  const nTest = testSize < 1 ? Math.ceil(testSize * nRows) : testSize;
  if (nTest < 1 || nTest >= nRows) {
    throw new InvalidParameterError("testSize", `small enough to leave at least one of the ${nRows} rows for training`, testSize, owner);
  }
  return nTest;
}

function checkRows(nRows: number, owner: string): void {
  if (!Number.isInteger(nRows) || nRows < 2) throw new InvalidParameterError("nRows", "a whole number >= 2", nRows, owner);
}

function checkFolds(k: number, nItems: number, what: string, owner: string): void {
  if (!Number.isInteger(k) || k < 2) throw new InvalidParameterError("k", "a whole number >= 2", k, owner);
  if (k > nItems) throw new InvalidParameterError("k", `at most the number of ${what} (${nItems})`, k, owner);
}

function sorted(indices: ArrayLike<number>): Int32Array {
  return Int32Array.from(indices).sort();
}

/** Train = every row not in `test` (which must be sorted). */
function complement(nRows: number, test: Int32Array): Int32Array {
  const train = new Int32Array(nRows - test.length);
  let t = 0;
  let o = 0;
  for (let i = 0; i < nRows; i++) {
    if (t < test.length && test[t] === i) t++;
    else train[o++] = i;
  }
  return train;
}

/** Groups row indices by value, groups in ascending order of value. */
function groupRows(values: ArrayLike<number>, what: string, owner: string): { keys: number[]; rows: number[][] } {
  const byValue = new Map<number, number[]>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value !== value) throw new InvalidParameterError(what, "values without NaN", "NaN", owner);
    let rows = byValue.get(value);
    if (!rows) byValue.set(value, (rows = []));
    rows.push(i);
  }
  const keys = [...byValue.keys()].sort((a, b) => a - b);
  return { keys, rows: keys.map((key) => byValue.get(key)!) };
}

/**
 * Test rows per class for a stratified holdout of `nTest` rows. Each class gets its proportional share
 * rounded down, the remaining rows go to the largest remainders (ties: lower class first); then every
 * class with 2 or more rows is given at least one test row and keeps at least one training row, and the
 * total is restored to `nTest` by moving rows between the classes furthest from their share.
 */
export function stratifiedTestCounts(classSizes: readonly number[], nTest: number): number[] {
  const nRows = classSizes.reduce((a, b) => a + b, 0);
  const ideal = classSizes.map((size) => (size * nTest) / nRows);
  const counts = ideal.map(Math.floor);
  const byRemainder = ideal.map((_, c) => c).sort((a, b) => ideal[b]! - counts[b]! - (ideal[a]! - counts[a]!) || a - b);
  let left = nTest - counts.reduce((a, b) => a + b, 0);
  for (const c of byRemainder) {
    if (left === 0) break;
    counts[c]!++;
    left--;
  }
  const low = classSizes.map((size) => (size >= 2 ? 1 : 0));
  const high = classSizes.map((size) => (size >= 2 ? size - 1 : size));
  for (let c = 0; c < counts.length; c++) counts[c] = Math.min(high[c]!, Math.max(low[c]!, counts[c]!));
  let total = counts.reduce((a, b) => a + b, 0);
  while (total !== nTest) {
    const giving = total > nTest;
    let best = -1;
    for (let c = 0; c < counts.length; c++) {
      if (giving ? counts[c]! <= low[c]! : counts[c]! >= high[c]!) continue;
      const excess = giving ? counts[c]! - ideal[c]! : ideal[c]! - counts[c]!;
      if (best < 0 || excess > (giving ? counts[best]! - ideal[best]! : ideal[best]! - counts[best]!)) best = c;
    }
    if (best < 0) break; // infeasible: keep the minimum guarantees over the exact size
    counts[best]! += giving ? -1 : 1;
    total += giving ? -1 : 1;
  }
  return counts;
}

/**
 * One train/test split. With `stratify` (a class per row), each class keeps its share of the test part
 * (see stratifiedTestCounts), like scikit-learn's `train_test_split(stratify=y)`; the rounding differs.
 * @example const { train, test } = holdoutSplit(data.nRows, { testSize: 0.2, seed: 42, stratify: data.target!.values });
 */
export function holdoutSplit(nRows: number, opts: { testSize: number; seed: number; stratify?: ArrayLike<number> }): Split {
  const owner = "holdoutSplit";
  checkRows(nRows, owner);
  const nTest = testCount(nRows, opts.testSize, owner);
  const random = new Random(opts.seed);
  if (!opts.stratify) {
    const order = random.permutation(nRows);
    const test = sorted(order.subarray(0, nTest));
    return { train: complement(nRows, test), test };
  }
  if (opts.stratify.length !== nRows) throw new InvalidParameterError("stratify", `one class per row (${nRows})`, `${opts.stratify.length} values`, owner);
  const { rows } = groupRows(opts.stratify, "stratify", owner);
  const counts = stratifiedTestCounts(rows.map((r) => r.length), nTest);
  const test: number[] = [];
  rows.forEach((classRows, c) => {
    random.shuffle(classRows);
    for (let i = 0; i < counts[c]!; i++) test.push(classRows[i]!);
  });
  const testRows = sorted(test);
  return { train: complement(nRows, testRows), test: testRows };
}

/**
 * K folds of contiguous rows (or of a seeded shuffle), like scikit-learn's KFold: the first `nRows % k`
 * folds hold one row more than the others.
 * @example for (const { train, test } of kFold(data.nRows, 5, { shuffle: true, seed: 1 })) { ... }
 */
export function kFold(nRows: number, k: number, opts: { shuffle?: boolean; seed?: number } = {}): Split[] {
  const owner = "kFold";
  checkRows(nRows, owner);
  checkFolds(k, nRows, "rows", owner);
  let order: Int32Array;
  if (opts.shuffle) {
    if (opts.seed === undefined) throw new InvalidParameterError("seed", "a number when shuffle is true", undefined, owner);
    order = new Random(opts.seed).permutation(nRows);
  } else {
    order = Int32Array.from({ length: nRows }, (_, i) => i);
  }
  const folds: Split[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(nRows / k) + (f < nRows % k ? 1 : 0);
    const test = sorted(order.subarray(start, start + size));
    folds.push({ train: complement(nRows, test), test });
    start += size;
  }
  return folds;
}

/**
 * K folds that keep every class's proportion. Every class is spread over the folds with counts differing
 * by at most one, and fold sizes differ by at most one.
 * - With a seed (shuffle defaults to true then): each class's rows are shuffled, the classes (ascending)
 *   laid end to end, and row j of that sequence goes to fold j mod k.
 * - Without (or `shuffle: false`): scikit-learn's StratifiedKFold(n_splits=k) exactly: the classes in order
 *   of first appearance laid end to end, position j counted for fold j mod k, and each class's rows, in
 *   file order, fill its folds in blocks (its first rows test in fold 0), keeping the data's order.
 * @example const folds = stratifiedKFold(data.target!.values, 5, { seed: 0 });
 * @example const sameAsSklearn = stratifiedKFold(data.target!.values, 5);
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, opts: { seed?: number; shuffle?: boolean } = {}): Split[] {
  const owner = "stratifiedKFold";
  checkRows(y.length, owner);
  checkFolds(k, y.length, "rows", owner);
  const shuffle = opts.shuffle ?? opts.seed !== undefined;
  if (shuffle && opts.seed === undefined) throw new InvalidParameterError("seed", "a number when shuffle is true", undefined, owner);
  const { rows } = groupRows(y, "y", owner);
  const fold = new Int32Array(y.length);
  let position = 0;
  if (shuffle) {
    const random = new Random(opts.seed!);
    for (const classRows of rows) {
      random.shuffle(classRows);
      for (const row of classRows) fold[row] = position++ % k;
    }
    return foldsFrom(fold, k);
  }
  // Each class's rows are ascending; its first row is where it first appears.
  for (const classRows of [...rows].sort((a, b) => a[0]! - b[0]!)) {
    const perFold = new Array<number>(k).fill(0);
    for (let j = position; j < position + classRows.length; j++) perFold[j % k]!++;
    position += classRows.length;
    let next = 0;
    for (let f = 0; f < k; f++) for (let i = 0; i < perFold[f]!; i++) fold[classRows[next++]!] = f;
  }
  return foldsFrom(fold, k);
}

function foldsFrom(fold: Int32Array, k: number): Split[] {
  const nRows = fold.length;
  const folds: Split[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [];
    for (let i = 0; i < nRows; i++) if (fold[i] === f) test.push(i);
    const testRows = Int32Array.from(test);
    folds.push({ train: complement(nRows, testRows), test: testRows });
  }
  return folds;
}

/**
 * K folds that never split a group (a user, a store, a patient), like scikit-learn's GroupKFold: groups
 * are taken largest first and each goes to the fold with the fewest rows so far (ties: lower fold). Not
 * random. Groups of equal size are taken larger group value first, the order scikit-learn's reversed
 * argsort gives them (exactly its folds whenever numpy's sort keeps ties in order, as it does for up to 16
 * groups; past that its order of ties is numpy's quicksort's).
 * @example const folds = groupKFold(userIds, 5);
 */
export function groupKFold(groups: ArrayLike<number>, k: number): Split[] {
  const owner = "groupKFold";
  checkRows(groups.length, owner);
  const { rows } = groupRows(groups, "groups", owner);
  checkFolds(k, rows.length, "groups", owner);
  const order = rows.map((_, g) => g).sort((a, b) => rows[b]!.length - rows[a]!.length || b - a);
  const sizes = new Array<number>(k).fill(0);
  const fold = new Int32Array(groups.length);
  for (const g of order) {
    let lightest = 0;
    for (let f = 1; f < k; f++) if (sizes[f]! < sizes[lightest]!) lightest = f;
    sizes[lightest]! += rows[g]!.length;
    for (const row of rows[g]!) fold[row] = lightest;
  }
  return foldsFrom(fold, k);
}

/**
 * Splits in time order: every training row is strictly earlier than every test row. Rows sharing a
 * timestamp are never separated: a tie at a boundary goes to the later part.
 * - `{ testSize }`: one split, the latest `testSize` rows (fraction or count) as test.
 * - `{ nSplits }`: expanding-window folds like scikit-learn's TimeSeriesSplit: the rows in time order
 *   are cut into nSplits + 1 blocks; fold i tests on block i + 1 and trains on everything before it.
 * @example const { train, test } = timeSplit(data.extras![0].values, { testSize: 0.2 });
 */
export function timeSplit(time: ArrayLike<number>, opts: { testSize: number }): Split;
export function timeSplit(time: ArrayLike<number>, opts: { nSplits: number }): Split[];
export function timeSplit(time: ArrayLike<number>, opts: { testSize: number } | { nSplits: number }): Split | Split[] {
  const owner = "timeSplit";
  const nRows = time.length;
  checkRows(nRows, owner);
  for (let i = 0; i < nRows; i++) {
    if (time[i] !== time[i]) throw new InvalidParameterError("time", "a time for every row (no NaN)", `NaN at row ${i + 1}`, owner);
  }
  const order = Int32Array.from({ length: nRows }, (_, i) => i).sort((a, b) => time[a]! - time[b]! || a - b);
  /** Rows (in time order) from the first one at or after position `from` holding a new time. */
  const boundary = (position: number): number => {
    if (position >= nRows) return nRows;
    const t = time[order[position]!]!;
    let p = position;
    while (p > 0 && time[order[p - 1]!] === t) p--;
    return p;
  };
  const make = (trainEnd: number, testEnd: number): Split => {
    if (trainEnd === 0 || testEnd <= trainEnd) {
      throw new InvalidParameterError("time", "enough distinct times to put some rows strictly before the test rows", `${nRows} rows`, owner);
    }
    return { train: sorted(order.subarray(0, trainEnd)), test: sorted(order.subarray(trainEnd, testEnd)) };
  };
  if ("testSize" in opts) {
    const nTest = testCount(nRows, opts.testSize, owner);
    return make(boundary(nRows - nTest), nRows);
  }
  const nSplits = opts.nSplits;
  if (!Number.isInteger(nSplits) || nSplits < 1 || nSplits + 1 > nRows) {
    throw new InvalidParameterError("nSplits", `a whole number from 1 to ${nRows - 1}`, nSplits, owner);
  }
  const blockSize = Math.floor(nRows / (nSplits + 1));
  const folds: Split[] = [];
  for (let s = 0; s < nSplits; s++) {
    const start = nRows - (nSplits - s) * blockSize;
    folds.push(make(boundary(start), boundary(start + blockSize)));
  }
  return folds;
}

/**
 * The rows `rows` of a dataset (features, target, extras), in the given order, with a new fingerprint.
 * @example const train = takeRows(data, split.train);
 */
export function takeRows(dataset: Dataset, rows: Int32Array): Dataset {
  const nRows = dataset.nRows;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!(row >= 0 && row < nRows)) throw new InvalidParameterError("rows", `indices from 0 to ${nRows - 1}`, `${row} at position ${i}`, "takeRows");
  }
  const take = (column: Column): Column =>
    column.kind === "numeric"
      ? { ...column, values: gather(column.values, rows, new Float64Array(rows.length)) }
      : { ...column, codes: gather(column.codes, rows, new Int32Array(rows.length)) };
  const features = dataset.features.map(take);
  const target: TargetColumn | undefined = dataset.target && { ...dataset.target, values: gather(dataset.target.values, rows, new Float64Array(rows.length)) };
  const extras = dataset.extras?.map(take);
  const specs = featureSpecsOf(dataset);
  const targetSpec = target && targetSpecOf(target);
  const nSubset = rows.length;
  const subset = defineFingerprint(
    {
      nRows: nSubset,
      features,
      ...(target ? { target } : {}),
      ...(extras ? { extras } : {}),
      ...(dataset.source !== undefined ? { source: dataset.source } : {}),
      ...(dataset.derived ? { derived: dataset.derived } : {}),
    },
    () => fingerprintOf(nSubset, { features: specs, target: targetSpec, derived: dataset.derived ?? [] }, features, target),
  );
  return subset;
}

function gather<T extends Float64Array | Int32Array>(values: T, rows: Int32Array, out: T): T {
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}
