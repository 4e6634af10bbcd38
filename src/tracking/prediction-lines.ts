/**
 * The prediction log's records as text: one line a record, six fields separated by tabs, in the order
 * id, at, model, version, inputs (JSON), outputs (JSON); lines joined by "\n". JSON text as
 * JSON.stringify writes it never holds a raw tab or newline (they are escaped inside strings), model
 * names and ids cannot hold them (checkModelName, UUIDs), so the separators are unambiguous.
 *
 * Why text: the service writes a record's JSON while it answers (the outputs are the answer's own text)
 * and hands a whole batch to the writer thread as one string. Measured on the serving benchmark
 * (bench/serve/RESULTS.md): a structured clone of record objects cost the service 0.6-0.7 us a record
 * and the writer thread two JSON.stringify calls more; one string is copied as one block.
 */
import { StoreError } from "../core/errors.js";
import type { PredictionRecord } from "./types.js";

/** One record's line; `inputs` and `outputs` are JSON text (JSON.stringify of the objects). */
export function predictionLine(id: string, at: string, model: string, version: number, inputs: string, outputs: string): string {
  return `${id}\t${at}\t${model}\t${version}\t${inputs}\t${outputs}`;
}

/**
 * A record's line, its inputs and outputs written by JSON.stringify (as the store keeps them). An id, time
 * or model name holding a tab or a line break cannot be written as a line: a StoreError "conflict".
 */
export function encodePrediction(record: PredictionRecord): string {
  for (const [field, value] of [["id", record.id], ["at", record.at], ["model", record.model]] as const) {
    if (typeof value !== "string" || /[\t\n\r]/.test(value)) {
      throw new StoreError("conflict", "prediction log", `a record's ${field} must be text without tabs or line breaks, got ${JSON.stringify(value)}; nothing of the batch was logged`);
    }
  }
  return predictionLine(record.id, record.at, record.model, record.version, JSON.stringify(record.inputs), JSON.stringify(record.outputs));
}

/** A batch of lines split into columns, ready to bind. */
export interface PredictionColumns {
  readonly ids: string[];
  readonly ats: string[];
  readonly models: string[];
  readonly versions: number[];
  readonly inputs: string[];
  readonly outputs: string[];
}

/**
 * Splits `text` (lines joined by "\n") into columns. A line that is not six fields with an integer
 * version is a StoreError "conflict" naming the line: nothing of the batch is logged.
 */
export function decodePredictionLines(text: string): PredictionColumns {
  const columns: PredictionColumns = { ids: [], ats: [], models: [], versions: [], inputs: [], outputs: [] };
  if (text === "") return columns;
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    line++;
    // Five tabs: the last field (outputs) runs to the end of the line.
    const t1 = text.indexOf("\t", start);
    const t2 = t1 < 0 || t1 > end ? -1 : text.indexOf("\t", t1 + 1);
    const t3 = t2 < 0 || t2 > end ? -1 : text.indexOf("\t", t2 + 1);
    const t4 = t3 < 0 || t3 > end ? -1 : text.indexOf("\t", t3 + 1);
    const t5 = t4 < 0 || t4 > end ? -1 : text.indexOf("\t", t4 + 1);
    const version = t4 < 0 || t4 === t3 + 1 ? NaN : Number(text.slice(t3 + 1, t4));
    const extra = t5 < 0 ? -1 : text.indexOf("\t", t5 + 1);
    if (t5 < 0 || t5 > end || (extra >= 0 && extra < end) || !Number.isInteger(version) || t1 === start) {
      throw badLine(line, text.slice(start, Math.min(end, start + 80)));
    }
    columns.ids.push(text.slice(start, t1));
    columns.ats.push(text.slice(t1 + 1, t2));
    columns.models.push(text.slice(t2 + 1, t3));
    columns.versions.push(version);
    columns.inputs.push(text.slice(t4 + 1, t5));
    columns.outputs.push(text.slice(t5 + 1, end));
    start = end + 1;
  }
  return columns;
}

function badLine(line: number, start: string): StoreError {
  return new StoreError(
    "conflict",
    "prediction log",
    `line ${line} of the batch is not a prediction record (id, at, model, integer version, inputs JSON, outputs JSON separated by tabs): ${JSON.stringify(start)}; nothing of the batch was logged`,
  );
}
