/**
 * The column buffers readers fill. Readers know the number of rows only roughly in advance (a CSV's row
 * count costs a full scan to learn), so buffers start at an estimate (2% over) and grow by half when it
 * is short. `finish` returns a view of the rows when the spare room is under 1/16 of the buffer (copying
 * 200 MB of columns to trim 4 MB cost more time and, until the GC ran, twice the memory), and an exact
 * copy otherwise.
 */

import { open } from "node:fs/promises";

/** A column as a reader produced it, before the target is encoded and rows are dropped. */
export type ColumnData =
  | { readonly kind: "number"; values: Float64Array }
  | { readonly kind: "category"; codes: Int32Array; categories: readonly string[] };

/** What a reader returns: one ColumnData per planned output (features, then extras), and the target. */
export interface SourceData {
  readonly nRows: number;
  readonly outputs: ColumnData[];
  readonly target?: ColumnData;
}

function trim<T extends Float64Array | Int32Array>(array: T, n: number): T {
  if (array.length === n) return array;
  return (array.length - n <= array.length / 16 ? array.subarray(0, n) : array.slice(0, n)) as T;
}

/** A growable Float64Array. */
export class NumberBuffer {
  values: Float64Array;
  constructor(capacity: number, initial?: Float64Array) {
    this.values = initial ?? new Float64Array(capacity);
  }
  /** Makes room for `length` rows, keeping the first `used`. */
  reserve(length: number, used: number): void {
    if (length <= this.values.length) return;
    const grown = new Float64Array(Math.max(length, Math.ceil(this.values.length * 1.5)));
    grown.set(this.values.subarray(0, used));
    this.values = grown;
  }
  /** The first `n` values. */
  finish(n: number): Float64Array {
    this.values = trim(this.values, n);
    return this.values;
  }
}

/** A growable Int32Array of category codes. */
export class CodeBuffer {
  codes: Int32Array;
  constructor(capacity: number, initial?: Int32Array) {
    this.codes = initial ?? new Int32Array(capacity);
  }
  /** Makes room for `length` rows, keeping the first `used`. */
  reserve(length: number, used: number): void {
    if (length <= this.codes.length) return;
    const grown = new Int32Array(Math.max(length, Math.ceil(this.codes.length * 1.5)));
    grown.set(this.codes.subarray(0, used));
    this.codes = grown;
  }
  /** The first `n` codes. */
  finish(n: number): Int32Array {
    this.codes = trim(this.codes, n);
    return this.codes;
  }
}

/**
 * Keeps only the rows where `keep` is 1, in place, in every column; returns the new row count. Used to
 * drop rows whose target is missing after the read, so the read itself stays a straight copy.
 */
export function compactRows(columns: readonly (Float64Array | Int32Array)[], keep: Uint8Array): number {
  let kept = 0;
  for (let i = 0; i < keep.length; i++) kept += keep[i]!;
  for (const column of columns) {
    let o = 0;
    for (let i = 0; i < keep.length; i++) {
      if (keep[i]) column[o++] = column[i]!;
    }
  }
  return kept;
}

/**
 * The first buffers of a read, allocated before the query runs so that their memory can be paged in
 * (`pageIn`) while DuckDB is still busy with the dictionaries and the first chunks. A buffer the pool
 * has no more of is allocated as usual.
 */
export class ColumnArrays {
  readonly #numbers: Float64Array[] = [];
  readonly #codes: Int32Array[] = [];
  constructor(capacity: number, numbers: number, codes: number) {
    for (let i = 0; i < numbers; i++) this.#numbers.push(new Float64Array(capacity));
    for (let i = 0; i < codes; i++) this.#codes.push(new Int32Array(capacity));
  }
  /** Every array of the pool, for `pageIn`. */
  get arrays(): (Float64Array | Int32Array)[] {
    return [...this.#numbers, ...this.#codes];
  }
  number(): Float64Array | undefined {
    return this.#numbers.shift();
  }
  code(): Int32Array | undefined {
    return this.#codes.shift();
  }
}

/** How many reads of /dev/zero `pageIn` keeps in flight (each takes a libuv thread). */
const pageInThreads = 2;

/**
 * Makes the kernel map every page of `arrays` now, on libuv's threads, by reading /dev/zero into them
 * (the arrays are still all zeros, so their content does not change). A new 196 MB Dataset otherwise
 * takes ~48 000 page faults on the main thread as the read first writes each page: ~90 ms on the
 * benchmark machine, close to the CPU of DuckDB's whole scan of the flights Parquet file (~120 ms).
 * Measured on flights Parquet (9 interleaved runs each, shared machine): 368 ms against 402 ms without;
 * no faster when DuckDB has only one core, since the faults cost the same CPU elsewhere. Resolves when
 * every read has finished (never rejects: where /dev/zero cannot be read, as on Windows, the faults
 * simply happen later). The arrays must not be written before it resolves.
 */
export async function pageIn(arrays: readonly (Float64Array | Int32Array)[]): Promise<void> {
  const handle = await open("/dev/zero", "r").catch(() => undefined);
  if (!handle) return;
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let array = arrays[next++]; array; array = arrays[next++]) {
        const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
        for (let offset = 0; offset < bytes.length; ) {
          const { bytesRead } = await handle.read(bytes, offset, Math.min(bytes.length - offset, 1 << 30), null);
          if (bytesRead <= 0) return;
          offset += bytesRead;
        }
      }
    };
    const workers = Array.from({ length: pageInThreads }, () => worker());
    await Promise.allSettled(workers);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
