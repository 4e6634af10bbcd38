/**
 * Row partition: one Int32Array of row indices holds every leaf of the tree being grown; leaf i owns the
 * slice rows[leafBegin[i] .. leafBegin[i] + leafCount[i]) (LightGBM's DataPartition). Splitting a leaf
 * rearranges its slice in place so the left child's rows come first, then the right child's.
 *
 * A split is given as a 256-entry table `goLeft` (1 = left) indexed by bin, which covers numeric
 * thresholds, the missing bin's direction and categorical sets with one branch-free inner loop.
 */
import type { WasmKernels } from "./histogram.js";

/**
 * Stable partition of rows[begin..begin+count) by goLeft[bins[colStart + row]]: left rows first, then
 * right rows, each in their original (ascending) order. `scratch` holds the right rows meanwhile and must
 * have room for `count` entries. Returns the number of left rows.
 *
 * Branch-free: every row is written to both destinations and only the matching cursor advances, so the
 * loop never mispredicts on a 50/50 split. Writing rows[begin+nLeft] is safe because nLeft <= i.
 */
export function partitionRows(rows: Int32Array, begin: number, count: number, bins: Uint8Array, colStart: number, goLeft: Uint8Array, scratch: Int32Array): number {
  let nLeft = 0;
  let nRight = 0;
  const end = begin + count;
  for (let i = begin; i < end; i++) {
    const r = rows[i]!;
    const left = goLeft[bins[colStart + r]!]!;
    rows[begin + nLeft] = r;
    scratch[nRight] = r;
    nLeft += left;
    nRight += 1 - left;
  }
  rows.set(scratch.subarray(0, nRight), begin + nLeft);
  return nLeft;
}

/**
 * partitionRows that also moves each row's gradient/hessian pair, kept aligned with `rows`, so that a
 * child's pairs stay contiguous for its histogram. The pairs move in sequence, which is far cheaper than
 * gathering them again by row index.
 *
 * `pairs` is a Float64Array view of the float32 pairs (the pair of rows[i] is the 8-byte word pairs[i]):
 * one load and one store per row instead of two float32 loads, two conversions to double and back and
 * two stores (the partition phase of the 1M x 28 benchmark: see bench/gbdt/RESULTS.md). The words are
 * moved, never computed with, so each pair arrives bit for bit; a word is never a NaN pattern (which a
 * copy might canonicalise) while the hessian, the high half on little-endian machines, is finite.
 * `scratchPairs` needs room for `count` words.
 */
export function partitionRowsWithPairs(
  rows: Int32Array,
  pairs: Float64Array,
  begin: number,
  count: number,
  bins: Uint8Array,
  colStart: number,
  goLeft: Uint8Array,
  scratch: Int32Array,
  scratchPairs: Float64Array,
): number {
  let nLeft = 0;
  let nRight = 0;
  const end = begin + count;
  for (let i = begin; i < end; i++) {
    const r = rows[i]!;
    const pair = pairs[i]!;
    const left = goLeft[bins[colStart + r]!]!;
    rows[begin + nLeft] = r;
    pairs[begin + nLeft] = pair;
    scratch[nRight] = r;
    scratchPairs[nRight] = pair;
    nLeft += left;
    nRight += 1 - left;
  }
  rows.set(scratch.subarray(0, nRight), begin + nLeft);
  pairs.set(scratchPairs.subarray(0, nRight), begin + nLeft);
  return nLeft;
}

/**
 * The goLeft table of a numeric split: value bins 0..threshold go left, the missing bin (nBins-1) goes
 * where `missingLeft` says, every other bin goes right.
 */
export function numericGoLeft(binThreshold: number, nBins: number, missingLeft: boolean, out: Uint8Array): void {
  out.fill(0);
  for (let b = 0; b <= binThreshold; b++) out[b] = 1;
  out[nBins - 1] = missingLeft ? 1 : 0;
}

/** The goLeft table of a categorical split from its bitset of left bins (32 bins per word). */
export function categoricalGoLeft(leftBins: Uint32Array, nBins: number, missingLeft: boolean, out: Uint8Array): void {
  out.fill(0);
  for (let b = 0; b < nBins - 1; b++) out[b] = (leftBins[b >>> 5]! >>> (b & 31)) & 1;
  out[nBins - 1] = missingLeft ? 1 : 0;
}

/** Naive twin for tests: the same partition with Array.filter. */
export function partitionNaive(rows: ArrayLike<number>, bins: Uint8Array, colStart: number, goLeft: Uint8Array): { left: number[]; right: number[] } {
  const list = Array.from(rows);
  return {
    left: list.filter((r) => goLeft[bins[colStart + r]!] === 1),
    right: list.filter((r) => goLeft[bins[colStart + r]!] !== 1),
  };
}

/**
 * partitionRowsWithPairs with the WebAssembly kernel (./wasm/kernels.wat): the same rows, pairs and count,
 * 3-4x faster (1.7 vs 6.3 ns per row, 800k rows split 50/50). Every array must be a view of the memory
 * `kernels` were instantiated with (its byteOffset is its address); `goLeft` holds the 256-entry table.
 */
export function partitionRowsWithPairsWasm(
  kernels: WasmKernels,
  rows: Int32Array,
  pairs: Float64Array,
  begin: number,
  count: number,
  bins: Uint8Array,
  colStart: number,
  goLeft: Uint8Array,
  scratch: Int32Array,
  scratchPairs: Float64Array,
): number {
  return kernels.partition(rows.byteOffset + 4 * begin, pairs.byteOffset + 8 * begin, count, bins.byteOffset + colStart, goLeft.byteOffset, scratch.byteOffset, scratchPairs.byteOffset);
}
