/**
 * The model file: data, never code. Layout (all integers little-endian):
 *
 *   magic        8 bytes   "LLMODEL\0"
 *   version      u32       format version (FORMAT_VERSION)
 *   headerLength u32       bytes of the JSON header
 *   header       JSON, UTF-8: format and learnloop versions, kind, task, schema, params, fingerprint,
 *                metrics, and a table of the numeric arrays (name, dtype, byte offset, length)
 *   padding      to an 8-byte boundary, so arrays can be viewed in place
 *   arrays       the numeric arrays, each 8-byte aligned
 *   checksum     32 bytes  SHA-256 of everything before it
 *
 * Loading checks the magic, the version, the length, then the checksum before it parses anything, so a
 * truncated or corrupted file is refused with a precise reason. Nothing in the file is ever evaluated.
 */
import { createHash } from "node:crypto";
import { ModelFormatError } from "../core/errors.js";
import type { Schema, Task } from "../core/types.js";
import type { DecisionRule } from "./types.js";

/** The format version this build writes; it reads this version and older ones. */
export const FORMAT_VERSION = 1;

/** The learnloop version written into model files. */
export const LEARNLOOP_VERSION = "0.1.0";

const MAGIC = Buffer.from("LLMODEL\0", "latin1");
const CHECKSUM_BYTES = 32;
const PREAMBLE_BYTES = MAGIC.length + 8;

/** The numeric array types a model file can hold. */
export type StoredArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

const DTYPES = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  u16: Uint16Array,
  i16: Int16Array,
  u8: Uint8Array,
  i8: Int8Array,
} as const;
type DType = keyof typeof DTYPES;

function dtypeOf(array: StoredArray): DType {
  if (array instanceof Float64Array) return "f64";
  if (array instanceof Float32Array) return "f32";
  if (array instanceof Int32Array) return "i32";
  if (array instanceof Uint32Array) return "u32";
  if (array instanceof Uint16Array) return "u16";
  if (array instanceof Int16Array) return "i16";
  if (array instanceof Uint8Array) return "u8";
  return "i8";
}

/** The JSON header of a model file. */
export interface ModelHeader {
  readonly formatVersion: number;
  readonly learnloopVersion: string;
  /** The model family, which decides how the arrays are read ("linear", "gbdt"...). */
  readonly kind: string;
  readonly task: Task;
  readonly schema: Schema;
  readonly params: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly fingerprint?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly info?: Readonly<Record<string, unknown>>;
  /** A binary classifier's decision threshold, when one was chosen. */
  readonly decision?: DecisionRule;
  /** Model-specific JSON state that is not a big numeric array. */
  readonly state?: unknown;
}

interface ArrayEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly offset: number;
  readonly length: number;
}

/** What a model file holds: its header and named numeric arrays. */
export interface ModelContent {
  readonly header: ModelHeader;
  readonly arrays: Readonly<Record<string, StoredArray>>;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Serialises a model's header and arrays into the bytes of a model file. */
export function encodeModelFile(header: Omit<ModelHeader, "formatVersion" | "learnloopVersion" | "createdAt"> & { createdAt?: string }, arrays: Readonly<Record<string, StoredArray>>): Uint8Array {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(arrays)) {
    entries.push({ name, dtype: dtypeOf(array), offset, length: array.length });
    offset = align8(offset + array.byteLength);
  }
  const fullHeader = {
    formatVersion: FORMAT_VERSION,
    learnloopVersion: LEARNLOOP_VERSION,
    createdAt: header.createdAt ?? new Date().toISOString(),
    ...header,
    arrays: entries,
  };
  const headerBytes = Buffer.from(JSON.stringify(fullHeader), "utf8");
  const arraysStart = align8(PREAMBLE_BYTES + headerBytes.length);
  const total = arraysStart + offset + CHECKSUM_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(MAGIC.length, FORMAT_VERSION, true);
  view.setUint32(MAGIC.length + 4, headerBytes.length, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  for (const entry of entries) {
    const array = arrays[entry.name]!;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), arraysStart + entry.offset);
  }
  const digest = createHash("sha256").update(out.subarray(0, total - CHECKSUM_BYTES)).digest();
  out.set(digest, total - CHECKSUM_BYTES);
  return out;
}

/**
 * Reads a model file's bytes: checks magic, version, length and checksum, then parses the header and
 * copies each array out (copies, so the model never aliases the caller's buffer).
 * Throws ModelFormatError with a precise code and detail.
 */
export function decodeModelFile(bytes: Uint8Array, file?: string): ModelContent {
  if (bytes.length < PREAMBLE_BYTES || !Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC)) {
    if (bytes.length < MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(MAGIC.subarray(0, bytes.length)) && bytes.length > 0) {
      throw new ModelFormatError("truncated", `${bytes.length} bytes, shorter than the file header`, file);
    }
    throw new ModelFormatError("not_a_model", bytes.length === 0 ? "the file is empty" : "it does not start with the learnloop model signature", file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(MAGIC.length, true);
  if (version > FORMAT_VERSION) {
    throw new ModelFormatError("newer_format", `format version ${version}; this learnloop ${LEARNLOOP_VERSION} reads versions up to ${FORMAT_VERSION}: upgrade learnloop`, file);
  }
  if (version < 1) throw new ModelFormatError("corrupt_header", `format version ${version} is not valid`, file);
  const headerLength = view.getUint32(MAGIC.length + 4, true);
  const arraysStart = align8(PREAMBLE_BYTES + headerLength);
  if (bytes.length < arraysStart + CHECKSUM_BYTES) {
    throw new ModelFormatError("truncated", `${bytes.length} bytes, but the header alone needs ${arraysStart + CHECKSUM_BYTES}`, file);
  }
  let parsed: ModelHeader & { arrays: ArrayEntry[] };
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + PREAMBLE_BYTES, headerLength).toString("utf8"));
  } catch {
    parsed = undefined as never;
  }
  const entries = parsed && Array.isArray(parsed.arrays) ? parsed.arrays : undefined;
  if (entries) {
    let end = 0;
    for (const entry of entries) {
      const ctor = DTYPES[entry.dtype];
      if (!ctor || !Number.isInteger(entry.offset) || !Number.isInteger(entry.length)) {
        end = -1;
        break;
      }
      end = Math.max(end, align8(entry.offset + entry.length * ctor.BYTES_PER_ELEMENT));
    }
    const expected = arraysStart + end + CHECKSUM_BYTES;
    if (end >= 0 && bytes.length < expected) {
      throw new ModelFormatError("truncated", `${bytes.length} bytes, expected ${expected}`, file);
    }
  }
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const stored = bytes.subarray(bytes.length - CHECKSUM_BYTES);
  const digest = createHash("sha256").update(body).digest();
  if (!digest.equals(Buffer.from(stored.buffer, stored.byteOffset, CHECKSUM_BYTES))) {
    throw new ModelFormatError("checksum_mismatch", "the stored SHA-256 does not match the content", file);
  }
  if (!entries || typeof parsed.kind !== "string" || typeof parsed.task !== "string" || typeof parsed.schema !== "object") {
    throw new ModelFormatError("corrupt_header", "the header is not a valid model description", file);
  }
  const arrays: Record<string, StoredArray> = {};
  for (const entry of entries) {
    const ctor = DTYPES[entry.dtype];
    if (!ctor) throw new ModelFormatError("corrupt_header", `array "${entry.name}" has unknown type ${entry.dtype}`, file);
    const start = arraysStart + entry.offset;
    const copy = new ArrayBuffer(entry.length * ctor.BYTES_PER_ELEMENT);
    new Uint8Array(copy).set(bytes.subarray(start, start + copy.byteLength));
    arrays[entry.name] = new ctor(copy);
  }
  const { arrays: _table, ...header } = parsed;
  return { header, arrays };
}

/** A function that rebuilds a fitted model of one kind from its file content. */
export type ModelLoader<M> = (content: ModelContent, file?: string) => M;
