import { InvalidParameterError } from "../../core/errors.js";
import type { Dataset } from "../../core/types.js";
import { holdoutSplit, readDataset, schemaOf, takeRows } from "../../data/index.js";
import { evaluateHoldout } from "../../evaluation/holdout.js";
import { DEFAULT_MODEL_KIND, modelFamily } from "../../models/registry.js";
import { listOption, numberOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { DATA_OPTIONS, hyperparameterOptions, hyperparametersFrom, readOptionsFrom, roundSeconds, writeFileAtomic } from "../common.js";
import { formatNumber, formatSeconds, formatTable, ProgressBar, type Console } from "../output.js";

export const trainCommand: CommandSpec = {
  name: "train",
  summary: "train a model, evaluate it on held-out rows and save it",
  usage: "learnloop train <data> --target <col> [options]",
  positionals: [1, 1],
  positionalNames: ["<data>"],
  options: {
    ...DATA_OPTIONS,
    model: { type: "string", value: "<kind>", doc: "the model family: gbdt (default) or linear" },
    valid: { type: "string", value: "<file>", doc: "evaluate on this labelled file instead of a held-out slice" },
    "test-size": { type: "string", value: "<fraction>", doc: "share of rows held out for evaluation (default 0.2; stratified for classification)" },
    seed: { type: "string", value: "<int>", doc: "seed for the split and any randomness (default 42)" },
    out: { type: "string", value: "<file>", doc: "where to save the model (default <data name>.model)" },
    metrics: { type: "string", value: "<a,b>", doc: "metrics to report (default: the task's standard set; the first is the headline)", multiple: true },
    bootstrap: { type: "string", value: "<n>", doc: "bootstrap resamples for the headline metric's 95% interval (default 1000; 0 for none)" },
    params: { type: "string", value: "<file.json>", doc: "hyperparameters from a JSON file (flags win)" },
    ...hyperparameterOptions(),
  },
  examples: [
    'learnloop train node_modules/vega-datasets/data/flights-3m.parquet --target delayed --derive "delayed=delay > 15" --ignore delay',
    "learnloop train penguins.json --target species --model linear --alpha 0.01 --json",
  ],
};

/** The `--json` document of `learnloop train`. */
export interface TrainResult {
  task: string;
  model: string;
  target: string;
  classes?: readonly string[];
  metrics: Record<string, number>;
  /** The trivial predictor's metrics (class prior or training mean) on the same rows. */
  baseline: { kind: string; metrics: Record<string, number> };
  /** The headline metric with its 95% bootstrap interval. */
  headline: { metric: string; value: number; ci?: [number, number]; level?: number; resamples?: number };
  rows: { train: number; test: number; dropped: number };
  features: number;
  params: Readonly<Record<string, unknown>>;
  /** How the fit went: boosting rounds run and the best iteration, or solver iterations and convergence. */
  training: Readonly<Record<string, number | string | boolean | null>>;
  importance: { feature: string; importance: number }[];
  out: string;
  fingerprint: string;
  timings: { load: number; fit: number; evaluate: number; save: number; total: number };
}

export async function runTrain(args: ParsedArgs, console: Console): Promise<TrainResult> {
  const started = performance.now();
  const [file] = args.positionals as [string];
  const values = args.values;
  if (typeof values.target !== "string") throw new InvalidParameterError("--target", "the name of the column to predict", undefined);
  if (values.valid !== undefined && values["test-size"] !== undefined) {
    throw new InvalidParameterError("--test-size", "left out when --valid gives the evaluation rows", values["test-size"]);
  }
  const family = modelFamily(typeof values.model === "string" ? values.model : DEFAULT_MODEL_KIND);
  const estimator = family.create(await hyperparametersFrom(values, family));
  const testSize = numberOption(values, "test-size", 0.2, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  const seed = numberOption(values, "seed", 42, { integer: true, min: 0 });
  const nBoot = numberOption(values, "bootstrap", 1000, { integer: true, min: 0, max: 100000 });
  const metricNames = listOption(values.metrics);
  const note = (message: string) => console.err(`note: ${message}\n`);

  const data = await readDataset(file, readOptionsFrom(values, note));
  const target = data.target!;
  let train: Dataset;
  let test: Dataset;
  if (typeof values.valid === "string") {
    train = data;
    test = await readDataset(values.valid, { schema: schemaOf(data), requireTarget: true, onWarning: note });
  } else {
    const split = holdoutSplit(data.nRows, { testSize, seed, ...(target.task === "regression" ? {} : { stratify: target.values }) });
    train = takeRows(data, split.train);
    test = takeRows(data, split.test);
  }
  const loaded = performance.now();
  console.err(
    `read ${file}: ${data.nRows.toLocaleString("en-US")} rows, ${data.features.length} features, target "${target.name}" (${target.task}${target.classes ? `: ${target.classes.join(", ")}` : ""}) in ${formatSeconds((loaded - started) / 1000)}\n`,
  );

  let bar: ProgressBar | undefined;
  const model = estimator.fit(train, {
    onProgress: (p) => {
      bar ??= new ProgressBar(console, `fit ${family.kind}`, p.phase);
      bar.update(p.done, p.total, p.upperBound);
    },
  });
  bar?.finish();
  const fitted = performance.now();

  const report = evaluateHoldout(model, train, test, { ...(metricNames.length > 0 ? { metrics: metricNames } : {}), bootstrap: nBoot, seed });
  const { metrics } = report;
  const interval = report.headline.interval;
  const headline = {
    metric: report.headline.metric,
    value: metrics[report.headline.metric]!,
    ...(interval ? { ci: [interval.low, interval.high] as [number, number], level: interval.level, resamples: interval.nBoot - interval.skipped } : {}),
  };
  const evaluated = performance.now();

  const out = typeof values.out === "string" ? values.out : defaultModelPath(file);
  const rows = { train: train.nRows, test: test.nRows, dropped: data.droppedRows ?? 0 };
  await writeFileAtomic(out, model.toBytes({ fingerprint: data.fingerprint, metrics, info: { rows, source: file } }));
  const saved = performance.now();

  const result: TrainResult = {
    task: model.task,
    model: family.kind,
    target: target.name,
    ...(target.classes ? { classes: target.classes } : {}),
    metrics,
    baseline: report.baseline,
    headline,
    rows,
    features: data.features.length,
    params: model.params,
    training: model.fitSummary(),
    importance: model.importance().slice(0, 10),
    out,
    fingerprint: data.fingerprint,
    timings: {
      load: roundSeconds((loaded - started) / 1000),
      fit: roundSeconds((fitted - loaded) / 1000),
      evaluate: roundSeconds((evaluated - fitted) / 1000),
      save: roundSeconds((saved - evaluated) / 1000),
      total: roundSeconds((saved - started) / 1000),
    },
  };
  console.err(
    `\n${family.kind} model, ${model.task}; trained on ${rows.train.toLocaleString("en-US")} rows, evaluated on ${rows.test.toLocaleString("en-US")} held-out rows\n\n` +
      formatTable(["metric", "value", `baseline (${report.baseline.kind})`], Object.entries(metrics).map(([name, value]) => [name, value, report.baseline.metrics[name] ?? "-"])) +
      (interval ? `\n${headline.metric} ${formatNumber(headline.value)}, 95% bootstrap interval [${formatNumber(interval.low)}, ${formatNumber(interval.high)}] (${headline.resamples} resamples)\n` : "") +
      `\ntop features\n` +
      formatTable(["feature", "importance"], result.importance.map((item) => [item.feature, item.importance])) +
      `\ntimings: load ${formatSeconds(result.timings.load)}, fit ${formatSeconds(result.timings.fit)}, evaluate ${formatSeconds(result.timings.evaluate)}, total ${formatSeconds(result.timings.total)}\n` +
      `saved ${out}\n`,
  );
  return result;
}

function defaultModelPath(file: string): string {
  const base = file.replace(/\\/g, "/").split("/").pop() ?? "model";
  return base.replace(/\.[^.]+$/, "") + ".model";
}
