import assert from "node:assert/strict";
import { test } from "node:test";
import { DataValidationError, InvalidParameterError, MetricError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import { assertAllClose, assertClose, isError, loadCases, weightsOf } from "../../test/fixtures/metrics/fixtures.js";
import { averagePrecisionScore, precisionRecallCurve, rocAucOvrScore, rocAucScore, rocCurve } from "./ranking.js";

const binary = loadCases("binary");
const multiclass = loadCases("multiclass");

/** The naive twin of ROC AUC: the probability that a positive outranks a negative, ties counting half. O(n^2). */
function naiveAuc(y: ArrayLike<number>, score: ArrayLike<number>, weight?: ArrayLike<number>): number {
  let wins = 0;
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = weight?.[i] ?? 1;
    if (y[i] === 1) positives += wi;
    else negatives += wi;
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      const wj = weight?.[j] ?? 1;
      if (score[i]! > score[j]!) wins += wi * wj;
      else if (score[i] === score[j]) wins += 0.5 * wi * wj;
    }
  }
  return wins / (positives * negatives);
}

test("roc_auc agrees with scikit-learn on every binary fixture", () => {
  let checked = 0;
  for (const c of binary) {
    const expected = c.expected.roc_auc;
    const run = () => rocAucScore(c.yTrue, c.score!, { sampleWeight: weightsOf(c) });
    if (isError(expected)) {
      assert.throws(run, MetricError, c.name);
    } else {
      assertClose(run(), expected as number, `${c.name} roc_auc`);
    }
    checked++;
  }
  assert.ok(checked >= 20, "too few fixture cases");
});

test("average_precision agrees with scikit-learn on every binary fixture", () => {
  for (const c of binary) {
    assertClose(averagePrecisionScore(c.yTrue, c.score!, { sampleWeight: weightsOf(c) }), c.expected.average_precision as number, `${c.name} average_precision`);
  }
});

test("roc_curve (with and without drop_intermediate) and precision_recall_curve agree with scikit-learn", () => {
  let checked = 0;
  for (const c of binary) {
    if (c.expected.roc_curve === undefined) continue;
    const sampleWeight = weightsOf(c);
    const [fpr, tpr, thresholds] = c.expected.roc_curve as number[][];
    const roc = rocCurve(c.yTrue, c.score!, { sampleWeight });
    assertAllClose(roc.fpr, fpr!, `${c.name} fpr`);
    assertAllClose(roc.tpr, tpr!, `${c.name} tpr`);
    assertAllClose(roc.thresholds, thresholds!, `${c.name} thresholds`);
    const [fprAll, tprAll, thresholdsAll] = c.expected.roc_curve_all as number[][];
    const all = rocCurve(c.yTrue, c.score!, { sampleWeight, dropIntermediate: false });
    assertAllClose(all.fpr, fprAll!, `${c.name} fpr (all)`);
    assertAllClose(all.tpr, tprAll!, `${c.name} tpr (all)`);
    assertAllClose(all.thresholds, thresholdsAll!, `${c.name} thresholds (all)`);
    const [precision, recall, prThresholds] = c.expected.precision_recall_curve as number[][];
    const pr = precisionRecallCurve(c.yTrue, c.score!, { sampleWeight });
    assertAllClose(pr.precision, precision!, `${c.name} precision`);
    assertAllClose(pr.recall, recall!, `${c.name} recall`);
    assertAllClose(pr.thresholds, prThresholds!, `${c.name} pr thresholds`);
    checked++;
  }
  assert.ok(checked >= 15, "too few fixture cases");
});

test("drop_intermediate keeps only the ends and the corners of the ROC curve", () => {
  const c = binary.find((x) => x.name === "collinear-points")!;
  const dropped = rocCurve(c.yTrue, c.score!);
  const all = rocCurve(c.yTrue, c.score!, { dropIntermediate: false });
  assert.equal(all.fpr.length, 11);
  // Kept: the ends and the corners, where the run of positives or negatives changes.
  assert.deepEqual(Array.from(dropped.thresholds), [1.95, 0.95, 0.85, 0.6, 0.5, 0.4, 0.2]);
});

test("roc_auc_ovr and roc_auc_ovr_weighted agree with scikit-learn on every multiclass fixture", () => {
  for (const c of multiclass) {
    for (const average of ["macro", "weighted"] as const) {
      const key = average === "macro" ? "roc_auc_ovr" : "roc_auc_ovr_weighted";
      const expected = c.expected[key];
      const run = () => rocAucOvrScore(c.yTrue, c.proba!, c.nClasses!, { average, sampleWeight: weightsOf(c) });
      if (isError(expected)) assert.throws(run, MetricError, `${c.name} ${key}`);
      else assertClose(run(), expected as number, `${c.name} ${key}`);
    }
  }
});

test("ROC AUC matches the pairwise-comparison twin, ties counting half, with and without weights", () => {
  for (const c of binary) {
    if (isError(c.expected.roc_auc) || c.name === "positives-all-zero-weight") continue;
    assertClose(rocAucScore(c.yTrue, c.score!), naiveAuc(c.yTrue, c.score!), `${c.name} unweighted`);
    const w = weightsOf(c);
    if (w) assertClose(rocAucScore(c.yTrue, c.score!, { sampleWeight: w }), naiveAuc(c.yTrue, c.score!, w), `${c.name} weighted`);
  }
});

test("hand-worked values: sklearn's documented example, all ties, perfect and inverted rankings", () => {
  assert.equal(rocAucScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(averagePrecisionScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.8333333333333333);
  // One threshold for everything: the curve is the diagonal.
  assert.equal(rocAucScore([0, 1, 0, 1, 1], [0.3, 0.3, 0.3, 0.3, 0.3]), 0.5);
  // AP with all tied scores is the positive rate.
  assert.equal(averagePrecisionScore([0, 1, 0, 1, 1], [0.3, 0.3, 0.3, 0.3, 0.3]), 0.6);
  assert.equal(rocAucScore([0, 0, 1], [0.1, 0.2, 0.9]), 1);
  assert.equal(rocAucScore([0, 0, 1], [0.9, 0.2, 0.1]), 0);
  // A tie between one positive and one of two negatives: (1 + 0.5) / 2.
  assert.equal(rocAucScore([0, 0, 1], [0.1, 0.5, 0.5]), 0.75);
  // Scores need not be probabilities.
  assert.equal(rocAucScore([0, 1, 0, 1], [-3, 7.5, 2, 100]), 1);
  // No positives: AP is 0, as sklearn returns after its warning.
  assert.equal(averagePrecisionScore([0, 0, 0], [0.1, 0.5, 0.7]), 0);
  const roc = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  assert.deepEqual(Array.from(roc.thresholds), [1.8, 0.8, 0.4, 0.35, 0.1]);
});

test("weights of zero remove rows; integer weights repeat them", () => {
  const y = [0, 1, 1, 0, 1, 0];
  const s = [0.2, 0.6, 0.4, 0.5, 0.9, 0.1];
  assert.equal(rocAucScore(y, s, { sampleWeight: [1, 1, 0, 1, 1, 0] }), rocAucScore([0, 1, 0, 1], [0.2, 0.6, 0.5, 0.9]));
  assertClose(
    averagePrecisionScore(y, s, { sampleWeight: [2, 1, 1, 1, 3, 1] }),
    averagePrecisionScore([0, 0, 1, 1, 0, 1, 1, 1, 0], [0.2, 0.2, 0.6, 0.4, 0.5, 0.9, 0.9, 0.9, 0.1]),
    "repeated rows",
  );
});

test("roc_auc with one class in y_true throws a MetricError that says so", () => {
  assert.throws(() => rocAucScore([1, 1, 1], [0.2, 0.5, 0.9]), {
    name: "MetricError",
    message: "roc_auc: only one class (1) is present in y_true; ROC AUC is undefined",
  });
  assert.throws(() => rocAucScore([0], [0.2]), {
    message: "roc_auc: only one class (0) is present in y_true; ROC AUC is undefined",
  });
});

test("roc_auc_ovr names the class absent from y_true, and refuses rows that are not probabilities", () => {
  const proba = [0.5, 0.3, 0.2, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.6, 0.2, 0.2];
  assert.throws(() => rocAucOvrScore([0, 2, 2, 0], proba, 3), {
    name: "MetricError",
    message: "roc_auc_ovr: class 1 is not present in y_true; its one-vs-rest ROC AUC is undefined",
  });
  assert.throws(() => rocAucOvrScore([2, 2, 2, 2], proba, 3, { average: "weighted" }), {
    message: "roc_auc_ovr_weighted: only one class (2) is present in y_true; ROC AUC is undefined",
  });
  const unnormalised = proba.map((v, i) => (i === 5 ? v + 0.1 : v));
  assert.throws(() => rocAucOvrScore([0, 1, 2, 0], unnormalised, 3), {
    message:
      "roc_auc_ovr: the probabilities in row 2 sum to 1.1, not 1; one-vs-rest ROC AUC needs probabilities that sum to 1 over the classes",
  });
  assert.equal(rocAucOvrScore([0, 1, 2, 0], proba, 3), 1);
});

test("bad input is a DataValidationError naming the argument and row; bad options an InvalidParameterError", () => {
  assert.throws(
    () => rocAucScore([0, 1, 2], [0.1, 0.2, 0.3]),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'row 3, column "yTrue": invalid value (expected a binary label, 0 or 1, got 2)',
  );
  assert.throws(
    () => rocAucScore([0, 1, 1], [0.1, 0.2]),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'column "yScore": columns have different lengths (expected 3 values (one per element of yTrue), got 2)',
  );
  assert.throws(
    () => averagePrecisionScore([0, 1], [0.1, NaN]),
    (error: unknown) => error instanceof DataValidationError && formatError(error) === 'row 2, column "yScore": invalid value (expected a finite number, got NaN)',
  );
  assert.throws(() => rocAucScore([], []), (error: unknown) => error instanceof DataValidationError && error.issues[0]!.code === "too_few_rows");
  assert.throws(
    () => rocAucOvrScore([0, 1], [0.5, 0.5, 0.5, 0.5], 2, { average: "micro" as "macro" }),
    (error: unknown) =>
      error instanceof InvalidParameterError && error.message === 'rocAucOvrScore: average must be "macro" or "weighted", got "micro"',
  );
  assert.throws(
    () => rocAucOvrScore([0, 1], [0.5, 0.5, 0.5], 2),
    (error: unknown) => error instanceof DataValidationError && error.issues[0]!.column === "proba",
  );
  assert.throws(() => rocAucScore([0, 1], [0.1, 0.2], { sampleWeight: [0, 0] }), {
    message: "roc_auc: all sample weights are zero; a weighted metric is undefined",
  });
});
