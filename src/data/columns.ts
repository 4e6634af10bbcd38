/**
 * The column buffers readers fill. Readers know the number of rows only roughly in advance (a CSV's row
 * count costs a full scan to learn), so buffers start at an estimate (2% over) and grow by half when it
 * is short. `finish` returns a view of the rows when the spare room is under 1/16 of the buffer (copying
 * 200 MB of columns to trim 4 MB cost more time and, until the GC ran, twice the memory), and an exact
 * copy otherwise.
 */

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
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
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
  constructor(capacity: number) {
    this.codes = new Int32Array(capacity);
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
