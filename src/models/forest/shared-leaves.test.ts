// The multiclass forest's model-file layouts against fixtures written by earlier code: the "gini" layout
// (each bag's Gini tree stored once per class, commit 6b4d0f9; bench/forest/make-gini-fixture.ts) must
// load and predict as it did, and a refit with the same seed must give what that code gave.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Dataset } from "../../core/types.js";
import { decodeModelFile } from "../format.js";
import { loadForestModel, RandomForest } from "./index.js";

const here = dirname(fileURLToPath(import.meta.url));

interface GiniFixture {
  params: Record<string, unknown>;
  x: (number | null)[];
  z: (number | null)[];
  codes: number[];
  y: number[];
  categories: string[];
  classes: string[];
  proba: number[];
  predict: number[];
  oobScore: number;
  importanceGain: { feature: string; importance: number }[];
  importanceSplit: { feature: string; importance: number }[];
  nTrees: number;
}

const giniFixture = JSON.parse(readFileSync(join(here, "fixtures", "forest-gini-multiclass.json"), "utf8")) as GiniFixture;
const giniBytes = new Uint8Array(readFileSync(join(here, "fixtures", "forest-gini-multiclass.bin")));

function giniData(): Dataset {
  const f = giniFixture;
  return {
    nRows: f.y.length,
    features: [
      { kind: "numeric", name: "x", values: Float64Array.from(f.x, (v) => v ?? NaN) },
      { kind: "numeric", name: "z", values: Float64Array.from(f.z, (v) => v ?? NaN) },
      { kind: "categorical", name: "c", codes: Int32Array.from(f.codes), categories: f.categories },
    ],
    target: { name: "y", task: "multiclass", values: Float64Array.from(f.y), classes: f.classes },
    fingerprint: "forest-gini-fixture",
  };
}

test('a model file of the "gini" layout (each bag\'s tree stored once per class) loads and predicts as it did, bit for bit', () => {
  const model = loadForestModel(decodeModelFile(giniBytes));
  assert.equal(model.state.multiclassTrees, "gini");
  assert.equal(model.nTrees, giniFixture.nTrees);
  const data = giniData();
  assert.deepEqual(Array.from(model.predictProba(data).data), giniFixture.proba);
  assert.deepEqual(Array.from(model.predict(data)), giniFixture.predict);
  assert.deepEqual(model.importance("split"), giniFixture.importanceSplit);
  assert.deepEqual(model.importance("gain"), giniFixture.importanceGain);
});

test("a forest refitted with the fixture's seed predicts what the code of 6b4d0f9 predicted, bit for bit, with the same out-of-bag score and importances", () => {
  const model = new RandomForest(giniFixture.params).fit(giniData());
  const data = giniData();
  assert.deepEqual(Array.from(model.predictProba(data).data), giniFixture.proba);
  assert.deepEqual(Array.from(model.predict(data)), giniFixture.predict);
  assert.equal(model.state.oobScore, giniFixture.oobScore);
  assert.deepEqual(model.importance("split"), giniFixture.importanceSplit);
  const gain = model.importance("gain");
  assert.deepEqual(gain.map((f) => f.feature), giniFixture.importanceGain.map((f) => f.feature));
  for (const [i, f] of gain.entries()) {
    const expected = giniFixture.importanceGain[i]!.importance;
    assert.ok(Math.abs(f.importance - expected) <= 1e-12 * expected, `${f.feature}: gain ${f.importance} vs ${expected}`);
  }
});

test('a new multiclass forest stores each bag\'s tree once ("gini-shared"): the fixture\'s trees, a quarter of the nodes, the same dumps', () => {
  const model = new RandomForest(giniFixture.params).fit(giniData());
  assert.equal(model.state.multiclassTrees, "gini-shared");
  const bags = giniFixture.params.nTrees as number;
  assert.equal(model.nTrees, bags);
  assert.equal(model.fitSummary().trees, bags);
  const stored = decodeModelFile(model.toBytes()).arrays;
  const old = decodeModelFile(giniBytes).arrays;
  // The same trees, stored once instead of once per class (4 classes).
  assert.equal(4 * stored.nodeFeature!.length, old.nodeFeature!.length);
  assert.deepEqual(Array.from(old.nodeFeature!.subarray(0, stored.treeRoot![1]!)), Array.from(stored.nodeFeature!.subarray(0, stored.treeRoot![1]!)));
  let leaves = 0;
  for (const f of stored.nodeFeature!) if (f < 0) leaves++;
  assert.equal(stored.leafShares!.length, 4 * leaves);
  // dumpTrees gives one tree per bag and class, as the "gini" file did.
  assert.deepEqual(model.dumpTrees(), loadForestModel(decodeModelFile(giniBytes)).dumpTrees());
});

test('a "gini-shared" model file round trip: the same probabilities bit for bit, the same importances and dumps; each row\'s probabilities sum to 1', () => {
  const data = giniData();
  const model = new RandomForest({ ...giniFixture.params, nTrees: 9, seed: 12 }).fit(data);
  const loaded = loadForestModel(decodeModelFile(model.toBytes()));
  assert.deepEqual(loaded.state, model.state);
  const proba = model.predictProba(data);
  assert.deepEqual(Array.from(loaded.predictProba(data).data), Array.from(proba.data));
  assert.deepEqual(loaded.importance("gain"), model.importance("gain"));
  assert.deepEqual(loaded.importance("split"), model.importance("split"));
  assert.deepEqual(loaded.dumpTrees(), model.dumpTrees());
  for (let r = 0; r < data.nRows; r++) {
    const sum = proba.data.subarray(4 * r, 4 * r + 4).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) <= 1e-12, `row ${r + 1}: ${sum}`);
  }
});

test("a large batch: the packed walk on 1 thread and the threaded batch predictor on 2 give the probabilities of the \"gini\" fixture's file, bit for bit", () => {
  const small = giniData();
  const copies = 80; // 19,200 rows x 6 trees: the batch predictor's walk, on threads
  const take = <T extends Float64Array | Int32Array>(values: T): T => {
    const out = new (values.constructor as new (n: number) => T)(values.length * copies);
    for (let c = 0; c < copies; c++) out.set(values, c * values.length);
    return out;
  };
  const big: Dataset = {
    ...small,
    nRows: small.nRows * copies,
    features: small.features.map((column) => (column.kind === "numeric" ? { ...column, values: take(column.values) } : { ...column, codes: take(column.codes) })),
    target: { ...small.target!, values: take(small.target!.values) },
  };
  const expected = Array.from(loadForestModel(decodeModelFile(giniBytes)).predictProba(big, { threads: 1 }).data);
  const model = new RandomForest(giniFixture.params).fit(small);
  assert.deepEqual(Array.from(model.predictProba(big, { threads: 1 }).data), expected);
  assert.deepEqual(Array.from(model.predictProba(big, { threads: 2 }).data), expected);
});

test('a "gini-shared" file whose leaves or shares do not fit is refused with one line naming what is wrong', () => {
  const content = decodeModelFile(new RandomForest(giniFixture.params).fit(giniData()).toBytes());
  const { leafShares, ...withoutShares } = content.arrays;
  assert.throws(() => loadForestModel({ ...content, arrays: withoutShares }), /array "leafShares" is missing or of the wrong type/);
  assert.throws(() => loadForestModel({ ...content, arrays: { ...content.arrays, leafShares: leafShares!.subarray(0, leafShares!.length - 1) } }), /array "leafShares" has \d+ entries, not a multiple of the 4 classes/);
  const nodeValue = Float64Array.from(content.arrays.nodeValue as Float64Array);
  const leaf = Array.from(content.arrays.nodeFeature as Int32Array).findIndex((f) => f < 0);
  nodeValue[leaf] = leafShares!.length / 4;
  assert.throws(() => loadForestModel({ ...content, arrays: { ...content.arrays, nodeValue } }), new RegExp(`leaf ${leaf} points to class shares ${leafShares!.length / 4}, outside the ${leafShares!.length / 4} in the file`));
  nodeValue[leaf] = 0.5;
  assert.throws(() => loadForestModel({ ...content, arrays: { ...content.arrays, nodeValue } }), /points to class shares 0.5/);
  const state = content.header.state as Record<string, unknown>;
  assert.throws(() => loadForestModel({ ...content, header: { ...content.header, state: { ...state, nBags: 7 } } }), /6 trees, expected one per bag \(7\)/);
  // The file read as the "gini" layout (one tree per bag and class) does not have the trees it says.
  assert.throws(() => loadForestModel({ ...content, header: { ...content.header, state: { ...state, multiclassTrees: "gini" } } }), /6 trees, expected 6 x 4/);
});
