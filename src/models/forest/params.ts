/**
 * The hyperparameters of the random forest (see src/core/params.ts). Defaults follow scikit-learn's
 * RandomForest where the histogram grower allows: 100 trees, bootstrap, fully grown trees (limited by
 * minSamplesLeaf: 1 for classification, 5 for regression, Breiman's habit), and max_features drawn anew
 * for every split: sqrt(features) for classification, all of them for regression.
 */
import type { ParamSchema, ParamValues } from "../../core/params.js";

/**
 * Most leaves a forest tree may have. The grower's histograms are pooled (src/models/gbdt/grower.ts,
 * maxHistograms), so the limit is the node arrays' memory: about 330 bytes per node, 43 MB at 65536 leaves.
 */
export const FOREST_MAX_LEAVES = 65536;

/** Hyperparameter schema of RandomForest. */
export const FOREST_PARAMS = {
  nTrees: { type: "number", integer: true, min: 1, max: 100000, default: 100, doc: "trees in the forest: bootstrap samples, one tree each (a multiclass tree is stored once, each leaf holding the shares of every class)" },
  maxLeaves: {
    type: "number",
    integer: true,
    min: 2,
    max: FOREST_MAX_LEAVES,
    default: null,
    nullable: true,
    doc: `leaves per tree; null: up to ${FOREST_MAX_LEAVES} (in practice limited by minSamplesLeaf)`,
  },
  maxDepth: { type: "number", integer: true, min: 1, max: 64, default: null, nullable: true, doc: "depth limit of a tree; null for none" },
  minSamplesLeaf: {
    type: "number",
    integer: true,
    min: 1,
    default: null,
    nullable: true,
    doc: "fewest distinct training rows in a leaf; null: 1 for classification, 5 for regression",
  },
  maxFeatures: {
    type: "number",
    min: 0,
    exclusiveMin: true,
    default: null,
    nullable: true,
    keywords: ["sqrt", "log2"],
    doc: "features drawn at random for each split: a fraction in (0, 1] of the features (at least one), a whole number of them above 1, sqrt or log2 of their number; null: sqrt for classification, all for regression (scikit-learn's defaults)",
  },
  classWeight: {
    type: "enum",
    values: ["none", "balanced"],
    default: "none",
    doc: "balanced: weight each class by rows / (classes x its rows), times any sample weights (classification; as scikit-learn's class_weight)",
  },
  bootstrap: { type: "boolean", default: true, doc: "grow each tree on a bootstrap sample (else on every row); needed for the out-of-bag score" },
  maxBins: { type: "number", integer: true, min: 2, max: 255, default: 255, doc: "value bins per feature (a missing bin is added)" },
  seed: { type: "number", integer: true, min: 0, default: 0, doc: "seed of every random choice (bootstrap, features, bin sample)" },
  threads: {
    type: "number",
    integer: true,
    min: 1,
    max: 256,
    default: null,
    nullable: true,
    doc: "threads building histograms of binary and regression trees (the model is the same for any number; multiclass trees are grown on one thread); null: one per core",
  },
} as const satisfies ParamSchema;

/** Validated random forest parameters. */
export type ForestParams = ParamValues<typeof FOREST_PARAMS>;
