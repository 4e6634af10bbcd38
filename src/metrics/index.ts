/**
 * learnloop metrics: classification, ranking and regression metrics defined exactly as scikit-learn 1.2
 * defines them, and a registry that computes them by name. Depends on src/core only.
 */
export {
  accuracyScore,
  balancedAccuracyScore,
  brierScoreLoss,
  cohenKappaScore,
  confusionMatrix,
  f1Score,
  logLoss,
  matthewsCorrcoef,
  precisionScore,
  recallScore,
  type Average,
  type LabelMetricOptions,
  type LogLossOptions,
  type PrfOptions,
} from "./classification.js";
export {
  averagePrecisionScore,
  precisionRecallCurve,
  rocAucOvrScore,
  rocAucScore,
  rocCurve,
  type PrecisionRecallCurve,
  type RankingOptions,
  type RocAucOvrOptions,
  type RocCurve,
} from "./ranking.js";
export {
  explainedVarianceScore,
  maxError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  r2Score,
  rootMeanSquaredError,
  type RegressionOptions,
} from "./regression.js";
export {
  computeMetrics,
  labelsFromProba,
  defaultMetricNames,
  METRICS,
  metricNamesFor,
  primaryMetric,
  type MetricInput,
  type MetricName,
  type MetricSpec,
} from "./registry.js";
