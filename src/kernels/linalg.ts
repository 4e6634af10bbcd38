/**
 * Dense linear algebra on row-major float64 arrays: the small square systems of the linear models'
 * Newton steps and closed forms (products with the design matrix itself are in mixed.ts, whose layout
 * with no categorical codes is a plain row-major matrix). Pure functions `(inputs..., out)`; they trust their
 * inputs (shapes are checked once, by the caller), never allocate, and import nothing.
 *
 * A matrix is `a[i * nCols + j]`. Square matrices are n x n in the same layout. Every kernel here has a
 * naive twin in linalg.test.ts that it is tested against.
 */

/**
 * a . b over the first `length` entries. The L-BFGS solver's slopes and its penalty's cross terms (a
 * prefix of the coefficients) are all this one sum.
 */
export function dot(a: Float64Array, b: Float64Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * out = A x, for A nRows x nCols row-major: one dot product per row, reading A in memory order.
 *
 * @example gemv(a, 2, 3, x, out); // out[i] = sum_j a[i*3+j] * x[j]
 */
export function gemv(a: Float64Array, nRows: number, nCols: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0, row = 0; i < nRows; i++, row += nCols) {
    let sum = 0;
    for (let j = 0; j < nCols; j++) sum += a[row + j]! * x[j]!;
    out[i] = sum;
  }
}

/**
 * Cholesky factorization A = L L^T of a symmetric n x n matrix; writes L (lower triangle, zeros above)
 * into `out`, which may be `a` itself. Returns false when A is not numerically positive definite: a pivot
 * at or below `relativePivot` times the matching diagonal entry of A. Checking pivots relative to the
 * diagonal, not against zero, is what catches an exactly singular matrix (collinear columns, one-hot
 * columns plus an intercept), whose last pivot comes out as round-off of either sign.
 */
export function choleskyFactor(a: Float64Array, n: number, out: Float64Array, relativePivot = 1e-10): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    const diagonal = a[rowJ + j]!;
    let pivot = diagonal;
    for (let k = 0; k < j; k++) pivot -= out[rowJ + k]! * out[rowJ + k]!;
    if (!(pivot > relativePivot * Math.abs(diagonal)) || !(pivot > 0)) return false;
    const ljj = Math.sqrt(pivot);
    out[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= out[rowI + k]! * out[rowJ + k]!;
      out[rowI + j] = sum / ljj;
    }
    for (let i = 0; i < j; i++) out[i * n + j] = 0;
  }
  return true;
}

/** Solves L L^T x = b given the factor L from choleskyFactor; `out` may be `b`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    const row = i * n;
    for (let k = 0; k < i; k++) sum -= l[row + k]! * out[k]!;
    out[i] = sum / l[row + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = out[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * out[k]!;
    out[i] = sum / l[i * n + i]!;
  }
}

/**
 * Eigen-decomposition of a symmetric n x n matrix by cyclic Jacobi rotations: A = V diag(values) V^T,
 * with the eigenvectors as the columns of `vectors` (row-major, so vector k is vectors[i * n + k]).
 * `work` (n x n) receives a copy of A and is destroyed. Sweeps until the off-diagonal mass is below
 * 1e-15 times the Frobenius norm (or 100 sweeps). Jacobi is slow (about 10 n^3 per sweep) but
 * accurate for small eigenvalues, which is what a pseudo-inverse of a rank-deficient Gram matrix needs;
 * it is only used when a Cholesky factorization fails.
 */
export function symmetricEigen(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array, work: Float64Array): void {
  const m = work;
  m.set(a.subarray(0, n * n));
  vectors.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) vectors[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i]! * m[i]!;
  const threshold = 1e-30 * total;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * m[p * n + q]! * m[p * n + q]!;
    if (off <= threshold) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (apq === 0) continue;
        const app = m[p * n + p]!;
        const aqq = m[q * n + q]!;
        // The rotation angle that zeroes a[p][q]: t = tan(theta), the smaller root, for stability.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!;
          const akq = m[k * n + q]!;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!;
          const aqk = m[q * n + k]!;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = vectors[k * n + p]!;
          const vkq = vectors[k * n + q]!;
          vectors[k * n + p] = c * vkp - s * vkq;
          vectors[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
}

/**
 * Minimum-norm solution of A x = b for a symmetric positive semi-definite A given by its
 * eigen-decomposition (see symmetricEigen): x = V diag(1/lambda) V^T b over the eigenvalues above
 * `relativeCutoff` times the largest, zero weight on the rest. This is the least-squares answer
 * LAPACK's gelsd (scipy's lstsq, so scikit-learn's LinearRegression) gives for a rank-deficient design.
 * `tmp` needs n entries.
 */
export function eigenSolve(values: Float64Array, vectors: Float64Array, n: number, b: Float64Array, relativeCutoff: number, tmp: Float64Array, out: Float64Array): void {
  let largest = 0;
  for (let k = 0; k < n; k++) largest = Math.max(largest, Math.abs(values[k]!));
  const cutoff = relativeCutoff * largest;
  for (let k = 0; k < n; k++) {
    const lambda = values[k]!;
    if (!(lambda > cutoff)) {
      tmp[k] = 0;
      continue;
    }
    let dot = 0;
    for (let i = 0; i < n; i++) dot += vectors[i * n + k]! * b[i]!;
    tmp[k] = dot / lambda;
  }
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += vectors[i * n + k]! * tmp[k]!;
    out[i] = sum;
  }
}

/**
 * The L-BFGS search direction out = -H g by the two-loop recursion (Nocedal & Wright, algorithm 7.4),
 * H the inverse-Hessian approximation built from the `count` most recent pairs (s, y) = (step, change
 * of the gradient), applied to the initial matrix gamma I with gamma = s.y / y.y of the newest pair
 * (identity when there is none). The pairs live in a ring of `memory` slots: s and y are memory x n
 * row-major, pair `newest` the latest, the others before it modulo memory; rho[slot] = 1 / (s.y), which
 * the caller keeps positive (it drops pairs with s.y <= 0). `alpha` is scratch with memory entries.
 * Costs 4 n per pair; the matrix H is never formed (its naive twin in linalg.test.ts forms it).
 */
export function lbfgsDirection(g: Float64Array, n: number, s: Float64Array, y: Float64Array, rho: Float64Array, memory: number, count: number, newest: number, alpha: Float64Array, out: Float64Array): void {
  for (let j = 0; j < n; j++) out[j] = -g[j]!;
  for (let back = 0; back < count; back++) {
    const slot = (newest - back + memory) % memory;
    const row = slot * n;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += s[row + j]! * out[j]!;
    const a = rho[slot]! * dot;
    alpha[slot] = a;
    for (let j = 0; j < n; j++) out[j] -= a * y[row + j]!;
  }
  if (count > 0) {
    const row = newest * n;
    let yy = 0;
    for (let j = 0; j < n; j++) yy += y[row + j]! * y[row + j]!;
    const gamma = 1 / (rho[newest]! * yy);
    for (let j = 0; j < n; j++) out[j] *= gamma;
  }
  for (let back = count - 1; back >= 0; back--) {
    const slot = (newest - back + memory) % memory;
    const row = slot * n;
    let dot = 0;
    for (let j = 0; j < n; j++) dot += y[row + j]! * out[j]!;
    const b = alpha[slot]! - rho[slot]! * dot;
    for (let j = 0; j < n; j++) out[j] += b * s[row + j]!;
  }
}
