/**
 * The fitted gradient-boosted trees: flattened trees (src/kernels/tree-predict.ts) plus the prior, the
 * loss and the schema. Predicts from raw values (no bin mapper needed); saves to a model file whose
 * arrays are the tree arrays themselves, so load -> predict is bit-identical to the fitted model.
 */
import { DataValidationError, InvalidParameterError, ModelFormatError } from "../../core/errors.js";
import type { Matrix } from "../../core/matrix.js";
import type { Dataset, Schema, Task } from "../../core/types.js";
import { compileRowPredictor, type CompiledRowPredictor } from "../../kernels/tree-compile.js";
import { FLAG_CATEGORICAL, FLAG_MISSING_LEFT, findLeaf, type TreeArrays } from "../../kernels/tree-predict.js";
import { encodeModelFile, type ModelContent, type ModelLoader, type StoredArray } from "../format.js";
import type { FeatureImportance, Model, ModelFileExtras } from "../types.js";
import type { LossName } from "./loss.js";
import { predictColumns, type PredictOptions } from "./predict-threads.js";

/** Small state of a fitted model, kept as JSON in the model file header. */
export interface GbdtState {
  readonly loss: LossName;
  /** Raw outputs per row: the number of classes for multiclass, else 1. */
  readonly nRaw: number;
  /** The prior: raw score of each output before any tree. */
  readonly baseScores: readonly number[];
  /** Boosting rounds kept (each adds nRaw trees). */
  readonly nRounds: number;
  /** 0-based round with the best validation loss, or null without early stopping. */
  readonly bestIteration: number | null;
  /** Validation loss after each round, when there was validation data. */
  readonly validationLoss: readonly number[] | null;
}

/** Flattened trees plus per-node statistics kept for importances and dumps. */
export interface GbdtTrees extends TreeArrays {
  /** Gain of each split node (0 for leaves). */
  readonly nodeGain: Float64Array;
  /** Training rows that reached each node. */
  readonly nodeCount: Float64Array;
}

/** Which importance to report: total gain of a feature's splits, or how many splits use it. */
export type ImportanceType = "gain" | "split";

/** A node of dumpTrees(). */
export type DumpedNode =
  | { readonly leaf: number; readonly count: number }
  | {
      readonly feature: string;
      readonly threshold?: number;
      /** Categories sent left (a categorical split). */
      readonly categories?: readonly string[];
      readonly missing: "left" | "right";
      readonly gain: number;
      readonly count: number;
      readonly left: DumpedNode;
      readonly right: DumpedNode;
    };

/** The names of a tree ensemble's arrays in a model file. */
export const TREE_ARRAY_NAMES = ["nodeFeature", "nodeThreshold", "nodeLeft", "nodeRight", "nodeFlags", "nodeCatOffset", "nodeValue", "catBits", "treeRoot", "treeOutput", "nodeGain", "nodeCount"] as const;

/** A fitted gradient-boosted tree model. */
export class GbdtModel implements Model {
  /** Always "gbdt". */
  readonly kind = "gbdt";
  readonly task: Task;
  readonly schema: Schema;
  /**
   * The estimator's parameters, without `threads`: how many threads fitted it is a setting of the machine,
   * not of the model (the trees are the same whatever it is), so the model file leaves it out as XGBoost's
   * save_model leaves nthread out, and a loaded model predicts with the caller's threads. Files written
   * before this that carry it load the same (it is dropped on load).
   */
  readonly params: Readonly<Record<string, unknown>>;
  /** Loss, prior, rounds and the validation history. */
  readonly state: GbdtState;
  readonly #trees: GbdtTrees;
  /** predictRow's compiled trees: undefined until its first call, null when the model is past the compiler's limits. */
  #rowPredictor: CompiledRowPredictor | null | undefined;
  /** predictRow's raw score for one-output models. */
  readonly #rowScore = new Float64Array(1);

  constructor(schema: Schema, params: Readonly<Record<string, unknown>>, state: GbdtState, trees: GbdtTrees) {
    this.task = schema.target.task;
    this.schema = schema;
    this.params = withoutThreads(params);
    this.state = state;
    this.#trees = trees;
  }

  /** Boosting rounds run and kept, and the best iteration (0-based) when early stopping watched a validation set. */
  fitSummary(): Readonly<Record<string, number | string | boolean | null>> {
    const { nRounds, bestIteration, validationLoss } = this.state;
    return { rounds: validationLoss?.length ?? nRounds, roundsKept: nRounds, bestIteration, trees: this.nTrees };
  }

  /** Number of trees (rounds x outputs). */
  get nTrees(): number {
    return this.#trees.treeRoot.length;
  }

  /**
   * Raw scores (log odds, class logits, or the regression value before the link), row-major
   * nRows x nRaw.
   */
  predictRaw(data: Dataset, options: PredictOptions = {}): Float64Array {
    this.#checkData(data);
    const columns = data.features.slice(0, this.schema.features.length).map((column) => (column.kind === "numeric" ? column.values : column.codes));
    return predictColumns(this.#trees, columns, data.nRows, this.state.nRaw, Float64Array.from(this.state.baseScores), options.threads);
  }

  /**
   * The fast path for one row: `row` holds every feature in schema order (categorical features as their
   * codes, -1 or NaN for missing). Returns class probabilities for classification (2 for binary), or
   * [value] for regression. Writes into `out` when given, so a server can predict without allocating.
   */
  predictRow(row: Float64Array, out?: Float64Array): Float64Array {
    const { nRaw, baseScores } = this.state;
    const trees = this.#trees;
    const nOut = this.task === "regression" ? 1 : this.task === "binary" ? 2 : nRaw;
    const result = out ?? new Float64Array(nOut);
    // Multiclass scores are summed in `result` itself and turned into probabilities in place: no scratch
    // array per row on the service's hot path.
    const raw = nRaw === 1 ? null : result;
    let single = baseScores[0]!;
    if (raw) for (let k = 0; k < nRaw; k++) raw[k] = baseScores[k]!;
    // The trees compiled to code (src/kernels/tree-compile.ts) on the first call, when the model is
    // within the compiler's limits: the same leaf values added in the same order as findLeaf's walk.
    if (this.#rowPredictor === undefined) this.#rowPredictor = compileRowPredictor(trees) ?? null;
    const compiled = this.#rowPredictor;
    if (compiled) {
      if (raw) compiled(row, raw);
      else {
        this.#rowScore[0] = single;
        compiled(row, this.#rowScore);
        single = this.#rowScore[0]!;
      }
    } else {
      for (let t = 0; t < trees.treeRoot.length; t++) {
        const value = trees.nodeValue[findLeaf(trees, trees.treeRoot[t]!, row, 0)]!;
        if (raw) raw[trees.treeOutput[t]!] += value;
        else single += value;
      }
    }
    if (this.task === "regression") result[0] = this.state.loss === "poisson" ? Math.exp(single) : single;
    else if (this.task === "binary") {
      const p = 1 / (1 + Math.exp(-single));
      result[0] = 1 - p;
      result[1] = p;
    } else softmaxInto(result, 0, nRaw, result, 0);
    return result;
  }

  /** Regression: the predicted value; classification: the most probable class index. */
  predict(data: Dataset, options: PredictOptions = {}): Float64Array {
    const raw = this.predictRaw(data, options);
    const { nRaw } = this.state;
    const out = new Float64Array(data.nRows);
    if (this.task === "regression") {
      if (this.state.loss === "poisson") for (let r = 0; r < out.length; r++) out[r] = Math.exp(raw[r]!);
      else out.set(raw);
    } else if (nRaw === 1) {
      for (let r = 0; r < out.length; r++) out[r] = raw[r]! > 0 ? 1 : 0;
    } else {
      for (let r = 0; r < out.length; r++) {
        let best = 0;
        for (let k = 1; k < nRaw; k++) if (raw[r * nRaw + k]! > raw[r * nRaw + best]!) best = k;
        out[r] = best;
      }
    }
    return out;
  }

  /** Class probabilities, nRows x nClasses (2 columns for binary). Throws for regression. */
  predictProba(data: Dataset, options: PredictOptions = {}): Matrix {
    if (this.task === "regression") throw new InvalidParameterError("predictProba", "a classification model", "a regression model", "GbdtModel");
    const raw = this.predictRaw(data, options);
    const { nRaw } = this.state;
    const nCols = nRaw === 1 ? 2 : nRaw;
    const probs = new Float64Array(data.nRows * nCols);
    for (let r = 0; r < data.nRows; r++) {
      if (nRaw === 1) {
        const p = 1 / (1 + Math.exp(-raw[r]!));
        probs[2 * r] = 1 - p;
        probs[2 * r + 1] = p;
      } else softmaxInto(raw, r * nRaw, nRaw, probs, r * nRaw);
    }
    return { nRows: data.nRows, nCols, data: probs };
  }

  /** Feature importances, largest first: total split gain (default) or number of splits. */
  importance(type: ImportanceType = "gain"): FeatureImportance[] {
    return treeImportance(this.#trees, this.schema, type);
  }

  /** The trees as JSON objects, one per tree, for reading and debugging. */
  dumpTrees(): DumpedNode[] {
    return dumpTreeArrays(this.#trees, this.schema);
  }

  /** The model file: tree arrays as binary arrays, loss and prior as header state. */
  toBytes(extra: ModelFileExtras = {}): Uint8Array {
    const arrays: Record<string, StoredArray> = {};
    for (const name of TREE_ARRAY_NAMES) arrays[name] = this.#trees[name];
    return encodeModelFile({ kind: this.kind, task: this.task, schema: this.schema, params: this.params, state: this.state, ...extra }, arrays);
  }

  #checkData(data: Dataset): void {
    const expected = this.schema.features;
    for (const [f, spec] of expected.entries()) {
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

function softmaxInto(raw: Float64Array, start: number, n: number, out: Float64Array, outStart: number): void {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, raw[start + k]!);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(raw[start + k]! - max);
    out[outStart + k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) out[outStart + k] /= sum;
}

/**
 * Rebuilds a GbdtModel from a decoded model file. Checks every array's type and length, and that every
 * child index points forward within its tree (so a crafted file cannot make prediction loop forever or
 * read out of bounds): a model file is data, never code.
 */
export const loadGbdtModel: ModelLoader<GbdtModel> = (content: ModelContent, file?: string) => {
  const { header, arrays } = content;
  const bad = (detail: string): never => {
    throw new ModelFormatError("corrupt_header", detail, file);
  };
  if (header.kind !== "gbdt") bad(`expected a gbdt model, got "${header.kind}"`);
  const state = header.state as GbdtState | undefined;
  if (!state || typeof state !== "object" || !Number.isInteger(state.nRaw) || state.nRaw < 1 || !Array.isArray(state.baseScores) || state.baseScores.length !== state.nRaw) {
    bad("the gbdt state (loss, outputs, prior) is missing or invalid");
  }
  const trees = checkedTrees(arrays, state!.nRaw, header.schema.features.length, bad);
  return new GbdtModel(header.schema, header.params, state!, trees);
};

/**
 * Checks the flattened tree arrays of a model file before any prediction walks them: types, lengths,
 * each tree's node range and output, features within the schema, children pointing forward inside their
 * tree (so a walk always ends), category sets inside the file. Shared by every tree-ensemble loader.
 */
export function checkedTrees(arrays: ModelContent["arrays"], nOutputs: number, nFeatures: number, bad: (detail: string) => never): GbdtTrees {
  const types: Record<(typeof TREE_ARRAY_NAMES)[number], Function> = {
    nodeFeature: Int32Array,
    nodeThreshold: Float64Array,
    nodeLeft: Int32Array,
    nodeRight: Int32Array,
    nodeFlags: Uint8Array,
    nodeCatOffset: Int32Array,
    nodeValue: Float64Array,
    catBits: Uint32Array,
    treeRoot: Int32Array,
    treeOutput: Int32Array,
    nodeGain: Float64Array,
    nodeCount: Float64Array,
  };
  for (const name of TREE_ARRAY_NAMES) {
    if (!(arrays[name] instanceof types[name])) bad(`array "${name}" is missing or of the wrong type`);
  }
  const trees = arrays as unknown as GbdtTrees;
  const nNodes = trees.nodeFeature.length;
  for (const name of TREE_ARRAY_NAMES) {
    if (name.startsWith("node") && arrays[name]!.length !== nNodes) bad(`array "${name}" has ${arrays[name]!.length} entries, expected ${nNodes}`);
  }
  const nTrees = trees.treeRoot.length;
  if (trees.treeOutput.length !== nTrees) bad("treeOutput and treeRoot differ in length");
  for (let t = 0; t < nTrees; t++) {
    const begin = trees.treeRoot[t]!;
    const end = t + 1 < nTrees ? trees.treeRoot[t + 1]! : nNodes;
    if (!(begin >= 0 && begin < end && end <= nNodes)) bad(`tree ${t} has an invalid node range`);
    if (!(trees.treeOutput[t]! >= 0 && trees.treeOutput[t]! < nOutputs)) bad(`tree ${t} has an invalid output`);
    for (let i = begin; i < end; i++) {
      const f = trees.nodeFeature[i]!;
      if (f < 0) continue;
      if (f >= nFeatures) bad(`node ${i} splits on feature ${f}, but the schema has ${nFeatures}`);
      const l = trees.nodeLeft[i]!;
      const r = trees.nodeRight[i]!;
      if (!(l > i && l < end && r > i && r < end)) bad(`node ${i} has children outside its tree`);
      if (trees.nodeFlags[i]! & FLAG_CATEGORICAL) {
        const words = Math.ceil(trees.nodeThreshold[i]! / 32);
        const offset = trees.nodeCatOffset[i]!;
        if (!(offset >= 0 && offset + words <= trees.catBits.length)) bad(`node ${i} has a category set outside the file`);
      }
    }
  }
  return trees;
}

/** Feature importance over flattened trees: the summed gain of each feature's splits, or their number. Most important first. */
export function treeImportance(trees: GbdtTrees, schema: Schema, type: ImportanceType): FeatureImportance[] {
  const totals = new Float64Array(schema.features.length);
  const { nodeFeature, nodeGain } = trees;
  for (let i = 0; i < nodeFeature.length; i++) {
    const f = nodeFeature[i]!;
    if (f >= 0) totals[f] += type === "gain" ? nodeGain[i]! : 1;
  }
  return schema.features
    .map((feature, f) => ({ feature: feature.name, importance: totals[f]! }))
    .sort((a, b) => b.importance - a.importance);
}

/** Tree arrays as JSON objects, one per tree (dumpTrees of boosted and forest models). */
export function dumpTreeArrays(trees: GbdtTrees, schema: Schema): DumpedNode[] {
  const dump = (node: number): DumpedNode => {
    const f = trees.nodeFeature[node]!;
    if (f < 0) return { leaf: trees.nodeValue[node]!, count: trees.nodeCount[node]! };
    const spec = schema.features[f]!;
    const flags = trees.nodeFlags[node]!;
    const base = {
      feature: spec.name,
      missing: (flags & FLAG_MISSING_LEFT) !== 0 ? ("left" as const) : ("right" as const),
      gain: trees.nodeGain[node]!,
      count: trees.nodeCount[node]!,
    };
    const children = { left: dump(trees.nodeLeft[node]!), right: dump(trees.nodeRight[node]!) };
    if ((flags & FLAG_CATEGORICAL) === 0) return { ...base, threshold: trees.nodeThreshold[node]!, ...children };
    const categories: string[] = [];
    const offset = trees.nodeCatOffset[node]!;
    for (let c = 0; c < trees.nodeThreshold[node]!; c++) {
      if ((trees.catBits[offset + (c >>> 5)]! >>> (c & 31)) & 1) categories.push(spec.categories?.[c] ?? String(c));
    }
    return { ...base, categories, ...children };
  };
  return Array.from(trees.treeRoot, (root) => dump(root));
}


/** `params` without `threads` (see GbdtModel's `params`); the forest model keeps its params so too. */
export function withoutThreads(params: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (!("threads" in params)) return params;
  const { threads: _threads, ...rest } = params;
  return rest;
}
