/**
 * The logistic regression solver for many classes and columns: L-BFGS on the whole smooth objective
 *
 *     F(W, b) = sum_i w_i loss(y_i, x_i W^T + b) + l2/2 |W|^2,      sum_i w_i = 1
 *
 * (the objective of solver-logistic.ts without its L1 term), all class blocks and intercepts at once.
 * Block Newton pays, for each class in each cycle, a weighted Gram matrix and a Cholesky factorization of
 * the p x p Hessian block: K p^3 / 3 per cycle, 56 x 770^3 / 3 = 8.5e9 on airports by state, seconds per
 * cycle. An L-BFGS iteration costs two passes over the design (the margins' change X D and the gradient
 * R^T X, each nRows x K x (nDense + nCodes): a one-hot column costs one addition, never a dense column)
 * plus O(K p) vector work for the two-loop recursion with 10 pairs (scipy's default maxcor), which is what
 * scikit-learn's lbfgs solver does.
 *
 * Line search: along the direction the margins move linearly (z + t X D), so each trial step costs one
 * pass over the n x K margins (no pass over the design), and the slope phi'(t) = sum R(t) . X D comes
 * with it. A step is accepted under the weak Wolfe conditions (Armijo with c1 = 1e-4, curvature with
 * c2 = 0.9), which keep s.y > 0 so the update stays positive definite; the bracket is narrowed by the
 * secant of the slope (phi is convex, so phi' is increasing). Near the optimum the decrease of F falls
 * below what its last bits can show, so Armijo is also accepted in Hager & Zhang's approximate form (F
 * not above its start by more than round-off and phi'(t) <= (2 c1 - 1) phi'(0)), which for a nearly
 * quadratic phi is the same test computed from slopes.
 *
 * Stopping rule, as scikit-learn's lbfgs (scipy's pgtol with no bounds, so the projected gradient is the
 * gradient): the largest |gradient| over all coefficients and intercepts of the normalized objective at
 * most `tol` (the optimality violation of solver-logistic.ts, so `tol` means the same on both paths), or
 * maxIter iterations. If the line search can make no progress (round-off) it stops and reports the
 * violation as it is, not converged.
 */
import { designTimesFeatureMajor, designTransposedTimesResiduals, logLossResiduals } from "../../kernels/glm.js";
import { dot, lbfgsDirection } from "../../kernels/linalg.js";

/** The prepared problem: the intercept, if any, is already a code slot (column p of every block). */
export interface LbfgsProblem {
  readonly dense: Float64Array;
  readonly nDense: number;
  readonly codes: Int32Array;
  readonly nCodes: number;
  readonly nRows: number;
  /** Columns per block, the intercept's included. */
  readonly nColumns: number;
  /** Columns 0..nPenalized-1 of each block carry the L2 penalty; the rest (the intercept) do not. */
  readonly nPenalized: number;
  /** 1 for binary (sigmoid), the number of classes for multinomial (softmax). */
  readonly nBlocks: number;
  readonly y: Int32Array;
  /** Row weights summing to 1. */
  readonly w: Float64Array;
  readonly l2: number;
  readonly maxIter: number;
  readonly tol: number;
  /** Where to start (nBlocks x nColumns, the blocks of solver-logistic.ts); zero when left out. */
  readonly initial?: Float64Array;
  readonly onIteration?: (iteration: number) => void;
}

export interface LbfgsResult {
  /** nBlocks x nColumns, row-major (the blocks of solver-logistic.ts). */
  readonly coef: Float64Array;
  readonly nIter: number;
  readonly converged: boolean;
  readonly violation: number;
  readonly objective: number;
}

/** Correction pairs kept (scipy's maxcor default). */
const MEMORY = 10;
const ARMIJO = 1e-4;
const CURVATURE = 0.9;
/** Trial steps before a line search gives up. */
const MAX_TRIALS = 60;
/** F may exceed its value at the start of the line by this much (relative) and still count as round-off. */
const ROUNDOFF = 1e-12;

export function solveLogisticLbfgs(problem: LbfgsProblem): LbfgsResult {
  const { dense, nDense, codes, nCodes, nRows: n, nColumns: p1, nPenalized: p, nBlocks: K, y, w, l2, maxIter, tol } = problem;
  const size = K * p1;
  // Inside, the coefficients are feature-major (coef[j * K + k]): the design kernels then run contiguous
  // loops over the classes, and the penalized coordinates (columns j < p) are the first p K entries.
  const nPenalizedEntries = p * K;

  const coef = new Float64Array(size);
  let margins = new Float64Array(n * K);
  let trialMargins = new Float64Array(n * K);
  let residual = new Float64Array(n * K);
  let trialResidual = new Float64Array(n * K);
  const marginStep = new Float64Array(n * K);
  let gradient = new Float64Array(size);
  let nextGradient = new Float64Array(size);
  const direction = new Float64Array(size);
  const s = new Float64Array(MEMORY * size);
  const yPairs = new Float64Array(MEMORY * size);
  const rho = new Float64Array(MEMORY);
  const alpha = new Float64Array(MEMORY);
  let count = 0;
  let newest = MEMORY - 1;

  /** The loss part's gradient from `res`, plus the penalty's, into `out`. */
  const fullGradient = (res: Float64Array, out: Float64Array): void => {
    designTransposedTimesResiduals(dense, nDense, codes, nCodes, n, res, K, p1, out);
    if (l2 > 0) for (let at = 0; at < nPenalizedEntries; at++) out[at] += l2 * coef[at]!;
  };

  if (problem.initial) {
    for (let k = 0; k < K; k++) for (let j = 0; j < p1; j++) coef[j * K + k] = problem.initial[k * p1 + j]!;
    designTimesFeatureMajor(dense, nDense, codes, nCodes, n, coef, K, margins);
  }
  let objective = logLossResiduals(margins, y, w, n, K, residual) + (l2 > 0 ? 0.5 * l2 * dot(coef, coef, nPenalizedEntries) : 0);
  fullGradient(residual, gradient);
  let violation = maxAbs(gradient, size);
  let converged = false;
  let nIter = 0;

  for (let iteration = 0; iteration <= maxIter; iteration++) {
    if (violation <= tol) {
      converged = true;
      break;
    }
    if (iteration === maxIter || !Number.isFinite(violation)) break;

    lbfgsDirection(gradient, size, s, yPairs, rho, MEMORY, count, newest, alpha, direction);
    let slope0 = dot(gradient, direction, size);
    if (!(slope0 < 0)) {
      // The approximation lost positive definiteness to round-off: start again from steepest descent.
      count = 0;
      for (let j = 0; j < size; j++) direction[j] = -gradient[j]!;
      slope0 = dot(gradient, direction, size);
    }
    designTimesFeatureMajor(dense, nDense, codes, nCodes, n, direction, K, marginStep);
    const xx = l2 > 0 ? dot(coef, coef, nPenalizedEntries) : 0;
    const xd = l2 > 0 ? dot(coef, direction, nPenalizedEntries) : 0;
    const dd = l2 > 0 ? dot(direction, direction, nPenalizedEntries) : 0;

    // The first step has no curvature information: scipy's length 1 / |g|; later ones try the unit step.
    let step = count === 0 ? Math.min(1, 1 / Math.sqrt(dot(gradient, gradient, size))) : 1;
    let low = 0;
    let lowSlope = slope0;
    let high = Infinity;
    let highSlope = 0;
    let accepted = false;
    let value = objective;
    for (let trial = 0; trial < MAX_TRIALS; trial++) {
      for (let i = 0; i < n * K; i++) trialMargins[i] = margins[i]! + step * marginStep[i]!;
      value = logLossResiduals(trialMargins, y, w, n, K, trialResidual) + 0.5 * l2 * (xx + 2 * step * xd + step * step * dd);
      const slope = dot(trialResidual, marginStep, n * K) + l2 * (xd + step * dd);
      const armijo = value <= objective + ARMIJO * step * slope0 || (value <= objective + ROUNDOFF * Math.abs(objective) && slope <= (2 * ARMIJO - 1) * slope0);
      if (!armijo) {
        high = step; // too far: F did not drop enough
        highSlope = slope;
      } else if (slope < CURVATURE * slope0) {
        low = step; // still descending steeply: go further
        lowSlope = slope;
      } else {
        accepted = true;
        break;
      }
      if (high === Infinity) step *= 4;
      else {
        // Secant on the slope inside the bracket, kept off its ends.
        const width = high - low;
        const secant = highSlope > lowSlope ? low - (lowSlope * width) / (highSlope - lowSlope) : low + 0.5 * width;
        step = Math.min(Math.max(secant, low + 0.1 * width), high - 0.1 * width);
      }
      if (!(step > 0) || !Number.isFinite(step)) break;
    }
    if (!accepted) break; // no step could decrease F: stalled at round-off

    // Take the step: s = step * direction; the margins and residuals are the accepted trial's.
    const slot = (newest + 1) % MEMORY;
    const sRow = s.subarray(slot * size, (slot + 1) * size);
    for (let j = 0; j < size; j++) {
      sRow[j] = step * direction[j]!;
      coef[j] += sRow[j]!;
    }
    [margins, trialMargins] = [trialMargins, margins];
    [residual, trialResidual] = [trialResidual, residual];
    objective = value;
    fullGradient(residual, nextGradient);
    const yRow = yPairs.subarray(slot * size, (slot + 1) * size);
    let sy = 0;
    let yy = 0;
    for (let j = 0; j < size; j++) {
      const change = nextGradient[j]! - gradient[j]!;
      yRow[j] = change;
      sy += sRow[j]! * change;
      yy += change * change;
    }
    // Keep the pair only with positive curvature (Wolfe makes it so up to round-off).
    if (sy > 1e-16 * yy && yy > 0) {
      rho[slot] = 1 / sy;
      newest = slot;
      count = Math.min(count + 1, MEMORY);
    }
    [gradient, nextGradient] = [nextGradient, gradient];
    violation = maxAbs(gradient, size);
    nIter = iteration + 1;
    problem.onIteration?.(nIter);
  }

  const blocks = new Float64Array(size);
  for (let j = 0; j < p1; j++) for (let k = 0; k < K; k++) blocks[k * p1 + j] = coef[j * K + k]!;
  return { coef: blocks, nIter, converged, violation, objective };
}

/**
 * Which logistic solver a problem should use, from an estimate of the work each would do to converge.
 * L1 needs the proximal Newton path. Otherwise:
 *   - block Newton: per cycle and block, the weighted Gram matrix (per row nDense^2/2 + nCodes nDense +
 *     nCodes^2/2 products, kernels/mixed.ts) and a Cholesky factorization (p^3/3), over about 15 cycles
 *     for multinomial fits and 6 Newton iterations for binary ones (measured on the fixtures);
 *   - L-BFGS: per iteration about 4 passes of nRows x blocks x (nDense + nCodes) (margins' change, the
 *     gradient, and line-search trials over the margins, counted at the same price), over about 300
 *     iterations (airports by state: see bench/RESULTS.md).
 * Newton wins where p is small: it converges in a few steps to round-off, which is why the small fixture
 * problems keep it; L-BFGS wins as soon as p^3 K dominates, which a single categorical column with a few
 * hundred levels brings about.
 */
export function chooseLogisticMethod(nRows: number, nDense: number, nCodes: number, nColumns: number, nBlocks: number, l1: number): "newton" | "lbfgs" {
  if (l1 > 0) return "newton";
  const gramPerRow = (nDense * nDense) / 2 + nCodes * nDense + (nCodes * nCodes) / 2;
  const newtonSteps = nBlocks > 1 ? 15 : 6;
  const newtonWork = newtonSteps * nBlocks * (nRows * gramPerRow + (nColumns * nColumns * nColumns) / 3);
  const lbfgsWork = 300 * 4 * nRows * nBlocks * (nDense + nCodes + 2) + 300 * 10 * nBlocks * nColumns * MEMORY;
  return lbfgsWork < newtonWork ? "lbfgs" : "newton";
}

function maxAbs(a: Float64Array, n: number): number {
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const v = Math.abs(a[j]!);
    if (v > worst || Number.isNaN(v)) worst = v;
  }
  return worst;
}
