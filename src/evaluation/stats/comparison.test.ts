import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { compareModels } from "./compare-models.js";
import { checkAlpha, formatPValue, verdictSentence } from "./comparison.js";

test("p-values read as people write them", () => {
  assert.equal(formatPValue(0.41), "p = 0.41");
  assert.equal(formatPValue(0.0031), "p = 0.003");
  assert.equal(formatPValue(0.03857421875), "p = 0.039");
  assert.equal(formatPValue(1), "p = 1");
  assert.equal(formatPValue(0.0009), "p < 0.001");
  assert.equal(formatPValue(NaN), "p undefined");
});

test("the verdict follows the sign of b - a and the metric's direction", () => {
  assert.equal(verdictSentence(0.003, 0.02, true, 0.05), "B is significantly better than A (p = 0.003)");
  assert.equal(verdictSentence(0.003, 0.02, false, 0.05), "A is significantly better than B (p = 0.003)");
  assert.equal(verdictSentence(0.003, -0.02, false, 0.05, ["old", "new"]), "new is significantly better than old (p = 0.003)");
  assert.equal(verdictSentence(0.41, 0.02, true, 0.05), "no significant difference (p = 0.41)");
  // At alpha 0.01 a p of 0.03 is not significant.
  assert.equal(verdictSentence(0.03, 0.02, true, 0.01), "no significant difference (p = 0.03)");
  assert.throws(() => checkAlpha(1.5, "test"), /alpha must be a number between 0 and 1/);
});

test("compareModels picks DeLong for roc_auc, McNemar for accuracy, the t-test for rmse, the bootstrap otherwise", () => {
  const rng = new Random(1);
  const yTrue = Float64Array.from({ length: 300 }, () => (rng.next() < 0.5 ? 1 : 0));
  const probaA = Float64Array.from(yTrue, (y) => Math.min(1, Math.max(0, 0.3 * y + 0.7 * rng.next())));
  const probaB = Float64Array.from(yTrue, (y) => Math.min(1, Math.max(0, 0.5 * y + 0.5 * rng.next())));
  const a = { yTrue, proba: probaA, nClasses: 2 };
  const b = { yTrue, proba: probaB, nClasses: 2 };
  assert.equal(compareModels("roc_auc", a, b).test, "delong");
  const accuracy = compareModels("accuracy", a, b);
  assert.equal(accuracy.test, "mcnemar");
  assert.equal(accuracy.metric, "accuracy");
  assert.equal(compareModels("f1", a, b, { nBoot: 50 }).test, "paired_bootstrap");
  const regression = compareModels("rmse", { yTrue, yPred: probaA }, { yTrue, yPred: probaB });
  assert.equal(regression.test, "paired_t");
  assert.equal(regression.metric, "mse");
  assert.equal(compareModels("r2", { yTrue, yPred: probaA }, { yTrue, yPred: probaB }, { nBoot: 50 }).test, "paired_bootstrap");
  assert.throws(() => compareModels("auc", a, b), /metric must be one of/);
});
