/**
 * The gradient boosting estimator. `fit` validates its inputs once, bins the data, then boosts:
 *
 *   for each round: gradients from the current scores -> (row sample) -> one tree per output
 *     -> add the tree to the scores (train and validation) -> early stopping check
 *
 * and keeps the trees up to the best validation round.
 */
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { validateParams } from "../../core/params.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { schemaOf } from "../../data/schema.js";
import { FLAG_CATEGORICAL, FLAG_MISSING_LEFT, predictBinnedAdd } from "../../kernels/tree-predict.js";
import { CAT_WORDS } from "../../kernels/split.js";
import type { Estimator, FitOptions } from "../types.js";
import { balancedRowWeights, checkSampleWeights } from "../weights.js";
import { BinMapper } from "./bin-mapper.js";
import { TreeGrower, type BinnedData } from "./grower.js";
import { HistogramThreads, toShared } from "./histogram-threads.js";
import { lossByName, type Loss, type LossName } from "./loss.js";
import { GbdtModel, type GbdtTrees } from "./model.js";
import { GBDT_PARAMS, resolveMinSamplesLeaf, resolveSchedule, type GbdtParams } from "./params.js";

const OWNER = "GradientBoosting";

/** Rows above which early stopping turns itself on when `earlyStopping` is null (as scikit-learn's "auto"). */
export const AUTO_EARLY_STOPPING_ROWS = 10000;
/** Patience of automatic early stopping, in rounds. */
export const AUTO_EARLY_STOPPING_ROUNDS = 20;
/** A round improves on the best when its validation loss is lower by more than this fraction. */
const IMPROVEMENT_TOLERANCE = 1e-7;

/** Timings and outcome of a fit, in milliseconds, kept on the model as `fitInfo`. */
export interface GbdtFitInfo {
  readonly binningMs: number;
  readonly boostingMs: number;
  /** Part of boostingMs spent computing gradients (on the calling thread). */
  readonly gradientsMs: number;
  /** Part of boostingMs spent adding each tree to the training scores (on the calling thread). */
  readonly scoresMs: number;
  readonly histogramMs: number;
  /** Part of histogramMs spent on root histograms (all rows of the round). */
  readonly rootHistogramMs: number;
  readonly splitMs: number;
  readonly partitionMs: number;
  /** (row, feature) pairs added to histograms over the fit. */
  readonly histogramUpdates: number;
  /** Rows moved by partitions over the fit. */
  readonly partitionedRows: number;
  readonly roundsRun: number;
  /** Threads that built histograms (1 when workers could not start or were not asked for). */
  readonly threads: number;
  /** Histograms built on several threads (small nodes are built on one). */
  readonly parallelHistograms: number;
  /** Partitions run on several threads (small leaves are partitioned on one). */
  readonly parallelPartitions: number;
  /** Root histograms built on threads while the gradients were computed. */
  readonly streamedRoots: number;
  /** The tree kernels that ran: WebAssembly, or JavaScript (quantized gradients, or no WebAssembly SIMD). */
  readonly kernels: "webassembly" | "javascript";
}

/** A fitted model together with how the fit went. */
export type FittedGbdt = GbdtModel & { readonly fitInfo: GbdtFitInfo };

/**
 * Histogram gradient-boosted trees for classification (log loss, binary or softmax) and regression
 * (squared error, absolute error, Poisson), with native missing values and categorical splits.
 *
 * @example
 * const model = new GradientBoosting({ iterations: 200, learningRate: 0.05 }).fit(train, { valid });
 * const proba = model.predictProba(test);
 */
export class GradientBoosting implements Estimator<GbdtModel> {
  /** Always "gbdt". */
  readonly kind = "gbdt";
  readonly params: GbdtParams;

  /** Validates `params` against GBDT_PARAMS; throws InvalidParameterError naming the bad one. */
  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = validateParams(OWNER, GBDT_PARAMS, params);
  }

  /** Fits a model on `train`; never changes this estimator. */
  fit(train: Dataset, options: FitOptions = {}): FittedGbdt {
    const p = this.params;
    const target = train.target;
    if (!target) throw new DataValidationError({ code: "invalid_value", file: train.source, expected: "a dataset with a target", received: "no target column" });
    const task = target.task;
    const lossName = resolveLoss(p.loss, task);
    const loss = lossByName(lossName, p.huberAlpha);
    const nRows = train.nRows;
    if (nRows < 2) throw new DataValidationError({ code: "too_few_rows", file: train.source, expected: "at least 2 rows", received: String(nRows) });
    const nClasses = task === "regression" ? 1 : (target.classes?.length ?? 2);
    if (task !== "regression" && nClasses < 2) throw new DataValidationError({ code: "single_class", file: train.source, column: target.name });
    const nRaw = task === "multiclass" ? nClasses : 1;
    checkTarget(target.values, task === "regression" ? null : nClasses, lossName, train.source, target.name);
    const weights = rowWeights(options.sampleWeight, nRows, p.classWeight === "balanced" && task !== "regression" ? { y: target.values, nClasses } : null, train.source);
    if (options.valid) checkSameFeatures(train, options.valid);

    const rng = new Random(p.seed);
    const patience = p.earlyStopping ?? (options.valid || nRows > AUTO_EARLY_STOPPING_ROWS ? AUTO_EARLY_STOPPING_ROUNDS : 0);
    const { iterations, learningRate } = resolveSchedule(p.iterations, p.learningRate, patience > 0);
    // Rows to train on, and held-out rows when early stopping has no valid set.
    let trainRows: Int32Array | null = null;
    let heldOut: Int32Array | null = null;
    if (patience > 0 && !options.valid) {
      [trainRows, heldOut] = holdOut(target.values, task === "regression" ? 0 : nClasses, p.validationFraction, rng);
    }
    const nTrain = trainRows ? trainRows.length : nRows;
    // null: 20, or a tenth of the rows below 200 rows (params.ts).
    const minSamplesLeaf = resolveMinSamplesLeaf(p.minSamplesLeaf, nTrain);

    const tBin = performance.now();
    const threads = HistogramThreads.acquire(p.threads ?? HistogramThreads.defaultThreads());
    // With threads, half the numeric columns are binned on a worker, into shared memory. Categorical columns
    // of more than maxBins categories are binned in the order of their smoothed target on the training rows.
    const { mapper, bins } = BinMapper.fitTransform(train.features, trainRows, nRows, p.maxBins, p.binSampleSize, rng, threads, undefined, { y: target.values, weights, nClasses: task === "multiclass" ? nClasses : 1 });
    const data: BinnedData = {
      // The workers read the bins in place: shared memory.
      bins: threads ? toShared(bins) : bins,
      nRows: nTrain,
      nFeatures: train.features.length,
      nBins: mapper.nBins,
      featureOffset: mapper.featureOffset,
      isCategorical: mapper.isCategorical,
      totalBins: mapper.totalBins,
    };
    const y = trainRows ? gather(target.values, trainRows) : target.values;
    const w = weights && trainRows ? gather(weights, trainRows) : weights;
    let valid: { bins: Uint8Array; nRows: number; y: Float64Array; w: Float64Array | null; raw: Float64Array } | null = null;
    if (heldOut) {
      valid = { bins: mapper.transform(train.features, heldOut, nRows), nRows: heldOut.length, y: gather(target.values, heldOut), w: weights ? gather(weights, heldOut) : null, raw: new Float64Array(0) };
    } else if (options.valid && patience > 0) {
      const v = options.valid;
      if (!v.target) throw new DataValidationError({ code: "invalid_value", file: v.source, expected: "a validation set with a target", received: "no target column" });
      checkTarget(v.target.values, task === "regression" ? null : nClasses, lossName, v.source, v.target.name);
      valid = { bins: mapper.transform(v.features, null, v.nRows), nRows: v.nRows, y: v.target.values, w: null, raw: new Float64Array(0) };
    }
    const binningMs = performance.now() - tBin;

    const tBoost = performance.now();
    let gradientsMs = 0;
    let scoresMs = 0;
    const baseScores = loss.initScores(y, w, nRaw);
    const grower = new TreeGrower(data, {
      maxLeaves: p.maxLeaves,
      maxDepth: p.maxDepth ?? Infinity,
      minSamplesLeaf,
      minChildWeight: p.minChildWeight,
      l2: p.l2,
      minSplitGain: p.minSplitGain,
      maxCatThreshold: p.maxCatThreshold,
      catSmooth: p.catSmooth,
      // scikit-learn's MIN_CAT_SUPPORT: a category seen in fewer rows of a leaf has too noisy a ratio to
      // be ordered; LightGBM's min_data_per_group plays the same role.
      minCategoryCount: Math.min(minSamplesLeaf, 10),
      quantizeGradients: p.quantizedGradients,
      // Binary log loss, streamed (no subsample): its gradients in WebAssembly, from the grower's memory.
      ...(lossName === "log_loss" && nRaw === 1 && p.subsample >= 1 ? { logLossTargets: { y, weights: w } } : {}),
    }, threads, p.threads ?? HistogramThreads.defaultThreads());
    // Shared with the workers, which add each tree to their regions of rows (see addLeafValues).
    const raw = grower.logLossScores ?? new Float64Array(threads ? new SharedArrayBuffer(8 * nTrain * nRaw) : new ArrayBuffer(8 * nTrain * nRaw));
    // (One score per row: a fill, 0.2 vs 12 ms for 800k rows set one by one.)
    if (nRaw === 1) raw.fill(baseScores[0]!);
    else for (let r = 0; r < nTrain; r++) raw.set(baseScores, r * nRaw);
    if (valid) {
      valid.raw = new Float64Array(valid.nRows * nRaw);
      for (let r = 0; r < valid.nRows; r++) valid.raw.set(baseScores, r * nRaw);
    }
    const builder = new TreeBuilder(train.features, mapper);
    const nFeatures = data.nFeatures;
    const features = Int32Array.from({ length: nFeatures }, (_, i) => i);
    const nSelected = nFeatures === 0 ? 0 : Math.max(1, Math.round(p.colsample * nFeatures));
    const sampled = new Int32Array(nTrain);
    const validationLoss: number[] = [];
    let bestLoss = Infinity;
    let bestIteration = -1;
    let roundsRun = 0;
    const residuals = loss.refitLeaf ? new Float64Array(nTrain) : null;
    const leafOfRow = new Uint16Array(threads ? new SharedArrayBuffer(2 * nTrain) : new ArrayBuffer(2 * nTrain));
    // Losses whose gradients are row by row (one raw score per row), every row in every round: the grower
    // computes them in chunks (GradientSource) while workers build the root, the same values as one call over all rows.
    const streamed = nRaw === 1 && !residuals && p.subsample >= 1 && (lossName === "log_loss" || lossName === "squared_error" || lossName === "poisson") && grower.acceptsGradientSource;
    const wasmGradients = grower.logLossGradients;
    const gradientSource = (begin: number, end: number, out: Float32Array, sums: Float64Array): void => {
      const start = performance.now();
      if (wasmGradients) wasmGradients(begin, end, out, sums);
      else {
        loss.gradients(y.subarray(begin, end), w ? w.subarray(begin, end) : null, raw.subarray(begin, end), end - begin, 1, out.subarray(2 * begin, 2 * end));
        let g = sums[0]!;
        let h = sums[1]!;
        for (let r = begin; r < end; r++) {
          g += out[2 * r]!;
          h += out[2 * r + 1]!;
        }
        sums[0] = g;
        sums[1] = h;
      }
      gradientsMs += performance.now() - start;
    };
    const leafValues = new Float64Array(threads ? new SharedArrayBuffer(8 * p.maxLeaves) : new ArrayBuffer(8 * p.maxLeaves));
    // Streamed rounds never read gh (the grower computes the pairs into its own memory): not allocated then.
    const gh = new Float32Array(streamed ? 0 : 2 * nTrain * nRaw);
    const scoreThreads = threads && grower.segments > 1 ? threads : null;
    scoreThreads?.bindScores({ raw, leafOfRow, leafValues });

    for (let round = 0; round < iterations; round++) {
      if (!streamed) {
        const tGradients = performance.now();
        loss.gradients(y, w, raw, nTrain, nRaw, gh);
        gradientsMs += performance.now() - tGradients;
      }
      // Row subsample for this round: a Bernoulli pass keeps the rows ascending.
      let nUsed = nTrain;
      if (p.subsample < 1) {
        nUsed = 0;
        for (let r = 0; r < nTrain; r++) if (rng.next() < p.subsample) sampled[nUsed++] = r;
      }
      for (let k = 0; k < nRaw; k++) {
        if (nSelected < nFeatures) {
          // Partial Fisher-Yates, then ascending order so the histograms walk features in order.
          for (let i = 0; i < nSelected; i++) {
            const j = i + rng.int(nFeatures - i);
            const t = features[i]!;
            features[i] = features[j]!;
            features[j] = t;
          }
          features.subarray(0, nSelected).sort();
        }
        const allRows = nUsed === nTrain;
        if (allRows) for (let r = 0; r < nTrain; r++) grower.rows[r] = r;
        else grower.rows.set(sampled.subarray(0, nUsed));
        // The rounding stream of quantized gradients: drawn only when used, so other fits keep their draws.
        const roundingSeed = grower.quantized ? rng.nextUint32() : 0;
        grower.grow(gh.subarray(2 * k * nTrain, 2 * (k + 1) * nTrain), nUsed, allRows, features, nSelected, learningRate, null, roundingSeed, streamed ? gradientSource : null);
        if (residuals) refitLeaves(loss, grower, y, w, raw, residuals, learningRate);
        // Add the tree to the training scores: through the partition when it holds every row.
        const tScores = performance.now();
        if (allRows) addLeafValues(grower, raw, nRaw, k, leafOfRow, leafValues, scoreThreads);
        else {
          predictBinnedAdd(data.bins, nTrain, grower.nodeFeature, grower.nodeLeft, grower.nodeRight, grower.nodeGoLeft, grower.nodeValue, raw, nRaw, k);
        }
        if (valid) predictBinnedAdd(valid.bins, valid.nRows, grower.nodeFeature, grower.nodeLeft, grower.nodeRight, grower.nodeGoLeft, grower.nodeValue, valid.raw, nRaw, k);
        scoresMs += performance.now() - tScores;
        builder.add(grower, k);
      }
      roundsRun = round + 1;
      options.onProgress?.({ phase: "boosting", done: round + 1, total: iterations, ...(patience > 0 ? { upperBound: true } : {}) });
      if (valid) {
        const current = loss.meanLoss(valid.y, valid.w, valid.raw, valid.nRows, nRaw);
        validationLoss.push(current);
        if (current < bestLoss - IMPROVEMENT_TOLERANCE * Math.abs(bestLoss) || bestIteration < 0) {
          bestLoss = current;
          bestIteration = round;
        } else if (round - bestIteration >= patience) break;
      }
    }
    threads?.release();
    const nRounds = valid ? bestIteration + 1 : roundsRun;
    const trees = builder.build(nRounds * nRaw);
    const schema = schemaOf(train);
    const model = new GbdtModel(schema, { ...p, learningRate, minSamplesLeaf }, { loss: lossName, nRaw, baseScores: Array.from(baseScores), nRounds, bestIteration: valid ? bestIteration : null, validationLoss: valid ? validationLoss : null }, trees);
    const fitInfo: GbdtFitInfo = {
      binningMs,
      boostingMs: performance.now() - tBoost,
      gradientsMs,
      scoresMs,
      histogramMs: grower.timings.histogram,
      rootHistogramMs: grower.timings.rootHistogram,
      splitMs: grower.timings.split,
      partitionMs: grower.timings.partition,
      histogramUpdates: grower.timings.histogramUpdates,
      partitionedRows: grower.timings.partitionedRows,
      roundsRun,
      threads: threads?.nThreads ?? 1,
      parallelHistograms: threads?.parallelNodes ?? 0,
      parallelPartitions: threads?.parallelPartitions ?? 0,
      streamedRoots: threads?.streamedRoots ?? 0,
      kernels: grower.kernels,
    };
    return Object.assign(model, { fitInfo });
  }
}

/**
 * raw[r * nRaw + k] += the value of row r's leaf, for every row (the partition holds them all). The
 * partition scatters a leaf's rows over the score array, so the leaf of each row is written first (a
 * 2-byte array, which stays in cache) and the scores are then updated in row order: 1.3 vs 2.6 ms per
 * tree of 800k rows (CPU-time medians of interleaved runs). The same additions as leaf by leaf.
 */
function addLeafValues(grower: TreeGrower, raw: Float64Array, nRaw: number, k: number, leafOfRow: Uint16Array, leafValues: Float64Array, threads: HistogramThreads | null): void {
  const rows = grower.rows;
  const T = grower.segments;
  for (let l = 0; l < grower.nLeaves; l++) leafValues[l] = grower.nodeValue[grower.leafNode[l]!]!;
  if (threads) {
    // One region of rows per thread (the rows of every leaf's segment t): the same additions.
    threads.addScores(grower.nLeaves, k, nRaw);
    return;
  }
  for (let l = 0; l < grower.nLeaves; l++) {
    for (let t = l * T; t < (l + 1) * T; t++) {
      const end = grower.leafBegin[t]! + grower.leafCount[t]!;
      for (let i = grower.leafBegin[t]!; i < end; i++) leafOfRow[rows[i]!] = l;
    }
  }
  const n = leafOfRow.length;
  if (nRaw === 1) for (let r = 0; r < n; r++) raw[r] += leafValues[leafOfRow[r]!]!;
  else for (let r = 0; r < n; r++) raw[r * nRaw + k] += leafValues[leafOfRow[r]!]!;
}

function resolveLoss(loss: string, task: string): LossName {
  if (loss === "auto") return task === "regression" ? "squared_error" : "log_loss";
  const classification = task !== "regression";
  if (classification !== (loss === "log_loss")) {
    throw new InvalidParameterError("loss", classification ? `"log_loss" or "auto" for a ${task} target` : `a regression loss ("squared_error", "absolute_error", "huber", "poisson") or "auto" for a regression target`, loss, OWNER);
  }
  return loss as LossName;
}

function checkTarget(values: Float64Array, nClasses: number | null, loss: LossName, file: string | undefined, column: string): void {
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    const ok = nClasses === null ? Number.isFinite(v) && (loss !== "poisson" || v >= 0) : Number.isInteger(v) && v >= 0 && v < nClasses;
    if (!ok) {
      const expected = nClasses === null ? (loss === "poisson" ? "a finite number >= 0 (Poisson loss)" : "a finite number") : `a class index in 0..${nClasses - 1}`;
      throw new DataValidationError({ code: "invalid_value", file, column, row: r + 1, expected, received: String(v) });
    }
  }
}

/** Sample weights times class weights, or null when every row weighs 1. */
function rowWeights(sampleWeight: Float64Array | undefined, nRows: number, balanced: { y: Float64Array; nClasses: number } | null, file?: string): Float64Array | null {
  if (sampleWeight) checkSampleWeights(sampleWeight, nRows, file);
  if (balanced) return balancedRowWeights(balanced.y, balanced.nClasses, sampleWeight);
  return sampleWeight ? Float64Array.from(sampleWeight) : null;
}

function checkSameFeatures(train: Dataset, valid: Dataset): void {
  for (const [f, column] of train.features.entries()) {
    const other = valid.features[f];
    if (!other || other.kind !== column.kind || other.name !== column.name) {
      throw new DataValidationError({ code: "missing_feature", file: valid.source, column: column.name, expected: `${column.kind} feature "${column.name}" at position ${f + 1}`, received: other ? `${other.kind} column "${other.name}"` : "no column" });
    }
  }
}

/**
 * Splits rows into training and held-out rows (both ascending) for early stopping. Classification is
 * stratified, as scikit-learn's HistGradientBoosting does: each class keeps its share in both parts, so a
 * rare class cannot vanish from the held-out rows by chance.
 */
function holdOut(y: Float64Array, nClasses: number, fraction: number, rng: Random): [Int32Array, Int32Array] {
  const nRows = y.length;
  const held = new Uint8Array(nRows);
  const groups: number[][] = nClasses > 0 ? Array.from({ length: nClasses }, () => []) : [[]];
  for (let r = 0; r < nRows; r++) groups[nClasses > 0 ? y[r]! : 0]!.push(r);
  for (const group of groups) {
    rng.shuffle(group);
    const nHeld = Math.round(group.length * fraction);
    for (let i = 0; i < nHeld; i++) held[group[i]!] = 1;
  }
  let nHeld = held.reduce((a, b) => a + b, 0);
  if (nHeld === 0) {
    held[rng.int(nRows)] = 1;
    nHeld = 1;
  }
  const train = new Int32Array(nRows - nHeld);
  const valid = new Int32Array(nHeld);
  for (let r = 0, t = 0, v = 0; r < nRows; r++) {
    if (held[r]) valid[v++] = r;
    else train[t++] = r;
  }
  return [train, valid];
}

function gather(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}

/**
 * Absolute error and Huber: replaces each leaf's Newton value with the loss's own leaf value from the
 * residuals of its rows (the median for absolute error), times the learning rate, as scikit-learn does:
 * their gradients only say which way to move.
 */
function refitLeaves(loss: Loss, grower: TreeGrower, y: Float64Array, w: Float64Array | null, raw: Float64Array, scratch: Float64Array, learningRate: number): void {
  const T = grower.segments;
  const leafRows = new Int32Array(scratch.length);
  for (let l = 0; l < grower.nLeaves; l++) {
    // The leaf's rows in order: its segments one after the other.
    let count = 0;
    for (let t = l * T; t < (l + 1) * T; t++) {
      const end = grower.leafBegin[t]! + grower.leafCount[t]!;
      for (let i = grower.leafBegin[t]!; i < end; i++) leafRows[count++] = grower.rows[i]!;
    }
    const values = scratch.subarray(0, count);
    for (let i = 0; i < count; i++) {
      const r = leafRows[i]!;
      values[i] = y[r]! - raw[r]!;
    }
    let weights: Float64Array | null = null;
    if (w) weights = Float64Array.from({ length: count }, (_, i) => w[leafRows[i]!]!);
    grower.nodeValue[grower.leafNode[l]!] = loss.refitLeaf!(values, weights) * learningRate;
  }
}

/** The node arrays of a grown tree that TreeBuilder reads (TreeGrower's; the forest's Gini grower has them too). */
export type GrownTree = Pick<TreeGrower, "nNodes" | "nodeFeature" | "nodeValue" | "nodeGain" | "nodeCount" | "nodeMissingLeft" | "nodeLeft" | "nodeRight" | "nodeCategorical" | "nodeBin" | "nodeCatBins">;

/**
 * Collects the trees grown during a fit into the flattened model arrays, converting bin thresholds to
 * raw thresholds (the upper edge of the last left bin) and bin sets to category-code bitsets.
 */
export class TreeBuilder {
  readonly #features: readonly Column[];
  readonly #mapper: BinMapper;
  readonly #nodeFeature: number[] = [];
  readonly #nodeThreshold: number[] = [];
  readonly #nodeLeft: number[] = [];
  readonly #nodeRight: number[] = [];
  readonly #nodeFlags: number[] = [];
  readonly #nodeCatOffset: number[] = [];
  readonly #nodeValue: number[] = [];
  readonly #nodeGain: number[] = [];
  readonly #nodeCount: number[] = [];
  readonly #catBits: number[] = [];
  readonly #treeRoot: number[] = [];
  readonly #treeOutput: number[] = [];

  constructor(features: readonly Column[], mapper: BinMapper) {
    this.#features = features;
    this.#mapper = mapper;
  }

  /** Appends the grower's tree for raw output `output`; split gains are multiplied by `gainScale` (1 for boosting). */
  add(grower: GrownTree, output: number, gainScale = 1): void {
    const offset = this.#nodeFeature.length;
    this.#treeRoot.push(offset);
    this.#treeOutput.push(output);
    for (let i = 0; i < grower.nNodes; i++) {
      const f = grower.nodeFeature[i]!;
      this.#nodeFeature.push(f);
      this.#nodeValue.push(f < 0 ? grower.nodeValue[i]! : 0);
      this.#nodeGain.push(f < 0 ? 0 : grower.nodeGain[i]! * gainScale);
      this.#nodeCount.push(grower.nodeCount[i]!);
      if (f < 0) {
        this.#nodeThreshold.push(0);
        this.#nodeLeft.push(-1);
        this.#nodeRight.push(-1);
        this.#nodeFlags.push(0);
        this.#nodeCatOffset.push(0);
        continue;
      }
      const missingLeft = grower.nodeMissingLeft[i] === 1;
      this.#nodeLeft.push(offset + grower.nodeLeft[i]!);
      this.#nodeRight.push(offset + grower.nodeRight[i]!);
      if (grower.nodeCategorical[i] === 0) {
        this.#nodeThreshold.push(this.#mapper.edges[f]![grower.nodeBin[i]!]!);
        this.#nodeFlags.push(missingLeft ? FLAG_MISSING_LEFT : 0);
        this.#nodeCatOffset.push(0);
      } else {
        // One bit per category code: its bin's side; categories unseen in training follow missing values.
        const codeToBin = this.#mapper.codeToBin[f]!;
        const nCodes = (this.#features[f] as Extract<Column, { kind: "categorical" }>).categories.length;
        const words = new Array<number>(Math.ceil(nCodes / 32)).fill(0);
        const binBits = grower.nodeCatBins.subarray(i * CAT_WORDS, (i + 1) * CAT_WORDS);
        for (let c = 0; c < nCodes; c++) {
          const bin = codeToBin[c]!;
          const left = bin < 0 ? missingLeft : ((binBits[bin >>> 5]! >>> (bin & 31)) & 1) === 1;
          if (left) words[c >>> 5] = (words[c >>> 5]! | (1 << (c & 31))) >>> 0;
        }
        this.#nodeThreshold.push(nCodes);
        this.#nodeFlags.push((missingLeft ? FLAG_MISSING_LEFT : 0) | FLAG_CATEGORICAL);
        this.#nodeCatOffset.push(this.#catBits.length);
        this.#catBits.push(...words);
      }
    }
  }

  /** The arrays of the first nTrees trees (all of them by default). */
  build(nTrees = Number.POSITIVE_INFINITY): GbdtTrees {
    const nNodes = nTrees < this.#treeRoot.length ? this.#treeRoot[nTrees]! : this.#nodeFeature.length;
    let catEnd = 0;
    for (let i = 0; i < nNodes; i++) {
      if (this.#nodeFlags[i]! & FLAG_CATEGORICAL) catEnd = Math.max(catEnd, this.#nodeCatOffset[i]! + Math.ceil(this.#nodeThreshold[i]! / 32));
    }
    return {
      nodeFeature: Int32Array.from(this.#nodeFeature.slice(0, nNodes)),
      nodeThreshold: Float64Array.from(this.#nodeThreshold.slice(0, nNodes)),
      nodeLeft: Int32Array.from(this.#nodeLeft.slice(0, nNodes)),
      nodeRight: Int32Array.from(this.#nodeRight.slice(0, nNodes)),
      nodeFlags: Uint8Array.from(this.#nodeFlags.slice(0, nNodes)),
      nodeCatOffset: Int32Array.from(this.#nodeCatOffset.slice(0, nNodes)),
      nodeValue: Float64Array.from(this.#nodeValue.slice(0, nNodes)),
      nodeGain: Float64Array.from(this.#nodeGain.slice(0, nNodes)),
      nodeCount: Float64Array.from(this.#nodeCount.slice(0, nNodes)),
      catBits: Uint32Array.from(this.#catBits.slice(0, catEnd)),
      treeRoot: Int32Array.from(this.#treeRoot.slice(0, nTrees)),
      treeOutput: Int32Array.from(this.#treeOutput.slice(0, nTrees)),
    };
  }
}
