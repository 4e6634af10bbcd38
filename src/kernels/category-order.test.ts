import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { computeCategoryBins } from "./binning.js";
import { type CategoryTarget, computeCategoryBinsByTarget, computeCategoryBinsByTargetNaive } from "./category-order.js";

/** Codes and targets from (code, y) pairs. */
function rowsOf(pairs: Array<[number, number]>): { codes: Int32Array; y: Float64Array } {
  return { codes: Int32Array.from(pairs.map(([c]) => c)), y: Float64Array.from(pairs.map(([, v]) => v)) };
}

test("binary, worked by hand: categories ordered by smoothed target rate, cut into bins of about equal rows", () => {
  // c0: 1,1,1,1  c1: 0,0  c2: 1,0  c3: 0,0,0,1  c4: 1,1  missing: 0  (c5 never seen)
  const { codes, y } = rowsOf([[0, 1], [0, 1], [0, 1], [0, 1], [1, 0], [1, 0], [2, 1], [2, 0], [3, 0], [3, 0], [3, 0], [3, 1], [4, 1], [4, 1], [-1, 0]]);
  // Overall rate 8/15; with 3 pseudo-rows, key = (sum y + 3 * 8/15) / (n + 3) = (sum y + 1.6) / (n + 3):
  // c0 5.6/7 = 0.8, c1 1.6/5 = 0.32, c2 2.6/5 = 0.52, c3 2.6/7 = 0.371, c4 3.6/5 = 0.72 -> c1 c3 c2 c4 c0.
  // 14 rows with a category, 3 bins: c1 + c3 (6 rows >= 14/3) | c2 + c4 (4 >= 8/2) | c0.
  const bins = computeCategoryBinsByTarget(codes, null, 6, 3, { y, weights: null, nClasses: 2 }, 3);
  assert.deepEqual(Array.from(bins.codeToBin), [2, 0, 1, 0, 1, -1]);
  assert.equal(bins.nValueBins, 3);
  // By frequency alone, c0 and c3 keep bins and c1, c2, c4 (a 0, a 0.5 and a 1 rate) are lumped together.
  assert.deepEqual(Array.from(computeCategoryBins(codes, null, 6, 3).codeToBin), [0, 2, 2, 1, 2, -1]);
});

test("multiclass, worked by hand: categories grouped by the class they are most over-represented in", () => {
  // c0: 0,0  c1: 1,1,1  c2: 0,1  c3: 2.  Class shares 3/8, 4/8, 1/8; no smoothing.
  const { codes, y } = rowsOf([[0, 0], [0, 0], [1, 1], [1, 1], [1, 1], [2, 0], [2, 1], [3, 2]]);
  // Lifts (share / overall share): c0 class 0 1/0.375 = 2.67; c1 class 1 1/0.5 = 2; c2 class 0 0.5/0.375 =
  // 1.33 (class 1: 1.0); c3 class 2 1/0.125 = 8. Order: class 0 (c0, c2), class 1 (c1), class 2 (c3).
  // 8 rows, 3 bins: c0 + c2 (4 >= 8/3) | c1 (3 >= 4/2) | c3.
  const bins = computeCategoryBinsByTarget(codes, null, 4, 3, { y, weights: null, nClasses: 3 }, 0);
  assert.deepEqual(Array.from(bins.codeToBin), [0, 1, 0, 2]);
});

test("regression with weights and a row subset: only the given rows count, weighted", () => {
  // Rows 0-3 are c0..c3 with y 10, 0, 5, 1; row 4 (c1, y 100) is not in `rows`; c3's row weighs 0.
  const codes = Int32Array.from([0, 1, 2, 3, 1]);
  const y = Float64Array.from([10, 0, 5, 1, 100]);
  const weights = Float64Array.from([1, 1, 1, 0, 1]);
  const rows = Int32Array.from([0, 1, 2, 3]);
  // Overall mean (10 + 0 + 5) / 3 = 5; no smoothing: c0 10, c1 0, c2 5, c3 no weight -> the overall mean 5;
  // order c1 (0), c2 (5, code 2), c3 (5, code 3), c0 (10); 4 rows, 3 bins: c1 + c2 (2 >= 4/3) | c3 (1 >= 2/2) | c0.
  const bins = computeCategoryBinsByTarget(codes, rows, 4, 3, { y, weights, nClasses: 1 }, 0);
  assert.deepEqual(Array.from(bins.codeToBin), [2, 0, 0, 1]);
});

test("up to maxBins categories, or without a target, the bins are computeCategoryBins' exactly", () => {
  const rng = new Random(3);
  for (const nCategories of [1, 7, 255, 300]) {
    const codes = Int32Array.from({ length: 2000 }, () => (rng.next() < 0.05 ? -1 : rng.int(nCategories)));
    const y = Float64Array.from({ length: 2000 }, () => rng.int(2));
    const target: CategoryTarget = { y, weights: null, nClasses: 2 };
    for (const maxBins of [255, 254]) {
      const seen = new Set(Array.from(codes).filter((c) => c >= 0)).size;
      const expected = computeCategoryBins(codes, null, nCategories, maxBins);
      assert.deepEqual(computeCategoryBinsByTarget(codes, null, nCategories, maxBins, null), expected);
      if (seen <= maxBins) assert.deepEqual(computeCategoryBinsByTarget(codes, null, nCategories, maxBins, target), expected, `${nCategories} categories, ${maxBins} bins`);
      else assert.notDeepEqual(computeCategoryBinsByTarget(codes, null, nCategories, maxBins, target), expected);
    }
  }
});

test("past maxBins: every bin used, unseen categories -1, the same bins as the naive twin (binary, regression, multiclass, weights, row subsets)", () => {
  const rng = new Random(11);
  const cases: Array<{ nCategories: number; maxBins: number; nRows: number; nClasses: number; weighted: boolean; subset: boolean }> = [
    { nCategories: 1000, maxBins: 255, nRows: 8000, nClasses: 2, weighted: false, subset: false },
    { nCategories: 300, maxBins: 255, nRows: 3000, nClasses: 1, weighted: true, subset: true },
    { nCategories: 40, maxBins: 4, nRows: 500, nClasses: 5, weighted: false, subset: true },
    { nCategories: 60, maxBins: 16, nRows: 400, nClasses: 3, weighted: true, subset: false },
    { nCategories: 20, maxBins: 2, nRows: 300, nClasses: 2, weighted: true, subset: true },
  ];
  for (const c of cases) {
    // Skewed frequencies (a few large categories), some missing codes and codes past the dictionary.
    const codes = Int32Array.from({ length: c.nRows }, () => {
      const u = rng.next();
      return u < 0.03 ? -1 : u < 0.04 ? c.nCategories + 2 : Math.floor(c.nCategories * rng.next() ** 2);
    });
    const y = Float64Array.from(codes, (code) => (c.nClasses === 1 ? code * 0.01 + rng.next() : c.nClasses === 2 ? (rng.next() < (code % 7) / 7 ? 1 : 0) : (code + rng.int(2)) % c.nClasses));
    const weights = c.weighted ? Float64Array.from({ length: c.nRows }, () => (rng.next() < 0.1 ? 0 : 0.5 + rng.next())) : null;
    const rows = c.subset ? Int32Array.from({ length: c.nRows }, (_, i) => i).filter(() => rng.next() < 0.8) : null;
    const target: CategoryTarget = { y, weights, nClasses: c.nClasses };
    const label = JSON.stringify(c);
    for (const smoothing of [0, 30]) {
      const fast = computeCategoryBinsByTarget(codes, rows, c.nCategories, c.maxBins, target, smoothing);
      assert.deepEqual(fast, computeCategoryBinsByTargetNaive(codes, rows, c.nCategories, c.maxBins, target, smoothing), label);
      assert.equal(fast.nValueBins, c.maxBins, label);
      const used = new Set(Array.from(fast.codeToBin).filter((b) => b >= 0));
      assert.deepEqual([...used].sort((a, b) => a - b), Array.from({ length: c.maxBins }, (_, b) => b), `every bin used: ${label}`);
      const seen = new Set(Array.from(rows ?? codes.keys()).map((r) => codes[r]!).filter((code) => code >= 0 && code < c.nCategories));
      for (let code = 0; code < c.nCategories; code++) assert.equal(fast.codeToBin[code]! >= 0, seen.has(code), `code ${code}: ${label}`);
    }
  }
});

test("binary: the bins follow the target rate, so a bin holds categories of similar rates", () => {
  // 600 categories of 20 rows, rate of category c = c / 600 exactly (shuffled codes), 60 bins of 10 categories.
  const rng = new Random(5);
  const rateRank = Int32Array.from({ length: 600 }, (_, i) => i);
  for (let i = 599; i > 0; i--) {
    const j = rng.int(i + 1);
    [rateRank[i], rateRank[j]] = [rateRank[j]!, rateRank[i]!];
  }
  const codes = new Int32Array(600 * 20);
  const y = new Float64Array(600 * 20);
  for (let c = 0; c < 600; c++) {
    const positives = Math.round((rateRank[c]! / 600) * 20);
    for (let k = 0; k < 20; k++) {
      codes[c * 20 + k] = c;
      y[c * 20 + k] = k < positives ? 1 : 0;
    }
  }
  const bins = computeCategoryBinsByTarget(codes, null, 600, 60, { y, weights: null, nClasses: 2 });
  // Categories with a higher rate never sit in a lower bin.
  for (let a = 0; a < 600; a++) {
    for (let b = 0; b < 600; b++) {
      if (Math.round((rateRank[a]! / 600) * 20) < Math.round((rateRank[b]! / 600) * 20)) assert.ok(bins.codeToBin[a]! <= bins.codeToBin[b]!, `${a} ${b}`);
    }
  }
  // 15 categories have no positive (ranks 0-14) and 15 only positives (ranks 585-599): bins 0-1 and 58-59.
  for (let c = 0; c < 600; c++) {
    if (rateRank[c]! <= 14) assert.ok(bins.codeToBin[c]! <= 1, `category ${c}`);
    if (rateRank[c]! >= 585) assert.ok(bins.codeToBin[c]! >= 58, `category ${c}`);
  }
  assert.equal(new Set(bins.codeToBin).size, 60);
});
