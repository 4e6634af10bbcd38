import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { RandomNodeFeatures } from "../gbdt/grower.js";
import { RandomForest } from "./forest.js";

/** A regression set of numeric columns. */
function regressionSet(columns: number[][], y: number[]): Dataset {
  const features: Column[] = columns.map((values, f) => ({ kind: "numeric", name: `x${f}`, values: Float64Array.from(values) }));
  return { nRows: y.length, features, target: { name: "y", task: "regression", values: Float64Array.from(y) }, fingerprint: "tie-break" };
}

// Hand-worked: x0 and x1 are copies on the training rows, so the root's best split, {0, 1} | {2, 3}, has
// the same gain on either (and its children are pure: no further split). On the row x0 = 0, x1 = 3 a tree
// split on x0 answers 0 and one split on x1 answers 10, so the forest's answer is 10 x (share of trees
// split on x1). Ties given to the lowest feature made every tree split on x0: the answer was exactly 0.
test("equal gains go to a feature at random: trees split on either of two copied columns", () => {
  const train = regressionSet([[0, 1, 2, 3], [0, 1, 2, 3]], [0, 0, 10, 10]);
  const model = new RandomForest({ nTrees: 200, bootstrap: false, minSamplesLeaf: 1, maxFeatures: 1, seed: 3, threads: 1 }).fit(train);
  const roots = model.dumpTrees().map((tree) => ("feature" in tree ? tree.feature : "leaf"));
  const onX1 = roots.filter((f) => f === "x1").length;
  assert.equal(roots.filter((f) => f === "x0").length + onX1, 200, "every tree splits its root on x0 or x1");
  // 200 fair draws: the share is within 4 standard deviations (0.035 each) of one half.
  assert.ok(onX1 > 200 * 0.36 && onX1 < 200 * 0.64, `trees split on x1: ${onX1} of 200`);
  const test = regressionSet([[0, 3], [3, 0]], [0, 0]);
  const [disagree, mirrored] = model.predict(test);
  assert.ok(Math.abs(disagree! - (10 * onX1) / 200) < 1e-9, `x0 = 0, x1 = 3: ${disagree}`);
  assert.ok(Math.abs(mirrored! - (10 * (200 - onX1)) / 200) < 1e-9, `x0 = 3, x1 = 0: ${mirrored}`);
});

// The multiclass trees (./gini-grower.ts) alike: x0 and x1 are copies, classes a a b b c c, so every split
// ties between the two columns. Ties given to the lowest feature made every tree split its root on x0.
test("multiclass: equal gains go to a feature at random: trees split their root on either of two copied columns", () => {
  const values = [0, 1, 2, 3, 4, 5];
  const features: Column[] = ["x0", "x1"].map((name) => ({ kind: "numeric", name, values: Float64Array.from(values) }));
  const train: Dataset = { nRows: 6, features, target: { name: "y", task: "multiclass", values: Float64Array.of(0, 0, 1, 1, 2, 2), classes: ["a", "b", "c"] }, fingerprint: "tie-break" };
  const model = new RandomForest({ nTrees: 200, bootstrap: false, minSamplesLeaf: 1, maxFeatures: 1, seed: 3, threads: 1 }).fit(train);
  // dumpTrees gives each bag's tree once per class: 3 x 200 dumps, the same root three times.
  const roots = model.dumpTrees().map((tree) => ("feature" in tree ? tree.feature : "leaf"));
  assert.equal(roots.length, 600);
  const onX1 = roots.filter((f) => f === "x1").length / 3;
  assert.equal(roots.filter((f) => f === "x0").length / 3 + onX1, 200, "every tree splits its root on x0 or x1");
  // 200 fair draws: within 4 standard deviations (0.035 each) of one half.
  assert.ok(onX1 > 200 * 0.36 && onX1 < 200 * 0.64, `trees split on x1: ${onX1} of 200`);
});

test("RandomNodeFeatures draws perNode distinct features of the first nSelected, in drawn order, by seed", () => {
  const features = Int32Array.from([7, 2, 9, 4, 5, 11]);
  const draw = (seed: number, perNode: number): number[][] => {
    const sampler = new RandomNodeFeatures(new Random(seed), perNode);
    const out = new Int32Array(6);
    return Array.from({ length: 50 }, (_, node) => Array.from(out.subarray(0, sampler.sample(node, features, 5, out))));
  };
  for (const perNode of [2, 5]) {
    const draws = draw(1, perNode);
    assert.deepEqual(draws, draw(1, perNode), "the same seed draws the same features");
    for (const d of draws) {
      assert.equal(d.length, perNode);
      assert.equal(new Set(d).size, perNode, `distinct: ${d}`);
      for (const f of d) assert.ok([7, 2, 9, 4, 5].includes(f), `from the first 5 features: ${d}`);
    }
    // Unsorted: the first feature drawn is each of the 5 in some node (50 draws: a miss has chance < 1e-4 each).
    assert.deepEqual(new Set(draws.map((d) => d[0])), new Set([7, 2, 9, 4, 5]));
  }
});

test("a forest whose nodes draw every feature in random order is the same on 1 and 2 threads", () => {
  // 20,000 rows x 8 features: the root's 160,000 histogram updates go to the threads (past 131,072).
  const rng = new Random(11);
  const nRows = 20000;
  const columns = Array.from({ length: 8 }, (_, f) => Array.from({ length: nRows }, () => (f === 1 ? Math.round(rng.next() * 20) : Math.round(rng.next() * 1000) / 100)));
  const y = Array.from({ length: nRows }, (_, r) => Math.sin(columns[0]![r]!) + columns[1]![r]! / 5 + (columns[2]![r]! > 5 ? 1 : 0) + rng.next());
  const train = regressionSet(columns, y);
  const test = regressionSet(columns.map((c) => c.slice(0, 200)), y.slice(0, 200));
  const predict = (threads: number) => new RandomForest({ nTrees: 3, bootstrap: false, minSamplesLeaf: 20, maxFeatures: 1, seed: 5, threads }).fit(train).predict(test);
  const one = predict(1);
  assert.deepEqual(Array.from(predict(2)), Array.from(one));
  // Not a constant: the trees fitted the target.
  assert.ok(Math.max(...one) - Math.min(...one) > 2);
});
