/**
 * Random forest: the estimator, its parameter schema, the fitted model and its loader.
 *
 * @example
 * import { RandomForest } from "./models/forest/index.js";
 * const model = new RandomForest({ nTrees: 200 }).fit(train);
 */
export { RandomForest } from "./forest.js";
export { FOREST_PARAMS, FOREST_MAX_LEAVES, type ForestParams } from "./params.js";
export { ForestModel, loadForestModel, MULTICLASS_TREE_LAYOUTS, type ForestState, type ForestTrees, type MulticlassTrees } from "./model.js";
