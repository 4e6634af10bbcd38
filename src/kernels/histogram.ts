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
