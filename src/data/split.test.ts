import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { groupKFold, holdoutSplit, kFold, stratifiedKFold, stratifiedTestCounts, timeSplit, type Split } from "./split.js";

/** Train and test are sorted, disjoint and together cover 0..nRows-1. */
function assertPartition(split: Split, nRows: number): void {
  for (const part of [split.train, split.test]) {
    for (let i = 1; i < part.length; i++) assert.ok(part[i - 1]! < part[i]!, "sorted ascending, no duplicates");
  }
  const seen = new Uint8Array(nRows);
  for (const row of [...split.train, ...split.test]) seen[row]!++;
  assert.ok(seen.every((count) => count === 1), "disjoint and covering");
}

/** Test parts of k folds: disjoint, covering every row once. */
function assertFolds(folds: Split[], nRows: number): void {
  const seen = new Uint8Array(nRows);
  for (const fold of folds) {
    assertPartition(fold, nRows);
    for (const row of fold.test) seen[row]!++;
  }
  assert.ok(seen.every((count) => count === 1), "every row is tested exactly once");
}

test("holdout: sizes (fraction rounded up), partition, determinism by seed", () => {
  const split = holdoutSplit(103, { testSize: 0.2, seed: 42 });
  assert.equal(split.test.length, 21);
  assert.equal(split.train.length, 82);
  assertPartition(split, 103);
  assert.deepEqual(holdoutSplit(103, { testSize: 0.2, seed: 42 }), split);
  assert.notDeepEqual(holdoutSplit(103, { testSize: 0.2, seed: 43 }).test, split.test);
  assert.equal(holdoutSplit(103, { testSize: 10, seed: 1 }).test.length, 10); // a whole number is a row count
  assert.throws(() => holdoutSplit(10, { testSize: 1.5, seed: 1 }), /testSize must be a fraction in \(0, 1\) or a whole number of rows/);
  assert.throws(() => holdoutSplit(10, { testSize: 10, seed: 1 }), /testSize must be small enough to leave at least one of the 10 rows for training, got 10/);
});

test("stratified holdout keeps each class's share, and every class of 2+ rows gets a test row", () => {
  // 120 / 60 / 12 / 2 / 1 rows of classes 0..4, shuffled.
  const y: number[] = [];
  [120, 60, 12, 2, 1].forEach((size, c) => y.push(...new Array<number>(size).fill(c)));
  for (let i = y.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [y[i], y[j]] = [y[j]!, y[i]!];
  }
  const split = holdoutSplit(y.length, { testSize: 0.25, seed: 7, stratify: y });
  assertPartition(split, y.length);
  const counts = [0, 0, 0, 0, 0];
  for (const row of split.test) counts[y[row]!]!++;
  assert.equal(split.test.length, 49); // ceil(0.25 * 195)
  assert.deepEqual(counts, [30, 15, 3, 1, 0]);
  assert.deepEqual(holdoutSplit(y.length, { testSize: 0.25, seed: 7, stratify: y }), split);
});

test("stratifiedTestCounts: proportional shares, largest remainders, minimum of one", () => {
  assert.deepEqual(stratifiedTestCounts([50, 30, 20], 10), [5, 3, 2]);
  assert.deepEqual(stratifiedTestCounts([5, 5, 5], 4), [2, 1, 1]); // remainders tie: lower class first
  assert.deepEqual(stratifiedTestCounts([97, 2, 1], 10), [9, 1, 0]); // class of 2 gets one, the singleton none
  assert.deepEqual(stratifiedTestCounts([3, 3], 5), [2, 2]); // each class keeps a training row, even if short of 5
});

test("kFold: contiguous folds like scikit-learn's KFold, shuffled by seed", () => {
  const folds = kFold(10, 3);
  assert.deepEqual(folds.map((f) => Array.from(f.test)), [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assertFolds(folds, 10);
  const shuffled = kFold(50, 5, { shuffle: true, seed: 3 });
  assertFolds(shuffled, 50);
  assert.deepEqual(kFold(50, 5, { shuffle: true, seed: 3 }), shuffled);
  assert.notDeepEqual(shuffled[0]!.test, kFold(50, 5)[0]!.test);
  assert.throws(() => kFold(4, 5), /k must be at most the number of rows \(4\)/);
});

/** scikit-learn 1.2's folds (tools/fixtures/make_split_fixtures.py): the test fold of every row. */
const sklearnFolds = JSON.parse(readFileSync(new URL("../../test/fixtures/splits/folds.json", import.meta.url), "utf8")) as {
  stratified: { y: number[]; k: number; fold: number[] }[];
  kfold: { n: number; k: number; fold: number[] }[];
  group: { groups: number[]; k: number; fold: number[] }[];
  time: { time: number[]; k: number; folds: { train: number[]; test: number[] }[] }[];
};

/** The test fold of every row of a list of folds. */
function foldOfRows(folds: Split[], nRows: number): number[] {
  const fold = new Array<number>(nRows).fill(-1);
  folds.forEach((split, f) => split.test.forEach((row) => (fold[row] = f)));
  return fold;
}

test("the unshuffled splitters give scikit-learn's folds row for row: StratifiedKFold, KFold, GroupKFold, TimeSeriesSplit", () => {
  for (const { y, k, fold } of sklearnFolds.stratified) {
    const folds = stratifiedKFold(y, k);
    assert.deepEqual(foldOfRows(folds, y.length), fold, `StratifiedKFold(${k}) of ${y.length} rows`);
    assert.deepEqual(stratifiedKFold(y, k, { shuffle: false, seed: 3 }), folds, "a seed without shuffling changes nothing");
    assertFolds(folds, y.length);
  }
  for (const { n, k, fold } of sklearnFolds.kfold) assert.deepEqual(foldOfRows(kFold(n, k), n), fold, `KFold(${k}) of ${n} rows`);
  for (const { groups, k, fold } of sklearnFolds.group) assert.deepEqual(foldOfRows(groupKFold(groups, k), groups.length), fold, `GroupKFold(${k})`);
  for (const { time, k, folds } of sklearnFolds.time) {
    const ours = timeSplit(time, { nSplits: k });
    assert.deepEqual(ours.map((split) => ({ train: Array.from(split.train), test: Array.from(split.test) })), folds, `TimeSeriesSplit(${k}) of ${time.length} rows`);
  }
  assert.throws(() => stratifiedKFold([0, 1, 0, 1], 2, { shuffle: true }), /seed/);
});

test("stratifiedKFold: every class spread evenly over the folds", () => {
  const y = Array.from({ length: 103 }, (_, i) => (i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2));
  const folds = stratifiedKFold(y, 4, { seed: 11 });
  assertFolds(folds, y.length);
  for (const c of [0, 1, 2]) {
    const perFold = folds.map((f) => Array.from(f.test).filter((row) => y[row] === c).length);
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${c}: ${perFold}`);
  }
  const sizes = folds.map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  assert.deepEqual(stratifiedKFold(y, 4, { seed: 11 }), folds);
});

test("groupKFold never splits a group and balances folds greedily, largest group first", () => {
  // Group sizes: 10 -> 4 rows, 20 -> 3, 30 -> 2, 40 -> 2, 50 -> 1.
  const groups = [10, 20, 10, 30, 20, 10, 40, 50, 30, 20, 10, 40];
  const folds = groupKFold(groups, 2);
  assertFolds(folds, groups.length);
  for (const fold of folds) {
    const testGroups = new Set(Array.from(fold.test, (row) => groups[row]));
    for (const row of fold.train) assert.ok(!testGroups.has(groups[row]!), "a group is on both sides");
  }
  // 10 (4) -> fold 0; 20 (3) -> fold 1; the tie of 30 and 40 (2 rows each) taken larger value first, as
  // scikit-learn 1.2: 40 -> fold 1 (3 < 4); 30 -> fold 0 (4 < 5); 50 (1) -> fold 1 (5 < 6). GroupKFold(2)
  // gives [[10, 30], [20, 40, 50]].
  const groupsOf = (fold: Split) => [...new Set(Array.from(fold.test, (row) => groups[row]))].sort();
  assert.deepEqual(folds.map(groupsOf), [[10, 30], [20, 40, 50]]);
  assert.throws(() => groupKFold(groups, 6), /at most the number of groups \(5\)/);
});

test("timeSplit: training rows strictly before test rows, ties kept together", () => {
  const time = [5, 1, 3, 3, 9, 7, 3, 2, 8, 6];
  const split = timeSplit(time, { testSize: 0.3 });
  assertPartition(split, time.length);
  const latestTrain = Math.max(...Array.from(split.train, (row) => time[row]!));
  const earliestTest = Math.min(...Array.from(split.test, (row) => time[row]!));
  assert.ok(latestTrain < earliestTest);
  assert.deepEqual(Array.from(split.test), [4, 5, 8]); // times 9, 7, 8
  // A boundary inside a tie moves the whole tie to the test part.
  const tied = timeSplit([1, 2, 3, 3, 3, 4], { testSize: 3 });
  assert.deepEqual(Array.from(tied.test), [2, 3, 4, 5]);
  assert.deepEqual(Array.from(tied.train), [0, 1]);
});

test("timeSplit with nSplits: expanding windows like TimeSeriesSplit", () => {
  const time = Array.from({ length: 12 }, (_, i) => 100 - i); // latest rows first
  const folds = timeSplit(time, { nSplits: 3 });
  assert.equal(folds.length, 3);
  const sorted = (rows: Int32Array) => Array.from(rows, (row) => time[row]!).sort((a, b) => a - b);
  assert.deepEqual(sorted(folds[0]!.train), [89, 90, 91]);
  assert.deepEqual(sorted(folds[0]!.test), [92, 93, 94]);
  assert.deepEqual(sorted(folds[2]!.test), [98, 99, 100]);
  for (const fold of folds) {
    assert.ok(Math.max(...sorted(fold.train)) < Math.min(...sorted(fold.test)));
  }
  assert.throws(() => timeSplit([1, NaN, 3], { testSize: 1 }), /a time for every row/);
});
