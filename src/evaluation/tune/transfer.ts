/**
 * What crosses the thread boundary of the tuning workers: the dataset, placed once in shared memory so
 * every worker reads the same bytes (no copy per worker), and errors, sent as data and rebuilt on the
 * other side as the same typed errors, so a trial's failure reads exactly as it would on one thread.
 */
import { DataValidationError, InvalidParameterError, MetricError, type DataIssue } from "../../core/errors.js";
import type { Column, Dataset } from "../../core/types.js";

/** The dataset with its columns and target copied into SharedArrayBuffers (extras are left out). */
export function toSharedDataset(data: Dataset): Dataset {
  const features: Column[] = data.features.map((column) =>
    column.kind === "numeric" ? { ...column, values: shared(column.values) } : { ...column, codes: shared(column.codes) },
  );
  const { extras: _extras, ...rest } = data;
  return { ...rest, features, ...(data.target ? { target: { ...data.target, values: shared(data.target.values) } } : {}) };
}

function shared<T extends Float64Array | Int32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const Constructor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Constructor(new SharedArrayBuffer(array.byteLength));
  out.set(array);
  return out;
}

/** An error as plain data. */
export type SentError =
  | { readonly type: "InvalidParameterError"; readonly parameter: string; readonly expected: string; readonly received: unknown; readonly owner?: string }
  | { readonly type: "DataValidationError"; readonly issues: DataIssue[] }
  | { readonly type: "MetricError"; readonly metric: string; readonly reason: string }
  | { readonly type: "Error"; readonly message: string; readonly stack?: string };

/** Turns a thrown value into data that postMessage can carry. */
export function sendableError(error: unknown): SentError {
  if (error instanceof InvalidParameterError) {
    return { type: "InvalidParameterError", parameter: error.parameter, expected: error.expected, received: cloneable(error.received), ...(error.owner ? { owner: error.owner } : {}) };
  }
  if (error instanceof DataValidationError) return { type: "DataValidationError", issues: error.issues };
  if (error instanceof MetricError) return { type: "MetricError", metric: error.metric, reason: error.reason };
  if (error instanceof Error) return { type: "Error", message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { type: "Error", message: String(error) };
}

/** Rebuilds the typed error that `sendableError` sent. */
export function receivedError(sent: SentError): Error {
  switch (sent.type) {
    case "InvalidParameterError":
      return new InvalidParameterError(sent.parameter, sent.expected, sent.received, sent.owner);
    case "DataValidationError":
      return new DataValidationError(sent.issues);
    case "MetricError":
      return new MetricError(sent.metric, sent.reason);
    case "Error": {
      const error = new Error(sent.message);
      if (sent.stack) error.stack = sent.stack;
      return error;
    }
  }
}

function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}
