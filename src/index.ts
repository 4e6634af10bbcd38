/**
 * learnloop: machine learning for tabular data in TypeScript.
 *
 * @example
 * import { readDataset, holdoutSplit, takeRows, GradientBoosting, scoreModel } from "learnloop";
 *
 * const data = await readDataset("penguins.json", { target: "Species" });
 * const { train, test } = holdoutSplit(data.nRows, { testSize: 0.2, seed: 42, stratify: data.target!.values });
 * const model = new GradientBoosting({ iterations: 200 }).fit(takeRows(data, train));
 * console.log(scoreModel(model, takeRows(data, test)).metrics); // { accuracy: 0.98..., log_loss: ..., ... }
 */

// Core: types, errors and their words, seeded randomness, hyperparameter schemas.
export type { Column, NumericColumn, CategoricalColumn, Dataset, Schema, FeatureSpec, TargetSpec, TargetColumn, Task, DatePart } from "./core/types.js";
export { MISSING_CODE, nOutputs } from "./core/types.js";
export type { Matrix } from "./core/matrix.js";
export {
  LearnloopError,
  InvalidParameterError,
  DataValidationError,
  ModelFormatError,
  NotFittedError,
  MetricError,
  AuditFailedError,
  type DataIssue,
  type DataIssueCode,
} from "./core/errors.js";
export { formatError, formatDataIssue } from "./core/messages.js";
export { Random } from "./core/rng.js";
export { validateParams, type ParamSchema, type ParamSpec } from "./core/params.js";

// Data: reading files through DuckDB into columnar datasets, splits, writing results.
export { readDataset, schemaOf, holdoutSplit, kFold, stratifiedKFold, groupKFold, timeSplit, takeRows, type ReadOptions, type Split } from "./data/index.js";
export { writeTable, type OutputColumn } from "./data/write.js";

// Metrics, defined exactly as scikit-learn defines them.
export * from "./metrics/index.js";

// Models: the estimator contract, the families, the model file.
export type { Estimator, Model, FitOptions, Progress, FeatureImportance, ModelFileExtras, DecisionRule } from "./models/types.js";
export { LinearEstimator, LogisticRegression, LinearRegression, LinearModel, LINEAR_PARAMS } from "./models/linear/index.js";
export { GradientBoosting, GbdtModel, GBDT_PARAMS } from "./models/gbdt/index.js";
export { RandomForest, ForestModel, FOREST_PARAMS } from "./models/forest/index.js";
export { MODEL_FAMILIES, DEFAULT_MODEL_KIND, modelFamily, loadModel, loadModelFile, readModelFile, type ModelFamily } from "./models/registry.js";
export { FORMAT_VERSION, LEARNLOOP_VERSION } from "./models/format.js";

// Evaluation: scores with baselines and intervals, paired comparisons, profiling.
export { scoreModel, predictionsOf, type ModelScore } from "./evaluation/score-model.js";
export { evaluateHoldout, type HoldoutOptions, type HoldoutReport } from "./evaluation/holdout.js";
export { crossValidate, summarize, type CvOptions, type CvReport, type CvFold, type MetricSummary, type OutOfFold } from "./evaluation/cv.js";
export { chooseThreshold, applyThreshold, thresholdRule, type ThresholdOptions, type ThresholdChoice } from "./evaluation/threshold.js";
export {
  bootstrapInterval,
  bootstrapIntervals,
  baselinePredictions,
  lift,
  compareModels,
  delongTest,
  mcnemarTest,
  pairedTTest,
  pairedBootstrapTest,
  type BootstrapInterval,
  type Comparison,
} from "./evaluation/stats/index.js";
export { auditTraining, formatFinding, AUDIT_THRESHOLDS, type AuditFinding } from "./evaluation/audit/index.js";
export { buildModelReport, renderReportHtml, permutationImportance, type ModelReport, type ReportOptions } from "./evaluation/report/index.js";
export { profileFile, formatFlag, renderProfileHtml, type DataProfile, type ProfileOptions } from "./evaluation/profile/index.js";
export { tune, defaultSpace, parseSpace, readSpaceFile, planRungs, type TuneOptions, type TuneResult, type LeaderboardEntry, type SearchSpace, type Distribution } from "./evaluation/tune/index.js";

// Tracking: runs, artifacts, the model registry and the prediction log, on SQLite or PostgreSQL.
export { openStore, storeTarget, sha256Hex, SCHEMA_VERSION, SQLITE_FILE, type StoreOptions } from "./tracking/index.js";
export type * from "./tracking/types.js";
export { StoreError, type StoreIssueCode } from "./core/errors.js";

// Serving: the HTTP prediction service over the registry's champions.
export { createService, type ServiceOptions, type ServiceControl } from "./serving/app.js";
export { liveReport, type LiveReport, type LiveVersion, type LiveWindow, type VersionClasses } from "./serving/live.js";
export { storedOutcomeLabels, type OutcomeLabels } from "./serving/models.js";
export { RowReader, RowValidationError, formatRowIssue, parseIsoInstant, type UnknownCategoryPolicy, type RowIssue } from "./serving/rows.js";
