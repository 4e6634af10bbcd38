import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Dataset, Schema } from "../../core/types.js";
import type { Model } from "../../models/types.js";
import { permutationImportance } from "./permutation.js";

/**
 * A model that reads only `x` and the category of `group` (+1 for "b"): shuffling `unused` can change
 * nothing, so its importance is exactly 0, whatever the seed.
 */
function fixture(n: number): { model: Model; data: Dataset } {
  const rng = new Random(9);
  const x = Float64Array.from({ length: n }, () => rng.next());
  const group = Int32Array.from({ length: n }, () => rng.int(2));
  const unused = Float64Array.from({ length: n }, () => rng.next());
  const y = Float64Array.from(x, (v, i) => v + group[i]!);
  const schema: Schema = {
    features: [{ name: "x", kind: "numeric" }, { name: "group", kind: "categorical", categories: ["a", "b"] }, { name: "unused", kind: "numeric" }],
    target: { name: "y", task: "regression" },
  };
  const model: Model = {
    kind: "fake",
    task: "regression",
    schema,
    params: {},
    predict: (data) => {
      const [xs, groups] = data.features as unknown as [{ values: Float64Array }, { codes: Int32Array }];
      return Float64Array.from(xs.values, (v, i) => v + groups.codes[i]!);
    },
    predictProba: () => {
      throw new Error("regression");
    },
    importance: () => [],
    toBytes: () => new Uint8Array(),
    fitSummary: () => ({}),
  };
  const data: Dataset = {
    nRows: n,
    features: [
      { kind: "numeric", name: "x", values: x },
      { kind: "categorical", name: "group", codes: group, categories: ["a", "b"] },
      { kind: "numeric", name: "unused", values: unused },
    ],
    target: { name: "y", task: "regression", values: y },
    fingerprint: "test",
  };
  return { model, data };
}

test("permutation importance: an unused feature scores exactly 0, used ones the rise of the loss", () => {
  const { model, data } = fixture(2000);
  const report = permutationImportance(model, data, { seed: 1, repeats: 4 });
  assert.equal(report.metric, "rmse");
  assert.equal(report.baseline, 0, "the model is exact");
  const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));
  assert.deepEqual([byName.unused!.importance, byName.unused!.std], [0, 0]);
  // Shuffling group: half the rows change by ±1, so the rmse is near sqrt(0.5); x: sqrt(2 var(x)) = sqrt(1/6).
  assert.ok(Math.abs(byName.group!.importance - Math.sqrt(0.5)) < 0.03, `group ${byName.group!.importance}`);
  assert.ok(Math.abs(byName.x!.importance - Math.sqrt(1 / 6)) < 0.03, `x ${byName.x!.importance}`);
  assert.deepEqual(report.features.map((f) => f.feature), ["group", "x", "unused"], "largest first");
  assert.ok(byName.x!.std > 0);
});

test("permutation importance: the same seed gives the same figures; subsampling is seeded too", () => {
  const { model, data } = fixture(3000);
  assert.deepEqual(permutationImportance(model, data, { seed: 7 }), permutationImportance(model, data, { seed: 7 }));
  assert.notEqual(permutationImportance(model, data, { seed: 8 }).features[0]!.importance, permutationImportance(model, data, { seed: 7 }).features[0]!.importance);
  const sampled = permutationImportance(model, data, { seed: 7, maxRows: 500 });
  assert.deepEqual([sampled.rows, sampled.sampledFrom], [500, 3000]);
  assert.deepEqual(permutationImportance(model, data, { seed: 7, maxRows: 500 }), sampled);
  assert.throws(() => permutationImportance(model, data, { metric: "roc_auc" }), /metric must be a regression metric such as rmse, got "roc_auc"/);
  assert.throws(() => permutationImportance(model, data, { repeats: 0 }), /repeats must be an integer >= 1/);
});
