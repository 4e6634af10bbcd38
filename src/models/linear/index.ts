/**
 * Linear models: logistic regression (binary, multinomial; L2, L1, elastic net, none) and linear
 * regression (ordinary, ridge, lasso, elastic net), with imputation, standardization and one-hot
 * encoding built in, coefficients that match scikit-learn's on the same objective, and model files.
 *
 * @example
 * import { LinearEstimator, LogisticRegression } from "./models/linear/index.js";
 * const model = new LogisticRegression({ C: 0.5 }).fit(train);
 * const again = loadLinearModel(decodeModelFile(model.toBytes())); // bit-identical predictions
 */
export { LinearEstimator, LinearRegression, LogisticRegression } from "./estimators.js";
export {
  LINEAR_PARAMS,
  LINEAR_REGRESSION_PARAMS,
  LOGISTIC_PARAMS,
  type LinearParams,
  type LinearRegressionParams,
  type LogisticParams,
} from "./params.js";
export { LinearModel, loadLinearModel, type LinearCoefficients, type LinearFitInfo, type LinearLink, type LinearState } from "./model.js";
export { solveLogistic, type DesignArrays, type LogisticProblem, type LogisticResult, type SolverResult } from "./solver-logistic.js";
export { chooseLogisticMethod } from "./solver-lbfgs.js";
export { solveLeastSquares, type LeastSquaresProblem } from "./solver-least-squares.js";
