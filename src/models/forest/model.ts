/**
 * The fitted random forest: flattened trees (src/kernels/tree-predict.ts) whose outputs are averaged.
 * Leaf values are in target units (regression: the weighted mean of the leaf's rows; classification:
 * the share of the tree's class among the leaf's rows). The model file stores the tree arrays as they
 * are, so load -> predict is bit-identical to the fitted model.
 *
 * Multiclass forests fitted since 2026-11-26 ("gini-shared") store each bag's Gini tree once: a leaf's
 * nodeValue is the index of its k class shares in the array leafShares (src/kernels/leaf-vectors.ts), and
 * prediction walks each tree once per row and adds the leaf's k shares. The two layouts written before
 * (k trees per bag: on the class indicators, or the Gini tree's copies) are read and predicted as before.
 */
import { DataValidationError, InvalidParameterError, ModelFormatError } from "../../core/errors.js";
import type { Matrix } from "../../core/matrix.js";
import type { Dataset, Schema, Task } from "../../core/types.js";
import { encodeModelFile, type ModelContent, type ModelLoader, type StoredArray } from "../format.js";
import type { FeatureImportance, Model, ModelFileExtras } from "../types.js";
import { predictColumns, type PredictOptions } from "../gbdt/predict-threads.js";
import { checkedTrees, dumpTreeArrays, TREE_ARRAY_NAMES, type DumpedNode, type GbdtTrees, type ImportanceType, treeImportance, withoutThreads } from "../gbdt/model.js";
import { findLeaf, type TreeArrays } from "../../kernels/tree-predict.js";
import { compileRowPredictor, type CompiledRowPredictor } from "../../kernels/tree-compile.js";
import { addLeafVectors } from "../../kernels/leaf-vectors.js";
import { predictLeafVectorColumns, treesByTree } from "./shared-trees.js";

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
   * How the multiclass trees were grown and stored. "gini-shared" (written since 2026-11-26): one tree
   * per bag on the Gini impurity of all classes, stored once, each leaf's nodeValue the index of its
   * nOutputs class shares in the model's leafShares. "gini" (written earlier on 2026-11-26): the same
   * trees stored once per class, with that class's shares as leaf values. Absent (files written before,
   * and binary and regression forests): one tree per class and bag, on the class indicator. All three
   * predict the average over bags of each class's share.
   */
  readonly multiclassTrees?: MulticlassTrees;
}

/**
 * predictRow's limits on compiling the trees (src/kernels/tree-compile.ts): up to 120,000 nodes, not the
 * default 25,000 set for boosted trees. A forest's trees are grown deep: seattle-weather's 100 trees
 * ("gini-shared", 5 classes) have 45,310 nodes, 250 trees 112,584. Walking them with findLeaf against the
 * compiled code (us a row, median of 5 passes, the suite of another engineer on the other core): 45k
 * nodes 6.5-7.6 against 2.9-4.4 in a loop, 10.7-13.7 against 4.6-5.2 with 8 MiB read between rows (caches
 * evicted, as between a server's requests); 112k nodes 20.8 against 8.3-10.0 and 27.7 against 13.2-13.9.
 * The compile (and first call) takes 30 ms for 45k nodes, 126-139 ms for 112k, once per loaded model.
 * Past 120,000 nodes findLeaf walks, untested beyond (tree-compile measured random trees of 200,000
 * nodes 3-5x slower compiled).
 */
const FOREST_ROW_COMPILE_LIMITS = { maxNodes: 120_000 } as const;

/** The values of ForestState.multiclassTrees this version reads. */
export const MULTICLASS_TREE_LAYOUTS = ["gini-shared", "gini"] as const;
export type MulticlassTrees = (typeof MULTICLASS_TREE_LAYOUTS)[number];

/** A node of ForestModel.dumpSharedTrees(): a split as in dumpTrees, or a leaf with the share of each class (by name) among its rows. */
export type SharedDumpedNode =
  | { readonly shares: Readonly<Record<string, number>>; readonly count: number }
  | (Omit<Extract<DumpedNode, { feature: string }>, "left" | "right"> & { readonly left: SharedDumpedNode; readonly right: SharedDumpedNode });

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
  /** "gini-shared": each leaf's class shares (leaf i's at i x nOutputs ..), indexed by the leaves' nodeValue; else null. */
  readonly #leafShares: Float64Array | null;
  /** "gini-shared": the trees with tree t adding to output t (the batch walk's outputs are the leaf indices); else null. */
  readonly #byTree: TreeArrays | null;
  /** predictRow's compiled trees (those it walks: #byTree or #trees): undefined until its first call, null past the compiler's limits. */
  #rowPredictor: CompiledRowPredictor | null | undefined;
  /** predictRow's sums per output, or ("gini-shared") each tree's leaf index: made once, so that a row allocates nothing. */
  readonly #rowSums: Float64Array;
  /** predictRow's class sums of a "gini-shared" forest (the reached leaves' shares added); else null. */
  readonly #rowShares: Float64Array | null;

  /**
   * `leafShares`: for state.multiclassTrees "gini-shared" (and only then), the leaves' class shares, which
   * the trees' leaf nodeValues index.
   */
  constructor(schema: Schema, params: Readonly<Record<string, unknown>>, state: ForestState, trees: ForestTrees, leafShares: Float64Array | null = null) {
    this.task = schema.target.task;
    this.schema = schema;
    this.params = withoutThreads(params);
    this.state = state;
    this.#trees = trees;
    const shared = state.multiclassTrees === "gini-shared";
    if (shared !== (leafShares !== null)) throw new InvalidParameterError("leafShares", 'the leaves\' class shares exactly for the "gini-shared" layout', shared ? "none" : "an array", "ForestModel");
    this.#leafShares = leafShares;
    this.#byTree = shared ? treesByTree(trees) : null;
    this.#rowSums = new Float64Array(shared ? trees.treeRoot.length : state.nOutputs);
    this.#rowShares = shared ? new Float64Array(state.nOutputs) : null;
  }

  /** Trees: bags x outputs, or one per bag for a multiclass forest stored "gini-shared". */
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
    const out = this.#byTree
      ? predictLeafVectorColumns(this.#byTree, this.#leafShares!, nOutputs, columns, data.nRows, options.threads)
      : predictColumns(this.#trees, columns, data.nRows, nOutputs, new Float64Array(nOutputs), options.threads);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / nBags;
    return out;
  }

  /**
   * The fast path for one row, as GbdtModel.predictRow: `row` holds every feature in schema order
   * (categorical features as their codes, -1 or NaN for missing). Returns class probabilities (2 for
   * binary, one per class for multiclass) or [value] for regression, bit for bit what predictProba /
   * predict give for the row as a one-row Dataset, whatever the layout. Writes into `out` when given, and
   * allocates nothing else per row: the service's single-row requests come here.
   *
   * The trees are compiled to code (src/kernels/tree-compile.ts) on the first call when they are within
   * FOREST_ROW_COMPILE_LIMITS (and code generation is allowed), else walked with findLeaf; both add each tree's leaf value to its output in
   * tree order from 0, as the batch walks do. "gini-shared": the walked trees have one output per tree, so
   * the sums are the reached leaves' indices, whose shares addLeafVectors adds in tree order (as the batch
   * path). Then the same division by the bags and normalisation as predictMean / meanToProba.
   */
  predictRow(row: Float64Array, out?: Float64Array): Float64Array {
    const { nOutputs, nBags } = this.state;
    const result = out ?? new Float64Array(this.task === "regression" ? 1 : nOutputs === 1 ? 2 : nOutputs);
    const walked = this.#byTree ?? this.#trees;
    if (this.#rowPredictor === undefined) this.#rowPredictor = compileRowPredictor(walked, FOREST_ROW_COMPILE_LIMITS) ?? null;
    const sums = this.#rowSums;
    sums.fill(0);
    const compiled = this.#rowPredictor;
    if (compiled) compiled(row, sums);
    else {
      const { treeRoot, treeOutput, nodeValue } = walked;
      for (let t = 0; t < treeRoot.length; t++) sums[treeOutput[t]!] += nodeValue[findLeaf(walked, treeRoot[t]!, row, 0)]!;
    }
    let mean = sums;
    const shares = this.#rowShares;
    if (shares) {
      shares.fill(0);
      addLeafVectors(sums, 1, sums.length, this.#leafShares!, nOutputs, shares);
      mean = shares;
    }
    for (let k = 0; k < nOutputs; k++) mean[k] = mean[k]! / nBags;
    if (this.task === "regression") result[0] = mean[0]!;
    else meanToProbaInto(mean, 0, nOutputs, result, 0);
    return result;
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
   * splits over every tree, or their number ("split"). A multiclass Gini tree counts once: stored once
   * ("gini-shared"), or once per class ("gini": the same splits, each class's leaf shares), divided by
   * the number of copies.
   */
  importance(type: ImportanceType = "gain"): FeatureImportance[] {
    const totals = treeImportance(this.#trees, this.schema, type);
    if (this.state.multiclassTrees !== "gini") return totals;
    const copies = this.state.nOutputs;
    return totals.map((f) => ({ feature: f.feature, importance: f.importance / copies }));
  }

  /**
   * The trees as JSON objects (bag-major: bag b's tree of output k is tree b x outputs + k), for reading
   * and debugging. A tree stored once with its class shares ("gini-shared") is dumped once per class, with
   * that class's share as leaf value: the same dump as the layouts that stored it so, whatever the layout.
   */
  dumpTrees(): DumpedNode[] {
    const shares = this.#leafShares;
    if (!shares) return dumpTreeArrays(this.#trees, this.schema);
    const k = this.state.nOutputs;
    const { nodeFeature, nodeValue } = this.#trees;
    const byClass = Array.from({ length: k }, (_, c) => {
      const classValue = Float64Array.from(nodeValue, (index, node) => (nodeFeature[node]! < 0 ? shares[index * k + c]! : 0));
      return dumpTreeArrays({ ...this.#trees, nodeValue: classValue }, this.schema);
    });
    return Array.from({ length: this.nTrees * k }, (_, t) => byClass[t % k]![Math.floor(t / k)]!);
  }

  /**
   * A "gini-shared" forest's trees as they are stored: one per bag, each leaf holding the shares of every
   * class, by class name (what dumpTrees splits into one copy per class); null for the other layouts,
   * whose dumpTrees gives the trees as stored.
   */
  dumpSharedTrees(): SharedDumpedNode[] | null {
    const shares = this.#leafShares;
    if (!shares) return null;
    const k = this.state.nOutputs;
    const classes = this.schema.target.classes ?? Array.from({ length: k }, (_, c) => String(c));
    // The stored nodeValue of a leaf is the index of its k shares.
    const withShares = (node: DumpedNode): SharedDumpedNode => {
      if ("leaf" in node) return { shares: Object.fromEntries(classes.map((name, c) => [name, shares[node.leaf * k + c]!])), count: node.count };
      return { ...node, left: withShares(node.left), right: withShares(node.right) };
    };
    return dumpTreeArrays(this.#trees, this.schema).map(withShares);
  }

  /** The model file: tree arrays as binary arrays (and "gini-shared": leafShares), the forest state in the header. */
  toBytes(extra: ModelFileExtras = {}): Uint8Array {
    const arrays: Record<string, StoredArray> = {};
    for (const name of TREE_ARRAY_NAMES) arrays[name] = this.#trees[name];
    if (this.#leafShares) arrays.leafShares = this.#leafShares;
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
  for (let r = 0; r < nRows; r++) meanToProbaInto(mean, r * nOutputs, nOutputs, probs, r * nCols);
  return { nRows, nCols, data: probs };
}

/**
 * One row of meanToProba: the nOutputs averaged outputs at mean[from..] -> the row's probabilities at
 * probs[to..] (2 for binary). `probs` may be `mean` itself at the same offset (multiclass: the sum is taken
 * before any is written, and each is written from its own).
 */
function meanToProbaInto(mean: Float64Array, from: number, nOutputs: number, probs: Float64Array, to: number): void {
  if (nOutputs === 1) {
    const p = Math.min(1, Math.max(0, mean[from]!));
    probs[to] = 1 - p;
    probs[to + 1] = p;
    return;
  }
  let sum = 0;
  for (let k = 0; k < nOutputs; k++) sum += Math.max(0, mean[from + k]!);
  for (let k = 0; k < nOutputs; k++) probs[to + k] = sum > 0 ? Math.max(0, mean[from + k]!) / sum : 1 / nOutputs;
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
  const layout = state!.multiclassTrees;
  if (layout !== undefined && !(MULTICLASS_TREE_LAYOUTS as readonly unknown[]).includes(layout)) {
    bad(`unknown multiclass tree layout ${JSON.stringify(layout)} (this version reads ${MULTICLASS_TREE_LAYOUTS.map((name) => `"${name}"`).join(", ")} or none)`);
  }
  const nFeatures = header.schema.features.length;
  if (layout === "gini-shared") {
    const { nOutputs: k, nBags } = state!;
    if (k < 2) bad(`a "gini-shared" forest has ${k} output, expected one per class (at least 2)`);
    // Every tree adds to output 0: its leaves say which shares.
    const trees = checkedTrees(arrays, 1, nFeatures, bad);
    if (trees.treeRoot.length !== nBags) bad(`${trees.treeRoot.length} trees, expected one per bag (${nBags})`);
    const shares = arrays.leafShares;
    if (!(shares instanceof Float64Array)) bad('array "leafShares" is missing or of the wrong type');
    if (shares!.length % k !== 0) bad(`array "leafShares" has ${shares!.length} entries, not a multiple of the ${k} classes`);
    const nLeaves = shares!.length / k;
    const { nodeFeature, nodeValue } = trees;
    for (let i = 0; i < nodeFeature.length; i++) {
      if (nodeFeature[i]! >= 0) continue;
      const index = nodeValue[i]!;
      if (!(Number.isInteger(index) && index >= 0 && index < nLeaves)) bad(`leaf ${i} points to class shares ${index}, outside the ${nLeaves} in the file`);
    }
    return new ForestModel(header.schema, header.params, state!, trees, shares as Float64Array);
  }
  const trees = checkedTrees(arrays, state!.nOutputs, nFeatures, bad);
  const nTrees = trees.treeRoot.length;
  if (nTrees !== state!.nBags * state!.nOutputs) bad(`${nTrees} trees, expected ${state!.nBags} x ${state!.nOutputs}`);
  return new ForestModel(header.schema, header.params, state!, trees);
};
