/**
 * `learnloop tune` as a user meets it: a real search on a small real data set, the saved model loaded by
 * `predict`, the leaderboard's top score recomputed independently, the same leaderboard whatever
 * --parallel, and bad input answered by one line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readDataset } from "../../src/data/index.js";
import { crossValidate } from "../../src/evaluation/cv.js";
import { modelFamily, readModelFile } from "../../src/models/registry.js";
import { openStore } from "../../src/tracking/index.js";
import { runCli as run } from "../support/run-cli.js";

const PENGUINS = "node_modules/vega-datasets/data/penguins.json";
const WEATHER = "node_modules/vega-datasets/data/seattle-weather.csv";
const work = mkdtempSync(join(tmpdir(), "learnloop-tune-"));
// Runs are recorded in a throwaway store, never in the repository's .learnloop/.
process.env.LEARNLOOP_HOME = work;
delete process.env.LEARNLOOP_DB;

async function failure(...argv: string[]): Promise<string> {
  const result = await run(...argv);
  assert.notEqual(result.code, 0, result.stderr);
  const lines = result.stderr.split("\n").filter((line) => line.length > 0 && !line.startsWith("note:"));
  assert.equal(lines.length, 1, result.stderr);
  return lines[0]!;
}

/** The leaderboard without its timings, which are the only thing allowed to differ between runs. */
function withoutTimes(json: { leaderboard: { seconds: number }[]; evaluations: { seconds: number | null }[] }) {
  return {
    leaderboard: json.leaderboard.map(({ seconds: _seconds, ...entry }) => entry),
    evaluations: json.evaluations.map(({ seconds: _seconds, ...evaluation }) => evaluation),
  };
}

const ARGS = ["tune", PENGUINS, "--target", "Species", "--trials", "9", "--cv", "3", "--iterations", "30", "--seed", "5", "--json"];

test("tune gbdt on penguins: halving rungs, a leaderboard, the best refit and saved; the same with --parallel 1 and 2", async () => {
  const out = join(work, "penguins.model");
  const db = join(work, "runs.db");
  const two = await run(...ARGS, "--parallel", "2", "--out", out, "--db", db);
  assert.equal(two.code, 0, two.stderr);
  const json = JSON.parse(two.stdout);
  assert.equal(json.metric, "accuracy");
  assert.equal(json.direction, "maximize");
  assert.deepEqual(json.rungs, [
    { rung: 0, budget: 10, planned: 9, scored: 9, promoted: json.rungs[0].promoted },
    { rung: 1, budget: 30, planned: 3, scored: 3, promoted: [] },
  ]);
  assert.equal(json.rungs[0].promoted.length, 3);
  assert.equal(json.leaderboard.length, 9);
  assert.deepEqual(json.leaderboard.slice(0, 3).map((entry: { rung: number }) => entry.rung), [1, 1, 1]);
  assert.deepEqual(json.trials, { planned: 9, scored: 9, failed: 0, notRun: 0 });
  assert.equal(json.best.trial, json.leaderboard[0].trial);
  assert.equal(json.best.score, json.leaderboard[0].score);
  assert.ok(json.best.score > 0.9, `accuracy ${json.best.score}`);
  assert.equal(json.best.modelParams.iterations, 30);
  assert.equal(json.best.modelParams.earlyStopping, 20);
  for (const name of ["learningRate", "maxLeaves", "minSamplesLeaf", "l2", "subsample", "colsample"]) assert.equal(json.best.modelParams[name], json.best.params[name]);
  assert.match(two.stderr, /successive halving on rounds 10 -> 30 \(eta 3; 9, 3 configurations\), 3-fold cross-validation, accuracy \(higher is better\), 2 workers, seed 5/);
  assert.match(two.stderr, /leaderboard \(9 of 9\), ranked by the highest rung reached, then accuracy/);
  assert.match(two.stderr, new RegExp(`best: trial ${json.best.trial}, accuracy `));

  // The top score is what cross-validation gives for the best parameters, computed here on its own.
  const data = await readDataset(PENGUINS, { target: "Species" });
  const estimator = modelFamily("gbdt").create({ ...json.best.modelParams, threads: 1 });
  const cv = crossValidate(estimator, data, { folds: 3, seed: 5, metrics: ["accuracy"], refit: false });
  assert.equal(cv.summary.accuracy!.mean, json.best.score);

  // A normal model file: the refit best configuration, loadable by predict.
  const { model, header } = await readModelFile(out);
  assert.equal(model.kind, "gbdt");
  assert.deepEqual(model.params, json.best.modelParams);
  assert.equal(header.metrics?.accuracy, json.best.score);
  const predicted = await run("predict", out, PENGUINS, "--out", join(work, "predictions.csv"));
  assert.equal(predicted.code, 0, predicted.stderr);

  // The run is recorded: its best metric, the best trial's folds, the leaderboard, the model file by checksum.
  const store = await openStore({ url: db });
  try {
    const recorded = (await store.getRun(json.run))!;
    assert.equal(recorded.kind, "tune");
    assert.equal(recorded.status, "finished");
    assert.deepEqual(recorded.metrics, { accuracy: json.best.score });
    assert.equal(recorded.folds.length, 3);
    assert.deepEqual((recorded.details.leaderboard as { trial: number }[]).map((entry) => entry.trial), json.leaderboard.map((entry: { trial: number }) => entry.trial));
    const artifact = recorded.artifacts.find((item) => item.role === "model")!;
    assert.deepEqual(await store.getArtifact(artifact.sha256!), new Uint8Array(readFileSync(out)));
  } finally {
    await store.close();
  }

  const one = await run(...ARGS, "--parallel", "1", "--out", join(work, "one.model"));
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(withoutTimes(JSON.parse(one.stdout)), withoutTimes(json), "the same seed gives the same leaderboard for any --parallel");
  const other = await run(...ARGS.slice(0, -3), "--seed", "6", "--json", "--out", join(work, "other.model"));
  assert.notDeepEqual(withoutTimes(JSON.parse(other.stdout)).leaderboard, withoutTimes(json).leaderboard);
});

test("tune linear (random search, no budget) and forest (halving on trees), with a space file", async () => {
  const linear = await run("tune", WEATHER, "--target", "temp_max", "--ignore", "date", "--model", "linear", "--trials", "4", "--cv", "2", "--json", "--out", join(work, "weather.model"));
  assert.equal(linear.code, 0, linear.stderr);
  const json = JSON.parse(linear.stdout);
  assert.equal(json.metric, "rmse");
  assert.equal(json.direction, "minimize");
  assert.equal(json.search.halving, null);
  assert.deepEqual(json.rungs.map((rung: { budget: number; planned: number }) => rung.planned), [4]);
  const scores = json.leaderboard.map((entry: { score: number }) => entry.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b), "lower rmse ranks first");
  assert.equal(json.leaderboard[0].budget, null);

  const space = join(work, "forest.yaml");
  writeFileSync(space, "min-samples-leaf: [1, 5]\nmaxFeatures: {uniform: [0.5, 1]}\nmaxLeaves: 64\n");
  const forest = await run("tune", PENGUINS, "--target", "Species", "--model", "forest", "--trials", "3", "--cv", "2", "--iterations", "15", "--space", space, "--json", "--out", join(work, "forest.model"));
  assert.equal(forest.code, 0, forest.stderr);
  const forestJson = JSON.parse(forest.stdout);
  assert.deepEqual(forestJson.rungs.map((rung: { budget: number; planned: number }) => [rung.budget, rung.planned]), [[5, 3], [15, 1]]);
  assert.equal(forestJson.best.modelParams.nTrees, 15);
  assert.equal(forestJson.best.modelParams.maxLeaves, 64);
  assert.deepEqual(forestJson.search.space, { maxLeaves: "64", minSamplesLeaf: "one of 1, 5", maxFeatures: "uniform [0.5, 1]" });
});

test("tune: bad options are one line", async () => {
  assert.equal(await failure("tune", PENGUINS, "--target", "Species", "--time-budget", "soon"), 'learnloop tune: error: --time-budget must be a duration such as 90s, 10m or 1h30m (a plain number is seconds), got "soon"');
  assert.equal(await failure("tune", WEATHER, "--target", "temp_max", "--model", "linear", "--iterations", "50"), 'learnloop tune: error: --iterations must be left out for model "linear" (it has no rounds or trees; it is tuned by plain random search), got "50"');
  const space = join(work, "bad.json");
  writeFileSync(space, '{"learningRate": {"log_uniform": [0, 0.3]}}');
  assert.equal(await failure("tune", PENGUINS, "--target", "Species", "--space", space), `learnloop tune: error: ${space}: learningRate must be a number > 0 and <= 10 (or null), got 0`);
  assert.match(await failure("tune", PENGUINS, "--target", "Species", "--metric", "rmse", "--trials", "1"), /^learnloop tune: error: metric must be one of log_loss, accuracy, .* for a multiclass target, got "rmse"$/);
  assert.equal(await failure("tune", PENGUINS, "--target", "Species", "--cv", "1"), 'learnloop tune: error: --cv must be an integer >= 2 and <= 100, got "1"');
});

test("tune: a time budget stops new trials once one has finished, and keeps the best so far", async () => {
  // Two workers start trials 0 and 1 at once; when the first finishes the budget is spent, so no other
  // trial starts, and the one still running is finished.
  const result = await run("tune", PENGUINS, "--target", "Species", "--trials", "9", "--cv", "3", "--iterations", "30", "--parallel", "2", "--time-budget", "0.001", "--json", "--out", join(work, "budget.model"));
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.search.stoppedBy, "time_budget");
  assert.deepEqual(json.rungs.map((rung: { scored: number }) => rung.scored), [2, 0]);
  assert.deepEqual(json.leaderboard.map((entry: { trial: number }) => entry.trial).sort(), [0, 1]);
  assert.deepEqual(json.trials, { planned: 9, scored: 2, failed: 0, notRun: 7 });
  assert.equal(json.best.trial, json.leaderboard[0].trial);
  assert.match(result.stderr, /time budget reached after .* \(trials already running were finished\): rung 1 scored 2 of its 9 configurations, rung 2 never ran; the best so far is kept/);
  const { model } = await readModelFile(join(work, "budget.model"));
  assert.deepEqual(model.params, json.best.modelParams);
});
