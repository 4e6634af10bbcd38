/**
 * The random forest estimator. `fit` bins the data once, then for each tree:
 *
 *   bootstrap sample (weights = draw counts x sample weights)
 *   -> per output, one histogram tree (src/models/gbdt/grower.ts) on gradient -target x weight,
 *      hessian weight, l2 0, learning rate 1: each leaf's value is the weighted mean of its rows' target
 *      and each split's gain is its decrease of the weighted squared error (Gini, for a class indicator);
 *      every node searches its split among maxFeatures features drawn for it (scikit-learn's max_features)
 *   -> out-of-bag predictions for the rows the bootstrap left out
 *
 * and the model averages the trees. Binary classification grows one tree on the class-1 indicator (the
 * squared-error decrease of the indicator is half the Gini decrease: the same splits as scikit-learn's
 * criterion, see ../../kernels/class-histogram.ts), so a leaf's value is class 1's share of its rows.
 *
 * Multiclass grows one tree per bootstrap sample, as scikit-learn's RandomForestClassifier: its splits
 * minimise the Gini impurity over all classes together and its leaves hold the classes' shares
 * (./gini-grower.ts). The model stores the bag's tree once, each leaf's value the index of its class
 * shares (state.multiclassTrees "gini-shared", see ./model.ts); the files written before (one tree per
 * class and bag, on the class indicator or the Gini tree's copies) are read and predicted as they were.
 */
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { validateParams } from "../../core/params.js";
import { Random } from "../../core/rng.js";
import type { Dataset } from "../../core/types.js";
import { schemaOf } from "../../data/schema.js";
import { HIST_STRIDE } from "../../kernels/histogram.js";
import { BinMapper } from "../gbdt/bin-mapper.js";
import { TreeBuilder } from "../gbdt/boosting.js";
import { RandomNodeFeatures, TreeGrower, type BinnedData } from "../gbdt/grower.js";
import { HistogramThreads, toShared } from "../gbdt/histogram-threads.js";
import type { Estimator, FitOptions } from "../types.js";
import { balancedRowWeights, checkSampleWeights } from "../weights.js";
import { GiniTreeGrower } from "./gini-grower.js";
import { ForestModel } from "./model.js";
import { FOREST_MAX_LEAVES, FOREST_PARAMS, type ForestParams } from "./params.js";

const OWNER = "RandomForest";

/** The grower's histogram pool stays under this size (leaves waiting beyond it are rebuilt from rows). */
const HISTOGRAM_POOL_BYTES = 256 * 1024 * 1024;

/**
 * Fewest rows of a category in a node for a categorical split to set it apart (the categories below it,
 * and those the node never saw, go with the rest). At 1 row (the classification leaf size) fully grown
 * trees memorised id-like columns, one category per row, and sent every new value to one side: on
 * vega's la-riots (names, addresses) the forest scored accuracy 0 on later rows and 0.14 out of bag
 * against 1.0 and 0.82 at 10; at 10, held-out ROC AUC rose on lending_club 0.698 -> 0.734 and
 * stackoverflow 0.678 -> 0.695, RMSE fell on vega's movies 9.2e7 -> 8.3e7 (from 5, the regression
 * leaf size); boston2 4.67 -> 4.70 and scat (28 test rows) 0.82 -> 0.75 went the other way
 * (2026-11-26, one 75/25 split each).
 */
const MIN_CATEGORY_ROWS = 10;

/** Rows sampled to find numeric bin edges (as GradientBoosting's default binSampleSize). */
const BIN_SAMPLE_SIZE = 200000;

/**
 * Random forest for classification (binary, multiclass) and regression, on the histogram tree grower:
 * native missing values and categorical splits, bootstrap, out-of-bag score.
 *
 * @example
 * const model = new RandomForest({ nTrees: 200 }).fit(train);
 * model.fitSummary().oobScore; // out-of-bag accuracy or R²
 */
export class RandomForest implements Estimator<ForestModel> {
  /** Always "forest". */
  readonly kind = "forest";
  readonly params: ForestParams;

  /** Validates `params` against FOREST_PARAMS; throws InvalidParameterError naming the bad one. */
  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = validateParams(OWNER, FOREST_PARAMS, params);
    const m = this.params.maxFeatures;
    if (typeof m === "number" && m > 1 && !Number.isInteger(m)) throw new InvalidParameterError("maxFeatures", "a fraction in (0, 1] or a whole number of features", m, OWNER);
  }

  /** Fits a forest on `train`; never changes this estimator. */
  fit(train: Dataset, options: FitOptions = {}): ForestModel {
    const p = this.params;
    const target = train.target;
    if (!target) throw new DataValidationError({ code: "invalid_value", file: train.source, expected: "a dataset with a target", received: "no target column" });
    const task = target.task;
    const nRows = train.nRows;
    if (nRows < 2) throw new DataValidationError({ code: "too_few_rows", file: train.source, expected: "at least 2 rows", received: String(nRows) });
    const regression = task === "regression";
    const nClasses = regression ? 1 : (target.classes?.length ?? 2);
    if (!regression && nClasses < 2) throw new DataValidationError({ code: "single_class", file: train.source, column: target.name });
    const y = target.values;
    for (let r = 0; r < nRows; r++) {
      const v = y[r]!;
      if (regression ? !Number.isFinite(v) : !(Number.isInteger(v) && v >= 0 && v < nClasses)) {
        throw new DataValidationError({ code: "invalid_value", file: train.source, column: target.name, row: r + 1, expected: regression ? "a finite number" : `a class index in 0..${nClasses - 1}`, received: String(v) });
      }
    }
    const given = options.sampleWeight;
    if (given) checkSampleWeights(given, nRows, train.source);
    const sw = p.classWeight === "balanced" && !regression ? balancedRowWeights(y, nClasses, given) : given;
    const nOutputs = task === "multiclass" ? nClasses : 1;
    const minSamplesLeaf = p.minSamplesLeaf ?? (regression ? 5 : 1);
    const nFeatures = train.features.length;
    const featuresPerSplit = resolveMaxFeatures(p.maxFeatures, nFeatures, regression);
    const rng = new Random(p.seed);
    const nThreads = p.threads ?? HistogramThreads.defaultThreads();
    // The multiclass Gini grower builds its (small: drawn features only) histograms on this thread.
    const threads = task === "multiclass" ? null : HistogramThreads.acquire(nThreads);
    try {
      // Past maxBins categories a column's bins follow the smoothed target of the rows (as in boosting);
      // the out-of-bag score then saw every row's target through that order, for such columns only.
      const mapper = BinMapper.fit(train.features, null, nRows, p.maxBins, BIN_SAMPLE_SIZE, rng, { y, weights: sw ?? null, nClasses: task === "multiclass" ? nClasses : 1 });
      const bins = mapper.transform(train.features, null, nRows);
      const data: BinnedData = {
        bins: threads ? toShared(bins) : bins,
        nRows,
        nFeatures,
        nBins: mapper.nBins,
        featureOffset: mapper.featureOffset,
        isCategorical: mapper.isCategorical,
        totalBins: mapper.totalBins,
      };
      const maxHistograms = Math.floor(HISTOGRAM_POOL_BYTES / (Math.max(1, mapper.totalBins) * HIST_STRIDE * 8));
      const maxLeaves = p.maxLeaves ?? Math.max(2, Math.min(FOREST_MAX_LEAVES, Math.floor(nRows / minSamplesLeaf)));

      // Regression trees fit the standardised target (the gradients are float32: centring keeps the
      // split gains exact for targets far from 0); leaves and gains are converted back to target units.
      let center = 0;
      let scale = 1;
      if (regression) {
        let sw0 = 0;
        let s1 = 0;
        for (let r = 0; r < nRows; r++) {
          const w = sw ? sw[r]! : 1;
          sw0 += w;
          s1 += w * y[r]!;
        }
        center = s1 / sw0;
        let s2 = 0;
        for (let r = 0; r < nRows; r++) s2 += (sw ? sw[r]! : 1) * (y[r]! - center) ** 2;
        scale = Math.sqrt(s2 / sw0) || 1;
      }
      if (task === "multiclass") {
        const trees = fitMulticlass(data, mapper.edges, y, sw ?? null, nClasses, p, { maxLeaves, minSamplesLeaf, featuresPerSplit }, rng, new TreeBuilder(train.features, mapper), options);
        const state = { nOutputs, nBags: p.nTrees, oobScore: trees.oobScore, oobRows: trees.oobRows, maxLeaves, featuresPerSplit, minSamplesLeaf, multiclassTrees: "gini-shared" as const };
        return new ForestModel(schemaOf(train), { ...p }, state, trees.trees, trees.leafShares);
      }
      const grower = new TreeGrower(data, {
        maxLeaves,
        maxHistograms,
        maxDepth: p.maxDepth ?? Infinity,
        minSamplesLeaf,
        minChildWeight: 1e-9,
        l2: 0,
        minSplitGain: 0,
        maxCatThreshold: 64,
        catSmooth: 10,
        minCategoryCount: MIN_CATEGORY_ROWS,
        // Each node's histograms of its drawn features (every feature when all are drawn) from its rows,
        // no subtraction: a forest's deep trees kept parents' full histograms waiting in a pool that was
        // cold or full. CPU time with all features a node: 0.61-0.63 of the subtraction's on meats and
        // Chicago, 0.82-0.83 on 160,000 x 28 and 400,000 flights (bench/forest/RESULTS.md).
        nodeHistograms: "drawn",
      }, threads, nThreads);
      const builder = new TreeBuilder(train.features, mapper);
      const weights = new Float64Array(nRows);
      const used = new Int32Array(nRows);
      const gh = new Float32Array(2 * nRows);
      const features = Int32Array.from({ length: nFeatures }, (_, i) => i);
      // Every node draws its features in a random order, also when it draws all of them: equal gains go to
      // the first in that order, a feature at random, as in scikit-learn (see RandomNodeFeatures).
      const sampler = new RandomNodeFeatures(rng, featuresPerSplit);
      const oobSum = new Float64Array(nRows * nOutputs);
      const oobCount = new Int32Array(nRows);

      for (let bag = 0; bag < p.nTrees; bag++) {
        drawBagWeights(weights, p.bootstrap, sw ?? null, rng);
        let nUsed = 0;
        for (let r = 0; r < nRows; r++) if (weights[r]! > 0) used[nUsed++] = r;
        const allRows = nUsed === nRows;
        for (let k = 0; k < nOutputs; k++) {
          const cls = task === "binary" ? 1 : k;
          for (let r = 0; r < nRows; r++) {
            const w = weights[r]!;
            const t = regression ? (y[r]! - center) / scale : y[r] === cls ? 1 : 0;
            gh[2 * r] = -t * w;
            gh[2 * r + 1] = w;
          }
          if (allRows) for (let r = 0; r < nRows; r++) grower.rows[r] = r;
          else grower.rows.set(used.subarray(0, nUsed));
          grower.grow(gh, nUsed, allRows, features, nFeatures, 1, sampler);
          // Leaf values (and gains) back to target units.
          for (let l = 0; l < grower.nLeaves; l++) {
            const node = grower.leafNode[l]!;
            grower.nodeValue[node] = center + scale * grower.nodeValue[node]!;
          }
          builder.add(grower, k, scale * scale);
          if (p.bootstrap) addOutOfBag(grower, data.bins, nRows, weights, oobSum, nOutputs, k);
        }
        if (p.bootstrap) for (let r = 0; r < nRows; r++) if (weights[r] === 0) oobCount[r]++;
        options.onProgress?.({ phase: "forest", done: bag + 1, total: p.nTrees });
      }
      const oob = p.bootstrap ? outOfBagScore(y, oobSum, oobCount, nOutputs, regression) : { score: null, rows: 0 };
      const model = new ForestModel(schemaOf(train), { ...p }, {
        nOutputs,
        nBags: p.nTrees,
        oobScore: oob.score,
        oobRows: oob.rows,
        maxLeaves,
        featuresPerSplit,
        minSamplesLeaf,
      }, builder.build());
      return model;
    } finally {
      threads?.release();
    }
  }
}

/**
 * The multiclass forest: per bag, a bootstrap sample and one Gini tree over all classes, stored once,
 * each leaf's value the index of its nClasses shares in leafShares (leaves numbered in the order they are
 * stored); out-of-bag class shares for the rows the bag left out.
 */
function fitMulticlass(
  data: BinnedData,
  edges: readonly Float64Array[],
  y: Float64Array,
  sampleWeight: Float64Array | null,
  nClasses: number,
  p: ForestParams,
  shape: { readonly maxLeaves: number; readonly minSamplesLeaf: number; readonly featuresPerSplit: number },
  rng: Random,
  builder: TreeBuilder,
  options: FitOptions,
): { trees: ReturnType<TreeBuilder["build"]>; leafShares: Float64Array; oobScore: number | null; oobRows: number } {
  const { nRows } = data;
  const grower = new GiniTreeGrower(data, nClasses, {
    maxLeaves: shape.maxLeaves,
    maxDepth: p.maxDepth ?? Infinity,
    minSamplesLeaf: shape.minSamplesLeaf,
    minCategoryCount: MIN_CATEGORY_ROWS,
    maxCatThreshold: 64,
    edges,
  });
  const classOf = Int32Array.from(y);
  const weights = new Float64Array(nRows);
  const oobSum = new Float64Array(nRows * nClasses);
  const oobCount = new Int32Array(nRows);
  let leafShares = new Float64Array(1024 * nClasses);
  let nLeaves = 0;
  for (let bag = 0; bag < p.nTrees; bag++) {
    drawBagWeights(weights, p.bootstrap, sampleWeight, rng);
    let nUsed = 0;
    for (let r = 0; r < nRows; r++) if (weights[r]! > 0) grower.rows[nUsed++] = r;
    grower.grow(classOf, weights, nUsed, shape.featuresPerSplit, rng);
    // The builder copies the nodes in order: each leaf's value becomes the index of its shares.
    const { nodeFeature, nodeValue, nodeShares } = grower;
    if ((nLeaves + grower.nLeaves) * nClasses > leafShares.length) {
      const grown = new Float64Array(Math.max(2 * leafShares.length, (nLeaves + grower.nLeaves) * nClasses));
      grown.set(leafShares.subarray(0, nLeaves * nClasses));
      leafShares = grown;
    }
    for (let node = 0; node < grower.nNodes; node++) {
      if (nodeFeature[node]! >= 0) {
        nodeValue[node] = 0;
        continue;
      }
      leafShares.set(nodeShares.subarray(node * nClasses, (node + 1) * nClasses), nLeaves * nClasses);
      nodeValue[node] = nLeaves++;
    }
    builder.add(grower, 0, 1);
    if (p.bootstrap) {
      addOutOfBagShares(grower, data.bins, nRows, weights, oobSum);
      for (let r = 0; r < nRows; r++) if (weights[r] === 0) oobCount[r]++;
    }
    options.onProgress?.({ phase: "forest", done: bag + 1, total: p.nTrees });
  }
  const oob = p.bootstrap ? outOfBagScore(y, oobSum, oobCount, nClasses, false) : { score: null, rows: 0 };
  return { trees: builder.build(), leafShares: leafShares.slice(0, nLeaves * nClasses), oobScore: oob.score, oobRows: oob.rows };
}

/**
 * A bag's row weights into `weights`: bootstrap counts (nRows draws with replacement) or 1 for every row,
 * times the sample weights. Every task's forest draws its bags here, so one seed draws the same bags.
 */
function drawBagWeights(weights: Float64Array, bootstrap: boolean, sampleWeight: Float64Array | null, rng: Random): void {
  const nRows = weights.length;
  weights.fill(0);
  if (bootstrap) for (let i = 0; i < nRows; i++) weights[rng.int(nRows)]++;
  else weights.fill(1);
  if (sampleWeight) for (let r = 0; r < nRows; r++) weights[r] *= sampleWeight[r]!;
}

/** The node arrays a grown tree is walked by, on binned rows: TreeGrower's and GiniTreeGrower's. */
type BinnedTree = Pick<TreeGrower, "nodeFeature" | "nodeLeft" | "nodeRight" | "nodeGoLeft">;

/** The leaf node that binned row `r` (of nRows, column-major `bins`) reaches in `tree`. */
function leafOfRow(tree: BinnedTree, bins: Uint8Array, nRows: number, r: number): number {
  const { nodeFeature, nodeLeft, nodeRight, nodeGoLeft } = tree;
  let node = 0;
  let f = nodeFeature[0]!;
  while (f >= 0) {
    node = nodeGoLeft[(node << 8) + bins[f * nRows + r]!] ? nodeLeft[node]! : nodeRight[node]!;
    f = nodeFeature[node]!;
  }
  return node;
}

/** Adds the Gini tree's leaf class shares to the out-of-bag sums of the rows the bootstrap left out. */
function addOutOfBagShares(grower: GiniTreeGrower, bins: Uint8Array, nRows: number, weights: Float64Array, sum: Float64Array): void {
  const { nodeShares, nClasses } = grower;
  for (let r = 0; r < nRows; r++) {
    if (weights[r] !== 0) continue;
    const leaf = leafOfRow(grower, bins, nRows, r);
    for (let c = 0; c < nClasses; c++) sum[r * nClasses + c] += nodeShares[leaf * nClasses + c]!;
  }
}

/**
 * Features per split from maxFeatures (scikit-learn's rules): null is sqrt(features) for classification
 * and all features for regression; a fraction takes floor(fraction x features); a whole number above 1
 * is a count, at most the number of features; "sqrt" and "log2" as scikit-learn. Always at least one.
 */
export function resolveMaxFeatures(maxFeatures: number | string | null, nFeatures: number, regression: boolean): number {
  if (nFeatures === 0) return 0;
  // scikit-learn's words: floor of the root or the base-2 logarithm of the number of features, at least one.
  if (maxFeatures === "sqrt") return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (maxFeatures === "log2") return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (typeof maxFeatures === "string") throw new InvalidParameterError("maxFeatures", 'a number, "sqrt" or "log2"', maxFeatures, OWNER);
  if (maxFeatures !== null && maxFeatures > 1 && maxFeatures > nFeatures) {
    throw new InvalidParameterError("maxFeatures", `at most the number of features (${nFeatures}), or a fraction in (0, 1]`, maxFeatures, OWNER);
  }
  const n = maxFeatures === null ? (regression ? nFeatures : Math.floor(Math.sqrt(nFeatures))) : maxFeatures > 1 ? maxFeatures : Math.floor(maxFeatures * nFeatures);
  return Math.max(1, Math.min(nFeatures, n));
}

/** Adds the grower's tree's leaf values to the out-of-bag sums of the rows the bootstrap left out. */
function addOutOfBag(grower: TreeGrower, bins: Uint8Array, nRows: number, weights: Float64Array, sum: Float64Array, nOutputs: number, k: number): void {
  const nodeValue = grower.nodeValue;
  for (let r = 0; r < nRows; r++) if (weights[r] === 0) sum[r * nOutputs + k] += nodeValue[leafOfRow(grower, bins, nRows, r)]!;
}

/** Accuracy or R² over the rows out of bag for at least one tree (null when there are none). */
function outOfBagScore(y: Float64Array, sum: Float64Array, count: Int32Array, nOutputs: number, regression: boolean): { score: number | null; rows: number } {
  let n = 0;
  let correct = 0;
  let meanY = 0;
  for (let r = 0; r < y.length; r++) {
    if (count[r] === 0) continue;
    n++;
    meanY += y[r]!;
  }
  if (n === 0) return { score: null, rows: 0 };
  meanY /= n;
  let sse = 0;
  let sst = 0;
  for (let r = 0; r < y.length; r++) {
    const c = count[r]!;
    if (c === 0) continue;
    if (regression) {
      sse += (y[r]! - sum[r]! / c) ** 2;
      sst += (y[r]! - meanY) ** 2;
    } else if (nOutputs === 1) {
      if ((sum[r]! / c > 0.5 ? 1 : 0) === y[r]) correct++;
    } else {
      let best = 0;
      for (let k = 1; k < nOutputs; k++) if (sum[r * nOutputs + k]! > sum[r * nOutputs + best]!) best = k;
      if (best === y[r]) correct++;
    }
  }
  return { score: regression ? (sst > 0 ? 1 - sse / sst : null) : correct / n, rows: n };
}

