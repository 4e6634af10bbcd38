// Categorical features of more categories than bins (issue 3): the bin mapper orders them by the training
// target (src/kernels/category-order.ts) and leaves columns of at most maxBins categories as they were.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../src/core/rng.js";
import type { Column, Dataset } from "../src/core/types.js";
import { computeCategoryBins } from "../src/kernels/binning.js";
import { computeCategoryBinsByTarget } from "../src/kernels/category-order.js";
import { GradientBoosting } from "../src/models/gbdt/index.js";
import { BinMapper } from "../src/models/gbdt/bin-mapper.js";
import { RandomForest } from "../src/models/forest/index.js";
import { rocAucScore } from "../src/metrics/ranking.js";

/** nRows rows: category drawn from the first nSeen of nCategories names, y = [effect of the category + noise > 0]. */
function highCardinality(nRows: number, nCategories: number, nSeen: number, seed: number): Dataset {
  const rng = new Random(seed);
  const effect = Float64Array.from({ length: nCategories }, (_, c) => Math.sin(c * 12.9898) * 0.9);
  const codes = new Int32Array(nRows);
  const other = new Float64Array(nRows);
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    codes[i] = rng.next() < 0.02 ? -1 : rng.int(nSeen);
    other[i] = rng.next();
    y[i] = (codes[i]! >= 0 ? effect[codes[i]!]! : 0) + 0.4 * (rng.next() * 2 - 1) > 0 ? 1 : 0;
  }
  return {
    nRows,
    features: [
      { kind: "categorical", name: "place", codes, categories: Array.from({ length: nCategories }, (_, c) => `p${c}`) },
      { kind: "numeric", name: "other", values: other },
    ],
    target: { name: "y", task: "binary", values: y, classes: ["0", "1"] },
    fingerprint: `high-cardinality-${seed}`,
  };
}

test("the bin mapper orders a column of more than maxBins categories by the target of the training rows only", () => {
  const data = highCardinality(6000, 800, 800, 1);
  const codes = (data.features[0] as Extract<Column, { kind: "categorical" }>).codes;
  const y = data.target!.values;
  // Rows 0-999 are held out (early-stopping rows): their targets must not matter.
  const rows = Int32Array.from({ length: 5000 }, (_, i) => 1000 + i);
  const target = { y, weights: null, nClasses: 2 };
  const mapper = BinMapper.fit(data.features, rows, data.nRows, 255, 200000, new Random(1), target);
  assert.deepEqual(mapper.codeToBin[0], computeCategoryBinsByTarget(codes, rows, 800, 255, target).codeToBin);
  assert.notDeepEqual(mapper.codeToBin[0], computeCategoryBins(codes, rows, 800, 255).codeToBin);
  const flipped = Float64Array.from(y, (v, r) => (r < 1000 ? 1 - v : v));
  const again = BinMapper.fit(data.features, rows, data.nRows, 255, 200000, new Random(1), { ...target, y: flipped });
  assert.deepEqual(again.codeToBin[0], mapper.codeToBin[0]);
  assert.equal(mapper.nBins[0], 256);
});

test("a column of at most maxBins categories keeps its frequency bins, target or not", () => {
  const data = highCardinality(3000, 300, 255, 2);
  const codes = (data.features[0] as Extract<Column, { kind: "categorical" }>).codes;
  const mapper = BinMapper.fit(data.features, null, data.nRows, 255, 200000, new Random(1), { y: data.target!.values, weights: null, nClasses: 2 });
  assert.deepEqual(mapper.codeToBin[0], computeCategoryBins(codes, null, 300, 255).codeToBin);
});

test("GBDT on 1,000 categories: the same trees with 1 and 2 threads", () => {
  const data = highCardinality(20000, 1000, 1000, 3);
  const one = new GradientBoosting({ threads: 1, iterations: 30, seed: 4 }).fit(data);
  const two = new GradientBoosting({ threads: 2, iterations: 30, seed: 4 }).fit(data);
  assert.deepEqual(two.dumpTrees(), one.dumpTrees());
  assert.ok(one.dumpTrees().length > 0);
});

test("GBDT past maxBins: a category unseen in training is predicted as a missing value", () => {
  // 700 names, only the first 600 in the training rows.
  const train = highCardinality(8000, 700, 600, 5);
  const model = new GradientBoosting({ earlyStopping: 0, iterations: 40 }).fit(train);
  const probe = (code: number): Dataset => {
    const base = highCardinality(50, 700, 600, 6);
    const column = base.features[0] as Extract<Column, { kind: "categorical" }>;
    return { ...base, features: [{ ...column, codes: new Int32Array(50).fill(code) }, base.features[1]!] };
  };
  const missing = model.predictProba(probe(-1)).data;
  assert.deepEqual(model.predictProba(probe(650)).data, missing);
  assert.deepEqual(model.predictProba(probe(699)).data, missing);
  // A seen category does not in general predict as missing (the feature is used).
  assert.notDeepEqual(model.predictProba(probe(3)).data, missing);
});

test("random forest on 1,000 categories orders them by the target too: the held-out AUC of a frequency-only binning (about 0.67) rises above 0.9", () => {
  const train = highCardinality(8000, 1000, 1000, 5);
  const test = highCardinality(2000, 1000, 1000, 6);
  const model = new RandomForest({ nTrees: 50, seed: 1, threads: 1 }).fit(train);
  const proba = model.predictProba(test);
  const positive = Float64Array.from({ length: test.nRows }, (_, i) => proba.data[i * 2 + 1]!);
  assert.ok(rocAucScore(test.target!.values, positive) > 0.9);
});
