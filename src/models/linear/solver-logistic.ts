/**
 * The logistic regression solver: (block) proximal Newton.
 *
 * It minimizes the normalized objective
 *
 *     F(W, b) = sum_i w_i loss(y_i, x_i W^T + b) + l1 |W|_1 + l2/2 |W|^2,      sum_i w_i = 1
 *
 * with the binary log loss (one block of coefficients, sigmoid link) or the multinomial one (one block
 * per class, softmax link); the intercepts b are never penalized. scikit-learn's
 * LogisticRegression(C, penalty, l1_ratio) minimizes C * sum_i s_i loss_i + penalty(W), which is this
 * objective times C * sum(s) with w = s / sum(s) and l1, l2 = (the penalty's weights) / (C * sum(s)):
 * the same minimizer.
 *
 * Each iteration takes, block by block, a proximal Newton step (Lee, Sun & Saunders 2014; for L1 this is
 * newGLMNET's outer loop): the loss is replaced by its second-order model at the current point, with the
 * exact Hessian block X^T diag(w p (1 - p)) X, and the model plus the penalty is minimized exactly:
 *   - without L1, by one Cholesky solve (a plain Newton step),
 *   - with L1, by coordinate descent on the quadratic model (kernels/glm.ts), which costs O(p^2) per sweep
 *     and never touches the rows;
 * then a backtracking line search on F with Armijo's condition for composite objectives guarantees
 * descent. For the binary case this is Newton's method and converges quadratically (5-6 iterations on
 * the fixtures and on 200k rows). For the multinomial case, cycling over the class blocks (each block's
 * Hessian is positive definite, unlike the full multinomial Hessian, which is singular along the
 * shared-shift direction, and costs 1/K of it) converges linearly; an exact step along that shared shift
 * after each cycle (`shiftClasses`) keeps the rate fast: 9-22 cycles to 1e-10 on the fixtures, against
 * over a thousand without it.
 *
 * With many classes or columns this is the wrong tool: each cycle factors K matrices of p x p (seconds
 * per cycle at p = 770, K = 56). Without an L1 term, solveLogistic then hands the problem to L-BFGS on
 * all blocks at once (solver-lbfgs.ts), whose iterations cost passes over the rows and never a p x p
 * matrix; chooseLogisticMethod decides from an estimate of each path's work, and both stop on the same
 * test (below), so `tol` means the same whichever runs. The estimate assumes about 15 cycles; a smooth
 * multinomial fit still short of the tolerance after NEWTON_CYCLES_BEFORE_LBFGS goes on by L-BFGS from
 * the coefficients reached (nearly separable classes can make the cycles' linear rate very slow).
 *
 * The design is read in the compact layout of kernels/mixed.ts (dense numeric block plus one-hot
 * codes), the intercept as one more code that every row sets, so a Hessian costs per row the square of
 * the row's non-zeros, not of the number of columns.
 *
 * Convergence test: the largest violation of the optimality conditions (the distance of 0 from the
 * subdifferential of F, kernels/glm.ts `optimalityViolation`), over all coefficients and intercepts, is at
 * most `tol`. At an exact optimum it is 0, so unlike a test on the change of the coefficients or of F it
 * cannot stop early on a flat stretch; F is normalized by the total weight, so `tol` does not depend on n.
 */
import type { EncodedDesign } from "../../features/design.js";
import { binaryLogLoss, coordinateDescentSweep, multinomialLogLoss, optimalityViolation, sigmoid, softmaxRows } from "../../kernels/glm.js";
import { choleskyFactor, choleskySolve, gemv } from "../../kernels/linalg.js";
import { mixedAffineRows, mixedGemv, mixedGemvTransposed, mixedWeightedGram } from "../../kernels/mixed.js";
import { chooseLogisticMethod, solveLogisticLbfgs } from "./solver-lbfgs.js";

/**
 * A design matrix in the compact form of kernels/mixed.ts: a dense block (nRows x nDense) and, per row,
XX
 * EncodedDesign is one.
 */
export type DesignArrays = EncodedDesign;

/** A logistic regression problem, validated (shapes agree, weights >= 0 with a positive sum, y in range). */
export interface LogisticProblem {
  /** The design matrix, without an intercept column. */
  readonly design: DesignArrays;
  /** Class index of each row, 0..nClasses-1. */
  readonly y: Int32Array;
  /** 2 for binary (one block, sigmoid), more for multinomial (one block per class, softmax). */
  readonly nClasses: number;
  /** Row weights, >= 0; normalized to sum 1 inside. */
  readonly sampleWeight: Float64Array;
  /** L1 weight on the normalized objective. */
  readonly l1: number;
  /** L2 weight on the normalized objective. */
  readonly l2: number;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
  /** Called after each iteration with the number done. */
  readonly onIteration?: (iteration: number) => void;
  /**
   * "newton": (block) proximal Newton, below; "lbfgs": L-BFGS on all blocks at once (solver-lbfgs.ts,
   * L2 or no penalty only); "auto" (the default): chooseLogisticMethod's estimate of which is cheaper.
   */
  readonly method?: "auto" | "newton" | "lbfgs";
}

/** What a solver returns. */
export interface SolverResult {
  /** Coefficients, nOutputs x nFeatures, row-major (nOutputs: 1 for binary and regression, else nClasses). */
  readonly coef: Float64Array;
  /** Intercepts, nOutputs (zeros when the intercept is not fitted). */
  readonly intercept: Float64Array;
  /** Newton iterations (for the multinomial case, cycles over the class blocks), or L-BFGS iterations. */
  readonly nIter: number;
  /** True when the optimality violation reached `tol` before maxIter. */
  readonly converged: boolean;
  /** The final optimality violation (see the convergence test above). */
  readonly violation: number;
  /** The final value of the normalized objective. */
  readonly objective: number;
}

/** What solveLogistic returns: a SolverResult and the path it took. */
export interface LogisticResult extends SolverResult {
  /** See LogisticProblem.method; "newton+lbfgs": block Newton handed over to L-BFGS (NEWTON_CYCLES_BEFORE_LBFGS). */
  readonly method: "newton" | "lbfgs" | "newton+lbfgs";
}

/** Armijo's sufficient-decrease constant. */
const ARMIJO = 1e-4;
/** A predicted decrease below this (relative to F) is round-off: the full step is taken untested. */
const ROUNDOFF_DECREASE = 1e-13;
/** Backtracking halvings before a step is given up. */
const MAX_HALVINGS = 60;
/** Coordinate-descent sweeps allowed for one L1 subproblem. */
const MAX_INNER_SWEEPS = 1000;
/** Rounds of increasing damping before a singular Hessian is given up. */
const MAX_DAMPING_ROUNDS = 12;
/**
 * Block Newton cycles after which a smooth multinomial fit that chose Newton by itself goes on by L-BFGS
 * from where it stands: twice the cycles chooseLogisticMethod expects. The cycles' linear rate can be
 * far slower: mlbench's Shuttle (46,400 rows, 9 features, 7 classes, nearly separable) took 482 cycles
 * and 67 s where L-BFGS from zero took 222 iterations and 4.4 s (2026-11-26, 2 busy cores).
 */
export const NEWTON_CYCLES_BEFORE_LBFGS = 30;

/**
 * Fits logistic regression by (block) proximal Newton, or, for a smooth penalty with many classes or
 * columns, by L-BFGS (solver-lbfgs.ts; `method`, chooseLogisticMethod); see the module comment for the
 * objective, the method and the convergence test, which both paths share.
 */
export function solveLogistic(problem: LogisticProblem): LogisticResult {
  const { design, y, nClasses, l1, l2, fitIntercept, maxIter, tol } = problem;
  const { nRows: n, nColumns: p, nDense, dense } = design;
  const p1 = p + (fitIntercept ? 1 : 0);
  const nBlocks = nClasses === 2 ? 1 : nClasses;
  const multinomial = nBlocks > 1;

  // The intercept is one more code slot, column p for every row: coordinate p of each block, which the
  // kernels never penalize (coordinates >= p are unpenalized).
  const nCodes = design.nCodes + (fitIntercept ? 1 : 0);
  const codes = fitIntercept ? withInterceptCode(design.codes, n, design.nCodes, p) : design.codes;
  const w = normalized(problem.sampleWeight, n);
  const zeroIntercepts = new Float64Array(nBlocks);

  const requested = problem.method ?? "auto";
  const lbfgsProblem = { dense, nDense, codes, nCodes, nRows: n, nColumns: p1, nPenalized: p, nBlocks, y, w, l2, tol, ...(problem.onIteration ? { onIteration: problem.onIteration } : {}) };
  if (requested === "lbfgs" && l1 > 0) throw new RangeError("solveLogistic: the L-BFGS path has no L1 term; use method newton");
  const method = requested === "auto" ? chooseLogisticMethod(n, nDense, nCodes, p1, nBlocks, l1) : requested;
  if (method === "lbfgs") {
    const result = solveLogisticLbfgs({ ...lbfgsProblem, maxIter });
    return { ...unpack(result.coef, nBlocks, p1, p, fitIntercept, multinomial, l1), method, nIter: result.nIter, converged: result.converged, violation: result.violation, objective: result.objective };
  }

  const coef = new Float64Array(nBlocks * p1);
  const margins = new Float64Array(n * nBlocks);
  const probs = new Float64Array(n * nBlocks);
  const trialMargins = new Float64Array(n * nBlocks);
  const residual = new Float64Array(n);
  const curvature = new Float64Array(n);
  const xd = new Float64Array(n);
  const gradients = new Float64Array(nBlocks * p1);
  const hessian = new Float64Array(p1 * p1);
  const system = new Float64Array(p1 * p1);
  const direction = new Float64Array(p1);
  const trial = new Float64Array(p1);
  const rhs = new Float64Array(p1);
  const au = new Float64Array(p1);
  const shiftScratch = new Float64Array(nBlocks);

  const loss = (z: Float64Array): number => (multinomial ? multinomialLogLoss(z, y, w, n, nBlocks) : binaryLogLoss(z, y, w, n));
  const updateProbabilities = (): void => (multinomial ? softmaxRows(margins, n, nBlocks, probs) : sigmoid(margins, n, probs));

  /** Gradient of the loss with respect to block k at the current probabilities, into gradients[k]. */
  const gradient = (k: number): Float64Array => {
    for (let i = 0; i < n; i++) {
      const label = multinomial ? (y[i] === k ? 1 : 0) : y[i]!;
      residual[i] = w[i]! * (probs[i * nBlocks + k]! - label);
    }
    const g = gradients.subarray(k * p1, (k + 1) * p1);
    mixedGemvTransposed(dense, nDense, codes, nCodes, n, residual, p1, g);
    return g;
  };

  updateProbabilities();
  let objective = loss(margins);
  let violation = Infinity;
  let converged = false;
  let nIter = 0;
  // Only a choice made here is revised: a caller that asked for Newton gets Newton.
  const handOver = requested === "auto" && multinomial && l1 === 0;

  for (let iteration = 0; iteration <= maxIter; iteration++) {
    violation = 0;
    for (let k = 0; k < nBlocks; k++) {
      violation = Math.max(violation, optimalityViolation(gradient(k), coef.subarray(k * p1, (k + 1) * p1), p1, p, l1, l2));
    }
    if (violation <= tol) {
      converged = true;
      break;
    }
    if (iteration === maxIter) break;
    if (handOver && iteration === NEWTON_CYCLES_BEFORE_LBFGS) {
      const onIteration = problem.onIteration;
      const result = solveLogisticLbfgs({ ...lbfgsProblem, maxIter: maxIter - iteration, initial: coef, ...(onIteration ? { onIteration: (done: number) => onIteration(iteration + done) } : {}) });
      const combined = { nIter: iteration + result.nIter, converged: result.converged, violation: result.violation, objective: result.objective };
      return { ...unpack(result.coef, nBlocks, p1, p, fitIntercept, multinomial, l1), method: "newton+lbfgs", ...combined };
    }

    let moved = false;
    for (let k = 0; k < nBlocks; k++) {
      const wk = coef.subarray(k * p1, (k + 1) * p1);
      // Block 0's gradient is fresh from the convergence check; later blocks see the earlier blocks' steps.
      const g = k === 0 ? gradients.subarray(0, p1) : gradient(k);
      const blockViolation = optimalityViolation(g, wk, p1, p, l1, l2);
      if (blockViolation <= tol) continue;

      for (let i = 0; i < n; i++) {
        const pk = probs[i * nBlocks + k]!;
        curvature[i] = w[i]! * pk * (1 - pk);
      }
      mixedWeightedGram(dense, nDense, codes, nCodes, n, curvature, p1, hessian);

      const ok =
        l1 === 0
          ? newtonDirection(hessian, p1, p, l2, g, wk, system, rhs, direction)
          : proximalNewtonDirection(hessian, p1, p, l1, l2, g, wk, system, rhs, trial, au, direction, 0.01 * blockViolation);
      if (!ok) continue;

      // Predicted decrease of the composite model (Lee, Sun & Saunders): g.d + P(w + d) - P(w) < 0, the
      // penalty difference taken coordinate by coordinate so that it does not cancel to round-off.
      let decrease = 0;
      for (let j = 0; j < p1; j++) {
        const wj = wk[j]!;
        const dj = direction[j]!;
        decrease += g[j]! * dj;
        if (j < p) decrease += l1 * (Math.abs(wj + dj) - Math.abs(wj)) + l2 * dj * (wj + 0.5 * dj);
      }
      if (!(decrease < 0)) continue;
      const penaltyNow = penalty(wk, p, l1, l2);

      mixedGemv(dense, nDense, codes, nCodes, n, direction, xd);
      trialMargins.set(margins);
      const otherPenalties = totalPenalty(coef, nBlocks, p1, p, l1, l2) - penaltyNow;
      // Near the optimum the predicted decrease falls below what F's last bits can show, and comparing
      // two sums of n losses would reject good steps at random: then the full (proximal) Newton step,
      // whose quadratic model is exact to that order, is taken without the test.
      const negligible = -decrease <= ROUNDOFF_DECREASE * Math.max(1, Math.abs(objective));
      let step = 1;
      let accepted = false;
      for (let halving = 0; halving < MAX_HALVINGS; halving++) {
        for (let i = 0; i < n; i++) trialMargins[i * nBlocks + k] = margins[i * nBlocks + k]! + step * xd[i]!;
        for (let j = 0; j < p1; j++) trial[j] = wk[j]! + step * direction[j]!;
        const value = loss(trialMargins) + otherPenalties + penalty(trial, p, l1, l2);
        if (negligible || value <= objective + ARMIJO * step * decrease) {
          wk.set(trial);
          margins.set(trialMargins);
          objective = value;
          accepted = true;
          break;
        }
        step *= 0.5;
      }
      if (accepted) {
        updateProbabilities();
        moved = true;
      }
    }
    if (multinomial) {
      shiftClasses(coef, nBlocks, p1, p, fitIntercept, l1, l2, shiftScratch);
      mixedAffineRows(dense, nDense, codes, nCodes, n, p1, coef, zeroIntercepts, nBlocks, margins);
      updateProbabilities();
      objective = loss(margins) + totalPenalty(coef, nBlocks, p1, p, l1, l2);
    }
    nIter = iteration + 1;
    problem.onIteration?.(nIter);
    if (!moved) break; // no block could decrease F: stalled at round-off; report the violation as it is
  }

  objective = loss(margins) + totalPenalty(coef, nBlocks, p1, p, l1, l2);
  return { ...unpack(coef, nBlocks, p1, p, fitIntercept, multinomial, l1), method, nIter, converged, violation, objective };
}

/**
 * Newton direction for a smooth penalty: solve (H + l2 I_pen) d = -(g + l2 w_pen). If the matrix is
 * singular (collinear columns without an L2 penalty, or a separable problem), retry with growing damping
 * mu I (Levenberg-Marquardt): the direction then still descends, and along the null directions of H,
 * where the loss is flat, it moves nothing.
 */
function newtonDirection(hessian: Float64Array, p1: number, p: number, l2: number, g: Float64Array, wk: Float64Array, system: Float64Array, rhs: Float64Array, out: Float64Array): boolean {
  for (let j = 0; j < p1; j++) rhs[j] = -(g[j]! + (j < p ? l2 * wk[j]! : 0));
  let damping = 0;
  const base = meanDiagonal(hessian, p1) + l2;
  for (let round = 0; round < MAX_DAMPING_ROUNDS; round++) {
    system.set(hessian);
    for (let j = 0; j < p1; j++) system[j * p1 + j] += (j < p ? l2 : 0) + damping;
    if (choleskyFactor(system, p1, system)) {
      choleskySolve(system, p1, rhs, out);
      return true;
    }
    damping = damping === 0 ? 1e-10 * base : damping * 100;
  }
  return false;
}

/**
 * Proximal Newton direction with an L1 term: minimize the quadratic model g.d + 1/2 d^T H d plus the
 * penalty at w + d, by coordinate descent on u = w + d (the model is 1/2 u^T H u - (H w - g)^T u + const),
 * warm-started at u = w, until the sweep's largest gradient change is below `innerTol`. A tiny damping
 * keeps every coordinate's curvature positive when a column of H is zero.
 */
function proximalNewtonDirection(hessian: Float64Array, p1: number, p: number, l1: number, l2: number, g: Float64Array, wk: Float64Array, system: Float64Array, b: Float64Array, u: Float64Array, au: Float64Array, out: Float64Array, innerTol: number): boolean {
  system.set(hessian);
  const damping = 1e-12 * meanDiagonal(hessian, p1);
  for (let j = 0; j < p1; j++) system[j * p1 + j] += damping;
  gemv(system, p1, p1, wk, au);
  for (let j = 0; j < p1; j++) b[j] = au[j]! - g[j]!;
  u.set(wk);
  for (let sweep = 0; sweep < MAX_INNER_SWEEPS; sweep++) {
    if (coordinateDescentSweep(system, p1, b, p, l1, l2, u, au) <= innerTol) break;
  }
  for (let j = 0; j < p1; j++) out[j] = u[j]! - wk[j]!;
  return true;
}

/**
 * The multinomial model's free direction. The softmax does not change when the same vector is added to
 * every class's coefficients (and the same number to every intercept), so the loss is flat along that
 * shift and only the penalty pins it. Block Newton, which moves one class at a time, crawls along such a
 * direction (each block step is held back by the other classes, at a rate of about 1 - l2 / curvature
 * per cycle: over a thousand cycles on the fixtures). So after each cycle the shift is solved exactly:
 * for each feature j, the c minimizing sum_k l1 |W_kj - c| + l2/2 (W_kj - c)^2 is subtracted from the
 * column (the mean without L1; a weighted median with it), and the intercepts are centered. This never
 * increases F and leaves the probabilities unchanged.
 */
function shiftClasses(coef: Float64Array, nBlocks: number, p1: number, p: number, fitIntercept: boolean, l1: number, l2: number, scratch: Float64Array): void {
  for (let j = 0; j < p1; j++) {
    for (let k = 0; k < nBlocks; k++) scratch[k] = coef[k * p1 + j]!;
    const c = j < p ? optimalShift(scratch, nBlocks, l1, l2) : mean(scratch, nBlocks);
    if (j >= p && !fitIntercept) continue;
    for (let k = 0; k < nBlocks; k++) coef[k * p1 + j] -= c;
  }
}

/**
 * argmin over c of sum_k l1 |v_k - c| + l2/2 (v_k - c)^2, for K values. The function is convex and
 * piecewise quadratic with kinks at the v_k: its minimizer is either a kink where the subdifferential
 * contains 0, or a stationary point between two kinks. Without L1, the mean. Sorts `v` in place.
 */
export function optimalShift(v: Float64Array, nValues: number, l1: number, l2: number): number {
  const values = v.subarray(0, nValues);
  if (l1 === 0) return mean(values, nValues);
  values.sort();
  const sum = mean(values, nValues) * nValues;
  for (let m = 0; m <= nValues; m++) {
    // Between kinks m-1 and m: m values below c, nValues - m above.
    const lo = m === 0 ? -Infinity : values[m - 1]!;
    const hi = m === nValues ? Infinity : values[m]!;
    if (l2 > 0 && lo < hi) {
      const c = (sum - (l1 * (2 * m - nValues)) / l2) / nValues;
      if (c > lo && c < hi) return c;
    }
    if (m < nValues) {
      // At the kink c = values[m]: below, above and equal counts give the one-sided derivatives.
      const c = values[m]!;
      let below = 0;
      let above = 0;
      for (let k = 0; k < nValues; k++) {
        if (values[k]! < c) below++;
        else if (values[k]! > c) above++;
      }
      const equal = nValues - below - above;
      const smooth = l2 * (nValues * c - sum);
      if (l1 * (below - above - equal) + smooth <= 0 && l1 * (below + equal - above) + smooth >= 0) return c;
    }
  }
  return mean(values, nValues);
}

function mean(values: Float64Array, n: number): number {
  let sum = 0;
  for (let k = 0; k < n; k++) sum += values[k]!;
  return sum / n;
}

function meanDiagonal(a: Float64Array, n: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += a[j * n + j]!;
  return n > 0 ? sum / n : 0;
}

/** l1 |u_pen|_1 + l2/2 |u_pen|^2 over the first p (penalized) coordinates. */
function penalty(u: Float64Array, p: number, l1: number, l2: number): number {
  let abs = 0;
  let squares = 0;
  for (let j = 0; j < p; j++) {
    abs += Math.abs(u[j]!);
    squares += u[j]! * u[j]!;
  }
  return l1 * abs + 0.5 * l2 * squares;
}

function totalPenalty(coef: Float64Array, nBlocks: number, p1: number, p: number, l1: number, l2: number): number {
  let total = 0;
  for (let k = 0; k < nBlocks; k++) total += penalty(coef.subarray(k * p1, (k + 1) * p1), p, l1, l2);
  return total;
}

/** The codes (n x nCodes) with one more slot per row holding `column`, the intercept's column. */
function withInterceptCode(codes: Int32Array, n: number, nCodes: number, column: number): Int32Array {
  const out = new Int32Array(n * (nCodes + 1));
  for (let i = 0; i < n; i++) {
    out.set(codes.subarray(i * nCodes, (i + 1) * nCodes), i * (nCodes + 1));
    out[i * (nCodes + 1) + nCodes] = column;
  }
  return out;
}

/** The weights divided by their sum. */
export function normalized(weights: Float64Array, n: number): Float64Array {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = weights[i]! / sum;
  return out;
}

/**
 * Splits the packed blocks into coefficients and intercepts. For the multinomial model the softmax is
 * unchanged by adding one constant to every class's intercept, so the intercepts are only defined up to
 * that shift: they are centered to sum 0, which is where scikit-learn's solvers (started at 0, moved only
 * along gradients that sum to 0 over the classes) end. Without L1 the same holds for each feature's
 * coefficients (with L2 the optimum has them sum to 0 anyway; without a penalty it pins the otherwise
 * free shift); with L1 the penalty itself pins them, and they are left alone.
 */
function unpack(coef: Float64Array, nBlocks: number, p1: number, p: number, fitIntercept: boolean, multinomial: boolean, l1: number): { coef: Float64Array; intercept: Float64Array } {
  const outCoef = new Float64Array(nBlocks * p);
  const outIntercept = new Float64Array(nBlocks);
  for (let k = 0; k < nBlocks; k++) {
    outCoef.set(coef.subarray(k * p1, k * p1 + p), k * p);
    if (fitIntercept) outIntercept[k] = coef[k * p1 + p]!;
  }
  if (multinomial) {
    centerOverBlocks(outIntercept, nBlocks, 1);
    if (l1 === 0) centerOverBlocks(outCoef, nBlocks, p);
  }
  return { coef: outCoef, intercept: outIntercept };
}

function centerOverBlocks(values: Float64Array, nBlocks: number, width: number): void {
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let k = 0; k < nBlocks; k++) mean += values[k * width + j]!;
    mean /= nBlocks;
    for (let k = 0; k < nBlocks; k++) values[k * width + j] -= mean;
  }
}
