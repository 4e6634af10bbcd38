import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidParameterError, MetricError } from "../core/errors.js";
import { assertClose, isError, loadCases, weightsOf } from "../../test/fixtures/metrics/fixtures.js";
import { accuracyScore, logLoss } from "./classification.js";
import { computeMetrics, defaultMetricNames, labelsFromProba, METRICS, metricNamesFor, primaryMetric, type MetricName } from "./registry.js";

test("default metric sets per task", () => {
  assert.deepEqual(defaultMetricNames("binary"), [
    "roc_auc",
    "average_precision",
    "log_loss",
    "brier_score",
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "matthews_corrcoef",
    "cohen_kappa",
  ]);
  assert.deepEqual(defaultMetricNames("multiclass"), [
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "f1_weighted",
    "precision_macro",
    "recall_macro",
    "log_loss",
    "roc_auc_ovr",
    "roc_auc_ovr_weighted",
  ]);
  assert.deepEqual(defaultMetricNames("regression"), ["rmse", "mae", "r2", "explained_variance", "median_absolute_error", "max_error", "mape"]);
  assert.equal(primaryMetric("binary"), "roc_auc");
  assert.equal(primaryMetric("multiclass"), "accuracy");
  assert.equal(primaryMetric("regression"), "rmse");
  // Callers may change what they get back without changing the registry.
  defaultMetricNames("binary").pop();
  assert.equal(defaultMetricNames("binary").length, 11);
});

test("every metric describes itself consistently", () => {
  for (const [key, spec] of Object.entries(METRICS)) {
    assert.equal(spec.name, key);
    assert.ok(spec.task.length > 0, `${key} has a task`);
    const lowerIsBetter = /loss|error|^(mse|rmse|mae|mape|brier_score)$/.test(key);
    assert.equal(spec.greaterIsBetter, !lowerIsBetter, `${key} direction`);
    assert.equal(spec.needs === "value", spec.task.includes("regression"), `${key} needs`);
  }
  assert.equal(METRICS.max_error.supportsSampleWeight, false);
  for (const task of ["binary", "multiclass", "regression"] as const) {
    for (const name of defaultMetricNames(task)) assert.ok(METRICS[name].task.includes(task), `${name} is defined for ${task}`);
    assert.ok(metricNamesFor(task).includes(primaryMetric(task)));
  }
  assert.throws(() => {
    (METRICS as Record<string, unknown>).accuracy = undefined;
  }, TypeError);
});

test("computeMetrics reproduces scikit-learn on the binary fixtures, deriving labels from proba > 0.5", () => {
  const cases = loadCases("binary").filter((c) => c.expected.log_loss !== undefined);
  let derived = 0;
  for (const c of cases) {
    const fromProba = c.yPred.every((p, i) => p === (c.score![i]! > 0.5 ? 1 : 0));
    const names = defaultMetricNames("binary").filter((name) => !isError(c.expected[name]));
    const input = { yTrue: c.yTrue, proba: c.score!, nClasses: 2, sampleWeight: weightsOf(c) };
    const values = computeMetrics("binary", names, fromProba ? input : { ...input, yPred: c.yPred });
    if (fromProba) derived++;
    assert.deepEqual(Object.keys(values), names);
    for (const name of names) assertClose(values[name]!, c.expected[name] as number, `${c.name} ${name}`);
    if (isError(c.expected.roc_auc)) assert.throws(() => computeMetrics("binary", undefined, input), MetricError);
  }
  assert.ok(derived >= 10, "most cases derive their labels");
});

test("computeMetrics reproduces scikit-learn on the multiclass fixtures, deriving labels by argmax", () => {
  for (const c of loadCases("multiclass")) {
    const names = defaultMetricNames("multiclass").filter((name) => !isError(c.expected[name]));
    const input = { yTrue: c.yTrue, proba: c.proba!, nClasses: c.nClasses!, sampleWeight: weightsOf(c) };
    const argmax = c.name !== "predict-all-0/k3" && c.name !== "predicts-class-absent-from-y-true/k3";
    const values = computeMetrics("multiclass", names, argmax ? input : { ...input, yPred: c.yPred });
    for (const name of names) assertClose(values[name]!, c.expected[name] as number, `${c.name} ${name}`);
  }
});

test("computeMetrics reproduces scikit-learn on the regression fixtures", () => {
  for (const c of loadCases("regression")) {
    const values = computeMetrics("regression", undefined, { yTrue: c.yTrue, yPred: c.yPred, sampleWeight: weightsOf(c) });
    assert.deepEqual(Object.keys(values), defaultMetricNames("regression"));
    for (const [name, value] of Object.entries(values)) assertClose(value, c.expected[name] as number, `${c.name} ${name}`);
  }
});

test("labels derived from probabilities: binary threshold is strictly above 0.5, multiclass ties go to the first class", () => {
  const binary = computeMetrics("binary", ["accuracy"], { yTrue: [0, 1, 1], proba: [0.5, 0.5000001, 0.2] });
  assert.equal(binary.accuracy, accuracyScore([0, 1, 1], [0, 1, 0]));
  const multi = computeMetrics("multiclass", ["accuracy", "log_loss"], {
    yTrue: [1, 2, 1],
    proba: [0.4, 0.4, 0.2, 0.1, 0.3, 0.6, 0.2, 0.2, 0.6],
    nClasses: 3,
  });
  // Row 1 ties classes 0 and 1 and predicts 0; row 2 predicts 2; row 3 predicts 2.
  assert.equal(multi.accuracy, 1 / 3);
  assert.equal(multi.log_loss, logLoss([1, 2, 1], [0.4, 0.4, 0.2, 0.1, 0.3, 0.6, 0.2, 0.2, 0.6], { nClasses: 3 }));
  // Binary probabilities may also come as nRows x 2.
  const wide = computeMetrics("binary", ["roc_auc", "brier_score"], { yTrue: [0, 1, 1], proba: [0.9, 0.1, 0.4, 0.6, 0.2, 0.8] });
  assert.deepEqual(wide, computeMetrics("binary", ["roc_auc", "brier_score"], { yTrue: [0, 1, 1], proba: [0.1, 0.6, 0.8] }));
});

test("unknown metric names and metrics of another task are refused with the list of valid names", () => {
  const regression = "rmse, mae, mape, r2, explained_variance, median_absolute_error, max_error, mse";
  assert.throws(
    () => computeMetrics("regression", ["rmse", "auc"], { yTrue: [1, 2], yPred: [1, 2] }),
    (error: unknown) =>
      error instanceof InvalidParameterError &&
      error.parameter === "metrics" &&
      error.message === `metrics must be one of ${metricNamesFor("regression").join(", ")}, got "auc"`,
  );
  assert.deepEqual([...metricNamesFor("regression")].sort(), regression.split(", ").sort());
  assert.throws(() => computeMetrics("binary", ["roc_auc_ovr"], { yTrue: [0, 1], proba: [0.2, 0.7] }), {
    name: "InvalidParameterError",
    message: `metrics must be one of ${metricNamesFor("binary").join(", ")}, got "roc_auc_ovr"`,
  });
  assert.throws(() => computeMetrics("multiclass", ["roc_auc"], { yTrue: [0, 1, 2], proba: [], nClasses: 3 }), {
    message: /^metrics must be one of log_loss, accuracy, .*, roc_auc_ovr_weighted, got "roc_auc"$/,
  });
  assert.ok(!metricNamesFor("multiclass").includes("roc_auc" as MetricName));
});

test("missing inputs and a wrong number of classes are InvalidParameterErrors", () => {
  assert.throws(() => computeMetrics("binary", ["roc_auc"], { yTrue: [0, 1], yPred: [0, 1] }), {
    message: "computeMetrics: proba must be probabilities (metric roc_auc needs them), got nothing",
  });
  assert.throws(() => computeMetrics("binary", ["f1"], { yTrue: [0, 1] }), {
    message: "computeMetrics: yPred must be predicted labels, or probabilities in proba (metric f1 needs one of them), got nothing",
  });
  assert.throws(() => computeMetrics("regression", ["r2"], { yTrue: [0, 1] }), {
    message: "computeMetrics: yPred must be predicted values (metric r2 needs them), got nothing",
  });
  assert.throws(() => computeMetrics("binary", ["accuracy"], { yTrue: [0, 1], yPred: [0, 1], nClasses: 3 }), {
    message: "computeMetrics: nClasses must be 2 for a binary task, got 3",
  });
  assert.throws(() => computeMetrics("multiclass", ["accuracy"], { yTrue: [0, 1], yPred: [0, 1] }), {
    message: "computeMetrics: nClasses must be an integer >= 2, got nothing",
  });
});

test("max_error ignores sample weights; the other regression metrics use them", () => {
  const input = { yTrue: [1, 2, 3], yPred: [1, 2, 5], sampleWeight: [1, 1, 0] };
  const values = computeMetrics("regression", ["max_error", "mae"], input);
  assert.equal(values.max_error, 2);
  assert.equal(values.mae, 0);
});

test("labelsFromProba: P(class 1) > 0.5 for binary scores, the first most probable class for a matrix", () => {
  assert.deepEqual(Array.from(labelsFromProba([0.2, 0.5, 0.51], 3, 2)), [0, 0, 1]);
  assert.deepEqual(Array.from(labelsFromProba([0.3, 0.7, 0.5, 0.5], 2, 2)), [1, 0], "a 2-column matrix: ties go to the first class");
  assert.deepEqual(Array.from(labelsFromProba([0.1, 0.6, 0.3, 0.4, 0.4, 0.2], 2, 3)), [1, 0]);
});
