import { readDataset, schemaOf } from "../../data/index.js";
import { scoreModel } from "../../evaluation/score-model.js";
import { readModelFile } from "../../models/registry.js";
import { listOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { roundSeconds, trainedOnWarning } from "../common.js";
import { confusionOf, formatConfusion, type ConfusionMatrixResult } from "../confusion.js";
import { type Console, formatTable, notesTo } from "../output.js";
import { commandLine, compactSchema, recordRun, TRACKING_OPTIONS } from "../tracking.js";

export const evaluateCommand: CommandSpec = {
  name: "evaluate",
  summary: "score a saved model on labelled data",
  usage: "learnloop evaluate <model> <data> [--metrics a,b] [--json]",
  positionals: [2, 2],
  positionalNames: ["<model>", "<data>"],
  options: {
    metrics: { type: "string", value: "<a,b>", doc: "metrics to report (default: the task's standard set)", multiple: true },
    ...TRACKING_OPTIONS,
  },
  examples: ["learnloop evaluate flights.model flights-test.parquet", "learnloop evaluate penguins.model penguins.json --metrics accuracy,f1_macro --json"],
};

/** The `--json` document of `learnloop evaluate`. */
export interface EvaluateResult {
  model: { kind: string; task: string; target: string };
  metrics: Record<string, number>;
  rows: number;
  /** Classifiers, without --metrics: rows by true class, columns by predicted class (the model's predicted labels). */
  confusionMatrix?: ConfusionMatrixResult;
  /** True when the data is the file the model was trained on (same fingerprint): the figures are optimistic. */
  sameAsTraining?: boolean;
  timings: { load: number; evaluate: number; total: number };
  /** The id of the recorded run (absent with --no-track or when the store could not be opened). */
  run?: string;
}

export async function runEvaluate(args: ParsedArgs, console: Console): Promise<EvaluateResult> {
  const started = performance.now();
  const [modelFile, dataFile] = args.positionals as [string, string];
  const metricNames = listOption(args.values.metrics);
  const run = { kind: "evaluate" as const, command: commandLine("evaluate", args), params: { modelFile, ...(metricNames.length > 0 ? { metrics: metricNames } : {}) }, data: { file: dataFile } };
  const note = notesTo(console);
  return recordRun(args.values, console, run, async (tracking) => {
    const { model, header, bytes: modelBytes } = await readModelFile(modelFile);
    const data = await readDataset(dataFile, {
      schema: model.schema,
      requireTarget: true,
      onWarning: note,
    });
    const loaded = performance.now();
    const { metrics, undefinedMetrics, input } = scoreModel(model, data, metricNames.length > 0 ? metricNames : undefined);
    await tracking.checkpoint();
    const classes = model.schema.target.classes;
    // It belongs to the default report: --metrics asks for exactly the figures named.
    const confusion = classes && input.yPred && metricNames.length === 0 ? confusionOf(input.yTrue, input.yPred, classes) : undefined;
    for (const { metric, reason } of undefinedMetrics) note(`${metric} is left out: ${reason}`);
    const done = performance.now();
    // The very rows it learnt from: the README's own tour evaluates a model on its training file.
    const sameAsTraining = header.fingerprint !== undefined && header.fingerprint === data.fingerprint;
    if (sameAsTraining) console.err(`warning: ${trainedOnWarning(dataFile)}\n`);
    console.err(
      `${model.kind} model (${model.task}) on ${data.nRows.toLocaleString("en-US")} row${data.nRows === 1 ? "" : "s"} of ${dataFile}\n\n` +
        formatTable(["metric", "value"], Object.entries(metrics)) +
        (confusion ? "\n" + formatConfusion(confusion) : "") +
        (tracking.runId ? `\nrecorded run ${tracking.runId}\n` : ""),
    );
    const result: EvaluateResult = {
      model: { kind: model.kind, task: model.task, target: model.schema.target.name },
      metrics,
      rows: data.nRows,
      ...(sameAsTraining ? { sameAsTraining } : {}),
      ...(confusion ? { confusionMatrix: confusion } : {}),
      timings: { load: roundSeconds((loaded - started) / 1000), evaluate: roundSeconds((done - loaded) / 1000), total: roundSeconds((done - started) / 1000) },
      ...(tracking.runId ? { run: tracking.runId } : {}),
    };
    // The evaluated model file is kept by its checksum, so the run says exactly which model it measured.
    if (!tracking.runId) return { value: result, result: {} };
    const sha256 = await tracking.keep(modelBytes);
    return {
      value: result,
      result: {
        metrics,
        durations: Object.fromEntries(Object.entries(result.timings).map(([phase, seconds]) => [phase, Math.round(seconds * 1000)])),
        artifacts: [{ role: "model", path: modelFile, bytes: modelBytes.byteLength, ...(sha256 ? { sha256 } : {}) }],
        data: { file: dataFile, fingerprint: data.fingerprint, rows: data.nRows, schema: compactSchema(schemaOf(data)) },
        details: { model: result.model },
      },
    };
  });
}
