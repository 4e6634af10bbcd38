/**
 * Metrics of a ranking by score: ROC and precision-recall curves, ROC AUC, average precision and
 * one-vs-rest multiclass ROC AUC, as scikit-learn 1.2 defines them (sklearn/metrics/_ranking.py).
 *
 * Everything rests on one sort: `binaryCurve` orders the rows by decreasing score once (O(n log n)) and
 * emits one point per distinct score, so tied scores move the curve diagonally, never in steps.
 */
import { InvalidParameterError, MetricError } from "../core/errors.js";
import { average, pairwiseSum } from "./reduce.js";
import { checkLength, checkNClasses, checkNotEmpty, classIndices, finiteValues, sampleWeights } from "./validate.js";

/** Options shared by the binary ranking metrics. */
export interface RankingOptions {
  /** One non-negative weight per row. Rows of weight zero are left out of the curves. */
  sampleWeight?: ArrayLike<number>;
}

/** A ROC curve: `fpr[i]` and `tpr[i]` are the rates of predicting positive when score >= `thresholds[i]`. */
export interface RocCurve {
  /** Increasing false positive rates, from 0. NaN throughout when y_true has no negatives. */
  fpr: Float64Array;
  /** Increasing true positive rates, from 0. NaN throughout when y_true has no positives. */
  tpr: Float64Array;
  /** Decreasing thresholds; the first is max(score) + 1 (no row predicted positive), as in sklearn 1.2. */
  thresholds: Float64Array;
}

/** A precision-recall curve, in sklearn's order: thresholds increase, recall decreases to 0. */
export interface PrecisionRecallCurve {
  /** Precision at score >= `thresholds[i]`; one more element than `thresholds`, the last being 1. */
  precision: Float64Array;
  /** Recall at score >= `thresholds[i]`; one more element than `thresholds`, the last being 0. */
  recall: Float64Array;
  /** The distinct scores, increasing. */
  thresholds: Float64Array;
}

/** Cumulative counts (or weights) of false and true positives at each distinct score, scores decreasing. */
interface BinaryCurve {
  fps: Float64Array;
  tps: Float64Array;
  thresholds: Float64Array;
}

/**
 * sklearn's `_binary_clf_curve`. IN: labels 0/1, finite scores, optional weights (same length).
 * Rows of weight zero are dropped first. The order among tied scores (index decreasing, as sklearn's
 * reversed stable argsort gives) only matters to the rounding of weighted cumulative sums, and matching
 * it keeps those sums identical to sklearn's, so `dropIntermediate` drops the same points.
 */
function binaryCurve(y: Int32Array, score: Float64Array, weight: Float64Array | undefined): BinaryCurve {
  let kept = 0;
  const order = new Uint32Array(y.length);
  for (let i = 0; i < y.length; i++) if (weight === undefined || weight[i] !== 0) order[kept++] = i;
  const rows = order.subarray(0, kept).sort((a, b) => score[b]! - score[a]! || b - a);

  let nDistinct = 0;
  for (let k = 0; k < kept; k++) if (k === kept - 1 || score[rows[k]!] !== score[rows[k + 1]!]) nDistinct++;
  const fps = new Float64Array(nDistinct);
  const tps = new Float64Array(nDistinct);
  const thresholds = new Float64Array(nDistinct);
  let tp = 0;
  let fp = 0;
  for (let k = 0, j = 0; k < kept; k++) {
    const row = rows[k]!;
    if (weight === undefined) tp += y[row]!;
    else if (y[row] === 1) tp += weight[row]!;
    else fp += weight[row]!;
    if (k === kept - 1 || score[row] !== score[rows[k + 1]!]) {
      tps[j] = tp;
      // Unweighted, sklearn counts false positives as (rows so far) - tp; weighted, as their own cumsum.
      fps[j] = weight === undefined ? 1 + k - tp : fp;
      thresholds[j] = score[row]!;
      j++;
    }
  }
  return { fps, tps, thresholds };
}

/** Checked inputs of a binary ranking metric. */
function binaryInputs(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, options: RankingOptions | undefined, metric: string) {
  const n = yTrue.length;
  checkNotEmpty(n);
  checkLength(yScore, n, "yScore");
  const y = classIndices(yTrue, "yTrue", 2);
  const score = finiteValues(yScore, "yScore");
  const weight = sampleWeights(options?.sampleWeight, n, metric);
  return { y, score, weight };
}

/** Keeps the first and last points and every point where the curve turns (sklearn's drop_intermediate). */
function dropCollinear(curve: BinaryCurve): BinaryCurve {
  const { fps, tps, thresholds } = curve;
  const m = fps.length;
  if (m <= 2) return curve;
  const keep: number[] = [0];
  for (let i = 1; i < m - 1; i++) {
    // np.diff(x, 2) at i - 1: a nonzero second difference is a corner.
    const fpTurn = fps[i + 1]! - fps[i]! - (fps[i]! - fps[i - 1]!);
    const tpTurn = tps[i + 1]! - tps[i]! - (tps[i]! - tps[i - 1]!);
    if (fpTurn !== 0 || tpTurn !== 0) keep.push(i);
  }
  keep.push(m - 1);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return { fps: pick(fps), tps: pick(tps), thresholds: pick(thresholds) };
}

function rocFromCurve(curve: BinaryCurve, dropIntermediate: boolean): RocCurve {
  const { fps, tps, thresholds } = dropIntermediate ? dropCollinear(curve) : curve;
  const m = fps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const th = new Float64Array(m);
  const fpTotal = fps[m - 2]!;
  const tpTotal = tps[m - 2]!;
  th[0] = thresholds[0]! + 1;
  for (let i = 1; i < m; i++) {
    fpr[i] = fpTotal > 0 ? fps[i - 1]! / fpTotal : NaN;
    tpr[i] = tpTotal > 0 ? tps[i - 1]! / tpTotal : NaN;
    th[i] = thresholds[i - 1]!;
  }
  if (!(fpTotal > 0)) fpr[0] = NaN;
  if (!(tpTotal > 0)) tpr[0] = NaN;
  return { fpr, tpr, thresholds: th };
}

/** np.trapz(y, x): the trapezoid rule, its terms summed pairwise as numpy does. */
function trapezoid(x: Float64Array, y: Float64Array): number {
  const terms = new Float64Array(x.length - 1);
  for (let i = 0; i < terms.length; i++) terms[i] = ((x[i + 1]! - x[i]!) * (y[i + 1]! + y[i]!)) / 2;
  return pairwiseSum(terms);
}

/** AUC of one binary problem; the caller has checked that both classes occur in `y`. */
function binaryAuc(y: Int32Array, score: Float64Array, weight: Float64Array | undefined): number {
  const { fpr, tpr } = rocFromCurve(binaryCurve(y, score, weight), true);
  return trapezoid(fpr, tpr);
}

/**
 * The receiver operating characteristic curve of a binary problem (positive class 1). Thresholds are
 * the distinct scores, decreasing, after a first threshold of max(score) + 1 where nothing is predicted
 * positive; with `dropIntermediate` (the default) points collinear with their neighbours are dropped.
 * When y_true holds one class only the rates of the missing class are NaN, as sklearn returns them.
 * Equivalent to sklearn 1.2 `roc_curve(y_true, y_score, sample_weight=..., drop_intermediate=...)`.
 *
 * @example
 * rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [1.8, 0.8, 0.4, 0.35, 0.1] }
 */
export function rocCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  options?: RankingOptions & { dropIntermediate?: boolean },
): RocCurve {
  const { y, score, weight } = binaryInputs(yTrue, yScore, options, "roc_curve");
  return rocFromCurve(binaryCurve(y, score, weight), options?.dropIntermediate ?? true);
}

/**
 * Precision and recall at every distinct score of a binary problem (positive class 1), thresholds
 * increasing, with a final point (precision 1, recall 0) that has no threshold. When y_true has no
 * positives, recall is 1 throughout, as in sklearn.
 * Equivalent to sklearn 1.2 `precision_recall_curve(y_true, probas_pred, sample_weight=...)`.
 *
 * @example
 * precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { precision: [0.5, 0.667, 0.5, 1, 1], recall: [1, 1, 0.5, 0.5, 0], thresholds: [0.1, 0.35, 0.4, 0.8] }
 */
export function precisionRecallCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  options?: RankingOptions,
): PrecisionRecallCurve {
  const { y, score, weight } = binaryInputs(yTrue, yScore, options, "precision_recall_curve");
  return prFromCurve(binaryCurve(y, score, weight));
}

function prFromCurve(curve: BinaryCurve): PrecisionRecallCurve {
  const { fps, tps, thresholds } = curve;
  const m = tps.length;
  const tpTotal = tps[m - 1]!;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const th = new Float64Array(m);
  // Reversed so that recall decreases, as sklearn returns it.
  for (let i = 0; i < m; i++) {
    const j = m - 1 - i;
    const predicted = tps[j]! + fps[j]!;
    precision[i] = predicted !== 0 ? tps[j]! / predicted : 0;
    recall[i] = tpTotal === 0 ? 1 : tps[j]! / tpTotal;
    th[i] = thresholds[j]!;
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: th };
}

/**
 * Area under the ROC curve of a binary problem: `yScore` is any score that is higher for class 1
 * (a probability, a decision value). Ties are handled as sklearn does (the trapezoid over the curve of
 * distinct thresholds, which counts a tied positive-negative pair as half). Throws a MetricError when
 * y_true holds only one class. Equivalent to sklearn 1.2 `roc_auc_score(y_true, y_score, sample_weight=...)`.
 *
 * @example
 * rocAucScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 */
export function rocAucScore(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, options?: RankingOptions): number {
  const { y, score, weight } = binaryInputs(yTrue, yScore, options, "roc_auc");
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i]!;
  if (positives === 0 || positives === y.length) {
    throw new MetricError("roc_auc", `only one class (${positives === 0 ? 0 : 1}) is present in y_true; ROC AUC is undefined`);
  }
  return binaryAuc(y, score, weight);
}

/**
 * Average precision of a binary problem: the sum over distinct thresholds of precision times the gain
 * in recall, sum_n (R_n - R_{n-1}) P_n, without interpolation. 0 when y_true has no positives (sklearn
 * warns and returns 0). Equivalent to sklearn 1.2 `average_precision_score(y_true, y_score, sample_weight=...)`.
 *
 * @example
 * averagePrecisionScore([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333333333333333
 */
export function averagePrecisionScore(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, options?: RankingOptions): number {
  const { y, score, weight } = binaryInputs(yTrue, yScore, options, "average_precision");
  const { precision, recall } = prFromCurve(binaryCurve(y, score, weight));
  const terms = new Float64Array(precision.length - 1);
  for (let i = 0; i < terms.length; i++) terms[i] = (recall[i + 1]! - recall[i]!) * precision[i]!;
  // sklearn returns -0.0 when nothing is gained; +0 reads better and compares equal.
  return -pairwiseSum(terms) + 0;
}

/** Options of `rocAucOvrScore`. */
export interface RocAucOvrOptions {
  /** "macro" (default): the unweighted mean of the per-class AUCs; "weighted": weighted by class support. */
  average?: "macro" | "weighted";
  /** One non-negative weight per row. */
  sampleWeight?: ArrayLike<number>;
}

/** np.isclose(1, sum): numpy's default tolerances, rtol 1e-5 and atol 1e-8. */
function closeToOne(sum: number): boolean {
  return Math.abs(1 - sum) <= 1e-8 + 1e-5 * Math.abs(sum);
}

/**
 * One-vs-rest ROC AUC of a multiclass problem: the AUC of each class against the rest, averaged
 * ("macro", or "weighted" by each class's weighted support). `proba` is row-major nRows x nClasses and
 * its rows must sum to 1. Every class 0..nClasses-1 must occur in y_true (as sklearn requires when
 * given `labels=range(nClasses)`); otherwise a MetricError names the missing class.
 * Equivalent to sklearn 1.2 `roc_auc_score(y_true, proba, multi_class="ovr", average=...,
 * labels=range(nClasses), sample_weight=...)`.
 *
 * @example
 * rocAucOvrScore([0, 1, 2, 2], new Float64Array([0.8, 0.1, 0.1, 0.2, 0.6, 0.2, 0.1, 0.3, 0.6, 0.3, 0.3, 0.4]), 3); // 1
 */
export function rocAucOvrScore(
  yTrue: ArrayLike<number>,
  proba: ArrayLike<number>,
  nClasses: number,
  options?: RocAucOvrOptions,
): number {
  const mode = options?.average ?? "macro";
  if (mode !== "macro" && mode !== "weighted") {
    throw new InvalidParameterError("average", `"macro" or "weighted"`, mode, "rocAucOvrScore");
  }
  const metric = mode === "macro" ? "roc_auc_ovr" : "roc_auc_ovr_weighted";
  const k = checkNClasses(nClasses, "rocAucOvrScore");
  const n = yTrue.length;
  checkNotEmpty(n);
  checkLength(proba, n * k, "proba", `${n} rows x ${k} classes, row-major`);
  const y = classIndices(yTrue, "yTrue", k);
  const p = finiteValues(proba, "proba");
  const weight = sampleWeights(options?.sampleWeight, n, metric);

  for (let i = 0; i < n; i++) {
    const sum = pairwiseSum(p, i * k, k);
    if (!closeToOne(sum)) {
      throw new MetricError(
        metric,
        `the probabilities in row ${i + 1} sum to ${sum}, not 1; one-vs-rest ROC AUC needs probabilities that sum to 1 over the classes`,
      );
    }
  }

  // Support per class: counts, or weights summed in row order (np.sum over axis 0).
  const support = new Float64Array(k);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    counts[y[i]!]++;
    support[y[i]!] += weight === undefined ? 1 : weight[i]!;
  }
  if (mode === "weighted" && Math.abs(pairwiseSum(support)) <= 1e-8) return 0;
  const present = counts.reduce((m, c) => m + (c > 0 ? 1 : 0), 0);
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0 || counts[c] === n) {
      throw new MetricError(
        metric,
        present === 1 ?
          `only one class (${y[0]}) is present in y_true; ROC AUC is undefined`
        : `class ${c} is not present in y_true; its one-vs-rest ROC AUC is undefined`,
      );
    }
  }

  const scores = new Float64Array(k);
  const isClass = new Int32Array(n);
  const column = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      isClass[i] = y[i] === c ? 1 : 0;
      column[i] = p[i * k + c]!;
    }
    scores[c] = binaryAuc(isClass, column, weight);
  }
  if (mode === "macro") return average(scores);
  // A class whose support is zero gets score 0, so that its NaN AUC cannot reach the average.
  for (let c = 0; c < k; c++) if (support[c] === 0) scores[c] = 0;
  return average(scores, support);
}
