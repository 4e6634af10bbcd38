/**
 * Gradients and hessians of the boosting losses that are computed row by row from one raw score per row
 * (binary log loss, squared error, Poisson), over a range of rows, into interleaved float32 pairs
 * (gh[2r] the gradient of row r, gh[2r + 1] its hessian). The same formulas, in the same float64
 * operations, as src/models/gbdt/loss.ts, so any split of the rows into ranges (one per thread) gives
 * the same values bit for bit.
 *
 * Self-contained on purpose: the histogram workers run this function from its source text, where only
 * the constants they declare themselves (ROW_GRADIENT_MIN_HESSIAN) exist.
 */

/** The losses rowGradients computes. */
export type RowGradientLoss = "log_loss" | "squared_error" | "poisson";

/** Hessians below this are clamped (loss.ts's floor: a leaf of confident rows would get an unbounded value). */
export const ROW_GRADIENT_MIN_HESSIAN = 1e-16;

/**
 * Writes the pairs of rows begin..end-1: gh[2r], gh[2r + 1] from y[r], raw[r] (and weights[r] when
 * weights is not null, else weight 1).
 */
export function rowGradients(loss: RowGradientLoss, y: Float64Array, weights: Float64Array | null, raw: Float64Array, begin: number, end: number, gh: Float32Array): void {
  if (loss === "log_loss") {
    for (let r = begin; r < end; r++) {
      const p = 1 / (1 + Math.exp(-raw[r]!));
      const w = weights ? weights[r]! : 1;
      gh[2 * r] = (p - y[r]!) * w;
      gh[2 * r + 1] = Math.max(p * (1 - p), ROW_GRADIENT_MIN_HESSIAN) * w;
    }
  } else if (loss === "squared_error") {
    for (let r = begin; r < end; r++) {
      const w = weights ? weights[r]! : 1;
      gh[2 * r] = (raw[r]! - y[r]!) * w;
      gh[2 * r + 1] = w;
    }
  } else {
    for (let r = begin; r < end; r++) {
      const w = weights ? weights[r]! : 1;
      const mu = Math.exp(raw[r]!);
      gh[2 * r] = (mu - y[r]!) * w;
      gh[2 * r + 1] = Math.max(mu, ROW_GRADIENT_MIN_HESSIAN) * w;
    }
  }
}
