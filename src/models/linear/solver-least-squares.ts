/**
 * The least-squares solver: ordinary, ridge, lasso and elastic net.
 *
 * It minimizes the normalized objective
 *
 *     F(w, b) = 1/2 sum_i v_i (y_i - x_i.w - b)^2 + l1 |w|_1 + l2/2 |w|^2,      v = s / sum(s)
 *
 * which is scikit-learn's ElasticNet(alpha, l1_ratio) objective (its 1/(2 n) scaling, and sample weights
 * rescaled to sum to n) with l1 = alpha * l1_ratio, l2 = alpha * (1 - l1_ratio); Lasso(alpha) with l1 =
 * alpha; Ridge(alpha), which minimizes sum_i s_i r_i^2 + alpha |w|^2, with l2 = alpha / sum(s); and
 * LinearRegression with l1 = l2 = 0.
 *
 * As in scikit-learn, the intercept is handled by centering: with weighted means x_bar and y_bar, the
 * optimal w solves the problem on centered data without intercept, and b = y_bar - x_bar.w. Then
 *   - without L1 (ordinary and ridge): one Cholesky solve of (G + l2 I) w = q, where G = Xc^T V Xc and
 *     q = Xc^T V yc. If G is singular (collinear columns and no L2), the minimum-norm solution through a
 *     Jacobi eigen-decomposition instead, as scipy's lstsq gives scikit-learn's LinearRegression; a
 *     column constant over the weighted rows is centered to exactly zero first (constantColumns);
 *   - with L1: cyclic coordinate descent in covariance form on the same G and q (kernels/glm.ts), O(p^2)
 *     per sweep after one O(n p^2) pass over the rows.
 *
 * Convergence test (coordinate descent): the largest violation of the optimality conditions
 * (kernels/glm.ts `optimalityViolation`) is at most tol * std(y). The gradient of F is in units of y
 * times units of x, so scaling by the target's (weighted) standard deviation makes `tol` mean the same
 * for any target scale; the design columns are standardized by default.
 */
import { coordinateDescentSweep, optimalityViolation } from "../../kernels/glm.js";
import { choleskyFactor, choleskySolve, eigenSolve, gemv, symmetricEigen } from "../../kernels/linalg.js";
import { mixedGemvTransposed, mixedWeightedGram } from "../../kernels/mixed.js";
import { normalized, type DesignArrays, type SolverResult } from "./solver-logistic.js";

/** A least-squares problem, validated (shapes agree, weights >= 0 with a positive sum, finite values). */
export interface LeastSquaresProblem {
  /** The design matrix, without an intercept column. */
  readonly design: DesignArrays;
  readonly y: Float64Array;
  /** Row weights, >= 0; normalized to sum 1 inside. */
  readonly sampleWeight: Float64Array;
  readonly l1: number;
  readonly l2: number;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
  /** Called after each coordinate-descent sweep with the number done. */
  readonly onIteration?: (iteration: number) => void;
}

/** Relative eigenvalue cutoff of the minimum-norm fallback: below it, a direction counts as null. */
const EIGEN_CUTOFF = 1e-12;

/**
 * Fits least squares with an optional L1 / L2 penalty; see the module comment for the objective, the
 * methods and the convergence test.
 */
export function solveLeastSquares(problem: LeastSquaresProblem): SolverResult {
  const { design, l1, l2, fitIntercept, maxIter, tol } = problem;
  const { nRows: n, nColumns: p, nDense, nCodes, codes } = design;
  const v = normalized(problem.sampleWeight, n);

  // Weighted column means (for one-hot columns, the weighted share of rows in the category) and the
  // centered dense block. One-hot columns are not centered (that would make them dense): their
  // centering enters the Gram matrix as the rank-one correction below, exact for 0/1 columns.
  const means = new Float64Array(p);
  let yMean = 0;
  let dense = design.dense;
  const yc = Float64Array.from(problem.y);
  // Columns that are constant over the weighted rows (see constantColumns) are centered exactly.
  const constant = fitIntercept ? constantColumns(design, v) : [];
  if (fitIntercept) {
    mixedGemvTransposed(design.dense, nDense, codes, nCodes, n, v, p, means);
    for (const { column, value } of constant) means[column] = value;
    for (let i = 0; i < n; i++) yMean += v[i]! * problem.y[i]!;
    for (let i = 0; i < n; i++) yc[i] = problem.y[i]! - yMean;
    dense = new Float64Array(n * nDense);
    for (let i = 0, row = 0; i < n; i++, row += nDense) {
      for (let j = 0; j < nDense; j++) dense[row + j] = design.dense[row + j]! - means[j]!;
    }
  }

  // G = Xc^T V Xc. Dense-dense and dense-one-hot entries come out centered already (the dense columns
  // have weighted mean 0); one-hot pairs need - mean_c * mean_c'.
  const gram = new Float64Array(p * p);
  mixedWeightedGram(dense, nDense, codes, nCodes, n, v, p, gram);
  if (fitIntercept) {
    for (let c = nDense; c < p; c++) for (let d = nDense; d < p; d++) gram[c * p + d] -= means[c]! * means[d]!;
  }
  const weightedY = new Float64Array(n);
  let yVariance = 0;
  for (let i = 0; i < n; i++) {
    weightedY[i] = v[i]! * yc[i]!;
    yVariance += weightedY[i]! * yc[i]!;
  }
  // q = Xc^T V yc; the one-hot part needs no correction because sum(v yc) = 0.
  const q = new Float64Array(p);
  mixedGemvTransposed(dense, nDense, codes, nCodes, n, weightedY, p, q);
  // A one-hot column of ones is centered only implicitly (the rank-one correction), so its Gram row is
  // round-off rather than zero: clear it, as the dense constant columns' already are.
  for (const { column } of constant) {
    for (let k = 0; k < p; k++) gram[column * p + k] = gram[k * p + column] = 0;
    q[column] = 0;
  }

  const w = new Float64Array(p);
  const gw = new Float64Array(p);
  const gradient = new Float64Array(p);
  const yScale = yVariance > 0 ? Math.sqrt(yVariance) : 1;
  let nIter = 0;
  let converged = false;

  const violationNow = (): number => {
    gemv(gram, p, p, w, gw);
    for (let j = 0; j < p; j++) gradient[j] = gw[j]! - q[j]!;
    return optimalityViolation(gradient, w, p, p, l1, l2);
  };

  if (l1 === 0) {
    solveSmooth(gram, p, l2, q, w);
    nIter = 1;
    converged = true;
    problem.onIteration?.(1);
  } else {
    // Covariance-form coordinate descent: gw holds G w throughout; the exact violation is recomputed
    // (O(p^2), as much as a sweep) only when the cheap sweep measure says it may be small enough.
    const threshold = tol * yScale;
    for (let sweep = 0; sweep < maxIter; sweep++) {
      const change = coordinateDescentSweep(gram, p, q, p, l1, l2, w, gw);
      nIter = sweep + 1;
      problem.onIteration?.(nIter);
      if (change <= threshold && violationNow() <= threshold) {
        converged = true;
        break;
      }
    }
  }

  const violation = violationNow() / yScale;
  let intercept = 0;
  if (fitIntercept) {
    intercept = yMean;
    for (let j = 0; j < p; j++) intercept -= means[j]! * w[j]!;
  }
  // F = 1/2 (yc.V.yc - 2 q.w + w.G.w) + penalty, from the quantities at hand.
  let fit = yVariance;
  for (let j = 0; j < p; j++) fit += w[j]! * (gw[j]! - 2 * q[j]!);
  let abs = 0;
  let squares = 0;
  for (let j = 0; j < p; j++) {
    abs += Math.abs(w[j]!);
    squares += w[j]! * w[j]!;
  }
  const objective = 0.5 * fit + l1 * abs + 0.5 * l2 * squares;
  return { coef: w, intercept: Float64Array.of(intercept), nIter, converged, violation, objective };
}

/**
 * The design columns that take one value on every row of positive weight (a constant numeric column, a
 * categorical feature with one category, an indicator of a column that is always missing), with that
 * value. Centered, such a column is exactly zero and the intercept carries it, so the minimum-norm
 * solution gives it coefficient 0, as scikit-learn's does when its centering is exact. Centered by a
 * computed weighted mean instead, it is round-off (the mean of a hundred 0.1s is not 0.1), a Cholesky
 * pivot of 1e-32 passes the relative test, and the column got an arbitrary coefficient (-20 for a column
 * of 0.1s) that the intercept offset: predictions right, coefficients meaningless.
 */
function constantColumns(design: DesignArrays, v: Float64Array): { column: number; value: number }[] {
  const { nRows: n, nDense, dense, nCodes, codes } = design;
  let first = 0;
  while (first < n && !(v[first]! > 0)) first++;
  if (first === n) return [];
  const out: { column: number; value: number }[] = [];
  for (let j = 0; j < nDense; j++) {
    const value = dense[first * nDense + j]!;
    let same = true;
    for (let i = first + 1; i < n && same; i++) if (v[i]! > 0 && dense[i * nDense + j] !== value) same = false;
    if (same) out.push({ column: j, value });
  }
  for (let f = 0; f < nCodes; f++) {
    const column = codes[first * nCodes + f]!;
    if (column < 0) continue;
    let same = true;
    for (let i = first + 1; i < n && same; i++) if (v[i]! > 0 && codes[i * nCodes + f] !== column) same = false;
    if (same) out.push({ column, value: 1 });
  }
  return out;
}

/** (G + l2 I) w = q by Cholesky, or the minimum-norm solution when the matrix is singular. */
function solveSmooth(gram: Float64Array, p: number, l2: number, q: Float64Array, out: Float64Array): void {
  const system = gram.slice();
  for (let j = 0; j < p; j++) system[j * p + j] += l2;
  const factor = new Float64Array(p * p);
  if (choleskyFactor(system, p, factor)) {
    choleskySolve(factor, p, q, out);
    return;
  }
  const values = new Float64Array(p);
  const vectors = new Float64Array(p * p);
  symmetricEigen(system, p, values, vectors, factor);
  eigenSolve(values, vectors, p, q, EIGEN_CUTOFF, new Float64Array(p), out);
}
