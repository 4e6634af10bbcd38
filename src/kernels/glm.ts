/**
 * Kernels of generalized linear models: link functions, weighted log losses and the coordinate-descent
 * sweep that solves every L1 / elastic-net subproblem of the linear models. Pure functions over typed
 * arrays, `(inputs..., out)`, no allocation, no imports; each has a naive twin in glm.test.ts.
 */

/**
 * out[i] = 1 / (1 + exp(-z[i])), computed without overflow: for negative z as e / (1 + e) with e = exp(z).
 *
 * @example sigmoid(new Float64Array([0]), 1, out); // out[0] === 0.5
 */
export function sigmoid(z: Float64Array, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const zi = z[i]!;
    if (zi >= 0) {
      out[i] = 1 / (1 + Math.exp(-zi));
    } else {
      const e = Math.exp(zi);
      out[i] = e / (1 + e);
    }
  }
}

/**
 * Row-wise softmax of an nRows x nCols row-major matrix. The row maximum is subtracted first, so no
 * exponential overflows; a row with -Infinity entries (a class the model never saw) gets probability 0
 * there. Infinite maxima are the limits, not NaN (Infinity - Infinity): a row whose maximum is Infinity
 * shares probability 1 equally among its Infinity entries, and a row of -Infinity only is uniform (as
 * equal margins are). `out` may be `z`.
 */
export function softmaxRows(z: Float64Array, nRows: number, nCols: number, out: Float64Array): void {
  for (let i = 0, row = 0; i < nRows; i++, row += nCols) {
    let max = -Infinity;
    for (let k = 0; k < nCols; k++) if (z[row + k]! > max) max = z[row + k]!;
    if (max === Infinity || max === -Infinity) {
      let count = 0;
      for (let k = 0; k < nCols; k++) if (z[row + k] === max) count++;
      for (let k = 0; k < nCols; k++) out[row + k] = z[row + k] === max ? 1 / count : 0;
      continue;
    }
    let sum = 0;
    for (let k = 0; k < nCols; k++) {
      const e = Math.exp(z[row + k]! - max);
      out[row + k] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let k = 0; k < nCols; k++) out[row + k] *= inverse;
  }
}

/**
 * sum_i w[i] * logloss(y[i], z[i]) for binary labels y in {0, 1} and margins z: log(1 + exp(z)) - y z,
 * with log(1 + exp(z)) computed as max(z, 0) + log1p(exp(-|z|)) so large margins neither overflow nor
 * lose the small term.
 */
export function binaryLogLoss(z: Float64Array, y: Int32Array, w: Float64Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i]!;
    const softplus = (zi > 0 ? zi : 0) + Math.log1p(Math.exp(-Math.abs(zi)));
    total += w[i]! * (softplus - (y[i] === 1 ? zi : 0));
  }
  return total;
}

/**
 * sum_i w[i] * (logsumexp(z[i, :]) - z[i, y[i]]) for margins z (nRows x nClasses, row-major) and class
 * indices y: the multinomial log loss, with the row maximum factored out of the log-sum-exp.
 */
export function multinomialLogLoss(z: Float64Array, y: Int32Array, w: Float64Array, nRows: number, nClasses: number): number {
  let total = 0;
  for (let i = 0, row = 0; i < nRows; i++, row += nClasses) {
    let max = -Infinity;
    for (let k = 0; k < nClasses; k++) if (z[row + k]! > max) max = z[row + k]!;
    let sum = 0;
    for (let k = 0; k < nClasses; k++) sum += Math.exp(z[row + k]! - max);
    total += w[i]! * (max + Math.log(sum) - z[row + y[i]!]!);
  }
  return total;
}

/**
 * One cyclic coordinate-descent sweep on
 *
 *     q(u) = 1/2 u^T A u - b^T u + l1 * sum_{j < nPenalized} |u_j| + l2/2 * sum_{j < nPenalized} u_j^2
 *
 * for a symmetric positive semi-definite n x n matrix A (coordinates nPenalized..n-1, the intercept, are
 * not penalized). Each coordinate is minimized exactly: u_j = S(A_jj u_j - (Au)_j + b_j, l1) / (A_jj + l2),
 * with S the soft-threshold. `au` must hold A u on entry and is kept equal to it (one axpy per changed
 * coordinate, so a sweep costs O(n^2) whatever the data size: this is the "covariance" form of coordinate
 * descent, which pays once for A = X^T W X and then never touches the rows again).
 * Coordinates with A_jj + l2 = 0 (an all-zero column) stay where they are.
 *
 * Returns the largest |change of u_j| * (A_jj + l2), an estimate of how far the gradient moved, which the
 * callers compare with their tolerance.
 */
export function coordinateDescentSweep(a: Float64Array, n: number, b: Float64Array, nPenalized: number, l1: number, l2: number, u: Float64Array, au: Float64Array): number {
  let maxChange = 0;
  for (let j = 0; j < n; j++) {
    const penalized = j < nPenalized;
    const ajj = a[j * n + j]!;
    const curvature = ajj + (penalized ? l2 : 0);
    if (!(curvature > 0)) continue;
    const old = u[j]!;
    const rho = ajj * old - au[j]! + b[j]!;
    let next: number;
    if (penalized) {
      next = rho > l1 ? (rho - l1) / curvature : rho < -l1 ? (rho + l1) / curvature : 0;
    } else {
      next = rho / curvature;
    }
    const delta = next - old;
    if (delta === 0) continue;
    u[j] = next;
    // A is symmetric, so column j is row j: read it in memory order.
    for (let k = 0, row = j * n; k < n; k++) au[k] += delta * a[row + k]!;
    const change = Math.abs(delta) * curvature;
    if (change > maxChange) maxChange = change;
  }
  return maxChange;
}

/**
 * The largest violation of the optimality conditions of min f(u) + l1 |u_pen|_1 + l2/2 |u_pen|^2 given
 * the gradient g of the smooth part f at u: for a penalized coordinate, the distance of 0 from the
 * subdifferential (g_j + l2 u_j + l1 sign(u_j) when u_j != 0, max(|g_j| - l1, 0) when u_j = 0); for an
 * unpenalized one, |g_j|. Zero exactly at the optimum, so it is the solvers' stopping test.
 */
export function optimalityViolation(g: Float64Array, u: Float64Array, n: number, nPenalized: number, l1: number, l2: number): number {
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const gj = g[j]!;
    let v: number;
    if (j >= nPenalized) v = Math.abs(gj);
    else {
      const uj = u[j]!;
      if (uj > 0) v = Math.abs(gj + l2 * uj + l1);
      else if (uj < 0) v = Math.abs(gj + l2 * uj - l1);
      else v = Math.max(Math.abs(gj) - l1, 0);
    }
    if (v > worst || Number.isNaN(v)) worst = v;
  }
  return worst;
}

/**
 * The log loss and its residuals at margins z, for the gradient-based solver: returns
 * sum_i w[i] * loss_i and writes residual[i, k] = w[i] * (p[i, k] - [y[i] = k]), the derivative of that
 * sum with respect to z[i, k]. nOutputs 1 is the binary model (sigmoid, y in {0, 1}); more is the
 * multinomial one (softmax over nOutputs classes). One pass over z, one exponential per entry: the
 * loss and the probabilities share the row's log-sum-exp.
 */
export function logLossResiduals(z: Float64Array, y: Int32Array, w: Float64Array, nRows: number, nOutputs: number, residual: Float64Array): number {
  let total = 0;
  if (nOutputs === 1) {
    for (let i = 0; i < nRows; i++) {
      const zi = z[i]!;
      const e = Math.exp(-Math.abs(zi));
      const softplus = (zi > 0 ? zi : 0) + Math.log1p(e);
      const p = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
      const label = y[i] === 1 ? 1 : 0;
      total += w[i]! * (softplus - label * zi);
      residual[i] = w[i]! * (p - label);
    }
    return total;
  }
  for (let i = 0, row = 0; i < nRows; i++, row += nOutputs) {
    let max = -Infinity;
    for (let k = 0; k < nOutputs; k++) if (z[row + k]! > max) max = z[row + k]!;
    let sum = 0;
    for (let k = 0; k < nOutputs; k++) {
      const e = Math.exp(z[row + k]! - max);
      residual[row + k] = e;
      sum += e;
    }
    const wi = w[i]!;
    const scale = wi / sum;
    for (let k = 0; k < nOutputs; k++) residual[row + k] *= scale;
    residual[row + y[i]!] -= wi;
    total += wi * (max + Math.log(sum) - z[row + y[i]!]!);
  }
  return total;
}

/**
 * out = X^T R, the gradient of a linear model with nOutputs outputs, feature-major: for residuals R
 * (nRows x nOutputs, row-major) and a design X in kernels/mixed.ts's compact layout (a dense block plus
 * one-hot codes), out[j * nOutputs + k] = sum_i X[i, j] R[i, k] (nColumns x nOutputs, zeroed here).
 * Feature-major keeps every inner loop contiguous over the outputs (a row of R into a row of out), and
 * a one-hot column costs one row addition, so the cost is nRows * nOutputs * (nDense + nCodes) whatever
 * the number of one-hot columns.
 */
export function designTransposedTimesResiduals(dense: Float64Array, nDense: number, codes: Int32Array, nCodes: number, nRows: number, residual: Float64Array, nOutputs: number, nColumns: number, out: Float64Array): void {
  out.fill(0, 0, nColumns * nOutputs);
  for (let i = 0, d = 0, c = 0, r = 0; i < nRows; i++, d += nDense, c += nCodes, r += nOutputs) {
    for (let j = 0, at = 0; j < nDense; j++, at += nOutputs) {
      const xij = dense[d + j]!;
      if (xij === 0) continue;
      for (let k = 0; k < nOutputs; k++) out[at + k] += xij * residual[r + k]!;
    }
    for (let f = 0; f < nCodes; f++) {
      const column = codes[c + f]!;
      if (column < 0) continue;
      const at = column * nOutputs;
      for (let k = 0; k < nOutputs; k++) out[at + k] += residual[r + k]!;
    }
  }
}

/**
 * out = X W for feature-major coefficients W (nColumns x nOutputs, row-major) and a design X in the
 * compact layout: out[i * nOutputs + k] = sum_j X[i, j] W[j, k] (nRows x nOutputs). The twin of
 * designTransposedTimesResiduals, with the same contiguous inner loops over the outputs.
 */
export function designTimesFeatureMajor(dense: Float64Array, nDense: number, codes: Int32Array, nCodes: number, nRows: number, w: Float64Array, nOutputs: number, out: Float64Array): void {
  for (let i = 0, d = 0, c = 0, o = 0; i < nRows; i++, d += nDense, c += nCodes, o += nOutputs) {
    for (let k = 0; k < nOutputs; k++) out[o + k] = 0;
    for (let j = 0, at = 0; j < nDense; j++, at += nOutputs) {
      const xij = dense[d + j]!;
      if (xij === 0) continue;
      for (let k = 0; k < nOutputs; k++) out[o + k] += xij * w[at + k]!;
    }
    for (let f = 0; f < nCodes; f++) {
      const column = codes[c + f]!;
      if (column < 0) continue;
      const at = column * nOutputs;
      for (let k = 0; k < nOutputs; k++) out[o + k] += w[at + k]!;
    }
  }
}
