/**
 * DuckDB's errors, turned into DataIssues. DuckDB's text is written for SQL users (it suggests
 * `ignore_errors=true` and prints the reader's settings); learnloop's users get one line naming the file,
 * the line and the column instead. Whatever cannot be recognised is wrapped as `unreadable_file` with
 * DuckDB's first line as detail, so nothing reaches the user raw.
 */
import { DataValidationError, LearnloopError, describeValue } from "../core/errors.js";

/** Raised when an auto-detected column turned out to hold text further down: read it again as text. */
export class ColumnIsText extends Error {
  constructor(
    readonly column: string,
    readonly line: number,
    readonly value: string,
    /** The type DuckDB detected from the first rows (BIGINT, DATE...). */
    readonly detectedType: string,
  ) {
    super(`column "${column}" holds text at line ${line}`);
    this.name = "ColumnIsText";
  }
}

/** Raised when a CSV column of numbers holds a missing-value word ("null", "None"): read the file again with pandas' list. */
export class MissingValueWord extends Error {
  constructor(
    readonly column: string,
    readonly value: string,
  ) {
    super(`column "${column}" holds ${JSON.stringify(value)} among numbers`);
    this.name = "MissingValueWord";
  }
}

/** Raised when DuckDB's CSV sniffer gave up; the caller looks for the cause itself. */
export class SniffFailed extends Error {
  constructor(readonly firstLine: string) {
    super(firstLine);
    this.name = "SniffFailed";
  }
}

/** What the mapper needs to know about the read that failed. */
export interface ErrorContext {
  readonly file: string;
  /** Columns the user (or a schema) declared numeric: a text value there is an error, not a retry. */
  readonly declaredNumeric: ReadonlySet<string>;
  /** Strings that are read as missing when a column of numbers holds them (after one retry, none). */
  readonly missingWords?: ReadonlySet<string>;
}

/** The first line of an error's message, without DuckDB's "Xxx Error: " prefix. */
export function firstLineOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split("\n")[0] ?? text;
  return line.replace(/^[A-Za-z ]*Error: /, "").trim();
}

/** Maps a DuckDB error to what learnloop throws (or to a retry / sniff signal for the reader). */
export function mapDuckDBError(error: unknown, context: ErrorContext): Error {
  if (!(error instanceof Error)) return new DataValidationError({ code: "unreadable_file", file: context.file, detail: String(error) });
  if (error instanceof LearnloopError || error instanceof ColumnIsText || error instanceof SniffFailed || error instanceof MissingValueWord) return error;
  const { file } = context;
  const message = error.message;
  const csvLine = /CSV Error on Line: (\d+)/.exec(message);
  if (csvLine) {
    const line = Number(csvLine[1]);
    const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
    if (ragged) {
      return new DataValidationError({
        code: "ragged_row",
        file,
        line,
        expected: `${ragged[1]} fields`,
        received: `${ragged[2]} fields`,
      });
    }
    const conversion = /Error when converting column "(.*)"\. Could not convert string "(.*)" to '([^']*)'/.exec(message);
    if (conversion) {
      const column = conversion[1]!;
      const value = conversion[2]!;
      if (context.missingWords?.has(value) && /^(DOUBLE|FLOAT|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|DECIMAL)/.test(conversion[3]!)) return new MissingValueWord(column, value);
      if (context.declaredNumeric.has(column)) {
        return new DataValidationError({ code: "not_numeric", file, line, column, expected: "a number", received: describeValue(value) });
      }
      return new ColumnIsText(column, line, value, conversion[3]!);
    }
    const tooLong = /Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+) bytes/.exec(message);
    if (tooLong) {
      const bytes = (text: string) => Number(text).toLocaleString("en-US");
      return new DataValidationError({
        code: "unreadable_file",
        file,
        expected: `lines of at most ${bytes(tooLong[1]!)} bytes`,
        received: `a line of ${bytes(tooLong[2]!)} bytes`,
        detail: "DuckDB reads no longer line; leave the long text column out of the file",
      });
    }
    // DuckDB's next line quotes the offending line whole ("Original Line: ..."): its reason comes after.
    const reason = message
      .split("\n")
      .slice(1)
      .map((text) => text.trim())
      .find((text) => text !== "" && !text.startsWith("Original Line:"));
    return new DataValidationError({ code: "unreadable_file", file, line, detail: (reason ?? firstLineOf(error)).slice(0, 300) });
  }
  if (/Error when sniffing file/.test(message)) return new SniffFailed(firstLineOf(error));
  const json = /Malformed JSON in file ".*", at byte \d+ in (line|record\/value) (\d+): (.*?)\s*$/m.exec(message);
  if (json) {
    // DuckDB counts one past the line (NDJSON) or the record of an array (JSON) that is malformed.
    const at = Math.max(1, Number(json[2]) - 1);
    const place = json[1] === "line" ? { line: at } : { row: at };
    return new DataValidationError({ code: "unreadable_file", file, ...place, detail: `malformed JSON: ${json[3]!.replace(/\.$/, "")}` });
  }
  if (/No magic bytes found at end of file/.test(message)) {
    return new DataValidationError({ code: "unreadable_file", file, detail: "it is not a Parquet file: no Parquet magic bytes at its end" });
  }
  if (/No files found that match the pattern/.test(message)) return new DataValidationError({ code: "file_not_found", file });
  return new DataValidationError({ code: "unreadable_file", file, detail: firstLineOf(error) });
}
