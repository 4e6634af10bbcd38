/** The library as an application developer calls it: everything from the package entry point. */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as learnloop from "../src/index.js";

test("the entry point reads, splits, fits, scores, saves and reloads a model", async () => {
  const { readDataset, holdoutSplit, takeRows, LinearEstimator, scoreModel, loadModel, schemaOf } = learnloop;
  const data = await readDataset("node_modules/vega-datasets/data/penguins.json", { target: "Species" });
  const { train, test: held } = holdoutSplit(data.nRows, { testSize: 0.2, seed: 42, stratify: data.target!.values });
  const estimator = new LinearEstimator({ alpha: 1e-3 });
  const model = estimator.fit(takeRows(data, train));
  const { metrics } = scoreModel(model, takeRows(data, held));
  assert.ok(metrics.accuracy! > 0.95, `accuracy ${metrics.accuracy}`);
  assert.deepEqual(estimator.params, new LinearEstimator({ alpha: 1e-3 }).params, "fit leaves the estimator as it was");

  const reloaded = loadModel(model.toBytes({ fingerprint: data.fingerprint }));
  const again = await readDataset("node_modules/vega-datasets/data/penguins.json", { schema: schemaOf(data) });
  assert.deepEqual(reloaded.predictProba(again).data, model.predictProba(again).data);
});

test("errors are typed and turned into one line by formatError", async () => {
  await assert.rejects(learnloop.readDataset("test/fixtures/data/nope.csv", { target: "y" }), (error: unknown) => {
    assert.ok(error instanceof learnloop.DataValidationError);
    assert.equal(error.issues[0]!.code, "file_not_found");
    assert.equal(learnloop.formatError(error), "test/fixtures/data/nope.csv: file not found");
    return true;
  });
  assert.throws(() => new learnloop.LinearEstimator({ alpha: "big" }), (error: unknown) => {
    assert.ok(error instanceof learnloop.InvalidParameterError);
    assert.equal(learnloop.formatError(error), 'LinearEstimator: alpha must be a number >= 0, got "big"');
    return true;
  });
});

test("gradient boosting and a paired comparison through the entry point", async () => {
  const { readDataset, holdoutSplit, takeRows, GradientBoosting, LinearEstimator, predictionsOf, compareModels, evaluateHoldout } = learnloop;
  const data = await readDataset("node_modules/vega-datasets/data/seattle-weather.csv", { target: "weather", ignore: ["date"] });
  const { train, test: held } = holdoutSplit(data.nRows, { testSize: 0.25, seed: 1, stratify: data.target!.values });
  const [trainRows, testRows] = [takeRows(data, train), takeRows(data, held)];
  const gbdt = new GradientBoosting({ iterations: 50 }).fit(trainRows);
  const linear = new LinearEstimator().fit(trainRows);
  const report = evaluateHoldout(gbdt, trainRows, testRows, { bootstrap: 200, seed: 3 });
  assert.equal(report.baseline.kind, "class prior");
  assert.ok(report.metrics.accuracy! > report.baseline.metrics.accuracy!, "the model beats always predicting the commonest weather");
  const comparison = compareModels("log_loss", predictionsOf(linear, testRows), predictionsOf(gbdt, testRows), { seed: 1 });
  assert.equal(comparison.test, "paired_bootstrap");
  assert.equal(comparison.difference, comparison.b - comparison.a);
});
