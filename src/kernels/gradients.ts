/**
 * Gradients of binary log loss in WebAssembly (kernels.wat `logloss_gradients`): the same float32 pairs
 * as the JavaScript formula of src/models/gbdt/loss.ts (its naive twin, tested equal bit for bit), 3x
 * faster (3.95 vs 12 ns a row, see kernels.wat). Bit for bit because the module's exp is fdlibm's, the
 * algorithm of V8's Math.exp, evaluated two rows at a time in f64x2 with the same operations in order.
 */

/** Hessians below this are clamped: a leaf of confident rows would otherwise get an unbounded value. */
export const MIN_HESSIAN = 1e-16;

/** The export of the WebAssembly module used here (its other kernels are typed in ./histogram.ts). */
export interface LogLossGradientKernel {
  logloss_gradients(raw: number, y: number, w: number, weighted: number, out: number, n: number, sums: number): number;
}

/**
 * Writes the (gradient, hessian) pairs of binary log loss for rows begin..end-1 into out[2r], out[2r + 1]
 * (float32, from p = 1 / (1 + exp(-raw[r]))) and adds each stored pair, row after row, to sums[0] and
 * sums[1]. raw (log odds), y (0/1 labels), weights (null: all 1), out and sums (2 float64) must be views
 * of the memory `kernels` were instantiated with, all indexed by row from 0.
 */
export function logLossGradientsWasm(kernels: LogLossGradientKernel, raw: Float64Array, y: Float64Array, weights: Float64Array | null, begin: number, end: number, out: Float32Array, sums: Float64Array): void {
  let r = begin;
  for (;;) {
    r += kernels.logloss_gradients(raw.byteOffset + 8 * r, y.byteOffset + 8 * r, weights ? weights.byteOffset + 8 * r : 0, weights ? 1 : 0, out.byteOffset + 8 * r, end - r, sums.byteOffset);
    if (r >= end) return;
    // A row the kernel leaves (an odd last row, |raw| >= 704 or NaN): the formula, with Math.exp.
    const p = 1 / (1 + Math.exp(-raw[r]!));
    const w = weights ? weights[r]! : 1;
    out[2 * r] = (p - y[r]!) * w;
    out[2 * r + 1] = Math.max(p * (1 - p), MIN_HESSIAN) * w;
    sums[0] += out[2 * r]!;
    sums[1] += out[2 * r + 1]!;
    r++;
  }
}
