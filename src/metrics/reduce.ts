/**
 * Sums and means computed the way numpy computes them, so that metrics agree with scikit-learn to the
 * last bits, not only to a tolerance. This matters where a metric divides by a difference of nearly
 * equal sums: for R^2 of a constant y_true of nine 0.1s, numpy's mean is exactly 0.1 (SS_tot = 0, and
 * sklearn returns 0) while a left-to-right mean is 0.09999999999999999 (SS_tot ~ 1e-34, R^2 ~ -1e34).
 */

/** numpy's block size: below it a sum is 8 interleaved accumulators, above it the range is halved. */
const BLOCK = 128;

/**
 * numpy's pairwise summation (`np.add.reduce` over a contiguous float64 range, which `np.sum`,
 * `np.mean` and `np.average` use): fewer than 8 values are added in order; up to 128 go into 8
 * interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the leftovers in
 * order; longer ranges split at half rounded down to a multiple of 8. Error O(log n) ulps.
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, length = values.length - start): number {
  if (length < 8) {
    let sum = 0;
    for (let i = start, end = start + length; i < end; i++) sum += values[i]!;
    return sum;
  }
  if (length <= BLOCK) {
    let r0 = values[start]!;
    let r1 = values[start + 1]!;
    let r2 = values[start + 2]!;
    let r3 = values[start + 3]!;
    let r4 = values[start + 4]!;
    let r5 = values[start + 5]!;
    let r6 = values[start + 6]!;
    let r7 = values[start + 7]!;
    const unrolledEnd = start + length - (length % 8);
    let i = start + 8;
    for (; i < unrolledEnd; i += 8) {
      r0 += values[i]!;
      r1 += values[i + 1]!;
      r2 += values[i + 2]!;
      r3 += values[i + 3]!;
      r4 += values[i + 4]!;
      r5 += values[i + 5]!;
      r6 += values[i + 6]!;
      r7 += values[i + 7]!;
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (const end = start + length; i < end; i++) sum += values[i]!;
    return sum;
  }
  let half = Math.floor(length / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, length - half);
}

/** `np.average(values, weights=weights)`: the mean, or sum(values * weights) / sum(weights). */
export function average(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const n = values.length;
  if (weights === undefined) return pairwiseSum(values) / n;
  const products = new Float64Array(n);
  for (let i = 0; i < n; i++) products[i] = values[i]! * weights[i]!;
  return pairwiseSum(products) / pairwiseSum(weights);
}
