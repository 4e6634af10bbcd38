/**
 * The fitted random forest: flattened trees (src/kernels/tree-predict.ts) whose outputs are averaged.
 * Leaf values are in target units (regression: the weighted mean of the leaf's rows; classification:
 * the share of the tree's class among the leaf's rows). The model file stores the tree arrays as they
 * are, so load -> predict is bit-identical to the fitted model.
 */
import { DataValidationError, InvalidParameterError, ModelFormatError } from "../../core/errors.js";
import type { Matrix } from "../../core/matrix.js";
import type { Dataset, Schema, Task } from "../../core/types.js";
import { encodeModelFile, type ModelContent, type ModelLoader, type StoredArray } from "../format.js";
import type { FeatureImportance, Model, ModelFileExtras } from "../types.js";
import { predictColumns, type PredictOptions } from "../gbdt/predict-threads.js";
import { checkedTrees, dumpTreeArrays, TREE_ARRAY_NAMES, type DumpedNode, type GbdtTrees, type ImportanceType, treeImportance, withoutThreads } from "../gbdt/model.js";

/** Small state of a fitted forest, kept as JSON in the model file header. */
export interface ForestState {
  /** Outputs per row: the number of classes for multiclass, else 1 (P(class 1) for binary). */
  readonly nOutputs: number;
  /** Bootstrap samples (trees per output). */
  readonly nBags: number;
  /** Out-of-bag accuracy (classification) or R² (regression); null without bootstrap or OOB rows. */
  readonly oobScore: number | null;
  /** Training rows that were out of bag for at least one tree. */
  readonly oobRows: number;
  /** The leaf limit the trees were grown with (maxLeaves, or the automatic limit). */
  readonly maxLeaves: number;
  /** Features drawn for each split (maxFeatures resolved). */
  readonly featuresPerSplit: number;
  /** minSamplesLeaf after resolving null. */
  readonly minSamplesLeaf: number;
  /**
   * How the multiclass trees were grown. "gini": one tree per bag on the Gini impurity of all classes,
   * stored once per class with that class's shares as leaf values. Absent (files written before
   * 2026-11-26, and binary and regression forests): one tree per class and bag, on the class indicator.
   * Both are predicted the same way: the average over bags of each class's tree.
   */
  readonly multiclassTrees?: "gini";
}

/** Flattened trees plus per-node statistics for importances: the same arrays as a boosted ensemble. */
export type ForestTrees = GbdtTrees;

/** A fitted random forest. */
export class ForestModel implements Model {
  /** Always "forest". */
  readonly kind = "forest";
  readonly task: Task;
  readonly schema: Schema;
  /** The estimator's parameters, without `threads`, as GbdtModel's (why: see there); dropped on load from older files. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly state: ForestState;
  readonly #trees: ForestTrees;

  constructor(schema: Schema, params: Readonly<Record<string, unknown>>, state: ForestState, trees: ForestTrees) {
    this.task = schema.target.task;
    this.schema = schema;
    this.params = withoutThreads(params);
    this.state = state;
    this.#trees = trees;
  }

  /** Trees (bags x outputs). */
  get nTrees(): number {
    return this.#trees.treeRoot.length;
  }

  /** Trees, the out-of-bag score (accuracy or R²) and the settings the trees were grown with. */
  fitSummary(): Readonly<Record<string, number | string | boolean | null>> {
    const s = this.state;
    return {
      trees: this.nTrees,
      bags: s.nBags,
      oobScore: s.oobScore,
      oobMetric: s.oobScore === null ? null : this.task === "regression" ? "r2" : "accuracy",
      oobRows: s.oobRows,
      maxLeaves: s.maxLeaves,
      featuresPerSplit: s.featuresPerSplit,
      minSamplesLeaf: s.minSamplesLeaf,
    };
  }

  /** Averaged tree outputs, row-major nRows x nOutputs (regression: the value; binary: P(class 1)). */
  predictMean(data: Dataset, options: PredictOptions = {}): Float64Array {
    this.#checkData(data);
    const { nOutputs, nBags } = this.state;
    const columns = data.features.slice(0, this.schema.features.length).map((column) => (column.kind === "numeric" ? column.values : column.codes));
    const out = predictColumns(this.#trees, columns, data.nRows, nOutputs, new Float64Array(nOutputs), options.threads);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / nBags;
    return out;
  }

  /** Regression: the mean of the trees; classification: the most probable class (binary: P(1) > 0.5). */
  predict(data: Dataset, options: PredictOptions = {}): Float64Array {
    if (this.task === "regression") return this.predictMean(data, options);
    const proba = this.predictProba(data, options);
    const k = proba.nCols;
    const out = new Float64Array(data.nRows);
    for (let r = 0; r < data.nRows; r++) {
      if (k === 2) out[r] = proba.data[2 * r + 1]! > 0.5 ? 1 : 0;
      else {
        let best = 0;
        for (let c = 1; c < k; c++) if (proba.data[r * k + c]! > proba.data[r * k + best]!) best = c;
        out[r] = best;
      }
    }
    return out;
  }

  /** Class probabilities, nRows x nClasses (2 columns for binary), each row summing to 1. */
  predictProba(data: Dataset, options: PredictOptions = {}): Matrix {
    if (this.task === "regression") throw new InvalidParameterError("predictProba", "a classification model", "a regression model", "ForestModel");
    const mean = this.predictMean(data, options);
    return meanToProba(mean, data.nRows, this.state.nOutputs);
  }

  /**
   * Feature importances, largest first: the total impurity decrease (gain, the default) of a feature's
   * splits over every tree, or their number ("split"). A multiclass Gini tree is stored once per class
   * (the same splits, each class's leaf shares), so its splits are counted once, not once per class.
   */
  importance(type: ImportanceType = "gain"): FeatureImportance[] {
    const totals = treeImportance(this.#trees, this.schema, type);
    if (this.state.multiclassTrees !== "gini") return totals;
    const copies = this.state.nOutputs;
    return totals.map((f) => ({ feature: f.feature, importance: f.importance / copies }));
  }

  /** The trees as JSON objects (bag-major: bag b's tree of output k is tree b x outputs + k), for reading and debugging. */
  dumpTrees(): DumpedNode[] {
    return dumpTreeArrays(this.#trees, this.schema);
  }

  /** The model file: tree arrays as binary arrays, the forest state in the header. */
  toBytes(extra: ModelFileExtras = {}): Uint8Array {
    const arrays: Record<string, StoredArray> = {};
    for (const name of TREE_ARRAY_NAMES) arrays[name] = this.#trees[name];
    return encodeModelFile({ kind: this.kind, task: this.task, schema: this.schema, params: this.params, state: this.state, ...extra }, arrays);
  }

  #checkData(data: Dataset): void {
    for (const [f, spec] of this.schema.features.entries()) {
      const column = data.features[f];
      if (!column || column.kind !== spec.kind) {
        throw new DataValidationError({
          code: "missing_feature",
          file: data.source,
          column: spec.name,
          expected: `a ${spec.kind} feature at position ${f + 1}`,
          received: column ? `${column.kind} column "${column.name}"` : "no column",
        });
      }
    }
  }
}

/**
 * Averaged outputs -> probabilities. Binary: [1 - p, p]. Multiclass: each class's averaged leaf share,
 * normalised to sum 1: Gini trees' shares sum to 1 already (up to rounding); the per-class trees of files
 * written before split differently, so theirs need not; uniform when every share is 0.
 */
export function meanToProba(mean: Float64Array, nRows: number, nOutputs: number): Matrix {
  const nCols = nOutputs === 1 ? 2 : nOutputs;
  const probs = new Float64Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    if (nOutputs === 1) {
      const p = Math.min(1, Math.max(0, mean[r]!));
      probs[2 * r] = 1 - p;
      probs[2 * r + 1] = p;
      continue;
    }
    let sum = 0;
    for (let k = 0; k < nOutputs; k++) sum += Math.max(0, mean[r * nOutputs + k]!);
    for (let k = 0; k < nOutputs; k++) probs[r * nOutputs + k] = sum > 0 ? Math.max(0, mean[r * nOutputs + k]!) / sum : 1 / nOutputs;
  }
  return { nRows, nCols, data: probs };
}

/**
 * Rebuilds a ForestModel from a decoded model file, checking every array's type and length and that
 * every child index points forward within its tree (a model file is data, never code).
 */
export const loadForestModel: ModelLoader<ForestModel> = (content: ModelContent, file?: string) => {
  const { header, arrays } = content;
  const bad = (detail: string): never => {
    throw new ModelFormatError("corrupt_header", detail, file);
  };
  if (header.kind !== "forest") bad(`expected a forest model, got "${header.kind}"`);
  const state = header.state as ForestState | undefined;
  if (!state || typeof state !== "object" || !Number.isInteger(state.nOutputs) || state.nOutputs < 1 || !Number.isInteger(state.nBags) || state.nBags < 1) {
    bad("the forest state (outputs, bags) is missing or invalid");
  }
  if (state!.multiclassTrees !== undefined && state!.multiclassTrees !== "gini") bad(`unknown multiclass tree layout ${JSON.stringify(state!.multiclassTrees)} (this version reads "gini" or none)`);
  const trees = checkedTrees(arrays, state!.nOutputs, header.schema.features.length, bad);
  const nTrees = trees.treeRoot.length;
  if (nTrees !== state!.nBags * state!.nOutputs) bad(`${nTrees} trees, expected ${state!.nBags} x ${state!.nOutputs}`);
  return new ForestModel(header.schema, header.params, state!, trees);
};
