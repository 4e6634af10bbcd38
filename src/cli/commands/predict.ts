import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { InvalidParameterError } from "../../core/errors.js";
import { readDataset } from "../../data/index.js";
import { outputColumnOf, outputFormatOf, writeCsvTo, writeTable, type OutputColumn } from "../../data/write.js";
import { readModelFile } from "../../models/registry.js";
import { listOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { checkOutputDirectory, roundSeconds } from "../common.js";
import { type Console, formatSeconds, notesTo } from "../output.js";

export const predictCommand: CommandSpec = {
  name: "predict",
  summary: "predict with a saved model and write the predictions",
  usage: "learnloop predict <model> <data> [--out <file>] [--id <cols>]",
  positionals: [2, 2],
  positionalNames: ["<model>", "<data>"],
  options: {
    out: { type: "string", value: "<file>", doc: "output file: .csv, .parquet or .json (default: CSV on stdout)" },
    id: { type: "string", value: "<a,b>", doc: "key columns of the input to copy into the output", multiple: true },
  },
  examples: ["learnloop predict flights.model new-flights.parquet --out predictions.csv --id origin,destination", "learnloop predict penguins.model penguins.json --out scored.parquet"],
};

/** The `--json` document of `learnloop predict`. */
export interface PredictResult {
  model: { kind: string; task: string; target: string };
  rows: number;
  out: string | null;
  columns: string[];
  timings: { load: number; predict: number; write: number; total: number };
}

export async function runPredict(args: ParsedArgs, console: Console): Promise<PredictResult> {
  const started = performance.now();
  const [modelFile, dataFile] = args.positionals as [string, string];
  const out = typeof args.values.out === "string" ? args.values.out : null;
  if (out) outputFormatOf(out);
  if (out) checkOutputDirectory("--out", out);
  // The predictions would replace the rows they were made from.
  if (out && samePath(out, dataFile)) throw new InvalidParameterError("--out", `a file other than the input data (it would replace ${dataFile})`, out);
  if (!out && args.values.json) throw new InvalidParameterError("--out", "given with --json (stdout holds the JSON document)", undefined);
  const { model, header } = await readModelFile(modelFile);
  const data = await readDataset(dataFile, {
    schema: model.schema,
    id: listOption(args.values.id),
    onWarning: notesTo(console),
  });
  const loaded = performance.now();

  const columns: OutputColumn[] = (data.extras ?? []).map(outputColumnOf);
  const classes = model.schema.target.classes;
  const prediction = model.predict(data);
  if (model.task === "regression" || !classes) {
    columns.push({ name: "prediction", kind: "number", values: prediction });
  } else {
    const labels = Array.from(prediction, (index) => classes[index] ?? null);
    columns.push({ name: "prediction", kind: "text", values: labels });
    const proba = model.predictProba(data);
    for (let k = 0; k < proba.nCols; k++) {
      const values = new Float64Array(proba.nRows);
      for (let i = 0; i < proba.nRows; i++) values[i] = proba.data[i * proba.nCols + k]!;
      columns.push({ name: `proba_${classes[k]}`, kind: "number", values });
    }
    // The decision the model was saved with (a threshold chosen from costs or a precision / recall
    // target): the positive class when P(positive) >= threshold.
    const threshold = header.decision?.threshold;
    if (threshold !== undefined && proba.nCols === 2) {
      columns.push({ name: "decision", kind: "text", values: Array.from({ length: proba.nRows }, (_, i) => (proba.data[2 * i + 1]! >= threshold ? classes[1]! : classes[0]!)) });
    }
  }
  const predicted = performance.now();

  if (out) {
    await writeTable(out, columns, data.nRows);
    console.err(`wrote ${data.nRows.toLocaleString("en-US")} prediction${data.nRows === 1 ? "" : "s"} to ${out} in ${formatSeconds((performance.now() - started) / 1000)}\n`);
  } else {
    await writeCsvTo(process.stdout, columns, data.nRows);
  }
  const written = performance.now();
  return {
    model: { kind: model.kind, task: model.task, target: model.schema.target.name },
    rows: data.nRows,
    out,
    columns: columns.map((column) => column.name),
    timings: {
      load: roundSeconds((loaded - started) / 1000),
      predict: roundSeconds((predicted - loaded) / 1000),
      write: roundSeconds((written - predicted) / 1000),
      total: roundSeconds((written - started) / 1000),
    },
  };
}


/** Whether two paths name the same file (through links and relative parts); a path that does not exist yet is compared as written. */
function samePath(a: string, b: string): boolean {
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return real(a) === real(b);
}
