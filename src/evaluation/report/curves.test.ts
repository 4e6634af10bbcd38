import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import { averagePrecisionScore, rocAucScore } from "../../metrics/index.js";
import { calibrationCurve, rankingCurves } from "./curves.js";

test("calibrationCurve: quantile bins by hand", () => {
  // Sorted by score: 0.1 0.2 | 0.3 0.4 | 0.6 0.8 | 0.9 (7 rows in 3 bins: 2, 2, 3 rows).
  const yTrue = [0, 0, 1, 0, 1, 1, 1];
  const proba = [0.1, 0.3, 0.4, 0.2, 0.6, 0.9, 0.8];
  assert.deepEqual(calibrationCurve(yTrue, proba, 3), [
    { rows: 2, meanPredicted: (0.1 + 0.2) / 2, observed: 0 },
    { rows: 2, meanPredicted: (0.3 + 0.4) / 2, observed: 0.5 },
    { rows: 3, meanPredicted: (0.6 + 0.8 + 0.9) / 3, observed: 1 },
  ]);
  // Fewer rows than bins: one bin per row.
  assert.deepEqual(calibrationCurve([1, 0], [0.7, 0.2], 10), [{ rows: 1, meanPredicted: 0.2, observed: 0 }, { rows: 1, meanPredicted: 0.7, observed: 1 }]);
});

test("rankingCurves: binary areas are the registry's, long curves thinned to 400 points with both ends kept", () => {
  const rng = new Random(1);
  const n = 5000;
  const yTrue = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const proba = Float64Array.from(yTrue, (y) => Math.min(1, Math.max(0, 0.35 * y + 0.65 * rng.next())));
  const { roc, pr } = rankingCurves(yTrue, proba, ["no", "yes"]);
  assert.deepEqual([roc.length, pr.length, roc[0]!.label], [1, 1, "yes"]);
  assert.equal(roc[0]!.area, rocAucScore(yTrue, proba));
  assert.equal(pr[0]!.area, averagePrecisionScore(yTrue, proba));
  assert.equal(pr[0]!.x.length, 400);
  assert.deepEqual([roc[0]!.x[0], roc[0]!.y[0], roc[0]!.x.at(-1), roc[0]!.y.at(-1)], [0, 0, 1, 1]);
  assert.deepEqual([pr[0]!.x.at(-1), pr[0]!.y.at(-1)], [0, 1], "the last point: recall 0, precision 1");
});

test("rankingCurves: one-vs-rest per class, a class absent from the labels has no curve", () => {
  // 3 classes, row-major probabilities; class 2 never occurs.
  const yTrue = [0, 1, 0, 1];
  const proba = [0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.6, 0.3, 0.1, 0.2, 0.5, 0.3];
  const { roc } = rankingCurves(yTrue, proba, ["a", "b", "c"]);
  assert.deepEqual(roc.map((c) => c.label), ["a", "b"]);
  assert.equal(roc[0]!.area, rocAucScore([1, 0, 1, 0], [0.7, 0.3, 0.6, 0.2]));
  assert.equal(roc[1]!.area, rocAucScore([0, 1, 0, 1], [0.2, 0.6, 0.3, 0.5]));
});
