import { InvalidParameterError } from "../../core/errors.js";
import { readDataset } from "../../data/index.js";
import { buildModelReport, renderReportHtml, type ModelReport } from "../../evaluation/report/index.js";
import { readModelFile } from "../../models/registry.js";
import { numberOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { trainedOnWarning, writeFileAtomic } from "../common.js";
import { type Console, formatNumber, notesTo } from "../output.js";

export const reportCommand: CommandSpec = {
  name: "report",
  summary: "write a model card: metrics with intervals, curves, confusion matrix, importance, threshold, audit (HTML)",
  usage: "learnloop report <model> [--data <labelled file>] --html <file> [--json]",
  positionals: [1, 1],
  positionalNames: ["<model>"],
  options: {
    data: { type: "string", value: "<file>", doc: "labelled data to measure the model on (without it: the figures stored in the model file)" },
    html: { type: "string", value: "<file>", doc: "where to write the self-contained HTML report" },
    seed: { type: "string", value: "<int>", doc: "seed for the bootstrap and the permutations (default 42)" },
    bootstrap: { type: "string", value: "<n>", doc: "bootstrap resamples for each metric's 95% interval (default 1000, fewer down to 200 above 300,000 rows; 0 for none)" },
    repeats: { type: "string", value: "<n>", doc: "shuffles per feature for permutation importance (default 3)" },
    "max-rows": { type: "string", value: "<n>", doc: "rows permutation importance is measured on at most, sampled (default 50000)" },
  },
  examples: [
    "learnloop report weather.model --data weather-test.csv --html weather-card.html",
    "learnloop report flights.model --html flights-card.html --json",
  ],
};

/** Runs `learnloop report`: the card's figures as the `--json` document, the HTML page, a summary on stderr. */
export async function runReport(args: ParsedArgs, console: Console): Promise<ModelReport> {
  const [modelFile] = args.positionals as [string];
  const values = args.values;
  const html = typeof values.html === "string" ? values.html : undefined;
  if (html === undefined && !values.json) throw new InvalidParameterError("--html", "a file to write the HTML report to (or use --json for the figures alone)", undefined);
  const seed = numberOption(values, "seed", 42, { integer: true, min: 0 });
  const bootstrap = values.bootstrap === undefined ? undefined : numberOption(values, "bootstrap", 1000, { integer: true, min: 0, max: 100000 });
  const repeats = numberOption(values, "repeats", 3, { integer: true, min: 1, max: 100 });
  const maxRows = numberOption(values, "max-rows", 50000, { integer: true, min: 2 });
  const { model, header } = await readModelFile(modelFile);
  const dataFile = typeof values.data === "string" ? values.data : undefined;
  const data = dataFile
    ? await readDataset(dataFile, { schema: model.schema, requireTarget: true, onWarning: notesTo(console) })
    : undefined;
  const report = buildModelReport(model, header, data, { modelFile, ...(dataFile ? { dataFile } : {}), seed, ...(bootstrap !== undefined ? { bootstrap } : {}), repeats, maxRows });
  if (html !== undefined) await writeFileAtomic(html, await renderReportHtml(report));
  console.err(summaryText(report, html));
  return report;
}

function summaryText(report: ModelReport, html: string | undefined): string {
  const { metrics, importance } = report;
  const where = report.data ? `on ${report.data.rows.toLocaleString("en-US")} rows of ${report.data.file}` : "from the figures stored in the model file (no --data)";
  const headline = metrics.values[metrics.headline];
  const interval = metrics.intervals?.[metrics.headline];
  const lines = [
    ...(report.data?.sameAsTraining ? [`warning: ${trainedOnWarning(report.data.file)}`] : []),
    `${report.model.kind} model (${report.model.task}) ${where}`,
    headline !== undefined ? `${metrics.headline} ${formatNumber(headline)}${interval ? `, 95% bootstrap interval [${formatNumber(interval.low)}, ${formatNumber(interval.high)}]` : ""}` : `no ${metrics.headline} recorded`,
    importance.top.length > 0 ? `top features: ${importance.top.join(", ")}` : "",
    ...(html !== undefined ? [`wrote ${html}`] : []),
  ];
  return lines.filter(Boolean).join("\n") + "\n";
}
