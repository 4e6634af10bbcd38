/**
 * Classification metrics on predicted labels and on probabilities, as scikit-learn 1.2 defines them
 * (sklearn/metrics/_classification.py). Labels are class indices 0..K-1; the positive class of a binary
 * problem is 1.
 *
 * Where sklearn divides by zero it returns what its default zero_division="warn" returns: 0 for an
 * ill-defined precision, recall or F1; NaN where numpy would produce NaN (Cohen's kappa of two
 * constant, equal raters). Averages that sklearn takes over "the labels present" run over the labels
 * that occur in y_true or y_pred, not over every index below nClasses.
 */
import { InvalidParameterError } from "../core/errors.js";
import { average, pairwiseSum } from "./reduce.js";
import { checkLength, checkNClasses, checkNotEmpty, classIndices, finiteValues, sampleWeights } from "./validate.js";

/** Options of the metrics on predicted labels. */
export interface LabelMetricOptions {
  /** The number of classes; when given, every label must be below it. */
  nClasses?: number;
  /** One non-negative weight per row. */
  sampleWeight?: ArrayLike<number>;
}

/** How precision, recall and F1 combine classes, as sklearn's `average`. */
export type Average = "binary" | "macro" | "micro" | "weighted";

/** Options of `precisionScore`, `recallScore` and `f1Score`. */
export interface PrfOptions extends LabelMetricOptions {
  /**
   * "binary" (default): the score of class 1, labels must be 0 or 1. "macro": the unweighted mean over
   * the labels present in y_true or y_pred. "micro": from the total counts. "weighted": the mean weighted
   * by each label's (weighted) support in y_true.
   */
  average?: Average;
}

/** Options of `logLoss`. */
export interface LogLossOptions {
  /** 2 (default) with one P(class 1) per row, or K with `proba` row-major nRows x K. */
  nClasses?: number;
  /** One non-negative weight per row. */
  sampleWeight?: ArrayLike<number>;
}

/** Checked inputs of a metric on two label vectors. */
function labelInputs(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: LabelMetricOptions | undefined,
  metric: string,
  owner: string,
) {
  const n = yTrue.length;
  checkNotEmpty(n);
  checkLength(yPred, n, "yPred");
  const k = options?.nClasses === undefined ? undefined : checkNClasses(options.nClasses, owner);
  const y = classIndices(yTrue, "yTrue", k);
  const p = classIndices(yPred, "yPred", k);
  const weight = sampleWeights(options?.sampleWeight, n, metric);
  return { n, y, p, weight };
}

/**
 * The labels that occur in either vector, increasing (sklearn's `unique_labels(y_true, y_pred)`), and
 * both vectors recoded as positions in that list, so that per-label arrays stay small whatever the
 * label values.
 */
function encodeLabels(y: Int32Array, p: Int32Array) {
  const n = y.length;
  const both = new Int32Array(2 * n);
  both.set(y);
  both.set(p, n);
  both.sort();
  const unique: number[] = [];
  for (let i = 0; i < both.length; i++) if (i === 0 || both[i] !== both[i - 1]) unique.push(both[i]!);
  const labels = Int32Array.from(unique);
  const position = new Map<number, number>();
  labels.forEach((label, j) => position.set(label, j));
  const yCode = y.map((v) => position.get(v)!);
  const pCode = p.map((v) => position.get(v)!);
  return { labels, yCode, pCode };
}

/**
 * The confusion matrix over the present labels only (what sklearn builds when `labels` is None),
 * row-major L x L, rows true, columns predicted. Weights are added in row order, as scipy's
 * coo_matrix.toarray adds them.
 */
function presentConfusion(y: Int32Array, p: Int32Array, weight: Float64Array | undefined) {
  const { labels, yCode, pCode } = encodeLabels(y, p);
  const size = labels.length;
  const matrix = new Float64Array(size * size);
  for (let i = 0; i < y.length; i++) matrix[yCode[i]! * size + pCode[i]!] += weight === undefined ? 1 : weight[i]!;
  return { size, matrix };
}

/** Row sums (pairwise, as numpy reduces a contiguous row) and column sums (in row order). */
function marginals(matrix: Float64Array, size: number) {
  const rowSums = new Float64Array(size);
  const colSums = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    rowSums[i] = pairwiseSum(matrix, i * size, size);
    for (let j = 0; j < size; j++) colSums[j] += matrix[i * size + j]!;
  }
  return { rowSums, colSums };
}

/**
 * The confusion matrix: entry [i][j] counts (or sums the weights of) the rows of true class i predicted
 * as class j, for every class 0..nClasses-1 whether present or not.
 * Equivalent to sklearn 1.2 `confusion_matrix(y_true, y_pred, labels=range(nClasses), sample_weight=...)`.
 *
 * @example
 * confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1], 3); // [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
  options?: { sampleWeight?: ArrayLike<number> },
): number[][] {
  const k = checkNClasses(nClasses, "confusionMatrix");
  const { y, p, weight } = labelInputs(yTrue, yPred, { nClasses: k, sampleWeight: options?.sampleWeight }, "confusion_matrix", "confusionMatrix");
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < y.length; i++) matrix[y[i]!]![p[i]!] += weight === undefined ? 1 : weight[i]!;
  return matrix;
}

/**
 * The fraction of rows whose predicted label equals the true label (weighted: the fraction of weight).
 * Equivalent to sklearn 1.2 `accuracy_score(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * accuracyScore([0, 1, 2, 3], [0, 2, 1, 3]); // 0.5
 */
export function accuracyScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: LabelMetricOptions): number {
  const { n, y, p, weight } = labelInputs(yTrue, yPred, options, "accuracy", "accuracyScore");
  if (weight === undefined) {
    let correct = 0;
    for (let i = 0; i < n; i++) if (y[i] === p[i]) correct++;
    return correct / n;
  }
  const hit = new Float64Array(n);
  for (let i = 0; i < n; i++) hit[i] = y[i] === p[i] ? 1 : 0;
  return average(hit, weight);
}

/**
 * The mean over the classes present in y_true of each class's recall; classes that occur only in
 * y_pred are left out (sklearn warns). Equivalent to sklearn 1.2
 * `balanced_accuracy_score(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * balancedAccuracyScore([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1]); // 0.625
 */
export function balancedAccuracyScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: LabelMetricOptions): number {
  const { y, p, weight } = labelInputs(yTrue, yPred, options, "balanced_accuracy", "balancedAccuracyScore");
  const { size, matrix } = presentConfusion(y, p, weight);
  const { rowSums } = marginals(matrix, size);
  const recalls: number[] = [];
  for (let i = 0; i < size; i++) if (rowSums[i] !== 0) recalls.push(matrix[i * size + i]! / rowSums[i]!);
  return recalls.length === 0 ? NaN : average(recalls);
}

/** Precision, recall and F1 for one averaging mode (sklearn's precision_recall_fscore_support). */
function precisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: PrfOptions | undefined,
  metric: string,
  owner: string,
): { precision: number; recall: number; f1: number } {
  const mode = options?.average ?? "binary";
  if (mode !== "binary" && mode !== "macro" && mode !== "micro" && mode !== "weighted") {
    throw new InvalidParameterError("average", `one of "binary", "macro", "micro", "weighted"`, mode, owner);
  }
  if (mode === "binary" && options?.nClasses !== undefined && options.nClasses !== 2) {
    throw new InvalidParameterError("average", `"macro", "micro" or "weighted" when nClasses is ${options.nClasses}`, mode, owner);
  }
  const { y, p, weight } = labelInputs(yTrue, yPred, mode === "binary" ? { ...options, nClasses: 2 } : options, metric, owner);

  const { labels, yCode, pCode } = encodeLabels(y, p);
  // Per-label sums in row order, as np.bincount adds them.
  const tpAll = new Float64Array(labels.length);
  const predAll = new Float64Array(labels.length);
  const trueAll = new Float64Array(labels.length);
  for (let i = 0; i < y.length; i++) {
    const w = weight === undefined ? 1 : weight[i]!;
    if (yCode[i] === pCode[i]) tpAll[yCode[i]!] += w;
    predAll[pCode[i]!] += w;
    trueAll[yCode[i]!] += w;
  }
  // average "binary" scores class 1 alone, present or not; the others every present label.
  const chosen = mode === "binary" ? [labels.indexOf(1)] : Array.from(labels, (_, j) => j);
  const size = chosen.length;
  let tp = new Float64Array(size);
  let predicted = new Float64Array(size);
  let actual = new Float64Array(size);
  chosen.forEach((code, j) => {
    if (code < 0) return;
    tp[j] = tpAll[code]!;
    // sklearn goes through the multilabel confusion matrix: fp = pred - tp, then pred = tp + fp.
    predicted[j] = tp[j]! + (predAll[code]! - tp[j]!);
    actual[j] = tp[j]! + (trueAll[code]! - tp[j]!);
  });
  if (mode === "micro") {
    tp = Float64Array.of(pairwiseSum(tp));
    predicted = Float64Array.of(pairwiseSum(predicted));
    actual = Float64Array.of(pairwiseSum(actual));
  }
  const m = tp.length;
  const precision = new Float64Array(m);
  const recall = new Float64Array(m);
  const f1 = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    precision[j] = predicted[j] === 0 ? 0 : tp[j]! / predicted[j]!;
    recall[j] = actual[j] === 0 ? 0 : tp[j]! / actual[j]!;
    const denominator = precision[j]! + recall[j]!;
    f1[j] = denominator === 0 ? 0 : (2 * precision[j]! * recall[j]!) / denominator;
  }
  if (mode === "weighted") {
    if (pairwiseSum(actual) === 0) return { precision: 0, recall: 0, f1: 0 };
    return { precision: average(precision, actual), recall: average(recall, actual), f1: average(f1, actual) };
  }
  return { precision: average(precision), recall: average(recall), f1: average(f1) };
}

/**
 * Precision tp / (tp + fp): of class 1 (average "binary", the default), or averaged over classes.
 * 0 when nothing is predicted positive (sklearn's default zero_division).
 * Equivalent to sklearn 1.2 `precision_score(y_true, y_pred, average=..., sample_weight=...)`.
 *
 * @example
 * precisionScore([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 * precisionScore([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], { average: "macro" }); // 0.2222222222222222
 */
export function precisionScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: PrfOptions): number {
  return precisionRecallF1(yTrue, yPred, options, metricName("precision", options), "precisionScore").precision;
}

/**
 * Recall tp / (tp + fn): of class 1 (average "binary", the default), or averaged over classes.
 * 0 when y_true has no positives (sklearn's default zero_division).
 * Equivalent to sklearn 1.2 `recall_score(y_true, y_pred, average=..., sample_weight=...)`.
 *
 * @example
 * recallScore([0, 1, 1, 0], [1, 1, 0, 0]); // 0.5
 */
export function recallScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: PrfOptions): number {
  return precisionRecallF1(yTrue, yPred, options, metricName("recall", options), "recallScore").recall;
}

/**
 * F1, the harmonic mean of precision and recall: of class 1 (average "binary", the default), or
 * averaged over classes; 0 where precision and recall are both 0.
 * Equivalent to sklearn 1.2 `f1_score(y_true, y_pred, average=..., sample_weight=...)`.
 *
 * @example
 * f1Score([0, 1, 1, 1], [1, 1, 0, 1]); // 0.6666666666666666
 */
export function f1Score(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: PrfOptions): number {
  return precisionRecallF1(yTrue, yPred, options, metricName("f1", options), "f1Score").f1;
}

function metricName(base: string, options: PrfOptions | undefined): string {
  const mode = options?.average ?? "binary";
  return mode === "binary" ? base : `${base}_${mode}`;
}

/**
 * The Matthews correlation coefficient (multiclass: Gorodkin's R_K), from -1 to 1; 0 when either
 * y_true or y_pred is constant. Equivalent to sklearn 1.2 `matthews_corrcoef(y_true, y_pred, sample_weight=...)`.
 *
 * @example
 * matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]); // -0.3333333333333333
 */
export function matthewsCorrcoef(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: LabelMetricOptions): number {
  const { y, p, weight } = labelInputs(yTrue, yPred, options, "matthews_corrcoef", "matthewsCorrcoef");
  const { size, matrix } = presentConfusion(y, p, weight);
  const { rowSums: tSum, colSums: pSum } = marginals(matrix, size);
  const diagonal = new Float64Array(size);
  for (let i = 0; i < size; i++) diagonal[i] = matrix[i * size + i]!;
  const correct = pairwiseSum(diagonal);
  const total = pairwiseSum(pSum);
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (let i = 0; i < size; i++) {
    tp += tSum[i]! * pSum[i]!;
    pp += pSum[i]! * pSum[i]!;
    tt += tSum[i]! * tSum[i]!;
  }
  const covYtYp = correct * total - tp;
  const covYpYp = total * total - pp;
  const covYtYt = total * total - tt;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/**
 * Cohen's kappa, the agreement between y_true and y_pred beyond chance: 1 - observed disagreement /
 * expected disagreement. NaN when both are the same constant (0 / 0, as sklearn returns).
 * Equivalent to sklearn 1.2 `cohen_kappa_score(y_true, y_pred, sample_weight=...)` (unweighted kappa).
 *
 * @example
 * cohenKappaScore([0, 1, 1, 0], [0, 1, 0, 0]); // 0.5
 */
export function cohenKappaScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options?: LabelMetricOptions): number {
  const { y, p, weight } = labelInputs(yTrue, yPred, options, "cohen_kappa", "cohenKappaScore");
  const { size, matrix } = presentConfusion(y, p, weight);
  const { rowSums: sum1, colSums: sum0 } = marginals(matrix, size);
  const total = pairwiseSum(sum0);
  const observed = new Float64Array(size * size);
  const expected = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (i === j) continue;
      observed[i * size + j] = matrix[i * size + j]!;
      expected[i * size + j] = (sum0[i]! * sum1[j]!) / total;
    }
  }
  return 1 - pairwiseSum(observed) / pairwiseSum(expected);
}

/** sklearn 1.2's log_loss clips with eps="auto", the float64 machine epsilon. */
const LOG_LOSS_EPS = Number.EPSILON;

/**
 * The mean negative log-likelihood of the true class. Probabilities are clipped to
 * [eps, 1 - eps] with eps = 2^-52 (sklearn 1.2's eps="auto") and each row is renormalised to sum to
 * 1. Binary: `proba` holds P(class 1) per row; multiclass: pass `nClasses` and `proba` row-major
 * nRows x nClasses. Classes absent from y_true are fine (sklearn needs `labels=range(nClasses)`).
 * Equivalent to sklearn 1.2 `log_loss(y_true, proba, labels=range(nClasses), sample_weight=...)`.
 *
 * @example
 * logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]); // 0.21616187468057912
 */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, options?: LogLossOptions): number {
  const k = checkNClasses(options?.nClasses ?? 2, "logLoss");
  const n = yTrue.length;
  checkNotEmpty(n);
  const binary = k === 2 && proba.length === n;
  if (!binary) checkLength(proba, n * k, "proba", `${n} rows x ${k} classes, row-major${k === 2 ? `, or ${n}: P(class 1) per row` : ""}`);
  const y = classIndices(yTrue, "yTrue", k);
  const p = finiteValues(proba, "proba");
  const weight = sampleWeights(options?.sampleWeight, n, "log_loss");
  const clip = (v: number) => Math.min(Math.max(v, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  const losses = new Float64Array(n);
  if (binary) {
    for (let i = 0; i < n; i++) {
      const p1 = clip(p[i]!);
      const p0 = 1 - p1;
      losses[i] = -Math.log((y[i] === 1 ? p1 : p0) / (p0 + p1));
    }
  } else {
    const row = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) row[c] = clip(p[i * k + c]!);
      losses[i] = -Math.log(row[y[i]!]! / pairwiseSum(row));
    }
  }
  return average(losses, weight);
}

/**
 * The Brier score: the mean squared difference between P(class 1) and the 0/1 outcome. Lower is
 * better. `proba` must lie in [0, 1]. Equivalent to sklearn 1.2 `brier_score_loss(y_true, y_prob, sample_weight=...)`.
 *
 * @example
 * brierScoreLoss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]); // 0.03749999999999999
 */
export function brierScoreLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, options?: { sampleWeight?: ArrayLike<number> }): number {
  const n = yTrue.length;
  checkNotEmpty(n);
  checkLength(proba, n, "proba");
  const y = classIndices(yTrue, "yTrue", 2);
  const p = finiteValues(proba, "proba", 0, 1);
  const weight = sampleWeights(options?.sampleWeight, n, "brier_score");
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = y[i]! - p[i]!;
    squares[i] = d * d;
  }
  return average(squares, weight);
}
