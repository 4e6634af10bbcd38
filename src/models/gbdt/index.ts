/**
 * Histogram gradient-boosted trees: the estimator, its parameter schema, the fitted model and its loader.
 *
 * @example
 * import { GradientBoosting } from "./models/gbdt/index.js";
 * const model = new GradientBoosting({ maxLeaves: 63 }).fit(train);
 * const bytes = model.toBytes();
 */
export { GradientBoosting, AUTO_EARLY_STOPPING_ROUNDS, AUTO_EARLY_STOPPING_ROWS, type FittedGbdt, type GbdtFitInfo } from "./boosting.js";
export { DEFAULT_ROUNDS, DEFAULT_ROUNDS_EARLY_STOPPING, GBDT_PARAMS, type GbdtParams } from "./params.js";
export { GbdtModel, loadGbdtModel, type DumpedNode, type GbdtState, type GbdtTrees, type ImportanceType } from "./model.js";
export type { LossName } from "./loss.js";
