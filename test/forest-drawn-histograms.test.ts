import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { RandomForest } from "../src/models/forest/index.js";
import { narrowRegression, wideBinary } from "./support/forest-drawn-data.js";

// A binary or regression forest builds each node's histograms of the features it drew from its rows, with
// no subtraction (commits 61b4c1d, e570a3f; every feature when a node draws all). The fixture holds the
// predictions of the forests of the commit before, which built every feature's histogram at every node
// and the larger child's by subtraction (bench/forest/make-drawn-fixture.ts).
const fixture = JSON.parse(readFileSync(new URL("./fixtures/forest-drawn/predictions.json", import.meta.url), "utf8"));

test("a wide binary forest (6 of 40 features a node) predicts as before, bit for bit, on 1 and 2 threads", () => {
  // Binary targets and bootstrap counts: every histogram sum is a whole number, exact whichever way it is
  // made, so the trees are the same.
  const train = wideBinary(1);
  const test = wideBinary(2, 100);
  for (const threads of [1, 2]) {
    const model = new RandomForest({ ...fixture.wideBinary.params, threads }).fit(train);
    assert.equal(model.fitSummary().featuresPerSplit, 6);
    const proba = model.predictProba(test).data;
    assert.deepEqual(Array.from({ length: 100 }, (_, r) => proba[2 * r + 1]), fixture.wideBinary.probabilityYes, `${threads} threads`);
  }
});

test("a regression forest whose nodes search every feature, or half of them, predicts as before, bit for bit", () => {
  const train = narrowRegression(5);
  const test = narrowRegression(6, 80);
  const all = new RandomForest(fixture.narrowRegression.params).fit(train);
  assert.equal(all.fitSummary().featuresPerSplit, 4);
  assert.deepEqual(Array.from(all.predict(test)), fixture.narrowRegression.prediction);
  const half = new RandomForest(fixture.narrowRegressionHalf.params).fit(train);
  assert.equal(half.fitSummary().featuresPerSplit, 2);
  assert.deepEqual(Array.from(half.predict(test)), fixture.narrowRegressionHalf.prediction);
});
