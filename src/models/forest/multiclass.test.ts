import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Column, Dataset } from "../../core/types.js";
import { decodeModelFile } from "../format.js";
import type { DumpedNode } from "../gbdt/model.js";
import { loadForestModel, RandomForest } from "./index.js";

const here = dirname(fileURLToPath(import.meta.url));
const VEGA = join(here, "..", "..", "..", "node_modules", "vega-datasets", "data");

function numeric(name: string, values: ArrayLike<number>): Column {
  return { kind: "numeric", name, values: Float64Array.from(values) };
}

function multiclassData(features: Column[], y: ArrayLike<number>, classes: string[]): Dataset {
  return { nRows: y.length, features, target: { name: "y", task: "multiclass", values: Float64Array.from(y), classes }, fingerprint: "test" };
}

test("a hand-worked Gini tree: x = 1..6, classes a a a b b c: split at 3.5 with gain 7/3, leaves [1 0 0] and [0 2/3 1/3]", () => {
  // Gini decrease W(1 - Σp²) - ...: parent 6 x (1 - 14/36) = 11/3, left {a,a,a} 0, right {b,b,c} 4/3: 7/3,
  // the best threshold (after x = 1: 7/15, 2: 7/6, 4: 7/6, 5: 19/15), halfway between 3 and 4.
  const data = multiclassData([numeric("x", [1, 2, 3, 4, 5, 6])], [0, 0, 0, 1, 1, 2], ["a", "b", "c"]);
  const model = new RandomForest({ nTrees: 1, bootstrap: false, maxLeaves: 2, threads: 1 }).fit(data);
  // One tree, stored once with its leaves' class shares; dumped once per class.
  assert.equal(model.nTrees, 1);
  const trees = model.dumpTrees();
  assert.equal(trees.length, 3);
  for (const [k, tree] of trees.entries()) {
    const root = tree as Extract<DumpedNode, { feature: string }>;
    assert.equal(root.feature, "x");
    assert.equal(root.threshold, 3.5);
    assert.ok(Math.abs(root.gain - 7 / 3) < 1e-12, `gain ${root.gain}`);
    assert.deepEqual([root.left, root.right].map((leaf) => (leaf as { leaf: number }).leaf), [[1, 0][k === 0 ? 0 : 1]!, [0, 2 / 3, 1 / 3][k]!]);
  }
  const probe = multiclassData([numeric("x", [3.4, 3.6])], [0, 1], ["a", "b", "c"]);
  assert.deepEqual(Array.from(model.predictProba(probe).data), [1, 0, 0, 0, 2 / 3, 1 / 3]);
  assert.equal(model.state.multiclassTrees, "gini-shared");
});

test("a threshold is centred in the gap between a node's values (scikit-learn's midpoint), not at the edge of the lower one", () => {
  // Bins from all six rows (edges 1.5 .. 5.5), but the tree sees rows x = 1 and x = 6 only (the others
  // weigh 0): any edge from 1.5 to 5.5 splits them; the one nearest their midpoint 3.5 is 3.5.
  const data = multiclassData([numeric("x", [1, 2, 3, 4, 5, 6])], [0, 1, 1, 1, 1, 2], ["a", "b", "c"]);
  const model = new RandomForest({ nTrees: 1, bootstrap: false, threads: 1 }).fit(data, { sampleWeight: Float64Array.from([1, 0, 0, 0, 0, 1]) });
  const root = model.dumpTrees()[0] as Extract<DumpedNode, { feature: string }>;
  assert.equal(root.threshold, 3.5);
});

test("fully grown Gini trees without bootstrap fit distinct training rows exactly", () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8];
  const y = [2, 0, 1, 1, 0, 2, 2, 1];
  const data = multiclassData([numeric("x", x), numeric("z", x.map((v) => (v * 7) % 5))], y, ["p", "q", "r"]);
  const model = new RandomForest({ nTrees: 3, bootstrap: false, maxFeatures: 1, threads: 1 }).fit(data);
  assert.deepEqual(Array.from(model.predict(data)), y);
  const proba = model.predictProba(data).data;
  for (let r = 0; r < y.length; r++) assert.equal(proba[3 * r + y[r]!], 1);
});

test("one Gini tree per bag, dumped once per class: the class trees of a bag have the same splits and leaf shares summing to 1", () => {
  const n = 400;
  const x = Array.from({ length: n }, (_, i) => (i * 37) % 101);
  const z = Array.from({ length: n }, (_, i) => (i * 53) % 89);
  const y = x.map((v, i) => (v < 30 ? 0 : v < 70 ? (z[i]! < 40 ? 1 : 2) : 3));
  const data = multiclassData([numeric("x", x), numeric("z", z)], y, ["a", "b", "c", "d"]);
  const model = new RandomForest({ nTrees: 5, threads: 1, seed: 2 }).fit(data);
  assert.equal(model.nTrees, 5);
  const trees = model.dumpTrees();
  assert.equal(trees.length, 5 * 4);
  const shape = (node: DumpedNode): unknown => ("leaf" in node ? node.count : [node.feature, node.threshold, node.missing, node.count, shape(node.left), shape(node.right)]);
  const leaves = (node: DumpedNode): number[] => ("leaf" in node ? [node.leaf] : [...leaves(node.left), ...leaves(node.right)]);
  for (let bag = 0; bag < 5; bag++) {
    const classTrees = trees.slice(4 * bag, 4 * bag + 4);
    for (const tree of classTrees) assert.deepEqual(shape(tree), shape(classTrees[0]!));
    const shares = classTrees.map(leaves);
    for (let l = 0; l < shares[0]!.length; l++) {
      const sum = shares.reduce((s, list) => s + list[l]!, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12, `bag ${bag} leaf ${l}: shares sum to ${sum}`);
    }
  }
  const proba = model.predictProba(data);
  for (let r = 0; r < n; r++) {
    const row = proba.data.subarray(4 * r, 4 * r + 4);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
});

interface OldFixture {
  x: (number | null)[];
  codes: number[];
  y: number[];
  categories: string[];
  classes: string[];
  proba: number[];
}

test("a model file of the earlier layout (one tree per class on the class indicator) loads and predicts as it did", () => {
  const bytes = readFileSync(join(here, "fixtures", "forest-v1-multiclass.bin"));
  const fixture = JSON.parse(readFileSync(join(here, "fixtures", "forest-v1-multiclass.json"), "utf8")) as OldFixture;
  const data = multiclassData(
    [numeric("x", fixture.x.map((v) => v ?? NaN)), { kind: "categorical", name: "c", codes: Int32Array.from(fixture.codes), categories: fixture.categories }],
    fixture.y,
    fixture.classes,
  );
  const model = loadForestModel(decodeModelFile(new Uint8Array(bytes)));
  assert.equal(model.state.multiclassTrees, undefined);
  assert.equal(model.nTrees, 4 * 3);
  assert.deepEqual(Array.from(model.predictProba(data).data), fixture.proba);
  // A layout this version does not know is refused, not misread.
  const content = decodeModelFile(new Uint8Array(bytes));
  const state = content.header.state as Record<string, unknown>;
  assert.throws(() => loadForestModel({ ...content, header: { ...content.header, state: { ...state, multiclassTrees: "entropy" } } }), /unknown multiclass tree layout "entropy" \(this version reads "gini-shared", "gini" or none\)/);
});

interface AccuracyFixture {
  features: string[];
  classes: string[];
  train: number[];
  test: number[];
  sklearnAccuracy: number[];
  sklearnAccuracyMean: number;
  sklearnLogLossMean: number;
}

/** Rows of vega's seattle-weather.csv: precipitation, temp_max, temp_min, wind, the date's month; weather. */
function seattleWeather(): { columns: number[][]; labels: string[] } {
  const lines = readFileSync(join(VEGA, "seattle-weather.csv"), "utf8").trim().split("\n").slice(1);
  const columns: number[][] = [[], [], [], [], []];
  const labels: string[] = [];
  for (const line of lines) {
    const [date, precipitation, tempMax, tempMin, wind, weather] = line.split(",");
    [Number(precipitation), Number(tempMax), Number(tempMin), Number(wind), Number(date!.slice(5, 7))].forEach((v, f) => columns[f]!.push(v));
    labels.push(weather!);
  }
  return { columns, labels };
}

/** vega's penguins.json by record position (records with a missing field or sex are never in the split). */
function penguins(): { columns: number[][]; labels: string[] } {
  const records = JSON.parse(readFileSync(join(VEGA, "penguins.json"), "utf8")) as Record<string, string | number | null>[];
  const islands = ["Biscoe", "Dream", "Torgersen"];
  const columns: number[][] = [[], [], [], [], [], []];
  for (const p of records) {
    [p["Beak Length (mm)"], p["Beak Depth (mm)"], p["Flipper Length (mm)"], p["Body Mass (g)"], islands.indexOf(p.Island as string), p.Sex === "MALE" ? 1 : 0].forEach((v, f) => columns[f]!.push(Number(v)));
  }
  return { columns, labels: records.map((p) => String(p.Species)) };
}

for (const [name, load, tolerance] of [
  // 366 test rows: 0.02 is 7 rows; scikit-learn's 10 seeds span 0.833-0.847.
  ["seattle-weather", seattleWeather, 0.02],
  // 84 test rows: 0.025 is 2 rows; scikit-learn scores 0.976 (82 rows) with each of its 10 seeds.
  ["penguins", penguins, 0.025],
] as const) {
  test(`multiclass accuracy on ${name} (scikit-learn's split of seed 0): at least scikit-learn's mean over 10 seeds minus ${tolerance}`, () => {
    const fixture = (JSON.parse(readFileSync(join(here, "fixtures", "sklearn-forest-accuracy.json"), "utf8")) as Record<string, AccuracyFixture>)[name]!;
    const { columns, labels } = load();
    const subset = (rows: number[]): Dataset =>
      multiclassData(
        fixture.features.map((feature, f) => numeric(feature, rows.map((r) => columns[f]![r]!))),
        rows.map((r) => fixture.classes.indexOf(labels[r]!)),
        fixture.classes,
      );
    const train = subset(fixture.train);
    const heldOut = subset(fixture.test);
    assert.ok(train.target!.values.every((v) => v >= 0));
    const model = new RandomForest({ nTrees: 100, maxFeatures: "sqrt", minSamplesLeaf: 1, seed: 0, threads: 1 }).fit(train);
    const predicted = model.predict(heldOut);
    let correct = 0;
    for (let r = 0; r < heldOut.nRows; r++) if (predicted[r] === heldOut.target!.values[r]) correct++;
    const accuracy = correct / heldOut.nRows;
    assert.ok(accuracy >= fixture.sklearnAccuracyMean - tolerance, `accuracy ${accuracy} vs scikit-learn's ${fixture.sklearnAccuracyMean} (${fixture.sklearnAccuracy.join(", ")})`);
  });
}

test("features constant in a node are drawn again (as scikit-learn's splitter): one varying feature among eight constant ones still splits every node", () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const y = [0, 0, 1, 1, 2, 2, 0, 1, 2];
  const constant = Array.from({ length: 8 }, (_, f) => numeric(`c${f}`, x.map(() => f)));
  const data = multiclassData([...constant, numeric("x", x)], y, ["a", "b", "c"]);
  for (const seed of [0, 1, 2, 3]) {
    // One feature per split: drawn among the 9, a constant one would leave every node a leaf but for the redraw.
    const model = new RandomForest({ nTrees: 1, bootstrap: false, maxFeatures: 0.1, seed, threads: 1 }).fit(data);
    assert.equal(model.fitSummary().featuresPerSplit, 1);
    assert.deepEqual(Array.from(model.predict(data)), y, `seed ${seed}`);
  }
});
