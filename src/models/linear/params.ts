/**
 * The hyperparameters of the linear models, declared once (see src/core/params.ts). LogisticRegression and
 * LinearRegression use scikit-learn's names and scalings, so a value means what it means there;
 * LinearEstimator (the CLI's `--model linear`) has one parameterization for both tasks.
 */
import type { ParamSchema, ParamValues } from "../../core/params.js";

const COMMON = {
  fitIntercept: { type: "boolean", default: true, doc: "fit an intercept (never penalized)" },
  standardize: {
    type: "boolean",
    default: true,
    doc: "standardize numeric features (mean 0, population std 1) before fitting, so the penalty treats them alike",
  },
  maxCategories: {
    type: "number",
    integer: true,
    min: 1,
    max: 10000,
    default: 256,
    doc: "one-hot columns per categorical feature: the most frequent categories in training; the rest encode like an unknown category",
  },
  maxIter: {
    type: "number",
    integer: true,
    min: 1,
    default: 1000,
    doc: "most solver iterations: Newton steps (logistic; cycles over classes when multinomial), L-BFGS iterations (smooth logistic with many classes or columns), or coordinate-descent sweeps (lasso, elastic net)",
  },
  tol: {
    type: "number",
    min: 0,
    exclusiveMin: true,
    default: 1e-6,
    doc: "stop when no coefficient violates the optimality conditions by more than this (gradient of the weight-normalized objective; times std(y) for regression)",
  },
} as const satisfies ParamSchema;

const CLASS_WEIGHT = {
  type: "enum",
  values: ["none", "balanced"],
  default: "none",
  doc: "balanced: weight each class by nRows / (nClasses * its count), as scikit-learn",
} as const;

/** Hyperparameter schema of LogisticRegression: scikit-learn's objective C * sum(weight * log loss) + penalty. */
export const LOGISTIC_PARAMS = {
  penalty: {
    type: "enum",
    values: ["l2", "l1", "elasticnet", "none"],
    default: "l2",
    doc: "penalty on the coefficients: l2 = |w|^2/2, l1 = |w|_1, elasticnet = l1Ratio |w|_1 + (1 - l1Ratio) |w|^2/2",
  },
  C: { type: "number", min: 0, exclusiveMin: true, default: 1, doc: "inverse regularization strength: the objective is C * sum(weight * log loss) + penalty" },
  l1Ratio: { type: "number", min: 0, max: 1, default: 0.5, doc: "share of L1 in the elasticnet penalty (ignored by the others)" },
  classWeight: CLASS_WEIGHT,
  ...COMMON,
} as const satisfies ParamSchema;

/** Validated LogisticRegression parameters. */
export type LogisticParams = ParamValues<typeof LOGISTIC_PARAMS>;

/**
 * Hyperparameter schema of LinearRegression: scikit-learn's LinearRegression (none), Ridge(alpha) (l2),
 * Lasso(alpha) (l1) and ElasticNet(alpha, l1Ratio) (elasticnet), with their own scalings.
 */
export const LINEAR_REGRESSION_PARAMS = {
  penalty: {
    type: "enum",
    values: ["none", "l2", "l1", "elasticnet"],
    default: "none",
    doc: "none: ordinary least squares; l2: ridge; l1: lasso; elasticnet: both",
  },
  alpha: {
    type: "number",
    min: 0,
    default: 1,
    doc: "penalty strength, scaled as scikit-learn: l2 minimizes sum(w r^2) + alpha |w|^2; l1 and elasticnet minimize sum(w r^2) / (2 sum(w)) + alpha * penalty",
  },
  l1Ratio: { type: "number", min: 0, max: 1, default: 0.5, doc: "share of L1 in the elasticnet penalty l1Ratio |w|_1 + (1 - l1Ratio) |w|^2/2" },
  ...COMMON,
} as const satisfies ParamSchema;

/** Validated LinearRegression parameters. */
export type LinearRegressionParams = ParamValues<typeof LINEAR_REGRESSION_PARAMS>;

/**
 * Hyperparameter schema of LinearEstimator (kind "linear"): one parameterization for every task. It
 * minimizes mean loss + alpha * (l1Ratio |w|_1 + (1 - l1Ratio) |w|^2 / 2), the mean weighted by the
 * sample weights, with the log loss for classification and half the squared error for regression. So
 * for regression it is scikit-learn's ElasticNet(alpha, l1_ratio) (Ridge(alpha * nRows) when l1Ratio is
 * 0), and for classification LogisticRegression(C = 1 / (alpha * nRows)) with the matching penalty. The
 * strength of alpha does not depend on the number of rows; alpha = 0 means no penalty.
 */
export const LINEAR_PARAMS = {
  alpha: {
    type: "number",
    min: 0,
    default: 1e-4,
    doc: "penalty strength on the mean loss: alpha * (l1Ratio |w|_1 + (1 - l1Ratio) |w|^2/2); 0 for none",
  },
  l1Ratio: { type: "number", min: 0, max: 1, default: 0, doc: "share of L1 in the penalty: 0 ridge (smooth, fastest), 1 lasso" },
  classWeight: CLASS_WEIGHT,
  ...COMMON,
} as const satisfies ParamSchema;

/** Validated LinearEstimator parameters. */
export type LinearParams = ParamValues<typeof LINEAR_PARAMS>;
