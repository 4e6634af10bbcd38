/**
 * JSON rows of a prediction request -> a Dataset read exactly as the model's schema says, the way
 * `readDataset(file, { schema })` reads a file, so that a row predicted over HTTP gets the same answer as
 * the same row in a file given to `learnloop predict`.
 *
 * A row is an object keyed by the ORIGINAL input columns (the columns of the training file):
 * - a numeric feature takes a finite number, or a boolean (read as 1 / 0, as the file readers do);
 * - a categorical feature takes the text of one of its categories; a number or a boolean is accepted
 *   when its text (`String(value)`: 3 -> "3", true -> "true") is a category, so a code-like column
 *   survives a JSON client that sends numbers; a category that renders a number matches that number
 *   however it was written (16, "16" and "16.0" are DuckDB's "16.0" from a column of decimals, or "16"),
 *   as the file readers match it (src/data/category-text.ts: never "016", so zip codes stay text);
 * - a date part (`<column>_year`, ..., see src/data/dates.ts) is computed from the source column, given
 *   as an ISO-8601 string (`2001-03-05`, `2001-03-05T14:30:00`, with `Z` or an offset such as `+02:00`:
 *   converted to UTC first; without one, the time is taken as UTC, as the readers do; `2001/03/05` too,
 *   as DuckDB reads it) or as milliseconds since 1970-01-01 UTC;
 * - `null` is a missing value (the models handle missing values natively); an absent key is an error,
 *   so that a misspelt field name is not silently read as missing;
 * - an unknown category is an error, or a missing value when the caller allows it (`unknown: "missing"`);
 * - a column the model defined with SQL when it was trained (`--derive name=expression`) cannot be
 *   computed here (the service runs no SQL): the row must carry that column's value itself.
 * Other keys (ids, the target) are ignored.
 *
 * Every problem is a DataValidationError whose first issue names the row (0-based `index` in the
 * request) and the field; `formatRowIssue` turns it into one line: `rows[3].distance: expected a finite
 * number, got "abc"`.
 */
import { DataValidationError, describeValue, type DataIssue } from "../core/errors.js";
import { MISSING_CODE, type Column, type Dataset, type DatePart, type Schema } from "../core/types.js";
import { numericCodesOf, numericKeyOf } from "../data/category-text.js";

/** What to do with a category the model does not know. */
export type UnknownCategoryPolicy = "error" | "missing";

/** A problem with one field of one request row; `index` is 0-based, as in the request's `rows` array. */
export interface RowIssue extends DataIssue {
  readonly index: number;
  readonly field: string;
}

/** Thrown for a bad row: a DataValidationError whose issue also carries the 0-based row index and the field. */
export class RowValidationError extends DataValidationError {
  readonly issue: RowIssue;
  constructor(issue: RowIssue) {
    super(issue);
    this.issue = issue;
  }
}

/** The one line a client sees for a bad row. */
export function formatRowIssue(issue: RowIssue): string {
  const place = issue.field === "" ? `rows[${issue.index}]` : `rows[${issue.index}].${issue.field}`;
  const said = [issue.expected ? `expected ${issue.expected}` : "", issue.received ? `got ${issue.received}` : ""].filter(Boolean).join(", ");
  return `${place}: ${[said, issue.detail].filter(Boolean).join("; ")}`;
}

/** How one feature is read from a row. */
type FeatureReader =
  | { readonly kind: "number"; readonly name: string; readonly field: string }
  | {
      readonly kind: "category";
      readonly name: string;
      readonly field: string;
      readonly codes: ReadonlyMap<string, number>;
      /** The codes of the categories that render a number, by that number (src/data/category-text.ts). */
      readonly numericCodes: ReadonlyMap<number, number>;
      readonly categories: readonly string[];
    }
  | { readonly kind: "datepart"; readonly name: string; readonly field: string; readonly part: DatePart; readonly source: number };

/**
 * A schema compiled once per loaded model: reads request rows into a Dataset (`toDataset`) or one row
 * into a feature vector (`toVector`, categorical codes as numbers, NaN or -1 for missing), the layout of
 * GbdtModel.predictRow.
 */
export class RowReader {
  readonly schema: Schema;
  readonly nFeatures: number;
  /** The input fields a row must have, in feature order (a date column once). */
  readonly fields: readonly string[];
  readonly #readers: readonly FeatureReader[];
  /** Date source fields, each parsed once per row into epoch milliseconds. */
  readonly #dateFields: readonly string[];
  readonly #epoch: Float64Array;
  readonly #derived: ReadonlyMap<string, string>;

  constructor(schema: Schema) {
    this.schema = schema;
    this.nFeatures = schema.features.length;
    this.#derived = new Map((schema.derived ?? []).map((d) => [d.name, d.expression]));
    const dateFields: string[] = [];
    const fields: string[] = [];
    this.#readers = schema.features.map((spec): FeatureReader => {
      if (spec.derivedFrom) {
        const field = spec.derivedFrom.column;
        let source = dateFields.indexOf(field);
        if (source < 0) {
          source = dateFields.push(field) - 1;
          fields.push(field);
        }
        return { kind: "datepart", name: spec.name, field, part: spec.derivedFrom.part, source };
      }
      fields.push(spec.name);
      if (spec.kind === "categorical") {
        const categories = spec.categories ?? [];
        return { kind: "category", name: spec.name, field: spec.name, categories, codes: new Map(categories.map((c, i) => [c, i])), numericCodes: numericCodesOf(categories) };
      }
      return { kind: "number", name: spec.name, field: spec.name };
    });
    this.#dateFields = dateFields;
    this.#epoch = new Float64Array(dateFields.length);
    this.fields = fields;
  }

  /**
   * Reads `rows` into a Dataset in the schema's feature order. Throws RowValidationError for the first
   * bad field (rows in order, fields in feature order).
   */
  toDataset(rows: readonly unknown[], unknown: UnknownCategoryPolicy = "error"): Dataset {
    const nRows = rows.length;
    const arrays = this.#readers.map((reader) => (reader.kind === "category" ? new Int32Array(nRows) : new Float64Array(nRows)));
    const vector = new Float64Array(this.nFeatures);
    for (let i = 0; i < nRows; i++) {
      this.toVector(rows[i], i, unknown, vector);
      for (let f = 0; f < vector.length; f++) arrays[f]![i] = vector[f]!;
    }
    const features = this.#readers.map((reader, f): Column => {
      const spec = this.schema.features[f]!;
      if (reader.kind === "category") return { kind: "categorical", name: reader.name, codes: arrays[f] as Int32Array, categories: reader.categories };
      const values = arrays[f] as Float64Array;
      return spec.derivedFrom ? { kind: "numeric", name: reader.name, values, derivedFrom: spec.derivedFrom } : { kind: "numeric", name: reader.name, values };
    });
    return { nRows, features, fingerprint: "", source: "request" };
  }

  /**
   * Reads row `index` into `out` (nFeatures values in schema order): numbers, categorical codes
   * (MISSING_CODE for missing), date parts; NaN for missing numbers.
   */
  toVector(row: unknown, index: number, unknown: UnknownCategoryPolicy = "error", out: Float64Array = new Float64Array(this.nFeatures)): Float64Array {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new RowValidationError({ code: "invalid_value", index, field: "", row: index + 1, expected: "an object of feature values", received: describeValue(row) });
    }
    const record = row as Record<string, unknown>;
    const epoch = this.#epoch;
    for (let d = 0; d < this.#dateFields.length; d++) epoch[d] = this.#readEpoch(record, this.#dateFields[d]!, index);
    const readers = this.#readers;
    for (let f = 0; f < readers.length; f++) {
      const reader = readers[f]!;
      if (reader.kind === "datepart") {
        out[f] = datePart(epoch[reader.source]!, reader.part);
        continue;
      }
      // A field named as an Object.prototype member ("constructor", "toString") reads that member when the
      // row lacks it: only a value JSON cannot hold (a function) is checked to be the row's own, off the fast path.
      const value = record[reader.field];
      if (reader.kind === "number") {
        if (typeof value === "number") {
          if (!Number.isFinite(value)) this.#fail(index, reader.field, "a finite number", describeValue(value));
          out[f] = value;
        } else if (value === null) out[f] = NaN;
        else if (typeof value === "boolean") out[f] = value ? 1 : 0;
        else if (value === undefined || !Object.hasOwn(record, reader.field)) this.#missing(index, reader.field);
        else this.#fail(index, reader.field, "a finite number", describeValue(value));
      } else {
        if (value === null) {
          out[f] = MISSING_CODE;
          continue;
        }
        if (value === undefined) this.#missing(index, reader.field);
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
          if (!Object.hasOwn(record, reader.field)) this.#missing(index, reader.field);
          this.#fail(index, reader.field, `one of the categories (${categoryList(reader.categories)})`, describeValue(value));
        }
        let code = reader.codes.get(typeof value === "string" ? value : String(value));
        // A category made from a column of decimals is DuckDB's text of the number: 16 is "16.0", and one
        // made from whole numbers is "16" when 16.0 comes. The file readers look a miss up by its number
        // too (src/data/category-text.ts), so the number 16, "16" and "16.0" are the one such category.
        // A JSON number's text is String(value), canonical: its number is the value itself.
        if (code === undefined && reader.numericCodes.size > 0) {
          if (typeof value === "number") code = reader.numericCodes.get(value);
          else if (typeof value === "string") {
            const key = numericKeyOf(value);
            if (key !== undefined) code = reader.numericCodes.get(key);
          }
        }
        if (code !== undefined) out[f] = code;
        else if (unknown === "missing") out[f] = MISSING_CODE;
        else {
          throw new RowValidationError({
            code: "invalid_value",
            index,
            field: reader.field,
            row: index + 1,
            column: reader.field,
            expected: `one of the categories (${categoryList(reader.categories)})`,
            received: describeValue(value),
            detail: 'send ?unknown=missing to read unknown categories as missing values',
          });
        }
      }
    }
    return out;
  }

  #readEpoch(record: Record<string, unknown>, field: string, index: number): number {
    const value = record[field];
    if (value === null) return NaN;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) this.#fail(index, field, "a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC", describeValue(value));
      return value;
    }
    if (typeof value === "string") {
      const ms = parseIsoInstant(value) ?? parseSlashedInstant(value);
      if (ms === undefined) this.#fail(index, field, "a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC", describeValue(value));
      return ms;
    }
    if (value === undefined || !Object.hasOwn(record, field)) this.#missing(index, field);
    return this.#fail(index, field, "a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC", describeValue(value));
  }

  #missing(index: number, field: string): never {
    const expression = this.#derived.get(field);
    const detail = expression
      ? `the model was trained with "${field}" defined as ${expression}, which the service does not compute: send its value`
      : "send null for a missing value";
    throw new RowValidationError({ code: "missing_feature", index, field, row: index + 1, column: field, expected: "a value", received: "no such field", detail });
  }

  #fail(index: number, field: string, expected: string, received: string): never {
    throw new RowValidationError({ code: "invalid_value", index, field, row: index + 1, column: field, expected, received });
  }
}

function categoryList(categories: readonly string[]): string {
  const shown = categories.slice(0, 5).map((c) => JSON.stringify(c)).join(", ");
  return categories.length > 5 ? `${shown}, ... ${categories.length} in all` : shown;
}

const msPerDay = 86_400_000;
const msPerHour = 3_600_000;

/**
 * One part of the instant `ms` (milliseconds since 1970 UTC), NaN for NaN: the same civil-calendar
 * arithmetic as src/data/dates.ts's writeDateParts, tested against it in rows.test.ts.
 */
export function datePart(ms: number, part: DatePart): number {
  if (ms !== ms) return NaN;
  const days = Math.floor(ms / msPerDay);
  if (part === "hour") return Math.floor((ms - days * msPerDay) / msPerHour);
  if (part === "dayofweek") return (((days + 3) % 7) + 7) % 7;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  if (part === "month") return month;
  if (part === "day") return dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  return yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
}

const slashedDate = /^\d{4}\/\d{1,2}\/\d{1,2}(?:[T ]|$)/;

/**
 * An instant written `YYYY/MM/DD[ HH:MM[:SS]]`: DuckDB reads it as a timestamp (vega's github.csv holds
 * `2015/01/01 01:00:00`), so a model may have learned from it and a client may send the file's own text.
 * Read as parseIsoInstant reads it with dashes; undefined for anything else (`2015/01-01`, as DuckDB).
 */
function parseSlashedInstant(text: string): number | undefined {
  const trimmed = text.trim();
  return slashedDate.test(trimmed) ? parseIsoInstant(trimmed.replace("/", "-").replace("/", "-")) : undefined;
}

const isoInstant = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Milliseconds since 1970-01-01 UTC of an ISO-8601 date or date-time (`YYYY-MM-DD`, then optionally
 * `THH:MM[:SS[.fff]]` or with a space, then optionally `Z` or an offset `+HH[:MM]`), or undefined when
 * the text is not one or names an impossible date (2001-02-30). A time without an offset is UTC, as the
 * file readers take a naive timestamp. Date.parse is not used: it takes a naive date-time as local time.
 */
export function parseIsoInstant(text: string): number | undefined {
  const match = isoInstant.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const monthDays = [31, (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day > monthDays) return undefined;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999.
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    ms -= sign * offsetMinutes * 60_000;
  }
  return ms;
}
