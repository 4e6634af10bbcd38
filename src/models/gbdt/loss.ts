/**
 * Losses of gradient boosting: gradients and hessians of each row w.r.t. its raw score, the initial
 * (prior) score, the validation loss, and the link from raw scores to predictions.
 *
 * Layouts: raw scores are row-major (raw[r * nRaw + k]), as prediction writes them; gradients and
 * hessians are float32 (computed in float64, stored rounded), output-major and interleaved in pairs: gh[k * 2 * nRows + 2r] is the gradient of row r for
 * output k and the next slot its hessian, so output k's pairs are one contiguous subarray and a row's
 * pair one cache line for the histogram kernels.
 *
 * Binary log loss's gradients have a WebAssembly twin (../../kernels/gradients.ts, used by the fit when it
 * runs the WebAssembly kernels) that gives the same float32 pairs bit for bit; this formula is its reference.
 */
import { MIN_HESSIAN } from "../../kernels/gradients.js";

/** The loss names a fitted model may carry. */
export type LossName = "log_loss" | "squared_error" | "absolute_error" | "huber" | "poisson";

/** A boosting loss. `weights` is null when every row has weight 1 (the common case, one multiply saved). */
export interface Loss {
  readonly name: LossName;
  /** Raw scores before any tree: the best constant. */
  initScores(y: Float64Array, weights: Float64Array | null, nRaw: number): Float64Array;
  /** Fills the interleaved gradient/hessian pairs (output-major, see above) from row-major raw scores. */
  gradients(y: Float64Array, weights: Float64Array | null, raw: Float64Array, nRows: number, nRaw: number, gh: Float32Array): void;
  /** Weighted mean loss of raw scores (for early stopping; lower is better). */
  meanLoss(y: Float64Array, weights: Float64Array | null, raw: Float64Array, nRows: number, nRaw: number): number;
  /** True when hessians are constant (1 times the weight): leaves need no hessian beyond the weight. */
  readonly constantHessian: boolean;
  /**
   * For losses whose Newton step is only a direction (absolute error, Huber): the value of a leaf from
   * the residuals y - f of its rows (and their weights), before the learning rate.
   */
  refitLeaf?(residuals: Float64Array, weights: Float64Array | null): number;
}

function weightedMean(y: Float64Array, weights: Float64Array | null): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = weights ? weights[i]! : 1;
    s += wi * y[i]!;
    w += wi;
  }
  return w > 0 ? s / w : 0;
}

function weightSum(weights: Float64Array | null, n: number): number {
  if (!weights) return n;
  let w = 0;
  for (let i = 0; i < n; i++) w += weights[i]!;
  return w;
}

const EPS = 1e-15;

/** Binary log loss (nRaw 1, raw = log odds of class 1) and multiclass softmax (nRaw = classes). */
export const logLoss: Loss = {
  name: "log_loss",
  constantHessian: false,
  initScores(y, weights, nRaw) {
    if (nRaw === 1) {
      const p = Math.min(1 - EPS, Math.max(EPS, weightedMean(y, weights)));
      return Float64Array.of(Math.log(p / (1 - p)));
    }
    const freq = new Float64Array(nRaw);
    for (let i = 0; i < y.length; i++) freq[y[i]!] += weights ? weights[i]! : 1;
    const total = weightSum(weights, y.length);
    return freq.map((c) => Math.log(Math.max(EPS, c / total)));
  },
  gradients(y, weights, raw, nRows, nRaw, gh) {
    if (nRaw === 1) {
      for (let r = 0; r < nRows; r++) {
        const p = 1 / (1 + Math.exp(-raw[r]!));
        const w = weights ? weights[r]! : 1;
        gh[2 * r] = (p - y[r]!) * w;
        gh[2 * r + 1] = Math.max(p * (1 - p), MIN_HESSIAN) * w;
      }
      return;
    }
    for (let r = 0; r < nRows; r++) {
      const start = r * nRaw;
      let max = -Infinity;
      for (let k = 0; k < nRaw; k++) max = Math.max(max, raw[start + k]!);
      let sum = 0;
      for (let k = 0; k < nRaw; k++) sum += Math.exp(raw[start + k]! - max);
      const w = weights ? weights[r]! : 1;
      const label = y[r]!;
      for (let k = 0; k < nRaw; k++) {
        const p = Math.exp(raw[start + k]! - max) / sum;
        gh[2 * (k * nRows + r)] = (p - (label === k ? 1 : 0)) * w;
        gh[2 * (k * nRows + r) + 1] = Math.max(p * (1 - p), MIN_HESSIAN) * w;
      }
    }
  },
  meanLoss(y, weights, raw, nRows, nRaw) {
    let total = 0;
    for (let r = 0; r < nRows; r++) {
      const w = weights ? weights[r]! : 1;
      if (nRaw === 1) {
        // log(1 + exp(-z)) for the true class, written to avoid overflow.
        const z = y[r]! === 1 ? raw[r]! : -raw[r]!;
        total += w * (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
      } else {
        const start = r * nRaw;
        let max = -Infinity;
        for (let k = 0; k < nRaw; k++) max = Math.max(max, raw[start + k]!);
        let sum = 0;
        for (let k = 0; k < nRaw; k++) sum += Math.exp(raw[start + k]! - max);
        total += w * (Math.log(sum) + max - raw[start + y[r]!]!);
      }
    }
    return total / weightSum(weights, nRows);
  },
};

/** Squared error: g = f - y, h = 1 (times the weight). */
export const squaredError: Loss = {
  name: "squared_error",
  constantHessian: true,
  initScores: (y, weights) => Float64Array.of(weightedMean(y, weights)),
  gradients(y, weights, raw, nRows, _nRaw, gh) {
    for (let r = 0; r < nRows; r++) {
      const w = weights ? weights[r]! : 1;
      gh[2 * r] = (raw[r]! - y[r]!) * w;
      gh[2 * r + 1] = w;
    }
  },
  meanLoss(y, weights, raw, nRows) {
    let total = 0;
    for (let r = 0; r < nRows; r++) total += (weights ? weights[r]! : 1) * (raw[r]! - y[r]!) ** 2;
    return total / weightSum(weights, nRows);
  },
};

/** Weighted median of values[0..n), for absolute error's prior and leaf values. */
export function weightedMedian(values: Float64Array, weights: Float64Array | null): number {
  const n = values.length;
  if (n === 0) return 0;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const half = weightSum(weights, n) / 2;
  let acc = 0;
  for (const i of order) {
    acc += weights ? weights[i]! : 1;
    if (acc >= half) return values[i]!;
  }
  return values[order[n - 1]!]!;
}

/**
 * Absolute error: g = sign(f - y), h = 1 (times the weight). The Newton leaf value of a sign gradient is
 * only a direction; the grower replaces it with the median residual of the leaf (see `refitLeaves`).
 */
export const absoluteError: Loss = {
  name: "absolute_error",
  constantHessian: true,
  refitLeaf: (residuals, weights) => weightedMedian(residuals, weights),
  initScores: (y, weights) => Float64Array.of(weightedMedian(y, weights)),
  gradients(y, weights, raw, nRows, _nRaw, gh) {
    for (let r = 0; r < nRows; r++) {
      const w = weights ? weights[r]! : 1;
      const d = raw[r]! - y[r]!;
      gh[2 * r] = (d > 0 ? 1 : d < 0 ? -1 : 0) * w;
      gh[2 * r + 1] = w;
    }
  },
  meanLoss(y, weights, raw, nRows) {
    let total = 0;
    for (let r = 0; r < nRows; r++) total += (weights ? weights[r]! : 1) * Math.abs(raw[r]! - y[r]!);
    return total / weightSum(weights, nRows);
  },
};

/** Weighted alpha-quantile of |values| over at most ~100k rows taken at a fixed stride (deterministic). */
function absQuantile(values: Float64Array, weights: Float64Array | null, alpha: number): number {
  const stride = Math.max(1, Math.floor(values.length / 100000));
  const n = Math.ceil(values.length / stride);
  const sample = new Float64Array(n);
  const sampleWeights = weights ? new Float64Array(n) : null;
  for (let i = 0, r = 0; i < n; i++, r += stride) {
    sample[i] = Math.abs(values[r]!);
    if (sampleWeights) sampleWeights[i] = weights![r]!;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sample[a]! - sample[b]!);
  const target = alpha * weightSum(sampleWeights, n);
  let acc = 0;
  for (const i of order) {
    acc += sampleWeights ? sampleWeights[i]! : 1;
    if (acc >= target) return sample[i]!;
  }
  return sample[order[n - 1]!]!;
}

/**
 * Huber loss (Friedman's M-regression, as scikit-learn's GradientBoostingRegressor): squared error for
 * residuals within delta, absolute beyond, where delta is the alpha-quantile of |residual| re-estimated
 * every round. Gradients are the clipped residuals; each leaf is then set to its median residual plus the
 * mean clipped deviation from that median. The validation loss uses the delta of the prior, so rounds are
 * compared on one scale.
 */
export function huberLoss(alpha: number): Loss {
  let delta = 1;
  let metricDelta = -1;
  return {
    name: "huber",
    constantHessian: true,
    initScores: (y, weights) => Float64Array.of(weightedMedian(y, weights)),
    gradients(y, weights, raw, nRows, _nRaw, gh) {
      const residuals = new Float64Array(nRows);
      for (let r = 0; r < nRows; r++) residuals[r] = y[r]! - raw[r]!;
      delta = absQuantile(residuals, weights, alpha);
      if (metricDelta < 0) metricDelta = delta;
      for (let r = 0; r < nRows; r++) {
        const w = weights ? weights[r]! : 1;
        const d = -residuals[r]!;
        gh[2 * r] = (d > delta ? delta : d < -delta ? -delta : d) * w;
        gh[2 * r + 1] = w;
      }
    },
    meanLoss(y, weights, raw, nRows) {
      const dm = metricDelta < 0 ? 1 : metricDelta;
      let total = 0;
      for (let r = 0; r < nRows; r++) {
        const d = Math.abs(raw[r]! - y[r]!);
        total += (weights ? weights[r]! : 1) * (d <= dm ? 0.5 * d * d : dm * (d - 0.5 * dm));
      }
      return total / weightSum(weights, nRows);
    },
    refitLeaf(residuals, weights) {
      const median = weightedMedian(residuals, weights);
      let sum = 0;
      for (let i = 0; i < residuals.length; i++) {
        const d = residuals[i]! - median;
        sum += (weights ? weights[i]! : 1) * (d > delta ? delta : d < -delta ? -delta : d);
      }
      const total = weightSum(weights, residuals.length);
      return total > 0 ? median + sum / total : median;
    },
  };
}

/** Poisson deviance with a log link: raw = log(mean); g = exp(f) - y, h = exp(f). Targets must be >= 0. */
export const poisson: Loss = {
  name: "poisson",
  constantHessian: false,
  initScores: (y, weights) => Float64Array.of(Math.log(Math.max(EPS, weightedMean(y, weights)))),
  gradients(y, weights, raw, nRows, _nRaw, gh) {
    for (let r = 0; r < nRows; r++) {
      const w = weights ? weights[r]! : 1;
      const mu = Math.exp(raw[r]!);
      gh[2 * r] = (mu - y[r]!) * w;
      gh[2 * r + 1] = Math.max(mu, MIN_HESSIAN) * w;
    }
  },
  meanLoss(y, weights, raw, nRows) {
    // Half the Poisson deviance, up to a term that depends on y only.
    let total = 0;
    for (let r = 0; r < nRows; r++) total += (weights ? weights[r]! : 1) * (Math.exp(raw[r]!) - y[r]! * raw[r]!);
    return total / weightSum(weights, nRows);
  },
};

/** The loss of a name (a fresh instance for Huber, which keeps its delta during a fit). */
export function lossByName(name: LossName, huberAlpha = 0.9): Loss {
  switch (name) {
    case "log_loss":
      return logLoss;
    case "squared_error":
      return squaredError;
    case "absolute_error":
      return absoluteError;
    case "huber":
      return huberLoss(huberAlpha);
    case "poisson":
      return poisson;
  }
}
