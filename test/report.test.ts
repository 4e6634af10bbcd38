/**
 * `learnloop report` as a user meets it, run in-process: a model trained on part of seattle-weather (with
 * a planted pure-noise feature), its card on the other rows. The figures are checked against `learnloop
 * evaluate` on the same rows and against counts made here from the CSV; the page against what a reader
 * needs (sections, one SVG per chart, nothing loaded from elsewhere); bad inputs against their one-line
 * messages.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Random } from "../src/core/rng.js";
import { readDataset } from "../src/data/index.js";
import { permutationImportance, type ModelReport } from "../src/evaluation/report/index.js";
import { readModelFile } from "../src/models/registry.js";
import { runCli as run } from "./support/run-cli.js";

const WEATHER = "node_modules/vega-datasets/data/seattle-weather.csv";
const work = mkdtempSync(join(tmpdir(), "learnloop-report-"));
const TRAIN = join(work, "train.csv");
const TEST = join(work, "test.csv");
const RAIN = ["--derive", "rain=weather = 'rain'", "--ignore", "weather"];

// Every third row is a test row; `noise` is uniform and independent of everything else.
const [headerLine, ...lines] = readFileSync(WEATHER, "utf8").trim().split("\n");
const rng = new Random(5);
const withNoise = lines.map((line) => `${line},${rng.next().toFixed(6)}`);
writeFileSync(TRAIN, [`${headerLine},noise`, ...withNoise.filter((_, i) => i % 3 !== 0)].join("\n") + "\n");
writeFileSync(TEST, [`${headerLine},noise`, ...withNoise.filter((_, i) => i % 3 === 0)].join("\n") + "\n");
const testWeather = lines.filter((_, i) => i % 3 === 0).map((line) => line.split(",").at(-1)!);

async function json<T>(...argv: string[]): Promise<T> {
  const result = await run(...argv, "--json");
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

function close(actual: number | undefined, expected: number, tolerance = 1e-12, what = ""): void {
  assert.ok(typeof actual === "number" && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

/** The charts of a page, in order, each checked to hold exactly one <svg>. */
function charts(page: string): string[] {
  const figures = [...page.matchAll(/<figure data-chart="([a-z-]+)">(.*?)<\/figure>/gs)];
  for (const [, name, body] of figures) assert.equal((body!.match(/<svg/g) ?? []).length, 1, `one <svg> in ${name}`);
  assert.equal((page.match(/<svg/g) ?? []).length, figures.length, "every <svg> is a chart's");
  return figures.map((figure) => figure[1]!);
}

function assertSelfContained(page: string): void {
  assert.match(page, /^<!doctype html>/);
  assert.doesNotMatch(page, /https?:\/\//, "no URL anywhere in the page");
  assert.doesNotMatch(page, /<script|<link|<img|<iframe/i, "nothing to load or run");
}

const rainModel = join(work, "rain.model");
const trained = json<{ metrics: Record<string, number>; decision: { threshold: number; precision: number; recall: number; expectedCost: number } }>(
  "train", TRAIN, "--target", "rain", ...RAIN, "--cost-fp", "1", "--cost-fn", "3", "--out", rainModel,
);

test("binary card on labelled rows: the figures of `evaluate`, intervals, a baseline from the data's own prior", async () => {
  await trained;
  const html = join(work, "rain.html");
  const report = await json<ModelReport>("report", rainModel, "--data", TEST, "--html", html);
  const evaluated = await json<{ metrics: Record<string, number>; rows: number }>("evaluate", rainModel, TEST);
  assert.deepEqual(report.metrics.values, evaluated.metrics, "the same figures as learnloop evaluate");
  assert.equal(report.data!.rows, evaluated.rows);
  assert.equal(report.metrics.measuredOn, "data");
  assert.equal(report.data!.sameAsTraining, false);
  for (const [name, value] of Object.entries(report.metrics.values)) {
    const interval = report.metrics.intervals![name]!;
    assert.ok(interval.low <= value && value <= interval.high, `${name} ${value} in [${interval.low}, ${interval.high}]`);
    assert.equal(interval.level, 0.95);
  }

  // The baseline is the test rows' own class prior, counted here from the CSV.
  const n = testWeather.length;
  const positives = testWeather.filter((w) => w === "rain").length;
  const prior = positives / n;
  assert.equal(report.data!.rows, n);
  assert.deepEqual(report.data!.classes, [{ label: "false", count: n - positives, share: (n - positives) / n }, { label: "true", count: positives, share: prior }]);
  const { baseline } = report.metrics;
  assert.equal(baseline!.kind, "class prior");
  assert.match(baseline!.note, /class distribution of the labelled data itself/);
  close(baseline!.metrics.accuracy, Math.max(prior, 1 - prior), 1e-12, "baseline accuracy");
  close(baseline!.metrics.log_loss, -(prior * Math.log(prior) + (1 - prior) * Math.log(1 - prior)), 1e-12, "baseline log loss");
  assert.equal(baseline!.metrics.roc_auc, 0.5);

  // Curves and the confusion matrix agree with the metrics.
  const curves = report.curves!;
  assert.equal(curves.roc.length, 1);
  close(curves.roc[0]!.area, report.metrics.values.roc_auc!, 1e-12, "ROC area");
  close(curves.pr[0]!.area, report.metrics.values.average_precision!, 1e-12, "PR area");
  assert.deepEqual([curves.roc[0]!.x[0], curves.roc[0]!.y[0], curves.roc[0]!.x.at(-1), curves.roc[0]!.y.at(-1)], [0, 0, 1, 1]);
  const matrix = report.confusion!.matrix;
  assert.deepEqual(report.confusion!.labels, ["false", "true"]);
  assert.deepEqual(matrix.map((row) => row[0]! + row[1]!), [n - positives, positives], "rows are the true classes");
  close((matrix[0]![0]! + matrix[1]![1]!) / n, report.metrics.values.accuracy!, 1e-12, "accuracy from the matrix");
  close(matrix[1]![1]! / (matrix[1]![1]! + matrix[1]![0]!), report.metrics.values.recall!, 1e-12, "recall from the matrix");

  // Calibration: 10 quantile bins of (nearly) equal counts covering every row, rising predictions.
  const bins = curves.calibration!;
  assert.equal(bins.length, 10);
  assert.equal(bins.reduce((sum, b) => sum + b.rows, 0), n);
  assert.ok(bins.every((b) => b.rows === Math.floor(n / 10) || b.rows === Math.ceil(n / 10)));
  for (let b = 1; b < 10; b++) assert.ok(bins[b]!.meanPredicted >= bins[b - 1]!.meanPredicted);
  close(bins.reduce((sum, b) => sum + b.observed * b.rows, 0), positives, 1e-9, "observed positives");

  // The stored decision rule, and what it does on these rows.
  const { decision } = await trained;
  const stored = report.decision!.stored;
  assert.deepEqual([stored.threshold, stored.precision, stored.recall, stored.expectedCost], [decision.threshold, decision.precision, decision.recall, decision.expectedCost]);
  const onData = report.decision!.onData!;
  const c = onData.confusion;
  assert.equal(c.tp + c.fp + c.fn + c.tn, n);
  assert.equal(c.tp + c.fn, positives);
  close(onData.expectedCost, (c.fp * 1 + c.fn * 3) / n, 1e-12, "expected cost");
  close(onData.precision, c.tp / (c.tp + c.fp), 1e-12, "precision at the threshold");

  // The page: every section, one SVG per chart, the figures in words, nothing from elsewhere.
  const page = readFileSync(html, "utf8");
  assertSelfContained(page);
  for (const id of ["data", "metrics", "performance", "importance", "decision", "audit", "parameters"]) assert.match(page, new RegExp(`<section id="${id}">`), id);
  assert.deepEqual(charts(page), ["roc", "pr", "calibration", "confusion", "importance-gain", "importance-permutation"]);
  assert.match(page, new RegExp(`<b>roc_auc ${report.metrics.values.roc_auc!.toFixed(4)}</b>, 95% bootstrap interval \\[`));
  assert.match(page, /Target <b>rain<\/b> \(binary, classes “false” and “true”\); 9 features\./);
  assert.match(page, /<td>noise<\/td><td>numeric<\/td>/);
  assert.match(page, /class distribution of the labelled data itself/);
  assert.match(page, /<section id="audit">[\s\S]*?(The training audit found nothing\.|<ul><li><code>)/, "train stores its audit in the model file");
  assert.match(page, new RegExp(`Training data fingerprint: <code>${report.model.fingerprint}</code>`));
  // The automatic learning rate as resolved for this fit (no early stopping below 10,001 rows: 0.05).
  assert.match(page, /<td>learningRate<\/td><td>0\.05<\/td>/);
  assert.match(page, /least expected cost with a false positive costing 1 and a false negative 3/);
  assert.deepEqual(readdirSync(work).filter((name) => name.includes(".tmp")), [], "written through a temporary file and renamed");
});

test("permutation importance: precipitation first, the noise feature ~0, the same figures for the same seed", async () => {
  await trained;
  const report = await json<ModelReport>("report", rainModel, "--data", TEST, "--bootstrap", "0", "--repeats", "5");
  const permutation = report.importance.permutation!;
  assert.equal(permutation.metric, "roc_auc");
  assert.equal(permutation.repeats, 5);
  assert.equal(permutation.features.length, 9);
  assert.equal(permutation.features[0]!.feature, "precipitation");
  assert.equal(report.importance.top[0], "precipitation");
  const noise = permutation.features.find((f) => f.feature === "noise")!;
  const top = permutation.features[0]!.importance;
  assert.ok(top > 0.1, `shuffling precipitation costs ${top}`);
  assert.ok(Math.abs(noise.importance) < 0.01 * top + 1e-3, `noise: ${noise.importance} (top ${top})`);
  assert.equal(report.metrics.intervals, null, "--bootstrap 0: no intervals");

  const { model } = await readModelFile(rainModel);
  const data = await readDataset(TEST, { schema: model.schema, requireTarget: true });
  const once = permutationImportance(model, data, { seed: 3 });
  assert.deepEqual(permutationImportance(model, data, { seed: 3 }), once, "deterministic by seed");
  assert.notDeepEqual(permutationImportance(model, data, { seed: 4 }).features, once.features, "another seed, other shuffles");
  // Subsampled to maxRows with the same seed: the same rows each time.
  const sampled = permutationImportance(model, data, { seed: 3, maxRows: 200 });
  assert.deepEqual([sampled.rows, sampled.sampledFrom], [200, data.nRows]);
  assert.deepEqual(permutationImportance(model, data, { seed: 3, maxRows: 200 }), sampled);
  // The drop is measured against the metric on the same rows, so a model whose input ignores a feature loses nothing.
  assert.equal(once.baseline, report.metrics.values.roc_auc);
});

test("multiclass card: one-vs-rest curves, no calibration and why", async () => {
  const model = join(work, "weather.model");
  await json("train", TRAIN, "--target", "weather", "--out", model);
  const html = join(work, "weather.html");
  const report = await json<ModelReport>("report", model, "--data", TEST, "--html", html, "--bootstrap", "200");
  const evaluated = await json<{ metrics: Record<string, number> }>("evaluate", model, TEST);
  assert.deepEqual(report.metrics.values, evaluated.metrics);
  const present = [...new Set(testWeather)].sort();
  assert.deepEqual(report.curves!.roc.map((c) => c.label), present, "one ROC curve per class");
  assert.equal(report.curves!.calibration, null);
  assert.equal(report.confusion!.matrix.length, 5);
  assert.equal(report.confusion!.matrix.flat().reduce((a, b) => a + b, 0), testWeather.length);
  const page = readFileSync(html, "utf8");
  assertSelfContained(page);
  assert.deepEqual(charts(page), ["roc", "pr", "confusion", "importance-gain", "importance-permutation"]);
  assert.match(page, /One-vs-rest curves, one per class\./);
  assert.match(page, /The calibration curve is drawn for binary classifiers only\./);
});

test("regression card: the figures of evaluate, the data's own mean as the baseline, no classifier charts", async () => {
  const cars = "node_modules/vega-datasets/data/cars.json";
  const model = join(work, "cars.model");
  await json("train", cars, "--target", "Miles_per_Gallon", "--out", model);
  const html = join(work, "cars.html");
  const report = await json<ModelReport>("report", model, "--data", cars, "--html", html, "--bootstrap", "200");
  const evaluated = await json<{ metrics: Record<string, number> }>("evaluate", model, cars);
  assert.deepEqual(report.metrics.values, evaluated.metrics);
  const mpg = (JSON.parse(readFileSync(cars, "utf8")) as { Miles_per_Gallon: number | null }[]).flatMap((car) => (car.Miles_per_Gallon === null ? [] : [car.Miles_per_Gallon]));
  const mean = mpg.reduce((a, b) => a + b, 0) / mpg.length;
  close(report.data!.targetMean, mean, 1e-12, "target mean");
  close(report.metrics.baseline!.metrics.mae, mpg.reduce((sum, y) => sum + Math.abs(y - mean), 0) / mpg.length, 1e-12, "baseline mae");
  assert.equal(report.metrics.baseline!.kind, "training mean");
  assert.equal(report.data!.sameAsTraining, true);
  assert.equal(report.importance.permutation!.metric, "rmse");
  const page = readFileSync(html, "utf8");
  assertSelfContained(page);
  assert.deepEqual(charts(page), ["importance-gain", "importance-permutation"]);
  assert.match(page, /are for classifiers; this model is a regression\./);
  assert.match(page, /This is the file the model was trained from<\/b> \(same fingerprint\)/);
});

test("without --data: the header's figures, the model's importance, and a sentence for each missing chart", async () => {
  const { metrics } = await trained;
  const html = join(work, "header.html");
  const report = await json<ModelReport>("report", rainModel, "--html", html);
  assert.equal(report.data, null);
  assert.equal(report.metrics.measuredOn, "model file");
  assert.deepEqual(report.metrics.values, metrics, "the metrics stored at training time");
  assert.equal(report.importance.permutation, null);
  assert.equal(report.importance.top[0], "precipitation");
  assert.equal(report.decision!.onData, null);
  const page = readFileSync(html, "utf8");
  assertSelfContained(page);
  assert.deepEqual(charts(page), ["importance-gain"]);
  assert.match(page, /The ROC, precision-recall and calibration curves and the confusion matrix are not drawn: they need labelled data: run learnloop report with --data &lt;file&gt;\./);
  assert.match(page, /Permutation importance is not measured: it needs labelled data/);
  assert.match(page, /Metrics stored in the model file, measured on held-out rows at training time\./);
});

test("audit findings stored in the model file are listed", async () => {
  const { model, header } = await readModelFile(rainModel);
  const audited = join(work, "audited.model");
  const finding = { code: "id_like_feature", severity: "warning", column: "date_day", evidence: { distinct: 31, rows: 40, share: 0.775, monotone: 0 } };
  writeFileSync(audited, model.toBytes({ ...(header.fingerprint ? { fingerprint: header.fingerprint } : {}), info: { ...header.info, audit: [finding] } }));
  const html = join(work, "audited.html");
  const report = await json<ModelReport>("report", audited, "--html", html);
  assert.deepEqual(report.audit!.map((f) => f.code), ["id_like_feature"]);
  assert.equal("audit" in report.model.training, false);
  assert.match(readFileSync(html, "utf8"), /<li><code>id_like_feature<\/code> column &quot;date_day&quot; looks like an identifier \(31 distinct values in 40 rows of the training data\)/);
});

test("bad inputs: one line on stderr each", async () => {
  const model = join(work, "nope.model");
  const noTarget = join(work, "no-target.csv");
  // Every feature the model needs, the target column left out.
  const rows = withNoise.slice(0, 20).map((line) => line.split(",").filter((_, j) => j !== 5).join(","));
  writeFileSync(noTarget, ["date,precipitation,temp_max,temp_min,wind,noise", ...rows].join("\n") + "\n");
  const weatherModel = join(work, "weather-errors.model");
  await json("train", TRAIN, "--target", "weather", "--out", weatherModel);
  const cases: [string[], string][] = [
    [["report", model, "--html", join(work, "x.html")], `learnloop report: error: ${model}: file not found`],
    [["report", weatherModel, "--data", noTarget, "--html", join(work, "x.html")], `learnloop report: error: ${noTarget}, column "weather": unknown column (available columns: date, precipitation, temp_max, temp_min, wind, noise)`],
    [["report", weatherModel], "learnloop report: error: --html must be a file to write the HTML report to (or use --json for the figures alone), got nothing"],
    [["report", weatherModel, "--html", join(work, "x.html"), "--repeats", "0"], 'learnloop report: error: --repeats must be an integer >= 1 and <= 100, got "0"'],
    [["report", "README.md", "--html", join(work, "x.html")], "learnloop report: error: README.md: not a learnloop model file (it does not start with the learnloop model signature)"],
  ];
  for (const [argv, expected] of cases) {
    const result = await run(...argv);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, expected + "\n");
  }
  assert.match((await run("report", "--help")).stdout, /^learnloop report — /);
});
