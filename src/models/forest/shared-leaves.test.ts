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
