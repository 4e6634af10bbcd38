/**
 * Reading CSV, TSV, Parquet and JSON with DuckDB, straight into typed arrays.
 *
 * How, and why this way (measured on the 3M-row flights file, 2 cores; see bench/RESULTS.md):
 * - One streaming query returns every planned column already in its final form: numbers cast to DOUBLE
 *   (booleans to one byte), categories as INTEGER codes, dates as milliseconds since 1970 (their parts
 *   are computed in JS, ./dates.ts, a fifth of the bytes of five parts). Each 2048-row chunk's vectors
 *   are copied with `TypedArray.set` into preallocated buffers and the validity mask turned into NaN:
 *   no per-value JS objects anywhere. Materialising the result instead of streaming it took ~7% less
 *   CPU but held a second copy of the data until the end (peak RSS 700 MB against 450 MB on flights).
 * - Category codes are computed inside DuckDB by casting to an ENUM whose values are the sorted
 *   categories (about 25 ns a value; decoding the text in JS would cost far more). For text formats the
 *   categories come from the first 65 536 rows rather than a full `SELECT DISTINCT` pass, which costs
 *   three quarters of a CSV scan; values the sample missed come back through one mostly-NULL column and
 *   are merged into the dictionary at the end (a remap of the codes, ~5 ms per million rows). Parquet
 *   keeps strings dictionary-encoded, so there the full dictionary is cheap and exact, and the codes
 *   are looked up once per Parquet dictionary entry rather than once per row (`listLookupMax`): the
 *   ENUM casts were 200 of the 527 ms the flights Parquet file took.
 * - Where the time goes now (flights Parquet, see bench/RESULTS.md): DuckDB's query costs about 1.3x
 *   its bare aggregate scan; the 196 MB Dataset costs ~48 000 first-touch page faults (~90 ms, paged
 *   in ahead on libuv threads, ./columns.ts); the rest is ~1 500 chunk fetches and their collection.
 * - A CSV is sniffed once (`sniff_csv`) and then always read with everything stated
 *   (`auto_detect = false`), so later queries skip the sniff and single columns can be re-typed.
 * - DuckDB's Node API types `items` and `validity` as private; they are the typed arrays over the
 *   chunk's memory and the only fast way in. Fixed-width columns are read through the native binding
 *   underneath (`rawColumn`: three calls a vector instead of a typed wrapper), the rest through one
 *   narrow cast (`rawVector`).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { createRequire } from "node:module";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBVector } from "@duckdb/node-api";
import { DataValidationError, InvalidParameterError, describeValue } from "../core/errors.js";
import { unparsedDatesNote, unseenCategoriesNote } from "../core/messages.js";
import type { DatePart } from "../core/types.js";
import { CodeBuffer, ColumnArrays, NumberBuffer, pageIn, type ColumnData, type SourceData } from "./columns.js";
import { csvDelimiter, findCsvProblem, guessDelimiter, splitRecord } from "./csv-scan.js";
import { writeDateParts } from "./dates.js";
import { categoriesText, NumericCategoryLookup, numericCodesOf } from "./category-text.js";
import { mergeCategories, sortCategories } from "./dictionary.js";
import { openConnection, sqlName, sqlString } from "./duckdb.js";
import { ColumnIsText, SniffFailed, firstLineOf, mapDuckDBError } from "./engine-errors.js";
import { isGzipped, type FileFormat } from "./formats.js";
import type { OutputPlan, ReadPlan, SourceColumn, SourceType } from "./plan.js";

/** The formats this reader handles. */
export type DuckDBFormat = Exclude<FileFormat, "arrow">;

/** A derived column: a DuckDB SQL expression over the file's columns. */
export interface Derive {
  readonly name: string;
  readonly expression: string;
}

/**
 * Category codes of a dictionary-encoded Parquet text column are looked up with `list_position` over
 * the sorted categories rather than an ENUM cast: DuckDB evaluates a function once per entry of the
 * column's Parquet dictionary, a cast once per row (flights, ~230 airports: 17 ms against 83 ms a
 * column). On a plain-encoded column it would be a linear search per row (700 categories: 8x slower
 * than the cast), hence the encoding check and this bound on the dictionary's size.
 */
const listLookupMax = 1024;

/** Rows whose distinct values seed each category dictionary. */
const dictionarySampleRows = 65_536;

/**
 * Strings read as missing in CSV and TSV files: empty (pandas' default output), NA (R's), N/A and NULL
 * (spreadsheets, databases). pandas.read_csv knows eleven more; each costs DuckDB a comparison per
 * field, and the full list made the flights scan 15% slower. "NaN" needs no entry: numbers parse it.
 */
const csvMissingValues = ["", "NA", "N/A", "NULL"];

/**
 * pandas.read_csv's whole list of missing-value strings ("null" from JSON exports, "None" from Python's
 * str, "#N/A" from Excel...): a file is read again with it when a column of numbers holds one of them
 * (./read.ts decides), so only such files pay the extra comparisons.
 */
export const pandasMissingValues: readonly string[] = [
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/** The strings of pandasMissingValues that the first read of a CSV does not read as missing. */
export const pandasOnlyMissingValues: ReadonlySet<string> = new Set(pandasMissingValues.filter((word) => !csvMissingValues.includes(word)));

/** DuckDB's CSV read buffer; it must exceed max_line_size (2 MB by default). */
const csvBufferBytes = 4 << 20;

let typeCounter = 0;

/**
 * Each fetched chunk holds ~100 KB of DuckDB memory that is freed only when V8 collects its small JS
 * wrapper, and reading allocates so little JS that V8 rarely collects: on the flights CSV the dead
 * chunks added ~45 MB to the peak. Allocating 2 MB of short-lived arrays every 32 chunks fills the
 * young generation enough for a scavenge, which finalizes the dead chunks. Measured over 5 runs: peak
 * RSS 430 -> 387 MB, CPU time unchanged within noise. (An untouched 64 MB ArrayBuffer did the same
 * through external-memory pressure but triggered full GCs: +300 ms.) The arrays are 64 KB pieces, not
 * one 2 MB array: V8 gives an array that large fresh pages of its own every time, and their page
 * faults made each nudge cost 1.6-2.3 ms against 0.15 ms (flights Parquet: ~25 ms in all).
 */
const gcNudgeChunks = 32;
let nudgeGarbage: unknown;
function nudgeGarbageCollector(): void {
  for (let i = 0; i < 32; i++) nudgeGarbage = new Array(8192);
}

/** A file opened for reading through DuckDB: its columns are known, its rows not yet read. */
export class DuckDBFile {
  readonly #connection: DuckDBConnection;
  readonly #file: string;
  readonly #format: DuckDBFormat;
  readonly #derive: readonly Derive[];
  readonly #textColumns: ReadonlySet<string>;
  readonly #reader: FileReader;
  readonly #fileColumns: readonly string[];
  /** The columns after derived ones are added, as planning sees them. */
  readonly columns: readonly SourceColumn[];
  /** Columns read under another name than the file's, their names differing from another's only in case. */
  readonly renames: readonly CaseRename[];
  /** A CSV read with the short list of missing strings: pandas' others, met among numbers, ask for a retry. */
  #missingWords: ReadonlySet<string> | undefined;

  private constructor(
    connection: DuckDBConnection,
    file: string,
    format: DuckDBFormat,
    derive: readonly Derive[],
    textColumns: ReadonlySet<string>,
    reader: FileReader,
    fileColumns: readonly string[],
    columns: readonly SourceColumn[],
    renames: readonly CaseRename[],
  ) {
    this.#connection = connection;
    this.#file = file;
    this.#format = format;
    this.#derive = derive;
    this.#textColumns = textColumns;
    this.#reader = reader;
    this.#fileColumns = fileColumns;
    this.columns = columns;
    this.renames = renames;
  }

  /**
   * Opens `file` and describes its columns (DuckDB sniffs a CSV's dialect and types from a sample).
   * `textColumns` are CSV columns to read as text whatever the sniffer thinks; `pandasMissing` reads
   * every string of pandasMissingValues in a CSV as missing.
   */
  static async open(
    file: string,
    format: DuckDBFormat,
    derive: readonly Derive[],
    textColumns: ReadonlySet<string>,
    optionalDerived: ReadonlySet<string> = new Set(),
    pandasMissing = false,
  ): Promise<DuckDBFile> {
    if ((format === "json" || format === "ndjson") && startsWithByteOrderMark(file)) {
      // DuckDB's JSON reader refuses it, at "line 2", or reads an array as a single column.
      throw new DataValidationError({
        code: "unreadable_file",
        file,
        detail: 'it starts with a UTF-8 byte order mark, which the JSON reader does not accept; save it as UTF-8 without one (PowerShell 5: Out-File -Encoding utf8 adds it)',
      });
    }
    if (isGzipped(file) && readHead(file, 1).length === 0) throw new DataValidationError({ code: "empty_file", file, detail: "it decompresses to nothing" });
    // DuckDB reads an array cut short after a comma ("[{...}, {...},") as the records before the cut.
    if (format === "json" && !isGzipped(file) && arrayCutShort(file)) {
      throw new DataValidationError({ code: "unreadable_file", file, detail: "it starts a JSON array but does not end with its closing ] (cut short, or text after it)" });
    }
    const connection = await openConnection();
    try {
      const delimiter = format === "csv" ? csvDelimiter(firstLine(file)) : format === "tsv" ? "\t" : format === "text" ? guessDelimiter(firstLine(file)) : "";
      const text = new Set(textColumns);
      let reader: FileReader;
      let described: SourceColumn[];
      try {
        reader = isCsv(format) ? await sniffCsv(connection, file, delimiter, pandasMissing) : otherReader(file, format);
        for (const word of await booleanWords(connection, reader)) text.add(word);
        described = await describe(connection, reader.sql(columnTypes(text, new Set())));
      } catch (error) {
        throw await explain(error, file, format, delimiter, new Set());
      }
      const renames = [...(reader.renames ?? [])];
      if ((format === "json" || format === "ndjson") && described.some((column) => /_\d+$/.test(column.name))) renames.push(...(await jsonCaseRenames(connection, file, format, described)));
      if ((format === "json" || format === "ndjson") && described.every((column) => column.type === "nested")) await refuseUntabular(connection, file, reader, described);
      const fileColumns = described.map((column) => column.name);
      const missingWords = isCsv(format) && !pandasMissing ? pandasOnlyMissingValues : undefined;
      if (derive.length === 0) return new DuckDBFile(connection, file, format, derive, text, reader, fileColumns, described, renames).#withMissingWords(missingWords);
      const base = reader.sql(columnTypes(text, new Set()));
      let columns: SourceColumn[] | undefined;
      let kept = [...derive];
      while (!columns) {
        try {
          columns = await describe(connection, deriveSql(base, fileColumns, kept));
        } catch (error) {
          const failed = await failingDerive(connection, base, fileColumns, kept);
          // A model's derived target (delayed = delay > 15) cannot be computed from data without its
          // inputs; for prediction it is not needed, so it is left out instead of failing the read.
          if (failed && optionalDerived.has(failed.derive.name)) {
            kept = kept.filter((d) => d !== failed.derive);
            continue;
          }
          const missing = failed && /Referenced column "(.*)" not found/.exec(failed.reason);
          if (failed && missing) {
            const shown = fileColumns.slice(0, 8).join(", ") + (fileColumns.length > 8 ? ` and ${fileColumns.length - 8} more` : "");
            throw new DataValidationError({ code: "unknown_column", file, column: missing[1]!, detail: `derive "${failed.derive.name}" uses it; available columns: ${shown}` });
          }
          if (failed) {
            const { name, expression } = failed.derive;
            throw new InvalidParameterError(`derive "${name}"`, `a DuckDB SQL expression over the columns of ${file} (${failed.reason})`, expression, "readDataset");
          }
          throw mapDuckDBError(error, { file, declaredNumeric: new Set() });
        }
      }
      return new DuckDBFile(connection, file, format, kept, text, reader, fileColumns, columns, renames).#withMissingWords(missingWords);
    } catch (error) {
      connection.closeSync();
      throw error;
    }
  }

  /**
   * The SQL of the file's rows with the derived columns added, as `read` scans them, for callers that
   * aggregate in DuckDB instead of reading rows (profiling). Valid on any connection of the instance.
   */
  get relation(): string {
    const base = this.#reader.sql(columnTypes(this.#textColumns, new Set()));
    return this.#derive.length > 0 ? deriveSql(base, this.#fileColumns, this.#derive) : base;
  }

  #withMissingWords(words: ReadonlySet<string> | undefined): this {
    this.#missingWords = words;
    return this;
  }

  /** Releases the connection. */
  close(): void {
    this.#connection.closeSync();
  }

  /**
   * Reads every row of the planned columns. `warn` hears of values a schema's reading turns into
   * missing ones: categories the model never saw, text that is not a date.
   */
  async read(plan: ReadPlan, warn: (message: string) => void = () => undefined): Promise<SourceData> {
    try {
      return await this.#read(plan, warn);
    } catch (error) {
      // Any query may be the first to meet a bad row (the dictionary sample reads the first rows).
      throw await explain(error, this.#file, this.#format, this.#reader.delimiter, plan.declaredNumeric, this.#missingWords);
    }
  }

  async #read(plan: ReadPlan, warn: (message: string) => void): Promise<SourceData> {
    const connection = this.#connection;
    const outputs = [...plan.features, ...plan.extras];
    const target = plan.target;
    const sourceTypes = new Map(this.columns.map((column) => [column.name, column.type]));
    const derived = new Set(this.#derive.map((d) => d.name));

    // Text columns planned as numbers: in a CSV, DuckDB's own conversion gives the line of a bad value.
    const csvNumbers = new Set<string>();
    const numberSources = [...outputs.filter((o) => o.read.kind === "number").map((o) => o.source)];
    if (target?.read === "number") numberSources.push(target.name);
    for (const source of numberSources) {
      if (isCsv(this.#format) && sourceTypes.get(source) === "string" && !derived.has(source) && this.#fileColumns.includes(source)) {
        csvNumbers.add(source);
      }
    }
    // A model's categorical column that this CSV's sniff typed as numbers, booleans or dates (a small
    // file of "007" or "01/02/2021" values): its categories were learned from the text, so the text is
    // read ("007", not 7; not 2021-01-02), and a value the model knows only in the typed form (1.0
    // for a file's "1", learned from a column of decimals) is looked up in that form next. Not with
    // derived columns, whose expressions may need the typed column.
    const sniffedTypes = new Map(this.#reader.columns.map(([name, type]) => [name, type] as const));
    const csvText = new Map<string, string>();
    if (isCsv(this.#format) && this.#derive.length === 0) {
      for (const output of outputs) {
        const type = sniffedTypes.get(output.source);
        if (output.read.kind === "category" && output.read.categories && type !== undefined && sourceTypes.get(output.source) !== "string") csvText.set(output.source, type);
      }
    }
    const base = this.#reader.sql(columnTypes(new Set([...this.#textColumns, ...csvText.keys()]), csvNumbers));
    const relation = this.#derive.length > 0 ? deriveSql(base, this.#fileColumns, this.#derive) : base;
    const typeOf = (source: string): SourceType => (csvNumbers.has(source) ? "number" : csvText.has(source) ? "string" : sourceTypes.get(source)!);

    const createdTypes: string[] = [];
    let pagedIn: Promise<void> = Promise.resolve();
    try {
      // 1. Dictionaries: fixed ones from a schema, learned ones seeded from a sample.
      const categorySources: { source: string; fixed?: readonly string[] }[] = [];
      const dictionaryOf = new Map<string, number>();
      const addCategorySource = (source: string, fixed?: readonly string[]): number => {
        const key = fixed ? `${source}\u0000fixed\u0000${categorySources.length}` : source;
        let index = dictionaryOf.get(key);
        if (index === undefined) {
          index = categorySources.length;
          categorySources.push({ source, fixed });
          dictionaryOf.set(key, index);
        }
        return index;
      };
      const outputDictionary = outputs.map((o) => (o.read.kind === "category" ? addCategorySource(o.source, o.read.categories) : -1));
      const targetDictionary = target?.read === "category" ? addCategorySource(target.name, target.classes) : -1;
      const learned = categorySources.filter((c) => !c.fixed).map((c) => c.source);

      // The column buffers. For Parquet they are paged in (./columns.ts) while DuckDB works on the
      // dictionaries and the first chunks. Not for text formats: there DuckDB's parse, not the copy,
      // is the bottleneck, and paging the Dataset in while DuckDB's CSV buffers are still held raised
      // the flights CSV read's peak RSS by ~20 MB (it is already 1.9x the Dataset).
      const capacity = await estimateRows(connection, this.#file, this.#format);
      const codeColumns = outputs.filter((o) => o.read.kind === "category").length + (target?.read === "category" ? 1 : 0);
      const arrays = new ColumnArrays(capacity, outputs.length + (target ? 1 : 0) - codeColumns, codeColumns);
      if (this.#format === "parquet") pagedIn = pageIn(arrays.arrays);

      // Parquet stores strings dictionary-encoded: all distinct values cost a few milliseconds, so its
      // dictionaries are complete and need no miss column. Text formats would pay a second parse.
      const complete = this.#format === "parquet";
      const samples = await sampleCategories(connection, relation, learned, complete ? undefined : dictionarySampleRows);
      const encoded = complete && categorySources.length > 0 ? await dictionaryEncoded(connection, this.#file) : new Set<string>();
      const dictionaries = categorySources.map((c) => {
        const categories = c.fixed ? [...c.fixed] : samples.get(c.source)!;
        // See listLookupMax: a Parquet text column whose every row group is dictionary-encoded.
        const listLookup =
          encoded.has(c.source) && !derived.has(c.source) && sourceTypes.get(c.source) === "string" && categories.length > 0 && categories.length <= listLookupMax;
        return { source: c.source, fixed: c.fixed !== undefined, categories, listLookup, enumType: "" };
      });
      for (const dictionary of dictionaries) {
        if (dictionary.categories.length === 0 || dictionary.listLookup) continue;
        dictionary.enumType = `ll_enum_${++typeCounter}`;
        await connection.run(`CREATE TYPE ${dictionary.enumType} AS ENUM (${dictionary.categories.map(sqlString).join(", ")})`);
        createdTypes.push(dictionary.enumType);
      }

      // 2. The query: one or two result columns per output, each with the sink that copies it.
      const select: string[] = [];
      const sinks: Sink[] = [];
      const column = (expression: string): number => select.push(expression) - 1;
      const epochColumns = new Map<string, DatePartsSink>();
      const results: (() => ColumnData)[] = [];

      // Values a sampled dictionary lacks, for all category columns at once: one text column, NULL
      // except in the (rare) rows where some column missed, holding a JSON list of those columns' text.
      // One column rather than one per category column: each fetched chunk holds 16 bytes per row per
      // text column until the GC frees it, which is most of the reader's memory beyond the Dataset.
      const missing: { known: string; text: string; sink: CategorySink }[] = [];
      const notes: (() => void)[] = [];
      const addCategory = (source: string, dictionaryIndex: number, strictLabels: boolean): (() => ColumnData) => {
        const dictionary = dictionaries[dictionaryIndex]!;
        const name = sqlName(source);
        const text = `CAST(${name} AS VARCHAR)`;
        const codeOf = (text: string): string =>
          dictionary.listLookup
            ? // The cast is a no-op on VARCHAR (still once per dictionary entry) and makes TIME, UUID, ... text.
              `(list_position([${dictionary.categories.map(sqlString).join(", ")}], ${text}) - 1)`
            : dictionary.enumType
              ? `enum_code(TRY_CAST(${text} AS ${dictionary.enumType}))::INTEGER`
              : "NULL::INTEGER";
        const sniffed = csvText.get(source);
        const typedForms = sniffed ? [...new Set([sniffed, ...(sourceTypes.get(source) === "number" ? ["DOUBLE"] : [])])] : [];
        const exact = sniffed ? `coalesce(${[text, ...typedForms.map((type) => `CAST(TRY_CAST(${name} AS ${type}) AS VARCHAR)`)].map(codeOf).join(", ")})` : codeOf(text);
        // A column of numbers whose text the schema lacks ("4" for "4.0"): looked up by number inside
        // DuckDB, since every row of such a file would otherwise be a miss parsed in JS (./category-text.ts).
        const byNumber = dictionary.fixed && typeOf(source) === "number" ? numericCodeSql(name, dictionary.categories) : undefined;
        const known = byNumber ? `coalesce(${exact}, ${byNumber})` : exact;
        // A schema's categories are fixed: a value they lack reads as missing, counted for a note.
        const unseenAsMissing = dictionary.fixed && !strictLabels;
        const tracksMisses = (!dictionary.fixed && !complete) || strictLabels || unseenAsMissing;
        // -1 is missing, -2 a value the dictionary lacks. When a lack needs no tracking, `known` alone
        // does: NULL (missing or unknown) comes back through the validity mask and becomes -1 in JS,
        // which costs less than DuckDB's coalesce and CASE over every row (~15 ms per column here).
        const code = tracksMisses ? `coalesce(${known}, CASE WHEN ${name} IS NULL THEN -1 ELSE -2 END)` : known;
        const sink = new CategorySink(column(code), new CodeBuffer(capacity, arrays.code()), dictionary.categories.length);
        // A value the schema lacks may be one of its categories written another way ("4" for "4.0").
        if (dictionary.fixed) sink.byNumber = new NumericCategoryLookup(dictionary.categories);
        if (unseenAsMissing) {
          sink.unseen = { count: 0 };
          notes.push(() => {
            const unseen = sink.unseen!;
            if (unseen.count === 0) return;
            warn(unseenCategoriesNote(this.#file, source, unseen.count, unseen.example));
          });
        }
        if (tracksMisses) {
          missing.push({ known, text, sink });
          if (strictLabels) {
            sink.onMiss = (row, value) => {
              throw new DataValidationError({
                code: "invalid_value",
                file: this.#file,
                row,
                column: source,
                expected: `one of the model's classes (${categoriesText(dictionary.categories)})`,
                received: describeValue(value),
              });
            };
          }
        }
        sinks.push(sink);
        return () => sink.finish(dictionary.fixed ? dictionary.categories : mergeMisses(dictionary.categories, sink));
      };

      const addNumber = (source: string): (() => ColumnData) => {
        const type = typeOf(source);
        const name = sqlName(source);
        // Booleans travel as one byte rather than eight; Float64Array.set widens them.
        let expression = type === "boolean" ? `CAST(${name} AS UTINYINT)` : `CAST(${name} AS DOUBLE)`;
        if (type === "date" || type === "timestamp") expression = `epoch_ms(${name})::DOUBLE / 1000`;
        const sink = new NumberSink(0, new NumberBuffer(capacity, arrays.number()));
        if (type === "boolean") sink.width = 1;
        if (type === "string") {
          // Text declared numeric outside a CSV (or in a derived column): find the first bad value.
          expression = `TRY_CAST(${name} AS DOUBLE)`;
          sink.column = column(expression);
          const check = new CheckSink(column(`CASE WHEN ${name} IS NOT NULL AND ${expression} IS NULL THEN CAST(${name} AS VARCHAR) END`), (row, value) => {
            throw new DataValidationError({ code: "not_numeric", file: this.#file, row, column: source, expected: "a number", received: describeValue(value) });
          });
          sinks.push(check);
        } else {
          sink.column = column(expression);
        }
        sinks.push(sink);
        return () => ({ kind: "number", values: sink.buffer.finish(sink.rows) });
      };

      const addDatePart = (source: string, part: DatePart): (() => ColumnData) => {
        let sink = epochColumns.get(source);
        if (!sink) {
          const type = typeOf(source);
          const name = sqlName(source);
          const instant = type === "date" || type === "timestamp" ? name : `TRY_CAST(${name} AS TIMESTAMP)`;
          sink = new DatePartsSink(column(`epoch_ms(${instant})::DOUBLE`));
          epochColumns.set(source, sink);
          sinks.push(sink);
          if (instant !== name) {
            // A model's date column that this file holds as text: what does not parse is counted.
            const bad = { count: 0, example: "" };
            sinks.push(new CheckSink(column(`CASE WHEN ${name} IS NOT NULL AND ${instant} IS NULL THEN CAST(${name} AS VARCHAR) END`), (_, value) => {
              if (bad.count++ === 0) bad.example = value;
            }));
            notes.push(() => {
              if (bad.count === 0) return;
              warn(unparsedDatesNote(this.#file, source, bad.count, bad.example));
            });
          }
        }
        const buffer = sink.addPart(part, () => new NumberBuffer(capacity, arrays.number()));
        const owner = sink;
        return () => ({ kind: "number", values: buffer.finish(owner.rows) });
      };

      outputs.forEach((output: OutputPlan, index) => {
        if (output.read.kind === "category") results.push(addCategory(output.source, outputDictionary[index]!, false));
        else if (output.read.kind === "number") results.push(addNumber(output.source));
        else results.push(addDatePart(output.source, output.read.part));
      });
      let targetResult: (() => ColumnData) | undefined;
      if (target) {
        targetResult = target.read === "category" ? addCategory(target.name, targetDictionary, target.classes !== undefined) : addNumber(target.name);
      }

      if (missing.length > 0) {
        const any = missing.map(({ known, text }) => `(${known} IS NULL AND ${text} IS NOT NULL)`).join(" OR ");
        const texts = missing.map(({ known, text }) => `CASE WHEN ${known} IS NULL THEN ${text} END`).join(", ");
        const misses = new MissColumn(column(`CASE WHEN ${any} THEN to_json([${texts}]) END`));
        missing.forEach(({ sink }, index) => {
          sink.misses = misses;
          sink.missIndex = index;
        });
      }

      // 3. Stream the chunks into the buffers.
      const sql = `SELECT ${select.join(", ")} FROM (${relation}) AS source`;
      let rows = 0;
      loadBinding();
      // Written only once paged in; DuckDB starts the query meanwhile.
      const [result] = await Promise.all([connection.stream(sql), pagedIn]);
      // The next chunk is fetched while this one is copied, so DuckDB decodes on its threads meanwhile:
      // each fetch is a round trip of ~100 us, 1,474 of them for the 3M flights (12-18% less wall time
      // on Parquet, bench/RESULTS.md). A fetch still in flight when a copy throws is awaited before the
      // connection is used again.
      let next: ReturnType<typeof result.fetchChunk> | undefined = result.fetchChunk();
      try {
        for (let fetched = 1; ; fetched++) {
          const chunk = await next;
          next = undefined;
          if (!chunk || chunk.rowCount === 0) break;
          next = result.fetchChunk();
          const count = chunk.rowCount;
          for (const sink of sinks) sink.take(chunk, rows, count);
          rows += count;
          if (fetched % gcNudgeChunks === 0) nudgeGarbageCollector();
        }
      } finally {
        if (next) await next.catch(() => undefined);
      }
      for (const sink of sinks) sink.rows = rows;
      for (const note of notes) note();
      return { nRows: rows, outputs: results.map((finish) => finish()), target: targetResult?.() };
    } finally {
      await pagedIn; // never rejects; no read may still be writing zeros into a buffer we hand out
      for (const type of createdTypes) await connection.run(`DROP TYPE IF EXISTS ${type}`);
    }
  }
}

function isCsv(format: DuckDBFormat): boolean {
  return format === "csv" || format === "tsv" || format === "text";
}

function columnTypes(text: ReadonlySet<string>, numbers: ReadonlySet<string>): Map<string, string> {
  const types = new Map<string, string>();
  for (const name of text) types.set(name, "VARCHAR");
  for (const name of numbers) types.set(name, "DOUBLE");
  return types;
}

/** A column DuckDB renamed ("Y" read as "Y_1") because its name differs from `twin`'s only in case. */
export interface CaseRename {
  readonly from: string;
  readonly to: string;
  readonly twin: string;
}

/** The one line that tells of a CaseRename. */
export function caseRenameNote(file: string, rename: CaseRename): string {
  return `${file}: column "${rename.from}" is read as "${rename.to}": its name differs from "${rename.twin}" only in case, which SQL does not tell apart`;
}

/** Builds the query that reads the file, with some columns' types overridden (CSV only). */
interface FileReader {
  readonly delimiter: string;
  /** The columns and DuckDB types a CSV sniff found (empty for typed formats). */
  readonly columns: readonly (readonly [string, string])[];
  /** Header names DuckDB renamed because they differ from an earlier one only in case (CSV). */
  readonly renames?: readonly CaseRename[];
  sql(types: ReadonlyMap<string, string>): string;
}

function otherReader(file: string, format: DuckDBFormat): FileReader {
  const path = sqlString(file);
  const sql =
    format === "parquet"
      ? `SELECT * FROM read_parquet(${path})`
      : `SELECT * FROM read_json(${path}, format = ${format === "ndjson" ? "'newline_delimited'" : "'auto'"})`;
  return { delimiter: "", columns: [], sql: () => sql };
}

/**
 * Sniffs a delimited file once (types, date formats, line endings) and returns a reader that states
 * them all (`auto_detect = false`): every later query skips the ~15 ms sniff, and a column's type can
 * be overridden without the sniffer second-guessing the rest.
 *
 * The dialect is fixed by the extension (RFC 4180 quoting, a header line): letting DuckDB sniff it
 * would let a ragged row change its guess of the delimiter instead of being reported. Strict mode makes
 * a row with the wrong number of fields an error.
 */
async function sniffCsv(connection: DuckDBConnection, file: string, delimiter: string, pandasMissing: boolean): Promise<FileReader> {
  const dialect = [
    `delim = ${sqlString(delimiter)}`,
    `quote = '"'`,
    `escape = '"'`,
    "header = true",
    "strict_mode = true",
    "null_padding = false",
    `nullstr = [${(pandasMissing ? pandasMissingValues : csvMissingValues).map(sqlString).join(", ")}]`,
  ];
  const sniff = async (options: readonly string[]) => {
    const reader = await connection.runAndReadAll(
      `SELECT Comment, SkipRows, Columns, DateFormat, TimestampFormat FROM sniff_csv(${sqlString(file)}, ${options.join(", ")})`,
    );
    return reader.getRowsJS()[0]!;
  };
  let sniffedRow = await sniff(dialect);
  if (delimiter === ";") {
    // Semicolons separate fields where the comma is the decimal mark (Excel in much of Europe): a
    // second sniff reads "0,5" as a number; it is kept when it finds more numeric columns.
    const numericColumns = (row: unknown[]) => (row[2] as { type: string }[]).filter(({ type }) => sourceTypeOf(type) === "number").length;
    const decimalComma = await sniff([...dialect, "decimal_separator = ','"]);
    if (numericColumns(decimalComma) > numericColumns(sniffedRow)) {
      dialect.push("decimal_separator = ','");
      sniffedRow = decimalComma;
    }
  }
  const [comment, skip, sniffed, dateFormat, timestampFormat] = sniffedRow;
  const columns = (sniffed as { name: string; type: string }[]).map(({ name, type }) => [name, type] as const);
  // The sniffer skips leading lines that do not fit the rest (a title above the header, which helps),
  // but also a header with fewer fields than the rows (scikit-learn's bundled CSVs: "178,13,class_0,
  // ..." above 14 columns): a data row then becomes the header. Names that are all numbers say so.
  if (Number(skip) > 0 && columns.length > 1 && columns.every(([name]) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(name.trim()))) {
    const problem = await findCsvProblem(file, delimiter);
    if (problem?.kind === "ragged") {
      throw new DataValidationError({ code: "ragged_row", file, line: problem.line, expected: `${problem.expected} fields`, received: `${problem.found} fields` });
    }
  }
  // DuckDB renames a repeated header name (a, a -> a, a_1); a feature silently renamed is worse than
  // an error. Names that differ only in case (mlbench's Vehicle: Sc.Var.Maxis and Sc.Var.maxis) SQL
  // cannot tell apart either: DuckDB reads the second as "Sc.Var.maxis_1", which is kept, said in a
  // note, as the next file with the same header is read the same way.
  const renames: CaseRename[] = [];
  if (Number(skip) === 0) {
    const header = splitRecord(firstLine(file), delimiter);
    const seen = new Map<string, number>();
    header.forEach((name, index) => {
      const first = seen.get(name.toLowerCase());
      if (first !== undefined && (name === "" || header[first] === name)) {
        const detail = `fields ${first + 1} and ${index + 1} of the header${name === "" ? " are both empty" : ""}`;
        throw new DataValidationError({ code: "duplicate_column", file, line: 1, column: name, detail });
      }
      const read = columns[index]?.[0];
      if (first !== undefined && read !== undefined && read !== name) renames.push({ from: name, to: read, twin: header[first]! });
      if (first === undefined) seen.set(name.toLowerCase(), index);
    });
  }
  const options = [
    "auto_detect = false",
    ...dialect,
    `skip = ${Number(skip)}`,
    `comment = ${comment === "(empty)" ? "''" : sqlString(String(comment))}`,
    // 4 MB read buffers instead of 32 MB: the flights CSV scan took 105 MB instead of 160-190 MB and
    // was no slower (a little faster: the buffers stay in cache).
    `buffer_size = ${csvBufferBytes}`,
  ];
  // No new_line: stating '\r\n' made strict mode read no rows at all (DuckDB 1.5.6), and the reader
  // finds line endings by itself.
  if (dateFormat) options.push(`dateformat = ${sqlString(String(dateFormat))}`);
  if (timestampFormat) options.push(`timestampformat = ${sqlString(String(timestampFormat))}`);
  const path = sqlString(file);
  return {
    delimiter,
    columns,
    renames,
    sql: (types) => {
      const list = columns.map(([name, type]) => `${sqlString(name)}: ${sqlString(types.get(name) ?? type)}`);
      return `SELECT * FROM read_csv(${path}, ${options.join(", ")}, columns = {${list.join(", ")}})`;
    },
  };
}

/** Adds derived columns one level at a time, so each expression may use the ones before it. */
function deriveSql(base: string, fileColumns: readonly string[], derive: readonly Derive[]): string {
  const names = new Set(fileColumns);
  let sql = base;
  for (const { name, expression } of derive) {
    sql = names.has(name)
      ? `SELECT * REPLACE ((${expression}) AS ${sqlName(name)}) FROM (${sql})`
      : `SELECT *, (${expression}) AS ${sqlName(name)} FROM (${sql})`;
    names.add(name);
  }
  return sql;
}

/** The first derived column whose expression DuckDB cannot bind, and DuckDB's reason. */
async function failingDerive(
  connection: DuckDBConnection,
  base: string,
  fileColumns: readonly string[],
  derive: readonly Derive[],
): Promise<{ derive: Derive; reason: string } | undefined> {
  for (let i = 0; i < derive.length; i++) {
    try {
      await describe(connection, deriveSql(base, fileColumns, derive.slice(0, i + 1)));
    } catch (error) {
      return { derive: derive[i]!, reason: firstLineOf(error) };
    }
  }
  return undefined;
}

/**
 * CSV columns DuckDB typed BOOLEAN although they hold words like yes/no or y/n (DuckDB casts those to
 * booleans): they are kept as text, so labels read "yes"/"no" as the file says, as pandas reads them.
 * Only true/false (any case) columns stay booleans.
 */
async function booleanWords(connection: DuckDBConnection, reader: FileReader): Promise<string[]> {
  const booleans = reader.columns.filter(([, type]) => type === "BOOLEAN").map(([name]) => name);
  if (booleans.length === 0) return [];
  const asText = reader.sql(columnTypes(new Set(booleans), new Set()));
  const checks = booleans.map((name) => `bool_and(lower(trim(${sqlName(name)})) IN ('true', 'false'))`);
  const result = await connection.runAndReadAll(
    `SELECT ${checks.join(", ")} FROM (SELECT ${booleans.map(sqlName).join(", ")} FROM (${asText}) LIMIT ${dictionarySampleRows})`,
  );
  const row = result.getRowsJS()[0] ?? [];
  return booleans.filter((_, i) => row[i] === false);
}

/**
 * JSON keys that differ only in case ("y" and "Y"): DuckDB, like SQL, does not tell them apart and
 * renames the second to "Y_1", which would become a feature of that name. Only looked for when a
 * column name ends like such a rename; the keys of the first 10 000 records are compared.
 */
async function jsonCaseRenames(connection: DuckDBConnection, file: string, format: "json" | "ndjson", described: readonly SourceColumn[]): Promise<CaseRename[]> {
  const objects = `read_json_objects(${sqlString(file)}, format = ${format === "ndjson" ? "'newline_delimited'" : "'auto'"})`;
  const result = await connection.runAndReadAll(`SELECT json_keys(json) FROM ${objects} LIMIT 10000`);
  const firstOf = new Map<string, string>();
  const twins: { name: string; twin: string }[] = [];
  for (const name of result.getRowsJS().flatMap(([keys]) => (keys ?? []) as string[])) {
    const first = firstOf.get(name.toLowerCase());
    if (first === undefined) firstOf.set(name.toLowerCase(), name);
    else if (first !== name && !twins.some((t) => t.name === name)) twins.push({ name, twin: first });
  }
  // DuckDB's name for each twin: a described column that no key has, "<name>_<n>".
  const keys = new Set([...firstOf.values(), ...twins.map((t) => t.name)]);
  const renamed = described.map((column) => column.name).filter((name) => !keys.has(name));
  return twins.flatMap(({ name, twin }) => {
    const to = renamed.find((candidate) => candidate.startsWith(`${name}_`) && /^\d+$/.test(candidate.slice(name.length + 1)));
    return to ? [{ from: name, to, twin }] : [];
  });
}

/**
 * JSON that is not a table of records, as pandas' `DataFrame.to_json()` writes it by default (one object
 * of columns, {"a": {"0": 1, "1": 2}}; or with orient "index", "split", "table") or with orient
 * "values" (rows as arrays without names): DuckDB reads the first as a single row of nested values and
 * the second as one list column named "json"; neither has the user's columns.
 */
async function refuseUntabular(connection: DuckDBConnection, file: string, reader: FileReader, described: readonly SourceColumn[]): Promise<void> {
  const expected = 'an array of records [{"a": 1, "b": "x"}, ...] or one record per line (.ndjson)';
  if (described.length === 1 && described[0]!.name === "json") {
    throw new DataValidationError({ code: "unreadable_file", file, expected, received: 'rows as arrays without column names; write them as records (pandas: orient="records")' });
  }
  const result = await connection.runAndReadAll(`SELECT count(*) FROM (${reader.sql(new Map())})`);
  if (Number(result.getRowsJS()[0]?.[0]) !== 1) return;
  throw new DataValidationError({
    code: "unreadable_file",
    file,
    expected,
    received: `one object of nested values, as pandas' to_json() writes by default; write records (pandas: orient="records")`,
  });
}

function sourceTypeOf(duckdbType: string): SourceType {
  const type = duckdbType.toUpperCase();
  if (type === "BOOLEAN") return "boolean";
  if (type === "DATE") return "date";
  if (type.startsWith("TIMESTAMP") || type === "DATETIME") return "timestamp";
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)$/.test(type)) return "number";
  if (/[[\]]|^(STRUCT|MAP|UNION|LIST|BLOB|BIT|ARRAY|VARIANT|GEOMETRY)/.test(type)) return "nested";
  return "string"; // VARCHAR, JSON, UUID, ENUM, TIME, INTERVAL: read as their text
}

async function describe(connection: DuckDBConnection, relation: string): Promise<SourceColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM (${relation})`);
  return reader.getRowsJS().map((row) => ({ name: String(row[0]), type: sourceTypeOf(String(row[1])) }));
}

/** Sorted distinct values of each learned category column, from the first `sampleRows` rows (or all). */
async function sampleCategories(
  connection: DuckDBConnection,
  relation: string,
  sources: readonly string[],
  sampleRows: number | undefined,
): Promise<Map<string, string[]>> {
  const samples = new Map<string, string[]>();
  const distinct = [...new Set(sources)];
  if (distinct.length === 0) return samples;
  // No FILTER (WHERE ... IS NOT NULL): on the flights Parquet file it made this query 31 ms instead of
  // 20; the NULL (listed once) is dropped here instead.
  const lists = distinct.map((source) => `list_sort(list(DISTINCT CAST(${sqlName(source)} AS VARCHAR)))`);
  const names = distinct.map(sqlName).join(", ");
  const reader = await connection.runAndReadAll(
    `SELECT ${lists.join(", ")} FROM (SELECT ${names} FROM (${relation})${sampleRows === undefined ? "" : ` LIMIT ${sampleRows}`})`,
  );
  const row = reader.getRowsJS()[0] ?? [];
  distinct.forEach((source, index) => {
    const values = (row[index] ?? []) as (string | null)[];
    // DuckDB's list_sort orders by UTF-8 bytes (NULLs last); sorting again by code point is a no-op
    // that makes the order independent of that detail.
    samples.set(source, sortCategories(values.filter((value): value is string => value !== null)));
  });
  return samples;
}

/** The top-level columns of a Parquet file that are dictionary-encoded in every row group. */
async function dictionaryEncoded(connection: DuckDBConnection, file: string): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT path_in_schema FROM parquet_metadata(${sqlString(file)}) GROUP BY path_in_schema HAVING bool_and(encodings LIKE '%DICTIONARY%')`,
  );
  return new Set(reader.getRowsJS().map((row) => String(row[0])));
}

/** A row-count estimate to size buffers: exact for Parquet (from its metadata), from line lengths otherwise. */
async function estimateRows(connection: DuckDBConnection, file: string, format: DuckDBFormat): Promise<number> {
  if (format === "parquet") {
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(file)})`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  }
  const size = statSync(file).size;
  const raw = readRawHead(file, 1 << 18);
  // Gzipped: the lines in what the first compressed bytes hold, scaled by the compressed size.
  const head = isGzipped(file) ? gunzipHead(file, raw) : raw;
  let lines = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0x0a) lines++;
  if (raw.length >= size) return lines + 1;
  const compressedBytesPerLine = raw.length / Math.max(lines, 1);
  return Math.ceil((size / compressedBytesPerLine) * 1.02) + 64;
}

/** The first `bytes` bytes of the file's content (decompressed when it is gzipped). */
function readHead(file: string, bytes: number): Uint8Array {
  if (!isGzipped(file)) return readRawHead(file, bytes);
  // zlib needs the 10-byte gzip header and some deflate blocks to produce anything.
  return gunzipHead(file, readRawHead(file, Math.max(bytes, 1 << 16))).subarray(0, bytes);
}

/**
 * What a gzip stream's first bytes decompress to: a prefix of the content (a sync flush lets zlib stop
 * at the end of the input instead of failing on the missing rest).
 */
function gunzipHead(file: string, compressed: Uint8Array): Uint8Array {
  try {
    return gunzipSync(compressed, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (error) {
    throw new DataValidationError({ code: "unreadable_file", file, detail: `it is named .gz but is not gzip data: ${(error as Error).message.replace(/\.$/, "")}` });
  }
}

function readRawHead(file: string, bytes: number): Uint8Array {
  const fd = openSync(file, "r");
  try {
    const buffer = new Uint8Array(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Whether the file's first character (after spaces) opens an array and its last does not close one. */
function arrayCutShort(file: string): boolean {
  const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
  const head = readRawHead(file, 4096);
  const first = head.find((byte) => !isSpace(byte));
  if (first !== 0x5b) return false;
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  try {
    const tail = new Uint8Array(Math.min(size, 4096));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    let last = tail.length - 1;
    while (last >= 0 && isSpace(tail[last]!)) last--;
    return last >= 0 && tail[last] !== 0x5d;
  } finally {
    closeSync(fd);
  }
}

function startsWithByteOrderMark(file: string): boolean {
  const head = readHead(file, 3);
  return head.length === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
}

function firstLine(file: string): string {
  // A header of many columns (20,000 names: 130 KB) outgrows any fixed read: read on to its end.
  for (let bytes = 1 << 16; ; bytes *= 4) {
    const head = readHead(file, bytes);
    const end = head.indexOf(0x0a);
    if (end >= 0 || head.length < bytes || bytes >= 1 << 26) return new TextDecoder().decode(end >= 0 ? head.subarray(0, end) : head);
  }
}

/** Maps a DuckDB error, looking into the file itself when the CSV sniffer could not say what is wrong. */
async function explain(
  error: unknown,
  file: string,
  format: DuckDBFormat,
  delimiter: string,
  declaredNumeric: ReadonlySet<string>,
  missingWords?: ReadonlySet<string>,
): Promise<Error> {
  const mapped = mapDuckDBError(error, { file, declaredNumeric, ...(missingWords ? { missingWords } : {}) });
  if (!(mapped instanceof SniffFailed)) return mapped;
  if (isCsv(format)) {
    const problem = await findCsvProblem(file, delimiter);
    if (problem?.kind === "ragged") {
      return new DataValidationError({
        code: "ragged_row",
        file,
        line: problem.line,
        expected: `${problem.expected} fields`,
        received: `${problem.found} fields`,
      });
    }
    if (problem?.kind === "unterminated_quote") {
      return new DataValidationError({ code: "unreadable_file", file, line: problem.line, detail: "a quoted field is never closed" });
    }
  }
  return new DataValidationError({ code: "unreadable_file", file, detail: "DuckDB could not work out the file's layout" });
}

// ---------------------------------------------------------------------------------------------------
// Sinks: each copies one or two result columns of every chunk into its buffers.

interface RawVector {
  readonly items: Float64Array | Int32Array | Uint8Array;
  readonly validity: { readonly data: BigUint64Array | null };
}

/**
 * The native binding under @duckdb/node-api, for the three calls a copy needs. `getColumnVector` wraps
 * each vector in objects that ask the binding for its logical type (~6 us a vector): on the flights
 * file, 7 400 vectors cost ~45 ms of the main thread, against ~10 ms for the raw calls. Resolved from
 * @duckdb/node-api's own location (it is that package's dependency, not ours); when it cannot be
 * loaded or lacks these calls, the wrappers are used.
 */
interface Binding {
  data_chunk_get_vector(chunk: unknown, column: number): unknown;
  vector_get_data(vector: unknown, bytes: number): Uint8Array;
  vector_get_validity(vector: unknown, bytes: number): Uint8Array | null;
}
let binding: Binding | null | undefined;
function loadBinding(): Binding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const api = createRequire(import.meta.url).resolve("@duckdb/node-api");
    const candidate = createRequire(api)("@duckdb/node-bindings") as Partial<Binding> | undefined;
    if (typeof candidate?.data_chunk_get_vector === "function" && typeof candidate.vector_get_data === "function" && typeof candidate.vector_get_validity === "function") {
      binding = candidate as Binding;
    }
  } catch {
    // the wrappers do
  }
  return binding;
}

/** One fixed-width result column of a chunk: its bytes, and its validity as 32-bit words (null: all valid). */
interface RawColumn {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array | null;
}

function rawColumn(chunk: DuckDBDataChunk, column: number, count: number, width: number): RawColumn {
  const native = binding;
  if (native) {
    const vector = native.data_chunk_get_vector(chunk.chunk, column);
    const bytes = native.vector_get_data(vector, count * width);
    const validity = native.vector_get_validity(vector, Math.ceil(count / 64) * 8);
    return { bytes, words: validity && new Uint32Array(validity.buffer, validity.byteOffset, validity.byteLength >> 2) };
  }
  const vector = chunk.getColumnVector(column);
  const items = rawVector(vector).items;
  return { bytes: new Uint8Array(items.buffer, items.byteOffset, count * width), words: validityWords(vector) };
}

function float64s(column: RawColumn, count: number): Float64Array {
  return new Float64Array(column.bytes.buffer, column.bytes.byteOffset, count);
}

function rawVector(vector: DuckDBVector): RawVector {
  const raw = vector as unknown as Partial<RawVector>;
  if (!raw.items || !raw.validity) throw new Error("learnloop: @duckdb/node-api vectors no longer expose items/validity");
  return raw as RawVector;
}

/** Validity bits as 32-bit words (a set bit is a valid row), or null when every row is valid. */
function validityWords(vector: DuckDBVector): Uint32Array | null {
  const data = (vector as unknown as RawVector).validity.data;
  return data ? new Uint32Array(data.buffer, data.byteOffset, data.length * 2) : null;
}

/** Writes `value` at every row whose validity bit is clear. */
function fillInvalid(out: Float64Array | Int32Array, offset: number, rows: number, words: Uint32Array | null, value: number): void {
  if (!words) return;
  for (let w = 0, base = 0; base < rows; w++, base += 32) {
    const word = words[w]!;
    if (word === 0xffffffff) continue;
    const end = Math.min(32, rows - base);
    for (let bit = 0; bit < end; bit++) {
      if (((word >>> bit) & 1) === 0) out[offset + base + bit] = value;
    }
  }
}

/** Calls `visit` for every valid row of a (mostly NULL) text column. */
function forEachValid(vector: DuckDBVector, rows: number, visit: (index: number) => void): void {
  const words = validityWords(vector);
  for (let w = 0, base = 0; base < rows; w++, base += 32) {
    const word = words ? words[w]! : 0xffffffff;
    if (word === 0) continue;
    const end = Math.min(32, rows - base);
    for (let bit = 0; bit < end; bit++) if ((word >>> bit) & 1) visit(base + bit);
  }
}

abstract class Sink {
  rows = 0;
  abstract take(chunk: DuckDBDataChunk, offset: number, count: number): void;
}

class NumberSink extends Sink {
  /** Bytes a value: 8 (DOUBLE) or 1 (a boolean as UTINYINT). */
  width = 8;
  constructor(
    public column: number,
    readonly buffer: NumberBuffer,
  ) {
    super();
  }
  take(chunk: DuckDBDataChunk, offset: number, count: number): void {
    const column = rawColumn(chunk, this.column, count, this.width);
    this.buffer.reserve(offset + count, offset);
    const out = this.buffer.values;
    out.set(this.width === 8 ? float64s(column, count) : column.bytes, offset);
    fillInvalid(out, offset, count, column.words, NaN);
  }
}

/** The shared column of values the dictionaries lacked: parsed only in the rows that have one. */
class MissColumn {
  #chunk: DuckDBDataChunk | undefined;
  #vector: DuckDBVector | undefined;
  readonly #rows = new Map<number, (string | null)[]>();
  constructor(readonly column: number) {}
  /** The text of category column `index` at `row` of `chunk`. */
  textAt(chunk: DuckDBDataChunk, row: number, index: number): string {
    if (chunk !== this.#chunk) {
      this.#chunk = chunk;
      this.#vector = chunk.getColumnVector(this.column);
      this.#rows.clear();
    }
    let texts = this.#rows.get(row);
    if (!texts) {
      texts = JSON.parse(this.#vector!.getItem(row) as string) as (string | null)[];
      this.#rows.set(row, texts);
    }
    return texts[index]!;
  }
}

class CategorySink extends Sink {
  misses?: MissColumn;
  missIndex = -1;
  onMiss?: (row: number, value: string) => void;
  /** When set, a value the (fixed) dictionary lacks becomes missing, counted here with the first one. */
  unseen?: { count: number; example?: string };
  /** A fixed dictionary's categories by number, for a value that writes one of them another way ("4" for "4.0"). */
  byNumber?: NumericCategoryLookup;
  /** Values the dictionary did not hold, coded from the dictionary's length up. */
  readonly found = new Map<string, number>();
  constructor(
    readonly column: number,
    readonly buffer: CodeBuffer,
    readonly known: number,
  ) {
    super();
  }
  take(chunk: DuckDBDataChunk, offset: number, count: number): void {
    this.buffer.reserve(offset + count, offset);
    const out = this.buffer.codes;
    const column = rawColumn(chunk, this.column, count, 4);
    out.set(new Int32Array(column.bytes.buffer, column.bytes.byteOffset, count), offset);
    fillInvalid(out, offset, count, column.words, -1);
    if (!this.misses) return;
    let row = out.subarray(offset, offset + count).indexOf(-2);
    if (row < 0) return;
    const unseen = this.unseen;
    // Each miss's text is read only when some category is a number it might write another way.
    const byNumber = this.byNumber?.hasNumbers ? this.byNumber : undefined;
    if (unseen) {
      for (; row < count; row++) {
        if (out[offset + row] !== -2) continue;
        if (byNumber) {
          const value = this.misses.textAt(chunk, row, this.missIndex);
          const code = byNumber.codeOf(value);
          if (code !== undefined) {
            out[offset + row] = code;
            continue;
          }
          if (unseen.count === 0) unseen.example = value;
        } else if (unseen.count === 0) {
          // Only the first value's text is looked up: a file whose column is all new need not parse each.
          unseen.example = this.misses.textAt(chunk, row, this.missIndex);
        }
        out[offset + row] = -1;
        unseen.count++;
      }
      return;
    }
    for (; row < count; row++) {
      if (out[offset + row] !== -2) continue;
      const value = this.misses.textAt(chunk, row, this.missIndex);
      const byNumberCode = byNumber?.codeOf(value);
      if (byNumberCode !== undefined) {
        out[offset + row] = byNumberCode;
        continue;
      }
      this.onMiss?.(offset + row + 1, value);
      let code = this.found.get(value);
      if (code === undefined) {
        code = this.known + this.found.size;
        this.found.set(value, code);
      }
      out[offset + row] = code;
    }
  }
  finish(categories: readonly string[]): ColumnData {
    return { kind: "category", codes: this.buffer.finish(this.rows), categories };
  }
}

/**
 * The SQL code of the category whose number (numericKeyOf) equals the numeric column `name`'s value, NULL
 * when none does; undefined when no category is a number. Numbers beyond 2^53 are left out: a BIGINT cast
 * to DOUBLE there may round onto another number.
 */
function numericCodeSql(name: string, categories: readonly string[]): string | undefined {
  const entries = [...numericCodesOf(categories)].filter(([key]) => Math.abs(key) < 2 ** 53);
  if (entries.length === 0) return undefined;
  const keys = entries.map(([key]) => `${sqlString(String(key))}::DOUBLE`).join(", ");
  const codes = entries.map(([, code]) => code).join(", ");
  return `([${codes}]::INTEGER[])[list_position([${keys}], TRY_CAST(${name} AS DOUBLE))]`;
}

function mergeMisses(known: readonly string[], sink: CategorySink): string[] {
  if (sink.found.size === 0) return [...known];
  return mergeCategories(known, [...sink.found.keys()], sink.buffer.codes);
}

class CheckSink extends Sink {
  constructor(
    readonly column: number,
    readonly onValue: (row: number, value: string) => void,
  ) {
    super();
  }
  take(chunk: DuckDBDataChunk, offset: number, count: number): void {
    const vector = chunk.getColumnVector(this.column);
    forEachValid(vector, count, (index) => this.onValue(offset + index + 1, vector.getItem(index) as string));
  }
}

class DatePartsSink extends Sink {
  readonly parts: Partial<Record<DatePart, NumberBuffer>> = {};
  readonly #scratch = new Float64Array(4096);
  constructor(readonly column: number) {
    super();
  }
  addPart(part: DatePart, create: () => NumberBuffer): NumberBuffer {
    return (this.parts[part] ??= create());
  }
  take(chunk: DuckDBDataChunk, offset: number, count: number): void {
    const column = rawColumn(chunk, this.column, count, 8);
    const epoch = this.#scratch;
    epoch.set(float64s(column, count));
    fillInvalid(epoch, 0, count, column.words, NaN);
    const { year, month, day, dayofweek, hour } = this.parts;
    for (const buffer of [year, month, day, dayofweek, hour]) buffer?.reserve(offset + count, offset);
    writeDateParts(epoch, 0, count, { year: year?.values, month: month?.values, day: day?.values, dayofweek: dayofweek?.values, hour: hour?.values }, offset);
  }
}
