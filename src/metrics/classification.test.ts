import assert from "node:assert/strict";
import { test } from "node:test";
import { DataValidationError, InvalidParameterError, MetricError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import { assertClose, isError, loadCases, weightsOf, type MetricCase } from "../../test/fixtures/metrics/fixtures.js";
import {
  accuracyScore,
  balancedAccuracyScore,
  brierScoreLoss,
  cohenKappaScore,
  confusionMatrix,
  f1Score,
  logLoss,
  matthewsCorrcoef,
  precisionScore,
  recallScore,
  type Average,
} from "./classification.js";

const binary = loadCases("binary");
const multiclass = loadCases("multiclass");

/** The label metrics by fixture key, computed from a case's yPred. */
function labelMetrics(c: MetricCase): Record<string, () => number> {
  const sampleWeight = weightsOf(c);
  const nClasses = c.nClasses;
  const options = { nClasses, sampleWeight };
  const averaged = (f: typeof precisionScore, average: Average) => () => f(c.yTrue, c.yPred, { ...options, average });
  const metrics: Record<string, () => number> = {
    accuracy: () => accuracyScore(c.yTrue, c.yPred, options),
    balanced_accuracy: () => balancedAccuracyScore(c.yTrue, c.yPred, options),
    matthews_corrcoef: () => matthewsCorrcoef(c.yTrue, c.yPred, options),
    cohen_kappa: () => cohenKappaScore(c.yTrue, c.yPred, options),
  };
  for (const average of ["macro", "micro", "weighted"] as const) {
    metrics[`precision_${average}`] = averaged(precisionScore, average);
    metrics[`recall_${average}`] = averaged(recallScore, average);
    metrics[`f1_${average}`] = averaged(f1Score, average);
  }
  if (nClasses === undefined) {
    metrics.precision = averaged(precisionScore, "binary");
    metrics.recall = averaged(recallScore, "binary");
    metrics.f1 = averaged(f1Score, "binary");
  }
  return metrics;
}

function checkAgainstSklearn(cases: MetricCase[], metrics: (c: MetricCase) => Record<string, () => number>): number {
  let checked = 0;
  for (const c of cases) {
    for (const [name, run] of Object.entries(metrics(c))) {
      const expected = c.expected[name];
      if (expected === undefined) continue;
      if (isError(expected)) assert.throws(run, MetricError, `${c.name} ${name}`);
      else assertClose(run(), expected as number, `${c.name} ${name}`);
      checked++;
    }
  }
  return checked;
}

test("binary label metrics agree with scikit-learn on every fixture (zero division, constant predictions, weights)", () => {
  const checked = checkAgainstSklearn(binary, labelMetrics);
  assert.equal(checked, binary.length * 16, "every binary label metric checked on every case");
});

test("multiclass label metrics agree with scikit-learn on every fixture (absent classes, zero-weight classes)", () => {
  const checked = checkAgainstSklearn(multiclass, labelMetrics);
  assert.equal(checked, multiclass.length * 13, "every multiclass label metric checked on every case");
});

test("log_loss and brier_score agree with scikit-learn on the binary fixtures (clipping at the float64 epsilon)", () => {
  let checked = 0;
  for (const c of binary) {
    if (c.expected.log_loss === undefined) continue;
    const sampleWeight = weightsOf(c);
    assertClose(logLoss(c.yTrue, c.score!, { sampleWeight }), c.expected.log_loss as number, `${c.name} log_loss`);
    assertClose(brierScoreLoss(c.yTrue, c.score!, { sampleWeight }), c.expected.brier_score as number, `${c.name} brier_score`);
    checked++;
  }
  assert.ok(checked >= 20, "too few fixture cases");
});

test("multiclass log_loss agrees with scikit-learn, including unnormalised rows and classes absent from y_true", () => {
  for (const c of multiclass) {
    const value = logLoss(c.yTrue, c.proba!, { nClasses: c.nClasses, sampleWeight: weightsOf(c) });
    assertClose(value, c.expected.log_loss as number, `${c.name} log_loss`);
  }
});

test("confusion matrices agree with scikit-learn over all nClasses classes", () => {
  for (const c of multiclass) {
    const matrix = confusionMatrix(c.yTrue, c.yPred, c.nClasses!, { sampleWeight: weightsOf(c) });
    const expected = c.expected.confusion_matrix as number[][];
    assert.equal(matrix.length, c.nClasses);
    matrix.forEach((row, i) => row.forEach((v, j) => assertClose(v, expected[i]![j]!, `${c.name} [${i}][${j}]`)));
  }
});

test("hand-worked values", () => {
  assert.deepEqual(confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], 4), [
    [1, 0, 0, 0],
    [0, 0, 1, 0],
    [0, 1, 1, 0],
    [0, 0, 0, 0],
  ]);
  assert.equal(accuracyScore([0, 1, 2, 3], [0, 2, 1, 3]), 0.5);
  assert.equal(accuracyScore([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 1] }), 0.75);
  assert.equal(balancedAccuracyScore([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1]), 0.625);
  // Class 2 is only predicted: it has no recall and is left out of the mean.
  assert.equal(balancedAccuracyScore([0, 0, 1, 1], [0, 2, 1, 1]), 0.75);
  // tp 1, fp 1, fn 1.
  assert.equal(precisionScore([0, 1, 1, 0], [1, 1, 0, 0]), 0.5);
  assert.equal(recallScore([0, 1, 1, 0], [1, 1, 0, 0]), 0.5);
  assert.equal(f1Score([0, 1, 1, 1], [1, 1, 0, 1]), 2 / 3);
  // Per class precision 2/3, 0, 0 over the present classes 0, 1, 2.
  assert.equal(precisionScore([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: "macro" }), 2 / 9);
  // Micro-averaged precision, recall and F1 all equal accuracy when every label counts.
  assert.equal(f1Score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: "micro" }), 1 / 3);
  // Macro averages run over the labels present, not over nClasses: class 3 of 4 changes nothing.
  assert.equal(
    recallScore([0, 1, 2, 0], [0, 1, 1, 0], { average: "macro", nClasses: 4 }),
    recallScore([0, 1, 2, 0], [0, 1, 1, 0], { average: "macro" }),
  );
  assert.equal(matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]), -1 / 3);
  assert.equal(cohenKappaScore([0, 1, 1, 0], [0, 1, 0, 0]), 0.5);
  assert.equal(brierScoreLoss([0, 1], [0.5, 0.5]), 0.25);
  assert.equal(logLoss([0, 1], [0.5, 0.5]), Math.LN2);
  assertClose(logLoss([0, 1, 2], [1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3], { nClasses: 3 }), Math.log(3), "uniform");
});

test("zero division gives 0 as sklearn's default does, and degenerate cases give sklearn's 0 or NaN", () => {
  // Nothing predicted positive: precision 0/0.
  assert.equal(precisionScore([0, 1, 1], [0, 0, 0]), 0);
  // No positives in y_true: recall 0/0; F1 0.
  assert.equal(recallScore([0, 0, 0], [0, 1, 0]), 0);
  assert.equal(f1Score([0, 0, 0], [0, 0, 0]), 0);
  // Macro: class 0 is never predicted (0/0 -> 0), class 1 never right (0/2).
  assert.equal(precisionScore([0, 0], [1, 1], { average: "macro" }), 0);
  // Constant predictions have no correlation with anything.
  assert.equal(matthewsCorrcoef([0, 1, 1, 0], [1, 1, 1, 1]), 0);
  // Two raters that agree on one constant: kappa is 0/0.
  assert.ok(Number.isNaN(cohenKappaScore([1, 1, 1], [1, 1, 1])), "kappa of equal constants is NaN");
  // y_true of one class is fine for log_loss: the classes are known to be 0 and 1.
  assertClose(logLoss([1, 1], [0.8, 0.6]), -(Math.log(0.8) + Math.log(0.6)) / 2, "log_loss one class");
});

test("log_loss clips probabilities to [eps, 1 - eps] with eps = 2^-52, as sklearn 1.2 does", () => {
  assert.equal(logLoss([1], [1]), -Math.log(1 - 2 ** -52));
  assert.equal(logLoss([0], [1]), -Math.log(2 ** -52));
  // Rows [0, 1] and [1, 0] clip to [eps, 1 - eps], which sum to exactly 1: both rows lose -log(eps).
  assert.equal(logLoss([0, 1], [0, 1, 1, 0], { nClasses: 2 }), -Math.log(2 ** -52));
});

test("binary metrics reject labels other than 0 and 1; averages must suit the number of classes", () => {
  assert.throws(
    () => precisionScore([0, 1, 2], [0, 1, 1]),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'row 3, column "yTrue": invalid value (expected a binary label, 0 or 1, got 2)',
  );
  assert.throws(
    () => f1Score([0, 1, 2], [0, 1, 1], { nClasses: 3 }),
    (error: unknown) =>
      error instanceof InvalidParameterError &&
      error.message === 'f1Score: average must be "macro", "micro" or "weighted" when nClasses is 3, got "binary"',
  );
  assert.throws(
    () => recallScore([0, 1], [0, 1], { average: "samples" as Average }),
    { message: 'recallScore: average must be one of "binary", "macro", "micro", "weighted", got "samples"' },
  );
  assert.throws(
    () => accuracyScore([0, 1, 3], [0, 1, 1], { nClasses: 3 }),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'row 3, column "yTrue": invalid value (expected a class index from 0 to 2, got 3)',
  );
  assert.throws(
    () => accuracyScore([0, 1.5], [0, 1]),
    (error: unknown) => error instanceof DataValidationError && error.issues[0]!.received === "1.5",
  );
  assert.throws(() => confusionMatrix([0, 1], [0, 1], 1), {
    message: "confusionMatrix: nClasses must be an integer >= 2, got 1",
  });
});

test("probabilities, lengths and weights are checked", () => {
  assert.throws(
    () => brierScoreLoss([0, 1], [0.2, 1.2]),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'row 2, column "proba": invalid value (expected a probability in [0, 1], got 1.2)',
  );
  assert.throws(
    () => logLoss([0, 1, 2], [0.2, 0.3, 0.5], { nClasses: 3 }),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'column "proba": columns have different lengths (expected 9 values (3 rows x 3 classes, row-major), got 3)',
  );
  assert.throws(
    () => accuracyScore([0, 1], [0, 1, 1]),
    (error: unknown) => error instanceof DataValidationError && error.issues[0]!.code === "length_mismatch" && error.issues[0]!.column === "yPred",
  );
  assert.throws(
    () => accuracyScore([0, 1], [0, 1], { sampleWeight: [1, -1] }),
    (error: unknown) =>
      error instanceof DataValidationError &&
      formatError(error) === 'row 2, column "sampleWeight": invalid value (expected a finite weight >= 0, got -1)',
  );
  assert.throws(() => logLoss([0, 1], [0.3, 0.6], { sampleWeight: [0, 0] }), {
    name: "MetricError",
    message: "log_loss: all sample weights are zero; a weighted metric is undefined",
  });
});
