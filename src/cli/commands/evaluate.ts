import { DataValidationError, InvalidParameterError, describeValue } from "../../core/errors.js";
import type { Dataset } from "../../core/types.js";
import { readDataset, schemaOf } from "../../data/index.js";
import { checkTrainingPeriod, formatTrainingPeriod, instantOf, timeLabel, type TrainingPeriodCheck } from "../../evaluation/audit/index.js";
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
  usage: "learnloop evaluate <model> <data> [--metrics a,b] [--time <col>] [--json]",
  positionals: [2, 2],
  positionalNames: ["<model>", "<data>"],
  options: {
    metrics: { type: "string", value: "<a,b>", doc: "metrics to report (default: the task's standard set)", multiple: true },
    time: {
      type: "string",
      value: "<col>",
      doc:
        "the data's time column, when it is not named as in training (a date whose parts are features keeps its name). " +
        "Without it too, a model trained with --time is checked against the rows: a warning when some are earlier than its last training time (recorded in the model file)",
    },
    ...TRACKING_OPTIONS,
  },
  examples: [
    "learnloop evaluate flights.model flights-test.parquet",
    "learnloop evaluate penguins.model penguins.json --metrics accuracy,f1_macro --json",
    "learnloop evaluate seattle.model seattle-2015.csv --json   # trained with --time date: warns when rows are earlier than its last training day",
    "learnloop evaluate sales.model sales-2025.csv --time week_no   # trained with --time week (numbers), called week_no in this file",
  ],
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
  /**
   * A model trained with --time: the rows against its last training time (their range, how many are at or
   * before it and how many earlier, with the warning printed when any is earlier), or why that was not checked.
   */
  time?: TimeCheck;
  timings: { load: number; evaluate: number; total: number };
  /** The id of the recorded run (absent with --no-track or when the store could not be opened). */
  run?: string;
}

/** The `time` of evaluate's --json: the check of the rows against the model's training period, or why it was skipped. */
export type TimeCheck = (TrainingPeriodCheck & { warning?: string }) | { column: string; lastTrain?: string; skipped: string };

export async function runEvaluate(args: ParsedArgs, console: Console): Promise<EvaluateResult> {
  const started = performance.now();
  const [modelFile, dataFile] = args.positionals as [string, string];
  const metricNames = listOption(args.values.metrics);
  const timeFlag = typeof args.values.time === "string" ? args.values.time : undefined;
  const run = {
    kind: "evaluate" as const,
    command: commandLine("evaluate", args),
    params: { modelFile, ...(metricNames.length > 0 ? { metrics: metricNames } : {}), ...(timeFlag !== undefined ? { time: timeFlag } : {}) },
    data: { file: dataFile },
  };
  const note = notesTo(console);
  return recordRun(args.values, console, run, async (tracking) => {
    const { model, header, bytes: modelBytes } = await readModelFile(modelFile);
    const period = trainingPeriodOf(header.info);
    if (timeFlag !== undefined) {
      if (!period?.lastTrain) {
        const why = period ? `cross-validated by "${period.column}", then refit on every row` : "trained without --time, or before model files recorded it";
        throw new InvalidParameterError("--time", `used with a model whose file records its last training time (train --time; ${modelFile} records none: ${why})`, timeFlag);
      }
      if (timeFlag === model.schema.target.name) throw new InvalidParameterError("--time", "a column other than the target", timeFlag);
    }
    const timeColumn = timeFlag ?? period?.column;
    const read = (id: string | undefined) =>
      readDataset(dataFile, {
        schema: model.schema,
        requireTarget: true,
        onWarning: note,
        // The time column is no feature of the model's (at most its date parts are): carried along to be read.
        ...(id !== undefined ? { id: [id] } : {}),
      });
    let time: TimeCheck | undefined;
    let timed: Dataset | undefined;
    if (period && !period.lastTrain && timeFlag === undefined) {
      time = { column: period.column, skipped: `the model was cross-validated by "${period.column}", then refit on every row, and its file does not record its last training time` };
    } else if (period && timeColumn !== undefined) {
      timed = await read(timeColumn).catch((error: unknown) => {
        const issue = error instanceof DataValidationError ? error.issues[0] : undefined;
        // Asked for by name, a missing column is the user's error; the model's own column may just be absent.
        if (timeFlag !== undefined || issue?.code !== "unknown_column" || issue.column !== timeColumn) throw error;
        time = { column: timeColumn, lastTrain: period.lastTrain!, skipped: `${dataFile} has no column "${timeColumn}", the model's time column (pass --time <col> if it has another name)` };
        return undefined;
      });
    }
    const data = timed ?? (await read(undefined));
    if (timed) time = timeCheck(timed, timeColumn!, period!.lastTrain!, dataFile);
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
    if (time && "skipped" in time) note(`the rows' times were not checked against the model's training period: ${time.skipped}`);
    if (time && "warning" in time) console.err(`warning: ${time.warning}\n`);
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
      ...(time ? { time } : {}),
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
        details: { model: result.model, ...(time ? { time } : {}) },
      },
    };
  });
}

/**
 * The model's training period as its file records it (train --time: the split's column and, but after
 * cross-validation by time, the latest training time), undefined for a model trained without --time. A
 * model file is data from anyone: a field of the wrong type reads as absent.
 */
function trainingPeriodOf(info: Readonly<Record<string, unknown>> | undefined): { column: string; lastTrain?: string } | undefined {
  const split = info?.split as Record<string, unknown> | undefined;
  if (typeof split !== "object" || split === null || typeof split.column !== "string") return undefined;
  // A model file written before cross-validated models recorded their last training time has none.
  if (split.kind === "cv") return split.mode === "time" ? { column: split.column, ...(typeof split.lastTrain === "string" ? { lastTrain: split.lastTrain } : {}) } : undefined;
  if ((split.kind !== "time" && split.kind !== "valid") || typeof split.lastTrain !== "string") return undefined;
  return { column: split.column, lastTrain: split.lastTrain };
}

/**
 * The rows' times against the model's last training time `lastTrain`, as train wrote it: a number, or a
 * date's text, read as train reads them (instantOf), so that "2014-12-31" and "2014-12-31 00:00:00" are one
 * time. A row whose time is missing or names no time is left out (`undated`): the check only advises, and
 * the reader has already said what it made of such a value where the date is a feature.
 */
function timeCheck(data: Dataset, name: string, lastTrain: string, file: string): TimeCheck {
  const column = data.extras!.find((extra) => extra.name === name)!;
  const numeric = lastTrain.trim() !== "" && Number.isFinite(Number(lastTrain));
  const lastTime = numeric ? Number(lastTrain) : instantOf(lastTrain);
  const skipped = (why: string): TimeCheck => ({ column: name, lastTrain, skipped: why });
  if (Number.isNaN(lastTime)) return skipped(`the model's last training time, ${JSON.stringify(lastTrain)}, names no time`);
  let times: Float64Array;
  let label: (time: number) => string = String;
  let unread: string | undefined;
  if (column.kind === "numeric") {
    // An instant and a number do not order against each other.
    if (!numeric) return skipped(`column "${name}" of ${file} holds numbers, and the model's times are dates (up to ${lastTrain})`);
    times = column.values;
  } else {
    const instants = column.categories.map((text) => (text.trim() === "" ? NaN : numeric ? Number(text) : instantOf(text)));
    unread = column.categories.find((text, code) => Number.isNaN(instants[code]!) && text.trim() !== "");
    times = Float64Array.from(column.codes, (code) => (code < 0 ? NaN : instants[code]!));
    if (!numeric) label = timeLabel([column]);
  }
  const check = checkTrainingPeriod(name, times, lastTime, lastTrain, label);
  if (!check) return skipped(`no row of ${file} has ${numeric ? "a number" : "a date or a time"} in column "${name}"${unread !== undefined ? ` (such as ${describeValue(unread)})` : ""}`);
  return check.earlier > 0 ? { ...check, warning: formatTrainingPeriod(check) } : check;
}
