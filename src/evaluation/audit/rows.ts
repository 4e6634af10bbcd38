/**
 * Exact rows shared by two datasets: each row's features and target hashed (two independent 32-bit
 * murmur3-style hashes), the training rows put in one open-addressing table, and each test row looked
 * up there; a hash match is confirmed by comparing the rows value by value, so the count is exact.
 *
 * Cost: one pass per column to hash (column at a time, so each pass reads one array), one insert per
 * training row and one probe per test row. The table holds row numbers (Int32Array, load <= 0.5).
 */
import type { Column, Dataset } from "../../core/types.js";

/** Murmur3's mixing step: h combined with one 32-bit word k. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Murmur3's finaliser: spreads every input bit over the output. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A NaN whatever its bit pattern, and -0 as 0: rows that compare equal hash equal. */
const NAN_LOW = 0x7ff80000;

/** The columns of a row as compared: the features, then the target when there is one. */
function columnsOf(data: Dataset): (Float64Array | Int32Array)[] {
  const columns: (Float64Array | Int32Array)[] = data.features.map((column: Column) => (column.kind === "numeric" ? column.values : column.codes));
  if (data.target) columns.push(data.target.values);
  return columns;
}

/**
 * Two 32-bit hashes of every row (features and target).
 * @example const { h1, h2 } = hashRows(train);
 */
export function hashRows(data: Dataset): { h1: Int32Array; h2: Int32Array } {
  const n = data.nRows;
  const h1 = new Int32Array(n);
  const h2 = new Int32Array(n).fill(0x5bd1e995);
  for (const values of columnsOf(data)) {
    if (values instanceof Int32Array) {
      for (let i = 0; i < n; i++) {
        h1[i] = mix(h1[i]!, values[i]!);
        h2[i] = mix(h2[i]!, values[i]! ^ 0x27d4eb2f);
      }
      continue;
    }
    // The float's two words without copying: little-endian low word at 2i, high word at 2i + 1.
    const words = new Int32Array(values.buffer, values.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let low = words[2 * i]!;
      let high = words[2 * i + 1]!;
      if (v !== v) {
        low = 0;
        high = NAN_LOW;
      } else if (v === 0) {
        low = 0;
        high = 0;
      }
      h1[i] = mix(mix(h1[i]!, low), high);
      h2[i] = mix(mix(h2[i]!, high), low);
    }
  }
  for (let i = 0; i < n; i++) {
    h1[i] = finish(h1[i]!);
    h2[i] = finish(h2[i]!);
  }
  return { h1, h2 };
}

function rowsEqual(a: (Float64Array | Int32Array)[], i: number, b: (Float64Array | Int32Array)[], j: number): boolean {
  for (let c = 0; c < a.length; c++) {
    const x = a[c]![i]!;
    const y = b[c]![j]!;
    if (x !== y && !(x !== x && y !== y)) return false;
  }
  return true;
}

/**
 * How many rows of `test` have an exact copy (every feature and the target; NaN equals NaN) among the
 * rows of `train`. Both must have the same columns in the same order with the same dictionaries.
 * @example sharedRows(train, test) // 12
 */
export function sharedRows(train: Dataset, test: Dataset): number {
  const a = columnsOf(train);
  const b = columnsOf(test);
  const ha = hashRows(train);
  const hb = hashRows(test);
  let capacity = 1024;
  while (capacity < 2 * train.nRows) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity); // row + 1; 0 is empty
  for (let r = 0; r < train.nRows; r++) {
    const h1 = ha.h1[r]!;
    const h2 = ha.h2[r]!;
    let s = h1 & mask;
    let copy = false;
    for (let t = slots[s]!; t !== 0; s = (s + 1) & mask, t = slots[s]!) {
      // A repeated training row is stored once, so a row repeated many times does not lengthen probes.
      if (ha.h1[t - 1] === h1 && ha.h2[t - 1] === h2 && rowsEqual(a, t - 1, a, r)) {
        copy = true;
        break;
      }
    }
    if (!copy) slots[s] = r + 1;
  }
  let count = 0;
  for (let r = 0; r < test.nRows; r++) {
    const h1 = hb.h1[r]!;
    const h2 = hb.h2[r]!;
    for (let s = h1 & mask, t = slots[s]!; t !== 0; s = (s + 1) & mask, t = slots[s]!) {
      if (ha.h1[t - 1] === h1 && ha.h2[t - 1] === h2 && rowsEqual(a, t - 1, b, r)) {
        count++;
        break;
      }
    }
  }
  return count;
}
