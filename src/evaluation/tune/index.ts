/** Hyperparameter search: spaces, successive halving, trial executors, the tuning run and its leaderboard. */
export { tune, leaderboardOf, tuningMetric, type TuneOptions, type TuneResult, type TuneProgress, type LeaderboardEntry } from "./tune.js";
export { planRungs, runHalving, rankEvaluations, type Rung, type RungPlanOptions, type HalvingOptions, type HalvingResult, type Evaluation, type EvaluationOutcome } from "./halving.js";
export {
  defaultSpace,
  parseSpace,
  readSpaceFile,
  sampleConfig,
  drawFrom,
  describeDistribution,
  BUDGETS,
  type Distribution,
  type SearchSpace,
  type ParamValue,
  type BudgetSpec,
} from "./space.js";
export { evaluateTrial, trialParams, trialSeed, TRIAL_EARLY_STOPPING, type TrialSetup, type TrialRequest, type TrialScore } from "./trial.js";
export { InlineExecutor, WorkerPoolExecutor, type TrialExecutor, type ExecutorOptions } from "./executors.js";
