/**
 * readDataset: any supported file into a columnar Dataset, validated once, at the boundary.
 *
 * The steps: pick the reader by extension; check the file exists and is not empty; describe its columns
 * (DuckDB sniffs CSV types); plan what each column becomes (./plan.ts); read every planned column in one
 * pass into typed arrays (./source-duckdb.ts, ./source-arrow.ts); drop rows whose target is missing,
 * saying so; encode the target (./target.ts); fingerprint.
 */
import { statSync } from "node:fs";
import { DataValidationError, InvalidParameterError, describeValue } from "../core/errors.js";
import type { Column, Dataset, Schema, Task } from "../core/types.js";
import { compactRows, type ColumnData, type SourceData } from "./columns.js";
import { ColumnIsText, MissingValueWord } from "./engine-errors.js";
import { defineFingerprint, fingerprintOf } from "./fingerprint.js";
import { formatOf } from "./formats.js";
import { planRead, type OutputPlan, type ReadPlan } from "./plan.js";
import { featureSpecsOf, targetSpecOf } from "./schema.js";
import { DuckDBFile, caseRenameNote, pandasOnlyMissingValues, type Derive } from "./source-duckdb.js";
import { encodeTarget } from "./target.js";

/** How to read a file. Every column name must exist in the file (else `unknown_column`). */
export interface ReadOptions {
  /** The target column's name. */
  target?: string;
  /** The learning task; inferred from the target when not given (see ./target.ts). */
  task?: Task;
  /** Columns to read as categorical whatever their type. */
  categorical?: string[];
  /** Columns to read as numbers; text that does not parse is an error (`not_numeric`). */
  numeric?: string[];
  /** Columns to leave out. */
  ignore?: string[];
  /** New columns defined by DuckDB SQL expressions over the file's columns, e.g. `{ name: "delayed", expression: "delay > 15" }`. Not available for Arrow files. */
  derive?: { name: string; expression: string }[];
  /** Columns carried along as Dataset.extras (ids, keys), never used as features. */
  id?: string[];
  /** `id` columns that, when dates or timestamps, are also features through their parts (train --time). */
  idDateParts?: string[];
  /**
   * Read exactly as this schema says (prediction and evaluation): the schema's features in its order,
   * categories coded with its dictionaries (unseen values become MISSING_CODE), its date parts and its
   * derived columns (a derived target whose inputs the file lacks is skipped unless `requireTarget`).
   * The target is read when the file has it; `categorical`, `numeric` and `ignore` are not used.
   */
  schema?: Schema;
  /** With a schema: the target must be present (evaluation); rows missing it are then dropped. */
  requireTarget?: boolean;
  /**
   * Accept a target of a single class instead of refusing it (`single_class`): scoring predictions on a
   * slice of one class is meaningful (accuracy, recall) where training is not. The target's classes are
   * then that one label (both of "false" and "true" for booleans); a single number that is not an
   * integer is read as a regression target.
   */
  acceptSingleClass?: boolean;
  /** Called with one line for everything worth knowing that is not an error (dropped rows, id-like columns). */
  onWarning?: (message: string) => void;
  /**
   * Called, instead of a note through `onWarning`, for each column read under another name because its
   * name differs from an earlier column's only in case ("proba_had" beside "proba_hAd" read as
   * "proba_had_1"): for a caller that finds columns by the names the file gives them.
   */
  onCaseRename?: (rename: { readonly from: string; readonly to: string }) => void;
  /**
   * Called when rows whose target is missing were dropped, with the file's 0-based row of each row kept:
   * a message about the Dataset's row i then names row `keptRows[i] + 1` of the file.
   */
  onRowsDropped?: (keptRows: Int32Array) => void;
  /**
   * Called, instead of a note through `onWarning`, with the number of rows dropped because their target
   * is missing: for a caller that reports them itself (train's audit).
   */
  onTargetMissing?: (dropped: number) => void;
}

/** A text column is called id-like when it has more distinct values than this and than half the rows. */
const idLikeDistinct = 1000;

/**
 * Reads `file` (CSV, TSV, TXT, Parquet, JSON, NDJSON, Arrow IPC; chosen by extension) into a Dataset.
 * Rows whose target is missing are dropped, counted in `droppedRows` and reported through `onWarning`.
 * Throws DataValidationError (one issue naming file, line or row, and column) for unusable input.
 *
 * @example
 * const data = await readDataset("flights.parquet", {
 *   target: "delayed",
 *   derive: [{ name: "delayed", expression: "delay > 15" }],
 *   ignore: ["delay"],
 * });
 * data.target?.classes; // ["false", "true"]
 */
export async function readDataset(file: string, options: ReadOptions = {}): Promise<Dataset> {
  validateOptions(options);
  // A folder has no extension to read a format from: say what it is first.
  if (isDirectory(file)) throw new DataValidationError({ code: "unreadable_file", file, detail: "it is a directory: give one data file" });
  const format = formatOf(file);
  checkFile(file);
  const warnings: string[] = [];
  const warn = (message: string): void => void warnings.push(message);
  const derive = derivedColumns(options);

  let plan: ReadPlan;
  let data: SourceData;
  if (format === "arrow") {
    if (derive.length > 0) {
      throw new InvalidParameterError("derive", "empty for Arrow IPC files (derived columns are DuckDB SQL; convert the file to Parquet to use them)", derive[0]!.name, "readDataset");
    }
    // Loaded on first use: apache-arrow adds ~20 MB of RSS to a process that never reads Arrow.
    const { ArrowFile } = await import("./source-arrow.js");
    const source = ArrowFile.open(file);
    plan = planRead(file, source.columns, options, warn);
    data = source.read(plan, warn);
  } else {
    // A CSV column DuckDB typed from its first rows may hold text further down: read it again as text.
    const textColumns = new Set<string>();
    // A CSV column of numbers that holds "null" or "None" for missing values is read again with pandas'
    // list of missing strings (a cost only such files pay).
    let pandasMissing = false;
    for (;;) {
      warnings.length = 0;
      const source = await DuckDBFile.open(file, format, derive, textColumns, optionalDerived(options), pandasMissing);
      try {
        for (const rename of source.renames) {
          if (options.onCaseRename) options.onCaseRename(rename);
          else warn(caseRenameNote(file, rename));
        }
        plan = planRead(file, source.columns, options, warn);
        data = await source.read(plan, warn);
        const numbersWithWords = pandasMissing || format === "parquet" || format === "json" || format === "ndjson" ? undefined : numbersWithMissingWords(plan, data, options);
        if (!numbersWithWords) break;
        throw new MissingValueWord(numbersWithWords.column, numbersWithWords.word);
      } catch (error) {
        if (error instanceof MissingValueWord && !pandasMissing) {
          pandasMissing = true;
          options.onWarning?.(
            `${file}: column "${error.column}" holds numbers and ${JSON.stringify(error.value)}: the file is read again with pandas.read_csv's missing-value strings ("null", "None", "nan", "#N/A" and the like) read as missing`,
          );
          continue;
        }
        if (!(error instanceof ColumnIsText) || textColumns.has(error.column)) throw error;
        textColumns.add(error.column);
        const notice = `${file}: column "${error.column}" is read as text: line ${error.line} holds ${describeValue(error.value)}, not a ${error.detectedType} like the rows before it; list it in numeric to make that an error`;
        options.onWarning?.(notice);
      } finally {
        source.close();
      }
    }
  }
  const dataset = buildDataset(file, plan, data, derive, warn, options.onRowsDropped, options.onTargetMissing);
  for (const message of warnings) options.onWarning?.(message);
  return dataset;
}


function validateOptions(options: ReadOptions): void {
  const owner = "readDataset";
  if (options.target !== undefined && typeof options.target !== "string") throw new InvalidParameterError("target", "a column name", options.target, owner);
  for (const key of ["categorical", "numeric", "ignore", "id", "idDateParts"] as const) {
    const list = options[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((name) => typeof name !== "string"))) {
      throw new InvalidParameterError(key, "an array of column names", list, owner);
    }
  }
  for (const item of options.derive ?? []) {
    if (typeof item?.name !== "string" || item.name === "" || typeof item.expression !== "string" || item.expression.trim() === "") {
      throw new InvalidParameterError("derive", "a list of { name, expression } with non-empty strings", item, owner);
    }
  }
}

/**
 * A text column the sniffer read as categories (or a text target) whose values are all numbers but for
 * missing-value words ("1.5", "null", "3"): the first such column and word, else undefined. Columns the
 * user lists in `categorical` stay text.
 */
function numbersWithMissingWords(plan: ReadPlan, data: SourceData, options: ReadOptions): { column: string; word: string } | undefined {
  const declared = new Set(options.categorical ?? []);
  const check = (source: string, sourceType: string, column: ColumnData | undefined): { column: string; word: string } | undefined => {
    if (sourceType !== "string" || declared.has(source) || column?.kind !== "category") return undefined;
    let word: string | undefined;
    let numbers = 0;
    for (const category of column.categories) {
      if (pandasOnlyMissingValues.has(category)) word ??= category;
      else if (category.trim() !== "" && Number.isFinite(Number(category))) numbers++;
      else return undefined;
    }
    return word !== undefined && numbers > 0 ? { column: source, word } : undefined;
  };
  for (const [i, output] of [...plan.features, ...plan.extras].entries()) {
    if (output.read.kind !== "category" || output.read.categories) continue;
    const found = check(output.source, output.sourceType, data.outputs[i]);
    if (found) return found;
  }
  const target = plan.target;
  return target && !target.classes && target.read === "category" ? check(target.name, target.sourceType, data.target) : undefined;
}

function derivedColumns(options: ReadOptions): Derive[] {
  const fromSchema = options.schema?.derived ?? [];
  const names = new Set(fromSchema.map((d) => d.name));
  return [...fromSchema, ...(options.derive ?? []).filter((d) => !names.has(d.name))].map(({ name, expression }) => ({ name, expression }));
}

/** With a schema and no need for the target: derived columns no feature reads (the target's) may fail. */
function optionalDerived(options: ReadOptions): Set<string> {
  const schema = options.schema;
  if (!schema || options.requireTarget) return new Set();
  const needed = new Set(schema.features.map((spec) => spec.derivedFrom?.column ?? spec.name));
  return new Set((schema.derived ?? []).map((d) => d.name).filter((name) => !needed.has(name)));
}

/** Checks that `file` exists, is a file and is not empty; throws the DataValidationError `readDataset` would. */
export function checkFile(file: string): void {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new DataValidationError({ code: "file_not_found", file });
    throw new DataValidationError({ code: "unreadable_file", file, detail: code ?? String(error) });
  }
  if (stats.isDirectory()) throw new DataValidationError({ code: "unreadable_file", file, detail: "it is a directory: give one data file" });
  if (stats.size === 0) throw new DataValidationError({ code: "empty_file", file });
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function arrayOf(data: ColumnData): Float64Array | Int32Array {
  return data.kind === "number" ? data.values : data.codes;
}

function buildDataset(
  file: string,
  plan: ReadPlan,
  data: SourceData,
  derive: readonly Derive[],
  warn: (message: string) => void,
  onRowsDropped: ((keptRows: Int32Array) => void) | undefined,
  onTargetMissing: ((dropped: number) => void) | undefined,
): Dataset {
  let nRows = data.nRows;
  if (nRows === 0) throw new DataValidationError({ code: "no_rows", file });
  const outputs = data.outputs;
  let targetData = data.target;
  let droppedRows = 0;

  if (plan.target && targetData) {
    // A target is missing when NULL (NaN / -1) or NaN in the file. Most targets miss nothing: one
    // counting pass, and the keep mask only when some row goes.
    let missing = 0;
    if (targetData.kind === "number") {
      const values = targetData.values;
      for (let i = 0; i < nRows; i++) if (values[i] !== values[i]) missing++;
    } else {
      const codes = targetData.codes;
      for (let i = 0; i < nRows; i++) if (codes[i]! < 0) missing++;
    }
    const name = plan.target.name;
    if (missing === nRows) {
      if (plan.dropMissingTarget) throw new DataValidationError({ code: "target_all_missing", file, column: name, detail: `${nRows} row${nRows === 1 ? "" : "s"}` });
      targetData = undefined;
    } else if (missing > 0 && !plan.dropMissingTarget) {
      warn(`${file}: the target "${name}" is missing in ${missing} of ${nRows} rows, so it is not read; every row is kept for prediction`);
      targetData = undefined;
    } else if (missing > 0) {
      const keep = new Uint8Array(nRows);
      if (targetData.kind === "number") {
        const values = targetData.values;
        for (let i = 0; i < nRows; i++) if (values[i] === values[i]) keep[i] = 1;
      } else {
        const codes = targetData.codes;
        for (let i = 0; i < nRows; i++) if (codes[i]! >= 0) keep[i] = 1;
      }
      const arrays = [...outputs.map(arrayOf), arrayOf(targetData)];
      if (onRowsDropped) {
        const keptRows = new Int32Array(nRows - missing);
        for (let i = 0, o = 0; i < nRows; i++) if (keep[i]) keptRows[o++] = i;
        onRowsDropped(keptRows);
      }
      nRows = compactRows(arrays, keep);
      droppedRows = missing;
      for (const column of [...outputs, targetData]) {
        if (column.kind === "number") column.values = column.values.slice(0, nRows);
        else column.codes = column.codes.slice(0, nRows);
      }
      if (onTargetMissing) onTargetMissing(missing);
      else warn(`${file}: dropped ${missing} row${missing === 1 ? "" : "s"} whose target "${name}" is missing`);
    }
  }

  const target = plan.target && targetData ? encodeTarget(file, plan.target, targetData) : undefined;
  const toColumn = (output: OutputPlan, column: ColumnData): Column => {
    if (column.kind !== "number") return { kind: "categorical", name: output.name, codes: column.codes, categories: column.categories };
    if (output.read.kind === "datepart") return { kind: "numeric", name: output.name, values: column.values, derivedFrom: { column: output.source, part: output.read.part } };
    return { kind: "numeric", name: output.name, values: column.values };
  };
  const features = plan.features.map((output, i) => toColumn(output, outputs[i]!));
  const extras = plan.extras.map((output, i) => toColumn(output, outputs[plan.features.length + i]!));

  for (const [i, output] of plan.features.entries()) {
    const column = features[i]!;
    if (column.kind !== "categorical" || output.read.kind !== "category" || output.read.categories || output.sourceType !== "string") continue;
    let distinct = column.categories.length;
    if (distinct <= idLikeDistinct || distinct <= nRows / 2) continue;
    // Counted over the rows kept: the dictionary also holds the values of rows dropped for their target.
    const seen = new Uint8Array(distinct);
    distinct = 0;
    for (const code of column.codes) {
      if (code < 0 || seen[code] === 1) continue;
      seen[code] = 1;
      distinct++;
    }
    if (distinct > idLikeDistinct && distinct > nRows / 2) {
      warn(`${file}: column "${column.name}" looks like an identifier (${distinct} distinct values in ${nRows} rows); it is kept as a categorical feature, but ignore it or read it as an id if it names rows`);
    }
  }

  const specs = featureSpecsOf({ nRows, features, fingerprint: "" });
  const schema = { features: specs, target: target && targetSpecOf(target), derived: derive };
  const dataset = defineFingerprint(
    {
      nRows,
      features,
      ...(target ? { target } : {}),
      ...(extras.length > 0 ? { extras } : {}),
      source: file,
      droppedRows,
      ...(derive.length > 0 ? { derived: derive } : {}),
    },
    () => fingerprintOf(nRows, schema, features, target),
  );
  return dataset;
}
