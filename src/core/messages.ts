/**
 * The one place where errors become words. Every message is a single line that names the file and,
 * where it applies, the column, the line or row, what was expected and what was found.
 */
import {
  AuditFailedError,
  DataValidationError,
  InvalidParameterError,
  LearnloopError,
  MetricError,
  ModelFormatError,
  NotFittedError,
  StoreError,
  describeValue,
  type DataIssue,
} from "./errors.js";

function where(issue: DataIssue): string {
  const parts: string[] = [];
  if (issue.file) parts.push(issue.file);
  if (issue.line !== undefined) parts.push(`line ${issue.line}`);
  if (issue.row !== undefined) parts.push(`row ${issue.row}`);
  if (issue.column !== undefined) parts.push(`column "${issue.column}"`);
  return parts.join(", ");
}

function expectation(issue: DataIssue): string {
  const bits: string[] = [];
  if (issue.expected) bits.push(`expected ${issue.expected}`);
  if (issue.received) bits.push(`got ${issue.received}`);
  return bits.join(", ");
}

const dataHeadline: Record<DataIssue["code"], string> = {
  file_not_found: "file not found",
  empty_file: "the file is empty",
  no_rows: "the file has a header but no data rows",
  unsupported_file_type: "unsupported file type",
  unreadable_file: "cannot read the file",
  unwritable_file: "cannot write the file",
  unknown_column: "unknown column",
  duplicate_column: "duplicate column name",
  single_class: "the target has a single class",
  target_all_missing: "the target is missing in every row",
  not_numeric: "a value in a numeric column is not a number",
  ragged_row: "the row has the wrong number of fields",
  missing_feature: "a feature the model needs is missing",
  invalid_value: "invalid value",
  too_few_rows: "too few rows",
  no_features: "no feature columns to learn from",
  length_mismatch: "columns have different lengths",
};

/** One line for one data issue. */
export function formatDataIssue(issue: DataIssue): string {
  const place = where(issue);
  const tail = [expectation(issue), issue.detail].filter(Boolean).join("; ");
  return `${place ? place + ": " : ""}${dataHeadline[issue.code]}${tail ? ` (${tail})` : ""}`;
}

/** Turns any thrown value into one line of text for a person to read. */
export function formatError(error: unknown): string {
  if (error instanceof DataValidationError) {
    const [first, ...rest] = error.issues;
    if (!first) return "invalid data";
    return formatDataIssue(first) + (rest.length > 0 ? ` (and ${rest.length} more issue${rest.length > 1 ? "s" : ""})` : "");
  }
  if (error instanceof InvalidParameterError) return error.message;
  if (error instanceof ModelFormatError) {
    const prefix = error.file ? `${error.file}: ` : "";
    const headline: Record<ModelFormatError["code"], string> = {
      not_a_model: "not a learnloop model file",
      truncated: "the model file is truncated",
      checksum_mismatch: "the model file is corrupted (checksum mismatch)",
      newer_format: "the model file is from a newer format version",
      corrupt_header: "the model file's header is corrupted",
      unknown_model_kind: "unknown model kind",
    };
    return `${prefix}${headline[error.code]} (${error.detail})`;
  }
  if (error instanceof NotFittedError) return error.message;
  if (error instanceof MetricError) return error.message;
  if (error instanceof LearnloopError) return error.message;
  if (error instanceof Error) return error.message.split("\n")[0] ?? String(error);
  return String(error);
}

/**
 * Exit status for the CLI: 2 for usage and data problems, 3 for model files, 4 for a failed --strict
 * audit, 5 for the store (not found, conflict, integrity, unreachable), 1 for anything else.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof AuditFailedError) return 4;
  if (error instanceof InvalidParameterError || error instanceof DataValidationError || error instanceof MetricError) return 2;
  if (error instanceof ModelFormatError) return 3;
  if (error instanceof StoreError) return 5;
  return 1;
}

/**
 * The note a reader gives when a model's fixed categories lack values of a column: those rows are read
 * as missing (both file readers, Arrow's and DuckDB's, word it here).
 */
export function unseenCategoriesNote(file: string, column: string, count: number, example: unknown): string {
  const rows = count === 1 ? "1 row holds a category" : `${count.toLocaleString("en-US")} rows hold categories`;
  return `${file}: column "${column}": ${rows} the model never saw (such as ${describeValue(example)}), read as missing`;
}

/** The note a reader gives when text in a model's date column does not parse: those values are read as missing. */
export function unparsedDatesNote(file: string, column: string, count: number, example: unknown): string {
  const rows = count === 1 ? "1 value is" : `${count.toLocaleString("en-US")} values are`;
  return `${file}: column "${column}": ${rows} not a date or timestamp (such as ${describeValue(example)}), read as missing`;
}
