/**
 * Reading Arrow IPC files (.arrow, .feather, .ipc) with the `apache-arrow` package.
 *
 * Why not DuckDB like the other formats: DuckDB reads Arrow IPC files only through its `arrow`
 * extension, which it downloads on first use; learnloop must work offline and with the DuckDB build it
 * ships with. Arrow columns are typed arrays already, so numbers are copied straight out of them; text
 * is decoded per value (a dictionary-encoded column only once per dictionary entry).
 *
 * The semantics match the DuckDB readers exactly (see ./plan.ts): same types, same category order
 * (code point), same date parts, numbers forced categorical read as DuckDB would print them ("1.0" for
 * a float, "1" for an integer). Derived columns are SQL, so they are not available here.
 */
import { readFileSync } from "node:fs";
import { type Data, type Table, type Vector, Type, tableFromIPC } from "apache-arrow";
import { DataValidationError, describeValue } from "../core/errors.js";
import { unseenCategoriesNote } from "../core/messages.js";
import type { DatePart } from "../core/types.js";
import { categoriesText, NumericCategoryLookup } from "./category-text.js";
import type { ColumnData, SourceData } from "./columns.js";
import { writeDateParts } from "./dates.js";
import { sortCategories } from "./dictionary.js";
import type { OutputPlan, ReadPlan, SourceColumn, SourceType } from "./plan.js";

/** A dictionary entry's code while reading the model's classes strictly: none of them (the row that holds it is refused). */
const NOT_A_CLASS = -3;

/** An Arrow IPC file loaded in memory, ready to be read by a plan. */
export class ArrowFile {
  readonly #file: string;
  readonly #table: Table;
  /** The file's columns, in the coarse types planning uses. */
  readonly columns: readonly SourceColumn[];

  private constructor(file: string, table: Table) {
    this.#file = file;
    this.#table = table;
    this.columns = table.schema.fields.map((field) => ({ name: field.name, type: sourceTypeOf(field.type.typeId, field.type) }));
  }

  /** Loads `file` (the IPC file or stream format). */
  static open(file: string): ArrowFile {
    let table: Table;
    const bytes = readFileSync(file);
    // The IPC file format begins and ends with "ARROW1": without the end (and its footer) the file was cut short.
    const magic = Buffer.from("ARROW1");
    if (bytes.subarray(0, 6).equals(magic) && !bytes.subarray(bytes.length - 6).equals(magic)) {
      throw new DataValidationError({ code: "unreadable_file", file, detail: "the Arrow IPC file is cut short: it lacks the footer and ARROW1 mark that end the format" });
    }
    try {
      table = tableFromIPC(bytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new DataValidationError({ code: "unreadable_file", file, detail: `not an Arrow IPC file (${reason})` });
    }
    return new ArrowFile(file, table);
  }

  /** Reads every row of the planned columns; `warn` hears of categories a schema does not know. */
  read(plan: ReadPlan, warn: (message: string) => void = () => undefined): SourceData {
    const nRows = this.#table.numRows;
    const outputs = [...plan.features, ...plan.extras];
    const epochs = new Map<string, Float64Array>();
    const epochOf = (source: string): Float64Array => {
      let epoch = epochs.get(source);
      if (!epoch) {
        epoch = this.#epochMs(source);
        epochs.set(source, epoch);
      }
      return epoch;
    };
    const result = outputs.map((output: OutputPlan): ColumnData => {
      if (output.read.kind === "number") return { kind: "number", values: this.#numbers(output.source) };
      if (output.read.kind === "category") return this.#categories(output.source, output.read.categories, false, warn);
      const values = new Float64Array(nRows);
      const part: DatePart = output.read.part;
      writeDateParts(epochOf(output.source), 0, nRows, { [part]: values }, 0);
      return { kind: "number", values };
    });
    const target = plan.target;
    let targetData: ColumnData | undefined;
    if (target) {
      targetData = target.read === "number" ? { kind: "number", values: this.#numbers(target.name) } : this.#categories(target.name, target.classes, target.classes !== undefined);
    }
    return { nRows, outputs: result, target: targetData };
  }

  #column(name: string): Vector {
    return this.#table.getChild(name)!;
  }

  /** The column as numbers: numbers as they are, booleans 0/1, dates as seconds, text parsed. */
  #numbers(name: string): Float64Array {
    const vector = this.#column(name);
    const type = sourceTypeOf(vector.type.typeId, vector.type);
    const out = new Float64Array(vector.length);
    if (type === "date" || type === "timestamp") {
      const epoch = this.#epochMs(name);
      for (let i = 0; i < out.length; i++) out[i] = epoch[i]! / 1000;
      return out;
    }
    let offset = 0;
    for (const data of vector.data) {
      const values = data.values as unknown;
      if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array || values instanceof Uint32Array || values instanceof Uint16Array || (values instanceof Uint8Array && type === "number")) {
        out.set(values.subarray(data.offset, data.offset + data.length), offset);
      } else {
        for (let i = 0; i < data.length; i++) {
          const value = vector.get(offset + i) as unknown; // null when missing
          if (value === null || value === undefined) continue;
          if (type === "string") {
            const text = String(value);
            const number = text.trim() === "" ? NaN : Number(text);
            if (Number.isNaN(number) && !/^\s*[-+]?nan\s*$/i.test(text)) {
              throw new DataValidationError({ code: "not_numeric", file: this.#file, row: offset + i + 1, column: name, expected: "a number", received: describeValue(text) });
            }
            out[offset + i] = number;
          } else {
            out[offset + i] = typeof value === "boolean" ? (value ? 1 : 0) : Number(value);
          }
        }
      }
      markNulls(data, out, offset, NaN);
      offset += data.length;
    }
    return out;
  }

  /** Milliseconds since 1970 UTC of a date, timestamp or (schema time) text column; NaN when missing. */
  #epochMs(name: string): Float64Array {
    const vector = this.#column(name);
    const out = new Float64Array(vector.length);
    for (let i = 0; i < out.length; i++) {
      const value = vector.get(i) as unknown;
      if (value === null || value === undefined) out[i] = NaN;
      else if (typeof value === "number" || typeof value === "bigint") out[i] = Number(value);
      else if (value instanceof Date) out[i] = value.getTime();
      else out[i] = parseTimestamp(String(value));
    }
    return out;
  }

  /** The column as category codes, with a dictionary sorted by code point (or the fixed one given). */
  #categories(name: string, fixed: readonly string[] | undefined, strict: boolean, warn?: (message: string) => void): ColumnData {
    const vector = this.#column(name);
    const type = sourceTypeOf(vector.type.typeId, vector.type);
    const integral = vector.type.typeId === Type.Int || vector.type.typeId === Type.Decimal;
    const text = (value: unknown): string => textOf(value, type, integral);
    const codes = new Int32Array(vector.length);
    const index = new Map<string, number>();
    if (fixed) fixed.forEach((category, code) => index.set(category, code));
    const found: string[] = [];
    let unseenExample: string | undefined;
    // A fixed category that is a number written another way ("4.0" for this file's 4): ./category-text.ts.
    const byNumber = fixed ? new NumericCategoryLookup(fixed) : undefined;
    const notAClass = (value: string, row: number): DataValidationError =>
      new DataValidationError({
        code: "invalid_value",
        file: this.#file,
        row,
        column: name,
        expected: `one of the model's classes (${categoriesText(fixed!)})`,
        received: describeValue(value),
      });
    // `row` undefined: a dictionary entry, whose rows are not known yet; a strict miss is then NOT_A_CLASS.
    const codeOf = (value: string, row: number | undefined): number => {
      let code = index.get(value);
      if (code === undefined) {
        code = byNumber?.codeOf(value);
        if (code !== undefined) {
          index.set(value, code);
          return code;
        }
        if (strict) {
          if (row === undefined) return NOT_A_CLASS;
          throw notAClass(value, row);
        }
        if (fixed) {
          // A category the model never saw: read as missing, counted below (-2 until then).
          unseenExample ??= value;
          return -2;
        }
        code = found.length;
        found.push(value);
        index.set(value, code);
      }
      return code;
    };
    let offset = 0;
    for (const data of vector.data) {
      if (data.dictionary) {
        // Dictionary-encoded: decode each dictionary entry once, then map indices.
        const dictionary = data.dictionary;
        const local = new Int32Array(dictionary.length);
        for (let d = 0; d < dictionary.length; d++) {
          const value = dictionary.get(d);
          local[d] = value === null ? -1 : codeOf(text(value), undefined);
        }
        const indices = data.values as ArrayLike<number | bigint>;
        for (let i = 0; i < data.length; i++) {
          const entry = Number(indices[data.offset + i]);
          const code = local[entry]!;
          // The first row holding a label that is none of the model's classes is the one the error names
          // (a null row's index may point anywhere: nulls are marked below).
          if (code === NOT_A_CLASS && data.getValid(i)) throw notAClass(text(dictionary.get(entry)), offset + i + 1);
          codes[offset + i] = code;
        }
      } else {
        for (let i = 0; i < data.length; i++) {
          const value = vector.get(offset + i) as unknown; // null when missing
          codes[offset + i] = value === null || value === undefined ? -1 : codeOf(text(value), offset + i + 1);
        }
      }
      markNulls(data, codes, offset, -1);
      offset += data.length;
    }
    if (fixed) {
      let unseen = 0;
      for (let i = 0; i < codes.length; i++) {
        if (codes[i] !== -2) continue;
        codes[i] = -1;
        unseen++;
      }
      if (unseen > 0) warn?.(unseenCategoriesNote(this.#file, name, unseen, unseenExample));
      return { kind: "category", codes, categories: fixed };
    }
    // Codes were handed out in order of appearance: renumber them in sorted order.
    const sorted = sortCategories([...found]);
    const rank = new Int32Array(found.length);
    const position = new Map(sorted.map((value, i) => [value, i]));
    found.forEach((value, code) => (rank[code] = position.get(value)!));
    for (let i = 0; i < codes.length; i++) if (codes[i]! >= 0) codes[i] = rank[codes[i]!]!;
    return { kind: "category", codes, categories: sorted };
  }
}

/** Sets `value` at every null of `data` (which starts at row `offset` of the output). */
function markNulls(data: Data, out: Float64Array | Int32Array, offset: number, value: number): void {
  if (data.nullCount === 0 || !data.nullBitmap) return;
  const bitmap = data.nullBitmap;
  for (let i = 0; i < data.length; i++) {
    const bit = data.offset + i;
    if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) out[offset + i] = value;
  }
}

function sourceTypeOf(typeId: Type, type: { unit?: unknown; valueType?: { typeId: Type } }): SourceType {
  switch (typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
      return "number";
    case Type.Bool:
      return "boolean";
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
    case Type.Time:
    case Type.Duration:
      return "string";
    case Type.Date:
      return "date";
    case Type.Timestamp:
      return "timestamp";
    case Type.Dictionary:
      return type.valueType ? sourceTypeOf(type.valueType.typeId, type.valueType as never) : "string";
    default:
      return "nested";
  }
}

/** A value as DuckDB would print it with CAST(... AS VARCHAR), so both readers give the same categories. */
function textOf(value: unknown, type: SourceType, integral: boolean): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return String(value);
  if (typeof value === "number") {
    if (type === "date") return new Date(value).toISOString().slice(0, 10);
    if (type === "timestamp") return timestampText(value);
    if (!integral && Number.isInteger(value) && Math.abs(value) < 1e15) return `${value}.0`;
    return String(value);
  }
  if (value instanceof Date) return timestampText(value.getTime());
  return String(value);
}

function timestampText(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2020-01-01T10:00:00.000Z
  const fraction = iso.slice(19, 23) === ".000" ? "" : iso.slice(19, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}`;
}

function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  const iso = trimmed.replace(" ", "T");
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : /T/.test(iso) ? `${iso}Z` : `${iso}T00:00:00Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? NaN : ms;
}
