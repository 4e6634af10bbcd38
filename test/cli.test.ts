/**
 * The CLI as a user meets it: commands run end to end on real files, every bad input answered by one
 * line on stderr and a non-zero exit status.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FORMAT_VERSION } from "../src/models/format.js";
import { runCli as run } from "./support/run-cli.js";

const DATA = "test/fixtures/data";
const PENGUINS = "node_modules/vega-datasets/data/penguins.json";
const WEATHER = "node_modules/vega-datasets/data/seattle-weather.csv";
const CARS = "node_modules/vega-datasets/data/cars.json";
const work = mkdtempSync(join(tmpdir(), "learnloop-cli-"));
// Runs are recorded in a throwaway store, never in the working tree (tools/run-tests.mjs does the same).
process.env.LEARNLOOP_HOME ??= join(work, "home");

/** Runs a command that must fail; returns its single stderr line. */
async function failure(...argv: string[]): Promise<{ code: number; line: string }> {
  const result = await run(...argv);
  assert.notEqual(result.code, 0, `expected a failure, got exit 0; stderr: ${result.stderr}`);
  const lines = result.stderr.split("\n").filter((line) => line.length > 0 && !line.startsWith("note:"));
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  assert.equal(result.stdout, "");
  return { code: result.code, line: lines[0]! };
}

test("train on penguins: JSON on stdout with metrics, rows, timings; a model file saved", async () => {
  const out = join(work, "penguins.model");
  const result = await run("train", PENGUINS, "--target", "Species", "--out", out, "--json", "--seed", "7");
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.task, "multiclass");
  assert.equal(json.model, "gbdt", "gradient boosting is the default");
  assert.equal(typeof json.training.rounds, "number");
  assert.deepEqual(json.classes, ["Adelie", "Chinstrap", "Gentoo"]);
  assert.equal(json.rows.train + json.rows.test, 344);
  assert.equal(json.rows.test, 69, "20% held out, stratified");
  assert.ok(json.metrics.accuracy > 0.9, `accuracy ${json.metrics.accuracy}`);
  for (const key of ["load", "fit", "evaluate", "total"]) assert.equal(typeof json.timings[key], "number");
  assert.ok(existsSync(out));
  assert.match(result.stderr, /accuracy/);
  // The class-prior baseline predicts the majority class, Adelie: 30 of the 69 stratified test rows.
  assert.equal(json.baseline.kind, "class prior");
  assert.equal(json.baseline.metrics.accuracy, 30 / 69);
  assert.equal(json.baseline.metrics.roc_auc_ovr, 0.5);
  assert.equal(json.headline.metric, "accuracy");
  assert.equal(json.headline.value, json.metrics.accuracy);
  assert.ok(json.headline.ci[0] <= json.headline.value && json.headline.value <= json.headline.ci[1]);
  assert.equal(json.headline.level, 0.95);
});

test("predict writes prediction and proba_<class> columns, in CSV, Parquet or JSON by extension", async () => {
  const model = join(work, "penguins-predict.model");
  assert.equal((await run("train", PENGUINS, "--target", "Species", "--out", model)).code, 0);
  const csv = join(work, "scored.csv");
  const predicted = await run("predict", model, PENGUINS, "--out", csv, "--id", "Island");
  assert.equal(predicted.code, 0, predicted.stderr);
  const lines = readFileSync(csv, "utf8").trim().split("\n");
  assert.equal(lines[0], "Island,prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo");
  assert.equal(lines.length, 345);
  const [island, label, ...probabilities] = lines[1]!.split(",");
  assert.equal(island, "Torgersen");
  assert.ok(["Adelie", "Chinstrap", "Gentoo"].includes(label!));
  const sum = probabilities.map(Number).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);

  const parquet = join(work, "scored.parquet");
  assert.equal((await run("predict", model, PENGUINS, "--out", parquet)).code, 0);
  assert.equal(readFileSync(parquet).subarray(0, 4).toString("latin1"), "PAR1");

  const scored = await run("score", csv, "--label", "prediction", "--proba-prefix", "proba_", "--json");
  assert.equal(scored.code, 0, scored.stderr);
  assert.equal(JSON.parse(scored.stdout).metrics.accuracy, 1, "the predicted label is the argmax of the probabilities");
});

test("evaluate scores a saved model and agrees with score on its predictions", async () => {
  const model = join(work, "weather.model");
  assert.equal((await run("train", WEATHER, "--target", "weather", "--ignore", "date", "--out", model)).code, 0);
  const evaluated = JSON.parse((await run("evaluate", model, WEATHER, "--json")).stdout);
  assert.equal(evaluated.rows, 1461);
  const csv = join(work, "weather-scored.csv");
  assert.equal((await run("predict", model, WEATHER, "--out", csv, "--id", "weather")).code, 0);
  const scored = JSON.parse((await run("score", csv, "--label", "weather", "--proba-prefix", "proba_", "--pred", "prediction", "--json")).stdout);
  for (const name of ["accuracy", "log_loss", "f1_macro", "roc_auc_ovr"]) {
    assert.ok(Math.abs(scored.metrics[name] - evaluated.metrics[name]) < 1e-9, `${name}: ${scored.metrics[name]} vs ${evaluated.metrics[name]}`);
  }
});

test("regression: train with --valid and evaluate report rmse, mae, r2", async () => {
  const model = join(work, "cars.model");
  const result = await run("train", CARS, "--target", "Miles_per_Gallon", "--ignore", "Name", "--valid", CARS, "--out", model, "--json");
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.task, "regression");
  assert.ok(json.metrics.r2 > 0.7, `r2 ${json.metrics.r2}`);
  assert.ok(json.rows.dropped > 0, "cars without a mileage are dropped and counted");
  assert.match(result.stderr, /note: .*dropped \d+ rows? whose target "Miles_per_Gallon" is missing/);
  const evaluated = JSON.parse((await run("evaluate", model, CARS, "--json", "--metrics", "rmse,r2")).stdout);
  assert.deepEqual(Object.keys(evaluated.metrics), ["rmse", "r2"]);
  assert.ok(Math.abs(evaluated.metrics.r2 - json.metrics.r2) < 1e-12);
});

test("train says once that rows without a target were dropped: the audit's warning, with the share, and no note besides", async () => {
  const file = join(work, "missing-target.csv");
  writeFileSync(file, ["x,y", "1,a", "2,", "3,b", ...Array.from({ length: 9 }, (_, i) => `${i + 4},${i % 2 === 0 ? "a" : "b"}`)].join("\n") + "\n");
  const result = await run("train", file, "--target", "y", "--no-track", "--out", join(work, "missing-target.model"));
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    result.stderr.split("\n").filter((line) => line.includes("dropped")),
    ['warning: 1 row (8.3% of rows) was dropped because their target "y" is missing'],
  );
});

test("score on a binary score column gives scikit-learn's ROC AUC for a hand-worked case", async () => {
  const file = join(work, "binary.csv");
  writeFileSync(file, "y,s\n0,0.1\n0,0.4\n1,0.35\n1,0.8\n");
  const result = await run("score", file, "--label", "y", "--score", "s", "--metrics", "roc_auc,accuracy", "--json");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), { task: "binary", rows: 4, metrics: { roc_auc: 0.75, accuracy: 0.75 } });
});

test("bad inputs: one line naming the file, column and line, non-zero exit", async () => {
  const cases: [string[], string][] = [
    [["train", `${DATA}/nope.csv`, "--target", "y"], `learnloop train: error: ${DATA}/nope.csv: file not found`],
    [["train", `${DATA}/empty.csv`, "--target", "y"], `learnloop train: error: ${DATA}/empty.csv: the file is empty`],
    [["train", `${DATA}/header-only.csv`, "--target", "label"], `learnloop train: error: ${DATA}/header-only.csv: the file has a header but no data rows`],
    [["train", `${DATA}/ragged.csv`, "--target", "c"], `learnloop train: error: ${DATA}/ragged.csv, line 4: the row has the wrong number of fields (expected 3 fields, got 2 fields)`],
    [["train", `${DATA}/single-class.csv`, "--target", "label"], `learnloop train: error: ${DATA}/single-class.csv, column "label": the target has a single class (expected 2 or more classes, got only "yes")`],
    [["train", `${DATA}/all-missing-target.csv`, "--target", "label"], `learnloop train: error: ${DATA}/all-missing-target.csv, column "label": the target is missing in every row (3 rows)`],
    [
      ["train", `${DATA}/text-in-numeric.csv`, "--target", "b", "--numeric", "age"],
      `learnloop train: error: ${DATA}/text-in-numeric.csv, line 7, column "age": a value in a numeric column is not a number (expected a number, got "abc")`,
    ],
    [
      ["train", `${DATA}/small.csv`, "--target", "nope"],
      `learnloop train: error: ${DATA}/small.csv, column "nope": unknown column (available columns: id, age, income, city, joined, last_seen, member, label)`,
    ],
    [["train", "README.md", "--target", "y"], `learnloop train: error: README.md: unsupported file type (expected .csv, .tsv, .tab, .txt, .parquet, .pq, .json, .ndjson, .jsonl, .arrow, .feather, .ipc, got ".md")`],
    [["train", PENGUINS], "learnloop train: error: --target must be the name of the column to predict, got nothing"],
    [["train", PENGUINS, "--target", "Species", "--test-size", "1.5"], 'learnloop train: error: --test-size must be a number > 0 and < 1, got "1.5"'],
    [["train", PENGUINS, "--target", "Species", "--model", "magic"], 'learnloop train: error: model must be one of gbdt, forest, linear, got "magic"'],
    [["train", PENGUINS, "--target", "Species", "--model", "linear", "--alpha", "-1"], "learnloop train: error: --alpha must be a number >= 0, got -1"],
    [["train", PENGUINS, "--target", "Species", "--alpha", "0.1"], 'learnloop train: error: --alpha must be a parameter of model "gbdt"; it belongs to "linear", got "0.1"'],
    [["train", PENGUINS, "--target", "Species", "--max-leaves", "1"], "learnloop train: error: --max-leaves must be an integer >= 2 and <= 4096, got 1"],
    [["train", PENGUINS, "--target", "Species", "--frobnicate"], 'learnloop train: error: option must be one of the options of "learnloop train" (see learnloop train --help), got "--frobnicate"'],
    [["predict", `${DATA}/small.csv`], "learnloop predict: error: <data> must be given (usage: learnloop predict <model> <data> [--out <file>] [--id <cols>]), got nothing"],
  ];
  for (const [argv, expected] of cases) {
    const { code, line } = await failure(...argv);
    assert.equal(line, expected);
    assert.equal(code, 2);
  }
});

test("bad model files: truncated, corrupted, newer format, not a model", async () => {
  const good = join(work, "good.model");
  assert.equal((await run("train", PENGUINS, "--target", "Species", "--out", good)).code, 0);
  const bytes = readFileSync(good);

  const truncated = join(work, "truncated.model");
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
  const t = await failure("predict", truncated, PENGUINS, "--out", join(work, "x.csv"));
  assert.equal(t.line, `learnloop predict: error: ${truncated}: the model file is truncated (${bytes.length - 100} bytes, expected ${bytes.length})`);
  assert.equal(t.code, 3);

  const corrupted = join(work, "corrupted.model");
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 50] ^= 1;
  writeFileSync(corrupted, flipped);
  assert.equal(
    (await failure("evaluate", corrupted, PENGUINS)).line,
    `learnloop evaluate: error: ${corrupted}: the model file is corrupted (checksum mismatch) (the stored SHA-256 does not match the content)`,
  );

  const newer = join(work, "newer.model");
  const future = Buffer.from(bytes);
  future.writeUInt32LE(FORMAT_VERSION + 1, 8);
  writeFileSync(newer, future);
  assert.match((await failure("predict", newer, PENGUINS)).line, new RegExp(`^learnloop predict: error: ${newer}: the model file is from a newer format version \\(format version ${FORMAT_VERSION + 1};`));

  assert.equal((await failure("predict", PENGUINS, PENGUINS)).line, `learnloop predict: error: ${PENGUINS}: not a learnloop model file (it does not start with the learnloop model signature)`);
  assert.equal((await failure("predict", join(work, "missing.model"), PENGUINS)).line, `learnloop predict: error: ${join(work, "missing.model")}: file not found`);
});

test("a failed train leaves an existing model file untouched", async () => {
  const model = join(work, "keep.model");
  assert.equal((await run("train", PENGUINS, "--target", "Species", "--out", model)).code, 0);
  const before = readFileSync(model);
  await failure("train", `${DATA}/single-class.csv`, "--target", "label", "--out", model);
  assert.ok(readFileSync(model).equals(before));
});

test("every command has --help with usage and an example", async () => {
  for (const command of ["train", "predict", "evaluate", "score", "profile", "compare"]) {
    const result = await run(command, "--help");
    assert.equal(result.code, 0);
    assert.match(result.stdout, new RegExp(`^learnloop ${command} — `));
    assert.match(result.stdout, /\nUsage: learnloop /);
    assert.match(result.stdout, /\nExamples:\n {2}learnloop /);
  }
  const top = await run("--help");
  assert.match(top.stdout, /Commands:\n {2}train/);
  assert.equal((await run("frobnicate")).code, 2);
});

test("the executable exits non-zero with one line and no stack trace (unless --debug)", () => {
  const bin = ["--import", "tsx", "src/cli/bin.ts"];
  const plain = spawnSync(process.execPath, [...bin, "train", `${DATA}/nope.csv`, "--target", "y"], { encoding: "utf8" });
  assert.equal(plain.status, 2);
  assert.equal(plain.stderr, `learnloop train: error: ${DATA}/nope.csv: file not found\n`);
  const debug = spawnSync(process.execPath, [...bin, "train", `${DATA}/nope.csv`, "--target", "y", "--debug"], { encoding: "utf8" });
  assert.equal(debug.status, 2);
  assert.match(debug.stderr, /\n\s+at /);
});

test("compare: the right paired test per metric, the JSON the issue names, and a model against itself", async () => {
  const linear = join(work, "weather-linear.model");
  const gbdt = join(work, "weather-gbdt.model");
  assert.equal((await run("train", WEATHER, "--target", "weather", "--ignore", "date", "--model", "linear", "--out", linear)).code, 0);
  assert.equal((await run("train", WEATHER, "--target", "weather", "--ignore", "date", "--out", gbdt)).code, 0);
  const result = await run("compare", linear, gbdt, WEATHER, "--metric", "accuracy", "--json");
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(json).slice(0, 8), ["metric", "test", "a", "b", "difference", "ci", "p_value", "verdict"]);
  assert.equal(json.test, "mcnemar");
  const evaluatedA = JSON.parse((await run("evaluate", linear, WEATHER, "--metrics", "accuracy", "--json")).stdout);
  assert.equal(json.a, evaluatedA.metrics.accuracy, "a is model A's accuracy on the rows");
  assert.equal(json.difference, json.b - json.a);
  assert.ok(json.ci[0] <= json.difference && json.difference <= json.ci[1]);

  const self = JSON.parse((await run("compare", gbdt, gbdt, WEATHER, "--metric", "log_loss", "--json")).stdout);
  assert.equal(self.test, "paired_bootstrap");
  assert.equal(self.difference, 0);
  assert.equal(self.p_value, 1);
  assert.match(self.verdict, /^no significant difference/);

  const cars = join(work, "cars-for-compare.model");
  assert.equal((await run("train", CARS, "--target", "Miles_per_Gallon", "--ignore", "Name", "--out", cars)).code, 0);
  assert.equal(
    (await failure("compare", gbdt, cars, WEATHER)).line,
    `learnloop compare: error: <model B> (${cars}) must be a model of the same target as <model A>: weather (multiclass), got "a model of Miles_per_Gallon (regression)"`,
  );
  assert.equal((await failure("compare", gbdt, gbdt, WEATHER, "--metric", "rmse")).line, `learnloop compare: error: --metric must be one of log_loss, accuracy, balanced_accuracy, matthews_corrcoef, cohen_kappa, precision_macro, precision_micro, precision_weighted, recall_macro, recall_micro, recall_weighted, f1_macro, f1_micro, f1_weighted, roc_auc_ovr, roc_auc_ovr_weighted, got "rmse"`);
});

test("train --cv: per-fold metrics, mean and std, out-of-fold predictions, a refit model, a cost-based decision", async () => {
  const model = join(work, "weather-cv.model");
  const oof = join(work, "weather-oof.csv");
  const result = await run("train", WEATHER, "--target", "weather", "--ignore", "date", "--cv", "4", "--oof", oof, "--out", model, "--json", "--model", "linear");
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.cv.folds, 4);
  assert.equal(json.cv.mode, "stratified");
  assert.equal(json.cv.perFold.length, 4);
  const accuracies = json.cv.perFold.map((fold: { metrics: { accuracy: number } }) => fold.metrics.accuracy);
  const mean = accuracies.reduce((a: number, b: number) => a + b, 0) / 4;
  assert.ok(Math.abs(json.metrics.accuracy - mean) < 1e-12);
  const std = Math.sqrt(accuracies.reduce((a: number, b: number) => a + (b - mean) ** 2, 0) / 3);
  assert.ok(Math.abs(json.cv.std.accuracy - std) < 1e-12, "sample standard deviation over folds");
  assert.equal(json.rows.train, 1461);
  const lines = readFileSync(oof, "utf8").trim().split("\n");
  assert.equal(lines[0], "weather,fold,prediction,proba_drizzle,proba_fog,proba_rain,proba_snow,proba_sun");
  assert.equal(lines.length, 1462);
  // Scoring the out-of-fold file gives the pooled accuracy: between the worst and the best fold's.
  const pooled = JSON.parse((await run("score", oof, "--label", "weather", "--pred", "prediction", "--metrics", "accuracy", "--json")).stdout);
  assert.ok(pooled.metrics.accuracy >= Math.min(...accuracies) && pooled.metrics.accuracy <= Math.max(...accuracies));

  const binary = join(work, "binary.csv");
  const rows = ["x,z,y"];
  for (let i = 0; i < 400; i++) rows.push(`${(i * 37) % 101},${i % 7},${(i * 37) % 101 > 70 || i % 13 === 0 ? "yes" : "no"}`);
  writeFileSync(binary, rows.join("\n") + "\n");
  const decided = join(work, "decided.model");
  const trained = await run("train", binary, "--target", "y", "--cv", "5", "--cost-fp", "1", "--cost-fn", "5", "--out", decided, "--json");
  assert.equal(trained.code, 0, trained.stderr);
  const decision = JSON.parse(trained.stdout).decision;
  assert.equal(decision.rule, "cost");
  assert.deepEqual(decision.options, { costFp: 1, costFn: 5 });
  assert.match(decision.chosenOn, /out-of-fold predictions/);
  assert.match(trained.stderr, /decision: "yes" when P\(yes\) >= /);
  const scored = join(work, "decided.csv");
  assert.equal((await run("predict", decided, binary, "--out", scored)).code, 0);
  const [header, ...body] = readFileSync(scored, "utf8").trim().split("\n");
  assert.equal(header, "prediction,proba_no,proba_yes,decision");
  for (const line of body) {
    const [, , pYes, act] = line.split(",");
    assert.equal(act, Number(pYes) >= decision.threshold ? "yes" : "no");
  }

  assert.equal((await failure("train", WEATHER, "--target", "weather", "--min-recall", "0.8")).line, 'learnloop train: error: --cost-fp, --cost-fn, --min-precision, --min-recall must be used with a binary target ("weather" is multiclass), got "minRecall"');
  assert.equal((await failure("train", WEATHER, "--target", "weather", "--oof", "x.csv")).line, 'learnloop train: error: --oof must be used with --cv, got "x.csv"');
  assert.equal((await failure("train", binary, "--target", "y", "--cost-fp", "1")).line, "learnloop train: error: --cost-fn must be given together with the other cost, got nothing");
});

test("train --cv with --time or --group: time-ordered or group folds; a date keeps its parts as features, a group column is not one", async () => {
  const timed = await run("train", WEATHER, "--target", "weather", "--cv", "3", "--time", "date", "--model", "linear", "--json", "--out", join(work, "timed.model"));
  assert.equal(timed.code, 0, timed.stderr);
  const json = JSON.parse(timed.stdout);
  assert.equal(json.cv.mode, "time");
  // precipitation, temp_max, temp_min, wind and the date's year, month, day and weekday (a date has no hour).
  assert.equal(json.features, 8, "the date orders the folds and its parts stay features");
  // Expanding windows: each fold trains on more rows than the one before.
  const trainRows = json.cv.perFold.map((fold: { rows: { train: number } }) => fold.rows.train);
  assert.ok(trainRows[0] < trainRows[1] && trainRows[1] < trainRows[2]);

  const grouped = await run("train", PENGUINS, "--target", "Species", "--cv", "3", "--group", "Island", "--model", "linear", "--json", "--out", join(work, "grouped.model"));
  assert.equal(grouped.code, 0, grouped.stderr);
  const g = JSON.parse(grouped.stdout);
  assert.equal(g.cv.mode, "group");
  // Three islands, three folds: each fold holds out exactly one island's penguins (Biscoe 168, Dream 124, Torgersen 52).
  assert.deepEqual(g.cv.perFold.map((fold: { rows: { test: number } }) => fold.rows.test).sort((a: number, b: number) => a - b), [52, 124, 168]);
});

test("the audit warns about a leaky feature, and --strict fails the run without saving a model", async () => {
  const flights = "node_modules/vega-datasets/data/flights-20k.json";
  const model = join(work, "leaky.model");
  const result = await run("train", flights, "--target", "delayed", "--derive", "delayed=delay > 15", "--ignore", "date", "--model", "linear", "--out", model, "--json");
  assert.equal(result.code, 0, result.stderr);
  const findings = JSON.parse(result.stdout).audit;
  const leak = findings.find((finding: { code: string }) => finding.code === "leakage_suspect");
  assert.equal(leak.column, "delay");
  assert.match(result.stderr, /warning: column "delay" predicts the target almost perfectly on its own \(single-feature ROC AUC 1\.000 on the training rows\)/);

  const strict = join(work, "strict.model");
  const failed = await run("train", flights, "--target", "delayed", "--derive", "delayed=delay > 15", "--ignore", "date", "--model", "linear", "--out", strict, "--strict");
  assert.equal(failed.code, 4);
  assert.match(failed.stderr, /learnloop train: error: the audit found \d+ problems? and --strict is set; first: column "delay" predicts the target/);
  assert.equal(existsSync(strict), false);

  const clean = await run("train", PENGUINS, "--target", "Species", "--out", strict, "--strict", "--json");
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(JSON.parse(clean.stdout).audit.map((finding: { code: string }) => finding.code), []);
});

test("--seed seeds the split and, for a model with randomness, the model; a linear model takes it too", async () => {
  const a = JSON.parse((await run("train", PENGUINS, "--target", "Species", "--seed", "7", "--json", "--out", join(work, "s7.model"))).stdout);
  assert.equal(a.params.seed, 7);
  const b = JSON.parse((await run("train", PENGUINS, "--target", "Species", "--json", "--out", join(work, "s42.model"))).stdout);
  assert.equal(b.params.seed, 42, "the default seed of the run");
  const linear = await run("train", PENGUINS, "--target", "Species", "--model", "linear", "--seed", "7", "--out", join(work, "s7-linear.model"));
  assert.equal(linear.code, 0, linear.stderr);
});

test("train --model forest reports its out-of-bag score, and the model file round-trips through predict", async () => {
  const model = join(work, "forest.model");
  const result = await run("train", WEATHER, "--target", "weather", "--ignore", "date", "--model", "forest", "--n-trees", "30", "--json", "--out", model);
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.model, "forest");
  assert.equal(json.training.oobMetric, "accuracy");
  assert.ok(Math.abs(json.training.oobScore - json.metrics.accuracy) < 0.08, `oob ${json.training.oobScore} vs held-out ${json.metrics.accuracy}`);
  assert.ok(json.metrics.accuracy > json.baseline.metrics.accuracy + 0.2);
  const evaluated = JSON.parse((await run("evaluate", model, WEATHER, "--json", "--metrics", "accuracy")).stdout);
  assert.ok(evaluated.metrics.accuracy > 0.8);
});
