/**
 * Typed errors. Errors are data: each carries a `code` and structured fields; they are turned into
 * words in one place, `formatError` in ./messages.ts. The CLI maps each class to an exit status and the
 * server (later) to an HTTP status.
 */

/** Where in the input an issue was found. Every field is optional; give what applies. */
export interface Location {
  /** The file the issue is in, as the user named it. */
  file?: string;
  /** The column (or field) name. */
  column?: string;
  /** 1-based line number in a text file, counting the header line. */
  line?: number;
  /** 1-based data row number (not counting a header). */
  row?: number;
}

/** Codes for problems with input data. */
export type DataIssueCode =
  | "file_not_found"
  | "empty_file"
  | "no_rows"
  | "unsupported_file_type"
  | "unreadable_file"
  | "unwritable_file"
  | "unknown_column"
  | "duplicate_column"
  | "single_class"
  | "target_all_missing"
  | "not_numeric"
  | "ragged_row"
  | "missing_feature"
  | "invalid_value"
  | "too_few_rows"
  | "no_features"
  | "length_mismatch";

/** One problem found in input data. */
export interface DataIssue extends Location {
  code: DataIssueCode;
  /** What was expected, in a few words ("a number", "2 or more classes"). */
  expected?: string;
  /** What was found instead (a value, a count, a type). */
  received?: string;
  /** Extra detail that does not fit the fields above. */
  detail?: string;
}

/** Base class of every error learnloop throws on purpose. */
export abstract class LearnloopError extends Error {
  abstract readonly kind: string;
}

/** Refusals a caller may answer differently from the rest (rare: most callers only show the message). */
export type InvalidParameterCode =
  /** A regression asked of a target read as text: a caller that implied the task names its own flag. */
  "regression_on_text_target";

/** A parameter (of an estimator, a command or a function) is missing, of the wrong type or out of range. */
export class InvalidParameterError extends LearnloopError {
  readonly kind = "invalid_parameter" as const;
  constructor(
    readonly parameter: string,
    readonly expected: string,
    readonly received: unknown,
    readonly owner?: string,
    readonly code?: InvalidParameterCode,
  ) {
    super(`${owner ? owner + ": " : ""}${parameter} must be ${expected}, got ${describeValue(received)}`);
    this.name = "InvalidParameterError";
  }
}

/** Input data is unusable; `issues` says where and why (the first is the headline). */
export class DataValidationError extends LearnloopError {
  readonly kind = "data_validation" as const;
  readonly issues: DataIssue[];
  constructor(issues: DataIssue | DataIssue[]) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((issue) => issue.code).join(", "));
    this.name = "DataValidationError";
    this.issues = list;
  }
}

/** Codes for problems with a model file. */
export type ModelFormatIssueCode =
  | "not_a_model"
  | "truncated"
  | "checksum_mismatch"
  | "newer_format"
  | "corrupt_header"
  | "unknown_model_kind";

/** A model file cannot be loaded: not a model, truncated, corrupted, or from a newer format. */
export class ModelFormatError extends LearnloopError {
  readonly kind = "model_format" as const;
  constructor(
    readonly code: ModelFormatIssueCode,
    readonly detail: string,
    readonly file?: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "ModelFormatError";
  }
}

/** A model was used before it was fitted, or a fitted part is missing. */
export class NotFittedError extends LearnloopError {
  readonly kind = "not_fitted" as const;
  constructor(readonly what: string) {
    super(`${what} is not fitted`);
    this.name = "NotFittedError";
  }
}

/** A metric is undefined for the given input (for example ROC AUC with one class present). */
export class MetricError extends LearnloopError {
  readonly kind = "metric" as const;
  constructor(
    readonly metric: string,
    readonly reason: string,
  ) {
    super(`${metric}: ${reason}`);
    this.name = "MetricError";
  }
}

/** `--strict` training found audit warnings: the run fails instead of reporting a number it cannot vouch for. */
export class AuditFailedError extends LearnloopError {
  readonly kind = "audit_failed" as const;
  constructor(
    readonly count: number,
    readonly first: string,
  ) {
    super(`the audit found ${count} problem${count === 1 ? "" : "s"} and --strict is set; first: ${first}`);
    this.name = "AuditFailedError";
  }
}

/** Codes for problems with the store of runs, the model registry and the prediction log. */
export type StoreIssueCode =
  /** No such run, model, version or artifact. */
  | "not_found"
  /** The change conflicts with the store's state (a name taken, a stage change that lost a race). */
  | "conflict"
  /** A stored artifact's bytes do not match its checksum. */
  | "integrity"
  /** The store cannot be reached or opened. */
  | "unavailable"
  /** The store's schema is newer than this learnloop, or a migration failed. */
  | "schema";

/** A store (SQLite or PostgreSQL) refused or failed an operation; `subject` names what it was about. */
export class StoreError extends LearnloopError {
  readonly kind = "store" as const;
  constructor(
    readonly code: StoreIssueCode,
    readonly subject: string,
    readonly detail: string,
  ) {
    super(`${subject}: ${detail}`);
    this.name = "StoreError";
  }
}

/**
 * Arrays and objects nested deeper than this are described by their kind, size and depth, not as JSON:
 * JSON.stringify recurses once per level and runs out of stack at a few thousand levels, which a JSON
 * body parsed by JSON.parse (iterative) may hold; and no one reads the first 57 characters of
 * "[[[[[[..." as the value they sent.
 */
const MAX_SHOWN_NESTING = 100;

/**
 * Shows a received value in an error message: strings quoted, long values cut; arrays and objects as
 * JSON, or when nested deeper than MAX_SHOWN_NESTING levels (or holding themselves) by their kind and
 * size ("an array of 1 item nested 100,000 levels deep").
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const cut = value.length > 60 ? value.slice(0, 57) + "..." : value;
    return JSON.stringify(cut);
  }
  if (value === undefined) return "nothing";
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return String(value);
  }
  if (typeof value === "bigint") return `${value}`;
  try {
    if (typeof value === "object") {
      const depth = nestingDepth(value);
      if (depth === "cyclic") return `${kindAndSize(value)} that contains itself`;
      if (depth > MAX_SHOWN_NESTING) return `${kindAndSize(value)} nested ${depth.toLocaleString("en-US")} levels deep`;
    }
    const json = JSON.stringify(value);
    return json.length > 60 ? json.slice(0, 57) + "..." : json;
  } catch {
    return typeof value === "object" && value !== null ? kindAndSize(value) : Object.prototype.toString.call(value);
  }
}

/** "an array of 3 items", "an object of 1 field". */
function kindAndSize(value: object): string {
  const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
  return Array.isArray(value) ? `an array of ${plural(value.length, "item")}` : `an object of ${plural(Object.keys(value).length, "field")}`;
}

/**
 * The levels of arrays and objects in `value` ([] is 1, [[1], 2] is 2), or "cyclic" when one holds
 * itself. Walked with a stack of its own, so any depth is measured without recursion; each array or
 * object is visited once per path to it (as JSON.stringify does). Typed arrays hold no levels below.
 */
function nestingDepth(value: object): number | "cyclic" {
  const childrenOf = (node: object): unknown[] => (ArrayBuffer.isView(node) ? [] : Array.isArray(node) ? node : Object.values(node));
  const path = new Set<object>([value]);
  const stack: { node: object; children: unknown[]; next: number }[] = [{ node: value, children: childrenOf(value), next: 0 }];
  let deepest = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.children.length) {
      path.delete(top.node);
      stack.pop();
      continue;
    }
    const child = top.children[top.next++];
    if (typeof child !== "object" || child === null) continue;
    if (path.has(child)) return "cyclic";
    path.add(child);
    stack.push({ node: child, children: childrenOf(child), next: 0 });
    deepest = Math.max(deepest, stack.length);
  }
  return deepest;
}
