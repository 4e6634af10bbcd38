/**
 * The linear estimators. Each is its validated parameters; `fit` builds the design (imputation,
 * standardization, one-hot), maps the parameters to the L1 / L2 weights of the solver's weight-normalized
 * objective, runs the solver and returns a LinearModel. `fit` never mutates the estimator.
 */
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { validateParams } from "../../core/params.js";
import type { Dataset, TargetColumn } from "../../core/types.js";
import { DesignTransform, type EncodedDesign } from "../../features/design.js";
import { featureContributionStd } from "../../kernels/mixed.js";
import { schemaOf } from "../../data/schema.js";
import type { Estimator, FitOptions } from "../types.js";
import { balancedRowWeights, checkSampleWeights } from "../weights.js";
import { LinearModel, type LinearFitInfo, type LinearLink } from "./model.js";
import { LINEAR_PARAMS, LINEAR_REGRESSION_PARAMS, LOGISTIC_PARAMS, type LinearParams, type LinearRegressionParams, type LogisticParams } from "./params.js";
import { solveLeastSquares } from "./solver-least-squares.js";
import { solveLogistic, type SolverResult } from "./solver-logistic.js";

/** The L1 and L2 weights of the normalized objective. */
interface Penalty {
  readonly l1: number;
  readonly l2: number;
}

/** What the shared fitting code needs to know about one estimator's parameters. */
interface FitPlan {
  readonly owner: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly standardize: boolean;
  readonly maxCategories: number;
  readonly fitIntercept: boolean;
  readonly maxIter: number;
  readonly tol: number;
  readonly classWeight: string;
  /** The normalized objective's penalty weights, given the total row weight (class weights included). */
  readonly penalty: (totalWeight: number) => Penalty;
}

/**
 * Logistic regression, binary or multinomial, with scikit-learn's objective
 * C * sum(weight * log loss) + penalty (L2 |w|^2/2, L1 |w|_1, elastic net, or none), intercept
 * unpenalized; more than two classes fit the multinomial (softmax) model, as multi_class="multinomial".
 * Fitted by (block) proximal Newton to the optimality tolerance `tol` (see solver-logistic.ts), or, with
 * a smooth penalty where Newton's p x p systems would dominate (many classes, or categorical features
 * with hundreds of levels), by L-BFGS on the whole objective to the same tolerance (solver-lbfgs.ts);
 * fitInfo.solver says which.
 *
 * @example
 * const model = new LogisticRegression({ penalty: "l1", C: 0.1 }).fit(train);
 * model.predictProba(test);
 * model.fitInfo.converged; // false if maxIter was hit
 */
export class LogisticRegression implements Estimator<LinearModel> {
  /** Always "linear". */
  readonly kind = "linear";
  readonly params: LogisticParams;

  /** Validates `params` against LOGISTIC_PARAMS; unknown or out-of-range values throw InvalidParameterError. */
  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = validateParams("LogisticRegression", LOGISTIC_PARAMS, params);
  }

  /** Fits on a dataset with a binary or multiclass target. */
  fit(train: Dataset, options: FitOptions = {}): LinearModel {
    const p = this.params;
    const target = requireTarget(train, "LogisticRegression");
    if (target.task === "regression") {
      throw new DataValidationError({ code: "invalid_value", file: train.source, column: target.name, expected: "a binary or multiclass target for LogisticRegression", received: "a regression target", detail: "use LinearRegression" });
    }
    const plan: FitPlan = {
      owner: "LogisticRegression",
      params: p,
      standardize: p.standardize,
      maxCategories: p.maxCategories,
      fitIntercept: p.fitIntercept,
      maxIter: p.maxIter,
      tol: p.tol,
      classWeight: p.classWeight,
      // C * sum(s loss) + P(w), divided by C * sum(s): the penalty's weights become 1 / (C * sum(s)).
      penalty: (total) => {
        const lambda = 1 / (p.C * total);
        switch (p.penalty) {
          case "l2":
            return { l1: 0, l2: lambda };
          case "l1":
            return { l1: lambda, l2: 0 };
          case "elasticnet":
            return { l1: lambda * p.l1Ratio, l2: lambda * (1 - p.l1Ratio) };
          default:
            return { l1: 0, l2: 0 };
        }
      },
    };
    return fitClassifier(plan, train, target, options);
  }
}

/**
 * Linear regression: ordinary least squares (penalty "none"), ridge ("l2"), lasso ("l1") or elastic net,
 * with scikit-learn's objectives and scalings: LinearRegression, Ridge(alpha) (sum of squares +
 * alpha |w|^2), Lasso(alpha) and ElasticNet(alpha, l1Ratio) (sum of squares / (2 n) + alpha * penalty).
 * Closed form by Cholesky without L1, coordinate descent with it (see solver-least-squares.ts).
 *
 * @example
 * const model = new LinearRegression({ penalty: "l2", alpha: 10 }).fit(train);
 * model.predict(test);
 * model.coefficients(); // { columns, outputs, weights, intercepts } in original units
 */
export class LinearRegression implements Estimator<LinearModel> {
  /** Always "linear". */
  readonly kind = "linear";
  readonly params: LinearRegressionParams;

  /** Validates `params` against LINEAR_REGRESSION_PARAMS; unknown or out-of-range values throw InvalidParameterError. */
  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = validateParams("LinearRegression", LINEAR_REGRESSION_PARAMS, params);
  }

  /** Fits on a dataset with a regression target. */
  fit(train: Dataset, options: FitOptions = {}): LinearModel {
    const p = this.params;
    const target = requireTarget(train, "LinearRegression");
    if (target.task !== "regression") {
      throw new DataValidationError({ code: "invalid_value", file: train.source, column: target.name, expected: "a regression target for LinearRegression", received: `a ${target.task} target`, detail: "use LogisticRegression" });
    }
    const plan: FitPlan = {
      owner: "LinearRegression",
      params: p,
      standardize: p.standardize,
      maxCategories: p.maxCategories,
      fitIntercept: p.fitIntercept,
      maxIter: p.maxIter,
      tol: p.tol,
      classWeight: "none",
      penalty: (total) => {
        switch (p.penalty) {
          case "l2": // Ridge: sum(s r^2) + alpha |w|^2, divided by 2 sum(s).
            return { l1: 0, l2: p.alpha / total };
          case "l1": // Lasso: sum(s r^2) / (2 sum(s)) + alpha |w|_1, already normalized.
            return { l1: p.alpha, l2: 0 };
          case "elasticnet":
            return { l1: p.alpha * p.l1Ratio, l2: p.alpha * (1 - p.l1Ratio) };
          default:
            return { l1: 0, l2: 0 };
        }
      },
    };
    return fitRegressor(plan, train, target, options);
  }
}

/**
 * The linear model family behind `--model linear` (kind "linear"): logistic regression for a binary or
 * multiclass target, linear regression for a regression target, with one parameterization for both:
 * minimize mean loss + alpha * (l1Ratio |w|_1 + (1 - l1Ratio) |w|^2 / 2) (see LINEAR_PARAMS for the
 * mapping to scikit-learn's C and alpha).
 *
 * @example
 * const model = new LinearEstimator({ alpha: 1e-3 }).fit(train); // logistic or least squares by task
 */
export class LinearEstimator implements Estimator<LinearModel> {
  /** Always "linear". */
  readonly kind = "linear";
  readonly params: LinearParams;

  /** Validates `params` against LINEAR_PARAMS; unknown or out-of-range values throw InvalidParameterError. */
  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = validateParams("LinearEstimator", LINEAR_PARAMS, params);
  }

  /** Fits logistic regression (binary, multiclass target) or least squares (regression target). */
  fit(train: Dataset, options: FitOptions = {}): LinearModel {
    const p = this.params;
    const target = requireTarget(train, "LinearEstimator");
    const plan: FitPlan = {
      owner: "LinearEstimator",
      params: p,
      standardize: p.standardize,
      maxCategories: p.maxCategories,
      fitIntercept: p.fitIntercept,
      maxIter: p.maxIter,
      tol: p.tol,
      classWeight: p.classWeight,
      penalty: () => ({ l1: p.alpha * p.l1Ratio, l2: p.alpha * (1 - p.l1Ratio) }),
    };
    if (target.task === "regression") {
      if (p.classWeight !== "none") throw new InvalidParameterError("classWeight", '"none" for a regression target', p.classWeight, "LinearEstimator");
      return fitRegressor(plan, train, target, options);
    }
    return fitClassifier(plan, train, target, options);
  }
}

function requireTarget(data: Dataset, owner: string): TargetColumn {
  if (!data.target) throw new DataValidationError({ code: "missing_feature", file: data.source, expected: `a target column to fit ${owner}`, received: "a dataset without one" });
  if (data.nRows < 1) throw new DataValidationError({ code: "too_few_rows", file: data.source, expected: "at least 1 row", received: "0" });
  return data.target;
}

/** The sample weights checked and copied (the fit reweights them), or 1 for every row. */
function rowWeights(sampleWeight: Float64Array | undefined, nRows: number, file: string | undefined): Float64Array {
  if (!sampleWeight) return new Float64Array(nRows).fill(1);
  checkSampleWeights(sampleWeight, nRows, file);
  return Float64Array.from(sampleWeight);
}

function fitInfo(solver: string, result: SolverResult, penalty: Penalty): LinearFitInfo {
  return { solver, nIter: result.nIter, converged: result.converged, violation: result.violation, objective: result.objective, l1: penalty.l1, l2: penalty.l2 };
}

function progress(plan: FitPlan, options: FitOptions): ((iteration: number) => void) | undefined {
  const report = options.onProgress;
  return report ? (done) => report({ phase: "iteration", done, total: plan.maxIter, upperBound: true }) : undefined;
}

/**
 * Logistic regression on a classification target. Classes absent from the training rows are left out
 * of the fit (their coefficients would run off to -infinity) and given probability 0: intercept
 * -Infinity in a softmax model. Two present classes of a multiclass target fit the binary model, which
 * the softmax rows then reproduce exactly (margins 0 and z give sigmoid(z)).
 */
function fitClassifier(plan: FitPlan, train: Dataset, target: TargetColumn, options: FitOptions): LinearModel {
  const n = train.nRows;
  const nClasses = target.classes?.length ?? 2;
  const counts = new Float64Array(nClasses);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = target.values[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < nClasses)) {
      throw new DataValidationError({ code: "invalid_value", file: train.source, column: target.name, row: i + 1, expected: `a class index in 0..${nClasses - 1}`, received: String(v) });
    }
    y[i] = v;
    counts[v]++;
  }
  const present: number[] = [];
  const remap = new Int32Array(nClasses).fill(-1);
  for (let k = 0; k < nClasses; k++) {
    if (counts[k]! > 0) {
      remap[k] = present.length;
      present.push(k);
    }
  }
  if (present.length < 2) {
    throw new DataValidationError({ code: "single_class", file: train.source, column: target.name, expected: "2 or more classes", received: present.length === 1 ? `only "${target.classes?.[present[0]!] ?? present[0]}"` : "none" });
  }
  const checked = rowWeights(options.sampleWeight, n, train.source);
  const weights = plan.classWeight === "balanced" ? balancedRowWeights(y, nClasses, checked) : checked;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += weights[i]!;
    y[i] = remap[y[i]!]!;
  }

  const design = DesignTransform.fit(train, { standardize: plan.standardize, maxCategories: plan.maxCategories });
  const encoded = checkedDesign(design, train, plan);
  const penalty = plan.penalty(total);
  const result = solveLogistic({
    design: encoded,
    y,
    nClasses: present.length,
    sampleWeight: weights,
    l1: penalty.l1,
    l2: penalty.l2,
    fitIntercept: plan.fitIntercept,
    maxIter: plan.maxIter,
    tol: plan.tol,
    onIteration: progress(plan, options),
  });

  const p = encoded.nColumns;
  let link: LinearLink;
  let coef = result.coef;
  let intercept = result.intercept;
  if (target.task === "binary") {
    link = "logit";
  } else {
    link = "softmax";
    if (present.length < nClasses || present.length === 2) {
      coef = new Float64Array(nClasses * p);
      intercept = new Float64Array(nClasses).fill(-Infinity);
      if (present.length === 2) {
        intercept[present[0]!] = 0;
        intercept[present[1]!] = result.intercept[0]!;
        coef.set(result.coef, present[1]! * p);
      } else {
        present.forEach((k, slot) => {
          intercept[k] = result.intercept[slot]!;
          coef.set(result.coef.subarray(slot * p, (slot + 1) * p), k * p);
        });
      }
    }
  }
  const solver = result.method === "lbfgs" ? "lbfgs" : result.method === "newton+lbfgs" ? "block-newton+lbfgs" : `${present.length > 2 ? "block-" : ""}${penalty.l1 === 0 ? "newton" : "proximal-newton"}`;
  const nOutputs = link === "logit" ? 1 : nClasses;
  const importance = contributionImportance(encoded, design, coef, intercept, nOutputs);
  return new LinearModel(schemaOf(train), plan.params, { estimator: plan.owner, link, nOutputs, design: design.toJSON(), fit: fitInfo(solver, result, penalty), importance }, design, coef, intercept);
}

/** Least squares on a regression target. */
function fitRegressor(plan: FitPlan, train: Dataset, target: TargetColumn, options: FitOptions): LinearModel {
  const n = train.nRows;
  for (let i = 0; i < n; i++) {
    const v = target.values[i]!;
    if (!Number.isFinite(v)) throw new DataValidationError({ code: "invalid_value", file: train.source, column: target.name, row: i + 1, expected: "a finite number", received: String(v) });
  }
  const weights = rowWeights(options.sampleWeight, n, train.source);
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  const design = DesignTransform.fit(train, { standardize: plan.standardize, maxCategories: plan.maxCategories });
  const penalty = plan.penalty(total);
  const encoded = checkedDesign(design, train, plan);
  const result = solveLeastSquares({
    design: encoded,
    y: target.values,
    sampleWeight: weights,
    l1: penalty.l1,
    l2: penalty.l2,
    fitIntercept: plan.fitIntercept,
    maxIter: plan.maxIter,
    tol: plan.tol,
    onIteration: progress(plan, options),
  });
  const solver = penalty.l1 === 0 ? "cholesky" : "coordinate-descent";
  const importance = contributionImportance(encoded, design, result.coef, result.intercept, 1);
  return new LinearModel(schemaOf(train), plan.params, { estimator: plan.owner, link: "identity", nOutputs: 1, design: design.toJSON(), fit: fitInfo(solver, result, penalty), importance }, design, result.coef, result.intercept);
}

/** Largest design the solvers take: their p x p systems cost p^2 memory and p^3 time per Newton step. */
const MAX_DESIGN_COLUMNS = 4096;

/** The encoded training design, refused with a clear error when it is too wide to solve. */
function checkedDesign(design: DesignTransform, train: Dataset, plan: FitPlan): EncodedDesign {
  if (design.nColumns > MAX_DESIGN_COLUMNS) {
    throw new InvalidParameterError(
      "maxCategories",
      `small enough that the design has at most ${MAX_DESIGN_COLUMNS} columns (or use the gbdt model, which needs no one-hot encoding)`,
      `${plan.maxCategories}, which gives ${design.nColumns} columns`,
      plan.owner,
    );
  }
  return design.encode(train);
}

/**
 * Each feature's importance: the standard deviation over the training rows of its contribution to the
 * margin, averaged over the fitted outputs (classes absent from training, intercept -Infinity, skipped).
 * Unlike |coefficient| summed over design columns, this compares a number with a 300-level category fairly.
 */
function contributionImportance(encoded: EncodedDesign, design: DesignTransform, coef: Float64Array, intercept: Float64Array, nOutputs: number): number[] {
  const nFeatures = design.features.length;
  const totals = new Float64Array(nFeatures);
  const out = new Float64Array(nFeatures);
  const buffers = [0, 1, 2, 3].map(() => new Float64Array(nFeatures)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  let nFitted = 0;
  for (let k = 0; k < nOutputs; k++) {
    if (intercept[k] === -Infinity) continue;
    nFitted++;
    const w = coef.subarray(k * encoded.nColumns, (k + 1) * encoded.nColumns);
    featureContributionStd(encoded.dense, encoded.nDense, encoded.codes, encoded.nCodes, encoded.nRows, design.columnFeature, nFeatures, w, ...buffers, out);
    for (let f = 0; f < nFeatures; f++) totals[f] += out[f]!;
  }
  return Array.from(totals, (total) => (nFitted > 0 ? total / nFitted : 0));
}
