import { DataValidationError, InvalidParameterError, MetricError } from "../../core/errors.js";
import { readDataset } from "../../data/index.js";
import { predictionsOf, withClassLabels } from "../../evaluation/score-model.js";
import { compareModels } from "../../evaluation/stats/index.js";
import { metricNamesFor, primaryMetric } from "../../metrics/index.js";
import { loadModelFile } from "../../models/registry.js";
import type { Model } from "../../models/types.js";
import { numberOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { type Console, formatNumber, notesTo } from "../output.js";

export const compareCommand: CommandSpec = {
  name: "compare",
  summary: "test whether model B is significantly better than model A on the same labelled rows",
  usage: "learnloop compare <model A> <model B> <data> [--metric <name>] [--json]",
  positionals: [3, 3],
  positionalNames: ["<model A>", "<model B>", "<data>"],
  options: {
    metric: { type: "string", value: "<name>", doc: "roc_auc (DeLong), accuracy (McNemar), rmse / mae (paired t), any other (paired bootstrap); default: the task's headline metric" },
    alpha: { type: "string", value: "<p>", doc: "significance level (default 0.05)" },
    bootstrap: { type: "string", value: "<n>", doc: "resamples of the paired bootstrap (default 1000)" },
    seed: { type: "string", value: "<int>", doc: "seed of the paired bootstrap (default 42)" },
  },
  examples: ["learnloop compare linear.model gbdt.model flights-test.parquet --metric roc_auc", "learnloop compare a.model b.model holdout.csv --metric log_loss --json"],
};

/** The `--json` document of `learnloop compare`. */
export interface CompareResult {
  metric: string;
  test: string;
  a: number;
  b: number;
  difference: number;
  ci: [number, number];
  p_value: number;
  verdict: string;
  level: number;
  rows: number;
  models: { a: string; b: string };
}

export async function runCompare(args: ParsedArgs, console: Console): Promise<CompareResult> {
  const [fileA, fileB, dataFile] = args.positionals as [string, string, string];
  const [modelA, modelB] = [await loadModelFile(fileA), await loadModelFile(fileB)];
  checkComparable(modelA, modelB, fileA, fileB);
  const task = modelA.task;
  const metric = typeof args.values.metric === "string" ? args.values.metric : primaryMetric(task);
  const known = metricNamesFor(task) as readonly string[];
  if (!known.includes(metric)) throw new InvalidParameterError("--metric", `one of ${known.join(", ")}`, metric);
  const alpha = numberOption(args.values, "alpha", 0.05, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  const nBoot = numberOption(args.values, "bootstrap", 1000, { integer: true, min: 1, max: 100000 });
  const seed = numberOption(args.values, "seed", 42, { integer: true, min: 0 });
  const note = notesTo(console);
  // Each model reads the rows through its own schema (its features, its category codes); the labels
  // and the rows are the same, which compareModels checks.
  const dataA = await readDataset(dataFile, { schema: modelA.schema, requireTarget: true, onWarning: note });
  const dataB = await readDataset(dataFile, { schema: modelB.schema, requireTarget: true, onWarning: () => undefined });
  let comparison: ReturnType<typeof compareModels>;
  try {
    comparison = compareModels(metric, predictionsOf(modelA, dataA), predictionsOf(modelB, dataB), { alpha, nBoot, seed, names: ["A", "B"] });
  } catch (error) {
    // Too few rows for the test: name the file and the target, not the library's yTrue.
    if (error instanceof DataValidationError && error.issues.every((issue) => issue.code === "too_few_rows")) {
      throw new DataValidationError(error.issues.map((issue) => ({ ...issue, file: dataFile, column: modelA.schema.target.name })));
    }
    // ROC AUC on rows of one class: name the class, and the way out.
    if (!(error instanceof MetricError)) throw error;
    const labelled = withClassLabels(error, modelA.schema.target.classes ?? []);
    throw new MetricError(labelled.metric, `${labelled.reason} on these rows; compare by another --metric (such as accuracy)`);
  }
  const result: CompareResult = {
    metric: comparison.metric,
    test: comparison.test,
    a: comparison.a,
    b: comparison.b,
    difference: comparison.difference,
    ci: [comparison.ci[0], comparison.ci[1]],
    p_value: comparison.pValue,
    verdict: comparison.verdict,
    level: comparison.level,
    rows: dataA.nRows,
    models: { a: fileA, b: fileB },
  };
  const pct = `${Math.round(comparison.level * 100)}%`;
  console.err(
    `A = ${fileA} (${modelA.kind}), B = ${fileB} (${modelB.kind}), ${dataA.nRows.toLocaleString("en-US")} row${dataA.nRows === 1 ? "" : "s"} of ${dataFile}\n` +
      `${comparison.metric}: A ${formatNumber(comparison.a)}, B ${formatNumber(comparison.b)}, B - A ${formatNumber(comparison.difference)} ` +
      `(${pct} interval [${formatNumber(comparison.ci[0])}, ${formatNumber(comparison.ci[1])}]), ${comparison.test} test, p = ${formatP(comparison.pValue)}\n` +
      `${comparison.verdict}\n`,
  );
  return result;
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(2) : p.toFixed(3);
}

function checkComparable(a: Model, b: Model, fileA: string, fileB: string): void {
  const ta = a.schema.target;
  const tb = b.schema.target;
  if (ta.task !== tb.task || ta.name !== tb.name || JSON.stringify(ta.classes ?? []) !== JSON.stringify(tb.classes ?? [])) {
    throw new InvalidParameterError(
      `<model B> (${fileB})`,
      `a model of the same target as <model A>: ${ta.name} (${ta.task})`,
      `a model of ${tb.name} (${tb.task})`,
    );
  }
}
