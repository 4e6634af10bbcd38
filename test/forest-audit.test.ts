/**
 * The acceptance audit of issue 3 on the random forest: what a scikit-learn user expects of it (importance
 * by split count, balanced class weights), checked against hand-worked figures and the dumped trees.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Dataset } from "../src/core/types.js";
import { ForestModel, RandomForest } from "../src/models/forest/index.js";
import { scratch, splitCounts, trainJson } from "./support/tree-audit.js";

const { work, file } = scratch("learnloop-forest-audit-");

/** An imbalanced binary set (about 1 in 6 positive) with two informative features and one of noise. */
function imbalanced(): Dataset {
  const n = 600;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = (i * 37) % 101;
    b[i] = (i * 53) % 89;
    c[i] = (i * 71) % 97;
    y[i] = a[i]! + 0.5 * b[i]! > 105 || i % 23 === 0 ? 1 : 0;
  }
  const numeric = (name: string, values: Float64Array) => ({ kind: "numeric" as const, name, values });
  return { nRows: n, features: [numeric("a", a), numeric("b", b), numeric("c", c)], target: { name: "y", task: "binary", values: y, classes: ["no", "yes"] }, fingerprint: "imbalanced" };
}

test("random forest: importance by split count counts the split nodes of the dumped trees; gain stays the default", () => {
  const data = imbalanced();
  const model = new RandomForest({ nTrees: 7, seed: 3 }).fit(data);
  const splits = splitCounts(model.dumpTrees());
  const bySplit = model.importance("split");
  assert.deepEqual(
    Object.fromEntries(bySplit.map((entry) => [entry.feature, entry.importance])),
    { a: splits.get("a") ?? 0, b: splits.get("b") ?? 0, c: splits.get("c") ?? 0 },
  );
  assert.ok(bySplit.every((entry, i) => i === 0 || bySplit[i - 1]!.importance >= entry.importance), "largest first");
  assert.deepEqual(model.importance(), model.importance("gain"));
  assert.notDeepEqual(model.importance().map((entry) => entry.importance), bySplit.map((entry) => entry.importance));
});

test("random forest: classWeight balanced weighs rows as scikit-learn does (rows / (classes x class rows)), from the library and --class-weight", async () => {
  const data = imbalanced();
  const y = data.target!.values;
  const positives = y.reduce((sum, v) => sum + v, 0);
  // Hand-worked: 600 rows, 2 classes: a positive weighs 600 / (2 x positives), a negative 600 / (2 x negatives).
  const weights = Float64Array.from(y, (v) => (v === 1 ? 600 / (2 * positives) : 600 / (2 * (600 - positives))));
  const params = { nTrees: 9, seed: 5, minSamplesLeaf: 3 };
  const balanced = new RandomForest({ ...params, classWeight: "balanced" }).fit(data);
  const explicit = new RandomForest(params).fit(data, { sampleWeight: weights });
  const plain = new RandomForest(params).fit(data);
  const p = (model: ForestModel) => Array.from(model.predictProba(data).data);
  assert.deepEqual(p(balanced), p(explicit));
  const meanPositive = (model: ForestModel) => p(model).filter((_, i) => i % 2 === 1).reduce((s, v) => s + v, 0) / data.nRows;
  assert.ok(meanPositive(balanced) > meanPositive(plain) + 0.02, `balanced ${meanPositive(balanced)} vs ${meanPositive(plain)}`);
  // Sample weights multiply the class weights.
  const doubled = new RandomForest({ ...params, classWeight: "balanced" }).fit(data, { sampleWeight: new Float64Array(data.nRows).fill(2) });
  const explicitDoubled = new RandomForest(params).fit(data, { sampleWeight: weights.map((w) => 2 * w) });
  assert.deepEqual(p(doubled), p(explicitDoubled));

  const csv = file("imbalanced.csv", ["a,b,c,y", ...Array.from({ length: data.nRows }, (_, i) => `${data.features.map((f) => (f.kind === "numeric" ? f.values[i] : "")).join(",")},${y[i] === 1 ? "yes" : "no"}`)].join("\n") + "\n");
  const { doc } = await trainJson(csv, "--target", "y", "--model", "forest", "--class-weight", "balanced", "--n-trees", "9", "--out", join(work, "balanced-forest.model"));
  assert.equal(doc.params.classWeight, "balanced");
});

/** Walks a dumped tree for one row as the dump says: x <= threshold left, listed categories left, missing to its side. */
