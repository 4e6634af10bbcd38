/**
 * Gradient histograms over binned features.
 *
 * Layout: one flat Float64Array per leaf, all features side by side. Feature f owns the global bins
 * featureOffset[f] .. featureOffset[f] + nBins[f] - 1, and global bin k is interleaved as
 * [sumGradients, sumHessians] at hist[2k], hist[2k+1]: both sums share a cache line, which is what the
 * scatter-add touches per row (LightGBM's [g0,h0,g1,h1,...]).
 *
 * Gradients and hessians come as float32 pairs (XGBoost's and LightGBM's choice too): half the bytes to
 * gather, move and stream, while every sum is accumulated in float64.
 *
 * There is no count slot: a third scatter-add per (row, feature) cost 1.5x (1.80 vs 1.19 ns per update,
 * 800k rows x 28 features). Split search estimates counts from hessians instead (see ./split.ts), as
 * LightGBM does; the partition gives exact counts once a split is made.
 *
 * Binned features are column-major: the bin of row r, feature f is bins[f * nRows + r].
 *
 * The variants are separate functions, chosen once by the caller: the root histogram reads gradient
 * pairs in row order over every row; a child histogram reads an index list whose pairs are kept aligned
 * with it (so each pass reads them sequentially); the larger child is never built, it is the parent
 * minus the smaller child.
 *
 * The *Wasm variants at the end run the same loops in WebAssembly (./wasm/kernels.wat: one f64x2 add per
 * update, 4 features a pass) over arrays that live in the kernels' memory, 3-4x faster; the JavaScript
 * functions here are their naive twins in the tests and the fallback, and give the same sums bit for bit.
 */

/** Number of float64 slots per bin: sumGradients, sumHessians. */
export const HIST_STRIDE = 2;

/** Zeroes the bins of the given features. */
export function clearFeatures(features: Int32Array, nSelected: number, featureOffset: Int32Array, nBins: Int32Array, out: Float64Array): void {
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    out.fill(0, featureOffset[f]! * HIST_STRIDE, (featureOffset[f]! + nBins[f]!) * HIST_STRIDE);
  }
}

/**
 * Features in the next pass over the rows when `remaining` are left: the fewest passes of at most eight
 * (the widest unrolled pass), of near-equal widths. Seven features take one pass of seven, not four then
 * three: 1.05 vs 1.22 ns per update (800k rows, 256 bins, CPU time), which is the whole histogram of
 * the flights benchmark and every 7-feature block of the 28-feature one on two threads; 28 features take
 * 7+7+7+7 (as fast as 8+8+8+4). Each bin's sum is still added in row order, whatever the widths.
 */
export function passWidth(remaining: number): number {
  const passes = Math.ceil(remaining / 8);
  return Math.ceil(remaining / passes);
}

/**
 * Histogram of rows 0..nRows-1 of a column-major bin matrix (the root when every row is used), from
 * interleaved gradient/hessian pairs: gradHess[2r] = gradient of row r, gradHess[2r+1] = its hessian.
 * Only the first `nSelected` features of `features` are built (column subsampling).
 *
 * Up to eight features per pass over the rows (see passWidth): each row's gradient pair is loaded once
 * for up to eight scatter-adds, and the independent adds overlap in the CPU. Measured on 800k rows x 28
 * features with a count slot: 5.1-5.7 ns per (row, feature) one feature per pass, 1.9-2.3 ns four per
 * pass (row-major bins: 2.9-3.7); without the count slot 1.2 ns four per pass, 0.96 ns eight.
 */
export function buildHistogramAllRows(
  bins: Uint8Array,
  nRows: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  gradHess: Float32Array,
  out: Float64Array,
): void {
  clearFeatures(features, nSelected, featureOffset, nBins, out);
  for (let j = 0; j < nSelected; ) {
    const width = passWidth(nSelected - j);
    switch (width) {
      case 8: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const b5 = featureOffset[features[j + 5]!]! * HIST_STRIDE;
        const b6 = featureOffset[features[j + 6]!]! * HIST_STRIDE;
        const b7 = featureOffset[features[j + 7]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        const c7 = features[j + 7]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b5 + bins[c5 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b6 + bins[c6 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b7 + bins[c7 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 7: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const b5 = featureOffset[features[j + 5]!]! * HIST_STRIDE;
        const b6 = featureOffset[features[j + 6]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b5 + bins[c5 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b6 + bins[c6 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 6: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const b5 = featureOffset[features[j + 5]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b5 + bins[c5 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 5: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 4: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 3: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 2: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 1: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const g = gradHess[2 * r]!;
          const h = gradHess[2 * r + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
    }
    j += width;
  }
}

/**
 * Gathers the gradient/hessian pairs of rows[begin..begin+count) into `ordered`, aligned with `rows`:
 * the pair of rows[i] goes to ordered[2i], ordered[2i+1]. A leaf's pairs are then contiguous, so every
 * feature pass of buildHistogramOrdered reads them in sequence (LightGBM's "ordered gradients"). The
 * grower gathers once per tree and then keeps the pairs aligned through every partition
 * (partitionRowsWithPairs), because gathering each child's pairs by random index cost 20 ns per row,
 * 11% of a 1M-row fit.
 */
export function gatherGradients(rows: Int32Array, begin: number, count: number, gradHess: Float32Array, ordered: Float32Array): void {
  const end = begin + count;
  for (let i = begin; i < end; i++) {
    const r = rows[i]!;
    ordered[2 * i] = gradHess[2 * r]!;
    ordered[2 * i + 1] = gradHess[2 * r + 1]!;
  }
}

/**
 * Histogram of the rows rows[begin..begin+count), whose gradient pairs are in `ordered` aligned with
 * `rows` (see gatherGradients).
 * Rows within a leaf stay in ascending order (the partition is stable), so bins[colStart + r] walks each
 * column forward. Features in passes as buildHistogramAllRows.
 */
export function buildHistogramOrdered(
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
  begin: number,
  count: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  ordered: Float32Array,
  out: Float64Array,
): void {
  clearFeatures(features, nSelected, featureOffset, nBins, out);
  const end = begin + count;
  for (let j = 0; j < nSelected; ) {
    const width = passWidth(nSelected - j);
    switch (width) {
      case 8: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const b5 = featureOffset[features[j + 5]!]! * HIST_STRIDE;
        const b6 = featureOffset[features[j + 6]!]! * HIST_STRIDE;
        const b7 = featureOffset[features[j + 7]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        const c7 = features[j + 7]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b5 + bins[c5 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b6 + bins[c6 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b7 + bins[c7 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 7: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const b5 = featureOffset[features[j + 5]!]! * HIST_STRIDE;
        const b6 = featureOffset[features[j + 6]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b5 + bins[c5 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b6 + bins[c6 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 6: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const b5 = featureOffset[features[j + 5]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b5 + bins[c5 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 5: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const b4 = featureOffset[features[j + 4]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b4 + bins[c4 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 4: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const b3 = featureOffset[features[j + 3]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b3 + bins[c3 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 3: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const b2 = featureOffset[features[j + 2]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b2 + bins[c2 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 2: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const b1 = featureOffset[features[j + 1]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
          k = b1 + bins[c1 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
      case 1: {
        const b0 = featureOffset[features[j + 0]!]! * HIST_STRIDE;
        const c0 = features[j + 0]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = ordered[2 * i]!;
          const h = ordered[2 * i + 1]!;
          let k = b0 + bins[c0 + r]! * HIST_STRIDE;
          out[k] += g;
          out[k + 1] += h;
        }
        break;
      }
    }
    j += width;
  }
}

/**
 * The subtraction trick: out = parent - child over the selected features (out may be parent itself, so
 * the larger child's histogram replaces its parent's in place and costs O(bins), not O(rows)).
 */
export function subtractHistograms(
  parent: Float64Array,
  child: Float64Array,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  out: Float64Array,
): void {
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    const end = (featureOffset[f]! + nBins[f]!) * HIST_STRIDE;
    for (let k = featureOffset[f]! * HIST_STRIDE; k < end; k++) out[k] = parent[k]! - child[k]!;
  }
}

/**
 * Naive twin for tests: the histogram of the given rows built by a plain loop over rows and every feature,
 * reading gradients by row index.
 */
export function buildHistogramNaive(bins: Uint8Array, nRows: number, rows: ArrayLike<number>, nFeatures: number, featureOffset: Int32Array, nBins: Int32Array, gradients: Float64Array, hessians: Float64Array): Float64Array {
  let total = 0;
  for (let f = 0; f < nFeatures; f++) total = Math.max(total, featureOffset[f]! + nBins[f]!);
  const out = new Float64Array(total * HIST_STRIDE);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let f = 0; f < nFeatures; f++) {
      const k = (featureOffset[f]! + bins[f * nRows + r]!) * HIST_STRIDE;
      out[k] += gradients[r]!;
      out[k + 1] += hessians[r]!;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Quantized gradients (LightGBM 4's quantized training): each row's gradient and hessian are rounded
// stochastically to small integers gq in [-L, L] and hq in [0, L] and packed into one float64,
// gq * 2^shift + hq, so a (row, feature) update is one add of one number instead of two, and a histogram
// is one float64 per bin, half the memory and cache. The sums stay exact integers: L is chosen so that
// every sum of the fit stays below 2^53 (see quantizationLevels), so a bin's sum does not depend on the
// order of the additions, and a child's histogram is its parent's minus its sibling's exactly.
// The split search reads the sums unpacked and scaled back (unpackHistogram); leaf values are computed
// from the exact gradients (LightGBM's quant_train_renew_leaf).
// ---------------------------------------------------------------------------------------------------

/** The largest number of levels that keeps every packed sum over nRows rows exact, at most 127. */
export function quantizationLevels(nRows: number): number {
  // |sum gq| and sum hq are at most nRows * L; with 2^shift > nRows * L the packed sum is below
  // nRows * L * 2^(shift + 1) <= 4 (nRows * L)^2, so nRows * L <= 2^25.5 keeps it under 2^53.
  return Math.min(127, Math.floor(47453132 / Math.max(1, nRows)));
}

/** The scales and the shift of one tree's quantized gradients. */
export class Quantization {
  /** Gradient of one level: g is about gq * gradientScale. */
  gradientScale = 1;
  hessianScale = 1;
  /** hq occupies the low `shift` bits' worth: packed = gq * 2^shift + hq. */
  shift = 1;
  /** Sums of gq and hq over the rows (exact integers). */
  sumGradients = 0;
  sumHessians = 0;
}

/**
 * Quantizes the gradient/hessian pairs ghPairs[2i], ghPairs[2i+1] of n rows into packed[i] with `levels`
 * levels and stochastic rounding (floor(x + u), u uniform from a xorshift32 stream seeded by `seed`, so
 * the rounding is unbiased and the same for any number of threads). `packed` may be a Float64Array view of
 * the same memory as ghPairs (each pair is read before its word is written). Fills `q`.
 */
export function quantizeGradients(ghPairs: Float32Array, n: number, levels: number, seed: number, packed: Float64Array, q: Quantization): void {
  let maxG = 0;
  let maxH = 0;
  for (let i = 0; i < n; i++) {
    const g = Math.abs(ghPairs[2 * i]!);
    const h = Math.abs(ghPairs[2 * i + 1]!);
    if (g > maxG) maxG = g;
    if (h > maxH) maxH = h;
  }
  const gScale = maxG > 0 ? maxG / levels : 1;
  const hScale = maxH > 0 ? maxH / levels : 1;
  const gInverse = 1 / gScale;
  const hInverse = 1 / hScale;
  const shift = 2 ** Math.ceil(Math.log2(n * levels + 1));
  let state = seed | 0 || 0x9e3779b9;
  let sumG = 0;
  let sumH = 0;
  for (let i = 0; i < n; i++) {
    const g = ghPairs[2 * i]! * gInverse;
    const h = ghPairs[2 * i + 1]! * hInverse;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const gq = Math.floor(g + (state >>> 0) * 2.3283064365386963e-10);
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const hq = Math.floor(h + (state >>> 0) * 2.3283064365386963e-10);
    sumG += gq;
    sumH += hq;
    packed[i] = gq * shift + hq;
  }
  q.gradientScale = gScale;
  q.hessianScale = hScale;
  q.shift = shift;
  q.sumGradients = sumG;
  q.sumHessians = sumH;
}

/** Zeroes the packed bins of the given features. */
export function clearPacked(features: Int32Array, nSelected: number, featureOffset: Int32Array, nBins: Int32Array, out: Float64Array): void {
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    out.fill(0, featureOffset[f]!, featureOffset[f]! + nBins[f]!);
  }
}

/** buildHistogramAllRows over packed quantized gradients (packed[r] of row r): one float64 per bin. */
export function buildPackedAllRows(bins: Uint8Array, nRows: number, features: Int32Array, nSelected: number, featureOffset: Int32Array, nBins: Int32Array, packed: Float64Array, out: Float64Array): void {
  clearPacked(features, nSelected, featureOffset, nBins, out);
  for (let j = 0; j < nSelected; ) {
    const width = passWidth(nSelected - j);
    switch (width) {
      case 8: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const b5 = featureOffset[features[j + 5]!]!;
        const b6 = featureOffset[features[j + 6]!]!;
        const b7 = featureOffset[features[j + 7]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        const c7 = features[j + 7]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
          out[b5 + bins[c5 + r]!] += v;
          out[b6 + bins[c6 + r]!] += v;
          out[b7 + bins[c7 + r]!] += v;
        }
        break;
      }
      case 7: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const b5 = featureOffset[features[j + 5]!]!;
        const b6 = featureOffset[features[j + 6]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
          out[b5 + bins[c5 + r]!] += v;
          out[b6 + bins[c6 + r]!] += v;
        }
        break;
      }
      case 6: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const b5 = featureOffset[features[j + 5]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
          out[b5 + bins[c5 + r]!] += v;
        }
        break;
      }
      case 5: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
        }
        break;
      }
      case 4: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
        }
        break;
      }
      case 3: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
        }
        break;
      }
      case 2: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
        }
        break;
      }
      case 1: {
        const b0 = featureOffset[features[j + 0]!]!;
        const c0 = features[j + 0]! * nRows;
        for (let r = 0; r < nRows; r++) {
          const v = packed[r]!;
          out[b0 + bins[c0 + r]!] += v;
        }
        break;
      }
    }
    j += width;
  }
}

/** buildHistogramOrdered over packed quantized gradients aligned with rows (packed[i] of rows[i]). */
export function buildPackedOrdered(
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
  begin: number,
  count: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  packed: Float64Array,
  out: Float64Array,
): void {
  clearPacked(features, nSelected, featureOffset, nBins, out);
  const end = begin + count;
  for (let j = 0; j < nSelected; ) {
    const width = passWidth(nSelected - j);
    switch (width) {
      case 8: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const b5 = featureOffset[features[j + 5]!]!;
        const b6 = featureOffset[features[j + 6]!]!;
        const b7 = featureOffset[features[j + 7]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        const c7 = features[j + 7]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
          out[b5 + bins[c5 + r]!] += v;
          out[b6 + bins[c6 + r]!] += v;
          out[b7 + bins[c7 + r]!] += v;
        }
        break;
      }
      case 7: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const b5 = featureOffset[features[j + 5]!]!;
        const b6 = featureOffset[features[j + 6]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        const c6 = features[j + 6]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
          out[b5 + bins[c5 + r]!] += v;
          out[b6 + bins[c6 + r]!] += v;
        }
        break;
      }
      case 6: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const b5 = featureOffset[features[j + 5]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        const c5 = features[j + 5]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
          out[b5 + bins[c5 + r]!] += v;
        }
        break;
      }
      case 5: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const b4 = featureOffset[features[j + 4]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        const c4 = features[j + 4]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
          out[b4 + bins[c4 + r]!] += v;
        }
        break;
      }
      case 4: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const b3 = featureOffset[features[j + 3]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        const c3 = features[j + 3]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
          out[b3 + bins[c3 + r]!] += v;
        }
        break;
      }
      case 3: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const b2 = featureOffset[features[j + 2]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        const c2 = features[j + 2]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
          out[b2 + bins[c2 + r]!] += v;
        }
        break;
      }
      case 2: {
        const b0 = featureOffset[features[j + 0]!]!;
        const b1 = featureOffset[features[j + 1]!]!;
        const c0 = features[j + 0]! * nRows;
        const c1 = features[j + 1]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
          out[b1 + bins[c1 + r]!] += v;
        }
        break;
      }
      case 1: {
        const b0 = featureOffset[features[j + 0]!]!;
        const c0 = features[j + 0]! * nRows;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const v = packed[i]!;
          out[b0 + bins[c0 + r]!] += v;
        }
        break;
      }
    }
    j += width;
  }
}

/** out = parent - child over the selected features' packed bins (exact; out may be parent). */
export function subtractPacked(parent: Float64Array, child: Float64Array, features: Int32Array, nSelected: number, featureOffset: Int32Array, nBins: Int32Array, out: Float64Array): void {
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    const end = featureOffset[f]! + nBins[f]!;
    for (let k = featureOffset[f]!; k < end; k++) out[k] = parent[k]! - child[k]!;
  }
}

/** The packed histogram's selected features as [sumGradients, sumHessians] pairs, scaled back (the split search's layout). */
export function unpackHistogram(packed: Float64Array, features: Int32Array, nSelected: number, featureOffset: Int32Array, nBins: Int32Array, q: Quantization, out: Float64Array): void {
  const { shift, gradientScale, hessianScale } = q;
  const inverseShift = 1 / shift;
  for (let j = 0; j < nSelected; j++) {
    const f = features[j]!;
    const end = featureOffset[f]! + nBins[f]!;
    for (let k = featureOffset[f]!; k < end; k++) {
      const v = packed[k]!;
      const gq = Math.floor(v * inverseShift);
      out[k * HIST_STRIDE] = gq * gradientScale;
      out[k * HIST_STRIDE + 1] = (v - gq * shift) * hessianScale;
    }
  }
}

/** Naive twin: per bin, the sums of the integers gq and hq of the given rows, unpacked from `packed` by row. */
export function buildPackedNaive(bins: Uint8Array, nRows: number, rows: ArrayLike<number>, nFeatures: number, featureOffset: Int32Array, nBins: Int32Array, gq: ArrayLike<number>, hq: ArrayLike<number>): { g: Float64Array; h: Float64Array } {
  let total = 0;
  for (let f = 0; f < nFeatures; f++) total = Math.max(total, featureOffset[f]! + nBins[f]!);
  const g = new Float64Array(total);
  const h = new Float64Array(total);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let f = 0; f < nFeatures; f++) {
      const k = featureOffset[f]! + bins[f * nRows + r]!;
      g[k] += gq[r]!;
      h[k] += hq[r]!;
    }
  }
  return { g, h };
}

/**
 * The WebAssembly kernels (./wasm/kernels.wat) as instantiated over one memory. Pointers are byte
 * addresses in that memory.
 */
export interface WasmKernels {
  hist_rows_1(gh: number, n: number, c0: number, h0: number): void;
  hist_rows_2(gh: number, n: number, c0: number, c1: number, h0: number, h1: number): void;
  hist_rows_3(gh: number, n: number, c0: number, c1: number, c2: number, h0: number, h1: number, h2: number): void;
  hist_rows_4(gh: number, n: number, c0: number, c1: number, c2: number, c3: number, h0: number, h1: number, h2: number, h3: number): void;
  hist_index_1(rows: number, gh: number, n: number, c0: number, h0: number): void;
  hist_index_2(rows: number, gh: number, n: number, c0: number, c1: number, h0: number, h1: number): void;
  hist_index_3(rows: number, gh: number, n: number, c0: number, c1: number, c2: number, h0: number, h1: number, h2: number): void;
  hist_index_4(rows: number, gh: number, n: number, c0: number, c1: number, c2: number, c3: number, h0: number, h1: number, h2: number, h3: number): void;
  partition(rows: number, pairs: number, count: number, col: number, goLeft: number, scratchRows: number, scratchPairs: number): number;
}

/** Features in the next pass of the WebAssembly kernels: the fewest passes of at most four, of near-equal widths. */
export function wasmPassWidth(remaining: number): number {
  const passes = Math.ceil(remaining / 4);
  return Math.ceil(remaining / passes);
}

/**
 * buildHistogramAllRows with the WebAssembly kernels: the same sums, bit for bit (each bin's float64 sums
 * are added in row order), 4-5x faster (0.36 vs 1.7 ns per update, 800k rows x 28 features). `bins`,
 * `gradHess` and `out` must be views of the memory `kernels` were instantiated with (their byteOffset is
 * their address); `features`, `featureOffset` and `nBins` may be anywhere.
 */
export function buildHistogramAllRowsWasm(
  kernels: WasmKernels,
  bins: Uint8Array,
  nRows: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  gradHess: Float32Array,
  out: Float64Array,
): void {
  clearFeatures(features, nSelected, featureOffset, nBins, out);
  addHistogramRowsWasm(kernels, bins, nRows, 0, nRows, features, nSelected, featureOffset, nBins, gradHess, out);
}

/**
 * buildHistogramOrdered with the WebAssembly kernels (rows[begin..begin+count), their pairs aligned with
 * them in `ordered`): the same sums, bit for bit. The arrays as for buildHistogramAllRowsWasm, `rows` too.
 */
export function buildHistogramOrderedWasm(
  kernels: WasmKernels,
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
  begin: number,
  count: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  ordered: Float32Array,
  out: Float64Array,
): void {
  clearFeatures(features, nSelected, featureOffset, nBins, out);
  addHistogramOrderedWasm(kernels, bins, nRows, rows, begin, count, features, nSelected, featureOffset, nBins, ordered, out);
}

/**
 * The histogram of a leaf whose rows are several segments of `rows` (segment t: rows[segBegin[first + t]
 * .. + segCount[first + t]), see the grower's parallel partition): the segments' rows in order, as if
 * they were one list (each bin's sums are added segment after segment, so the result is the one of the
 * concatenated list, bit for bit).
 */
export function buildHistogramSegmentsWasm(
  kernels: WasmKernels,
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
  segBegin: Int32Array,
  segCount: Int32Array,
  first: number,
  nSegments: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  ordered: Float32Array,
  out: Float64Array,
): void {
  clearFeatures(features, nSelected, featureOffset, nBins, out);
  for (let t = first; t < first + nSegments; t++) addHistogramOrderedWasm(kernels, bins, nRows, rows, segBegin[t]!, segCount[t]!, features, nSelected, featureOffset, nBins, ordered, out);
}

/** buildHistogramOrderedWasm without clearing: adds the rows to the histogram's sums. */
export function addHistogramOrderedWasm(
  kernels: WasmKernels,
  bins: Uint8Array,
  nRows: number,
  rows: Int32Array,
  begin: number,
  count: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  ordered: Float32Array,
  out: Float64Array,
): void {
  const binsAt = bins.byteOffset;
  const histAt = out.byteOffset;
  const rowsAt = rows.byteOffset + 4 * begin;
  const ghAt = ordered.byteOffset + 8 * begin;
  for (let j = 0; j < nSelected; ) {
    const width = wasmPassWidth(nSelected - j);
    const f0 = features[j]!;
    const f1 = features[j + (width > 1 ? 1 : 0)]!;
    const f2 = features[j + (width > 2 ? 2 : 0)]!;
    const f3 = features[j + (width > 3 ? 3 : 0)]!;
    const c0 = binsAt + f0 * nRows;
    const h0 = histAt + featureOffset[f0]! * 16;
    if (width === 4) kernels.hist_index_4(rowsAt, ghAt, count, c0, binsAt + f1 * nRows, binsAt + f2 * nRows, binsAt + f3 * nRows, h0, histAt + featureOffset[f1]! * 16, histAt + featureOffset[f2]! * 16, histAt + featureOffset[f3]! * 16);
    else if (width === 3) kernels.hist_index_3(rowsAt, ghAt, count, c0, binsAt + f1 * nRows, binsAt + f2 * nRows, h0, histAt + featureOffset[f1]! * 16, histAt + featureOffset[f2]! * 16);
    else if (width === 2) kernels.hist_index_2(rowsAt, ghAt, count, c0, binsAt + f1 * nRows, h0, histAt + featureOffset[f1]! * 16);
    else kernels.hist_index_1(rowsAt, ghAt, count, c0, h0);
    j += width;
  }
}

/**
 * Adds rows begin..end-1 (their pairs in row order, gradHess[2r], gradHess[2r+1]) to the histograms of the
 * given features without clearing them: buildHistogramAllRowsWasm in pieces. Adding 0..a, then a..b, ...
 * gives each bin the same sums, bit for bit, as one pass over all rows.
 */
export function addHistogramRowsWasm(
  kernels: WasmKernels,
  bins: Uint8Array,
  nRows: number,
  begin: number,
  end: number,
  features: Int32Array,
  nSelected: number,
  featureOffset: Int32Array,
  nBins: Int32Array,
  gradHess: Float32Array,
  out: Float64Array,
): void {
  const binsAt = bins.byteOffset + begin;
  const histAt = out.byteOffset;
  const ghAt = gradHess.byteOffset + 8 * begin;
  const n = end - begin;
  for (let j = 0; j < nSelected; ) {
    const width = wasmPassWidth(nSelected - j);
    const f0 = features[j]!;
    const f1 = features[j + (width > 1 ? 1 : 0)]!;
    const f2 = features[j + (width > 2 ? 2 : 0)]!;
    const f3 = features[j + (width > 3 ? 3 : 0)]!;
    const c0 = binsAt + f0 * nRows;
    const h0 = histAt + featureOffset[f0]! * 16;
    if (width === 4) kernels.hist_rows_4(ghAt, n, c0, binsAt + f1 * nRows, binsAt + f2 * nRows, binsAt + f3 * nRows, h0, histAt + featureOffset[f1]! * 16, histAt + featureOffset[f2]! * 16, histAt + featureOffset[f3]! * 16);
    else if (width === 3) kernels.hist_rows_3(ghAt, n, c0, binsAt + f1 * nRows, binsAt + f2 * nRows, h0, histAt + featureOffset[f1]! * 16, histAt + featureOffset[f2]! * 16);
    else if (width === 2) kernels.hist_rows_2(ghAt, n, c0, binsAt + f1 * nRows, h0, histAt + featureOffset[f1]! * 16);
    else kernels.hist_rows_1(ghAt, n, c0, h0);
    j += width;
  }
}
