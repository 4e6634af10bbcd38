/**
 * Writes a table of result columns (predictions, probabilities, keys) to CSV, Parquet or JSON, chosen by
 * the file's extension. CSV is written straight from the typed arrays in large chunks; Parquet and JSON
 * go through DuckDB, which reads that CSV with explicit column types and converts it, so the output
 * types are exact and nothing is built row by row in JavaScript objects.
 */
import { createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { DataValidationError } from "../core/errors.js";
import type { Column } from "../core/types.js";
import { openConnection, sqlString } from "./duckdb.js";

/** One column to write: numbers (NaN written as empty / null) or text. */
export type OutputColumn =
  | { readonly name: string; readonly kind: "number"; readonly values: ArrayLike<number> }
  | { readonly name: string; readonly kind: "text"; readonly values: readonly (string | null)[] };

const FORMATS: Record<string, "csv" | "parquet" | "json"> = {
  ".csv": "csv",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".json": "json",
  ".ndjson": "json",
  ".jsonl": "json",
};

/** The output format for a file name, or a DataValidationError naming the supported extensions. */
export function outputFormatOf(file: string): "csv" | "parquet" | "json" {
  const format = FORMATS[extname(file).toLowerCase()];
  if (!format) {
    throw new DataValidationError({ code: "unsupported_file_type", file, expected: Object.keys(FORMATS).join(", "), received: extname(file) || "no extension" });
  }
  return format;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes `text` to `stream`, resolving once the stream can take more (backpressure). */
function writeText(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise<void>((resolve) => (stream.write(text) ? resolve() : stream.once("drain", () => resolve())));
}

/** Creates `file` and lets `fill` write to it; resolves once it is all written (rejects on a write error). */
async function writeFileWith(file: string, fill: (stream: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  const stream = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  await fill(stream);
  stream.end();
  await done;
}

/** Writes the columns as CSV text (a header line, then one line per row) to a stream, honouring backpressure. */
export async function writeCsvTo(stream: NodeJS.WritableStream, columns: readonly OutputColumn[], nRows: number): Promise<void> {
  const write = (text: string) => writeText(stream, text);
  await write(columns.map((column) => csvField(column.name)).join(",") + "\n");
  const chunkRows = 65536;
  for (let start = 0; start < nRows; start += chunkRows) {
    const end = Math.min(nRows, start + chunkRows);
    const lines: string[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      let line = "";
      for (let j = 0; j < columns.length; j++) {
        const column = columns[j]!;
        if (j > 0) line += ",";
        if (column.kind === "number") {
          const value = column.values[i]!;
          if (!Number.isNaN(value)) line += String(value);
        } else {
          const value = column.values[i];
          if (value !== null && value !== undefined) line += csvField(value);
        }
      }
      lines[i - start] = line;
    }
    await write(lines.join("\n") + "\n");
  }
}

/**
 * Writes `columns` (all of length `nRows`) to `file` in the format its extension names. The file is
 * written under a temporary name and renamed, so an existing file is never left half-written.
 *
 * @example
 * await writeTable("predictions.csv", [{ name: "prediction", kind: "number", values: yPred }], yPred.length);
 */
export async function writeTable(file: string, columns: readonly OutputColumn[], nRows: number): Promise<void> {
  const format = outputFormatOf(file);
  // Names that differ only in case (proba_hAd and proba_had: classes of mlbench's Vowel) are one name to
  // DuckDB: JSON is then written here, Parquet cannot be.
  const clash = format === "csv" ? undefined : caseClash(columns);
  if (clash && format === "parquet") {
    throw new DataValidationError({
      code: "unwritable_file",
      file,
      detail: `columns "${clash[0]}" and "${clash[1]}" differ only in case, which DuckDB's Parquet writer does not tell apart; write .csv or .json`,
    });
  }
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  // .json is one JSON array of records, as json.load or JSON.parse read a .json file; .ndjson and .jsonl
  // are one record per line.
  const lines = /\.(ndjson|jsonl)$/i.test(file);
  const csv = format === "csv" ? temporary : `${temporary}.csv`;
  try {
    // DuckDB's JSON writer writes an infinite number as a bare Infinity, which no JSON reader takes: such
    // columns are written here too, as null (as the service answers them).
    const infinite = format === "json" && columns.some((column) => column.kind === "number" && holdsInfinity(column.values, nRows));
    if (clash || infinite) {
      await writeFileWith(temporary, (stream) => writeJsonTo(stream, columns, nRows, lines));
    } else {
      await writeFileWith(csv, (stream) => writeCsvTo(stream, columns, nRows));
      if (format !== "csv") await convertCsv(csv, temporary, columns, format === "parquet" ? "FORMAT PARQUET" : lines ? "FORMAT JSON" : "FORMAT JSON, ARRAY true");
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    if (error instanceof DataValidationError) throw error;
    throw new DataValidationError({ code: "unwritable_file", file, detail: writeFailure(error, file) });
  } finally {
    if (csv !== temporary) await unlink(csv).catch(() => undefined);
  }
}

/** Has DuckDB read the CSV `csv` with the columns' types and write it to `target` with COPY `options`. */
async function convertCsv(csv: string, target: string, columns: readonly OutputColumn[], options: string): Promise<void> {
  const connection = await openConnection();
  try {
    const types = columns.map((column) => `${sqlString(column.name)}: '${column.kind === "number" ? "DOUBLE" : "VARCHAR"}'`).join(", ");
    await connection.run(
      `COPY (SELECT * FROM read_csv(${sqlString(csv)}, header = true, columns = {${types}}, nullstr = '')) TO ${sqlString(target)} (${options})`,
    );
  } finally {
    connection.closeSync();
  }
}

function holdsInfinity(values: ArrayLike<number>, nRows: number): boolean {
  for (let i = 0; i < nRows; i++) if (values[i] === Infinity || values[i] === -Infinity) return true;
  return false;
}

/** The first two column names that differ only in case, if any. */
function caseClash(columns: readonly OutputColumn[]): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const { name } of columns) {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) return [first, name];
    seen.set(name.toLowerCase(), name);
  }
  return undefined;
}

/**
 * Writes the columns as JSON records (an array, or one record a line), as DuckDB's COPY writes them:
 * NaN, infinities and missing text as null. Only for names DuckDB cannot hold apart and for infinite
 * numbers; records are built a chunk at a time.
 */
async function writeJsonTo(stream: NodeJS.WritableStream, columns: readonly OutputColumn[], nRows: number, lines: boolean): Promise<void> {
  const write = (text: string) => writeText(stream, text);
  const keys = columns.map((column) => JSON.stringify(column.name) + ":");
  await write(lines ? "" : "[");
  const chunkRows = 16384;
  for (let start = 0; start < nRows; start += chunkRows) {
    const end = Math.min(nRows, start + chunkRows);
    const records: string[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      let record = "{";
      for (let j = 0; j < columns.length; j++) {
        const column = columns[j]!;
        const value = column.values[i];
        const text = column.kind === "number" ? (Number.isFinite(value) ? String(value) : "null") : value === null || value === undefined ? "null" : JSON.stringify(value);
        record += (j > 0 ? "," : "") + keys[j] + text;
      }
      records[i - start] = record + "}";
    }
    await write((start > 0 && !lines ? "," : "") + records.join(lines ? "\n" : ",") + (lines ? "\n" : ""));
  }
  await write(lines ? "" : "]\n");
}

/** A dataset column as an output column: numbers as they are, categories as their labels (missing as null). */
export function outputColumnOf(column: Column): OutputColumn {
  if (column.kind === "numeric") return { name: column.name, kind: "number", values: column.values };
  return { name: column.name, kind: "text", values: Array.from(column.codes, (code) => (code >= 0 ? column.categories[code]! : null)) };
}

/**
 * Why writing `file` failed, in the path's own terms: Node's message names the temporary file the
 * write went through, which the user never asked for.
 */
export function writeFailure(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `the directory ${dirname(file)} does not exist`;
  if (code === "EACCES" || code === "EPERM") return `permission denied in ${dirname(file)}`;
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message.split("\n")[0]!;
}
