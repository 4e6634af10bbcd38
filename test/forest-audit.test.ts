// Defects found by auditing the multiclass random forest on data sets no other test uses
// (bench/forest/RESULTS.md, "Audit on unseen sets"); each case fails on the code before its fix.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Column, Dataset } from "../src/core/types.js";
import { RandomForest } from "../src/models/forest/index.js";

function numeric(name: string, values: ArrayLike<number>): Column {
  return { kind: "numeric", name, values: Float64Array.from(values) };
}

function multiclassData(features: Column[], y: ArrayLike<number>, classes: string[]): Dataset {
  return { nRows: y.length, features, target: { name: "y", task: "multiclass", values: Float64Array.from(y), classes }, fingerprint: "audit" };
}

describe("a multiclass forest's importances count each Gini tree once, not once per class it is stored for", () => {
  // x = 1..6, classes a a a b b c, one tree of two leaves: the split at 3.5 decreases the weighted Gini
  // impurity by 6(1 - 14/36) - 0 - 3(1 - 5/9) = 11/3 - 4/3 = 7/3 (hand-worked; the tree is stored three
  // times, once per class, so summing every stored tree gave 7 and 3 splits).
  const data = multiclassData([numeric("x", [1, 2, 3, 4, 5, 6]), numeric("noise", [0, 0, 0, 0, 0, 0])], [0, 0, 0, 1, 1, 2], ["a", "b", "c"]);
  const model = new RandomForest({ nTrees: 1, bootstrap: false, maxLeaves: 2, maxFeatures: 2, threads: 1 }).fit(data);

  test("gain: the tree's impurity decrease, 7/3", () => {
    const [first, second] = model.importance("gain");
    assert.equal(first!.feature, "x");
    assert.ok(Math.abs(first!.importance - 7 / 3) < 1e-12, `importance ${first!.importance}`);
    assert.deepEqual(second, { feature: "noise", importance: 0 });
  });

  test("split: one split", () => {
    assert.deepEqual(model.importance("split"), [{ feature: "x", importance: 1 }, { feature: "noise", importance: 0 }]);
  });

  test("fully grown, every row in a pure leaf: the gains add up to the root's weighted Gini impurity, 6(1 - 14/36) = 11/3", () => {
    const grown = new RandomForest({ nTrees: 4, bootstrap: false, maxFeatures: 2, threads: 1 }).fit(data);
    const total = grown.importance("gain").reduce((sum, f) => sum + f.importance, 0);
    assert.ok(Math.abs(total - 4 * (11 / 3)) < 1e-9, `total ${total}`);
  });
});
