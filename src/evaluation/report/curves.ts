/**
 * The curves of a model card, from labels and predicted probabilities: ROC and precision-recall (binary,
 * or one-vs-rest per class), and the calibration curve, thinned to a few hundred points so the inline
 * SVG stays small on millions of rows.
 */
import { precisionRecallCurve, rocAucScore, rocCurve, averagePrecisionScore } from "../../metrics/index.js";

/** One ROC or precision-recall curve: points in drawing order and the area under it. */
export interface CurvePoints {
  /** The class the curve is for (positive class for binary, each class against the rest for multiclass). */
  readonly label: string;
  /** ROC: false positive rate; precision-recall: recall. */
  readonly x: number[];
  /** ROC: true positive rate; precision-recall: precision. */
  readonly y: number[];
  /** ROC AUC, or average precision. */
  readonly area: number;
}

/** One bin of the calibration curve. */
export interface CalibrationBin {
  readonly rows: number;
  /** Mean predicted P(positive class) in the bin. */
  readonly meanPredicted: number;
  /** Share of the bin's rows that are positive. */
  readonly observed: number;
}

/** Curve points kept at most, per curve. */
const MAX_POINTS = 400;

/**
 * ROC and precision-recall curves of P(class) against "is that class": one curve each for binary (the
 * positive class), one per class for multiclass (a class absent from the labels gets none).
 * `proba` is P(class 1) per row (binary) or row-major nRows x nClasses.
 *
 * @example
 * const { roc, pr } = rankingCurves(yTrue, proba, ["no", "yes"]); // roc[0].area === roc_auc
 */
export function rankingCurves(yTrue: ArrayLike<number>, proba: ArrayLike<number>, classes: readonly string[]): { roc: CurvePoints[]; pr: CurvePoints[] } {
  const n = yTrue.length;
  const binary = classes.length === 2;
  const targets = binary ? [1] : classes.map((_, k) => k);
  const roc: CurvePoints[] = [];
  const pr: CurvePoints[] = [];
  for (const k of targets) {
    const labels = new Float64Array(n);
    const scores = new Float64Array(n);
    let positives = 0;
    for (let i = 0; i < n; i++) {
      labels[i] = yTrue[i] === k ? 1 : 0;
      positives += labels[i]!;
      scores[i] = binary ? proba[i]! : proba[i * classes.length + k]!;
    }
    if (positives === 0 || positives === n) continue;
    const r = rocCurve(labels, scores);
    roc.push({ label: classes[k]!, ...thin(r.fpr, r.tpr), area: rocAucScore(labels, scores) });
    const p = precisionRecallCurve(labels, scores);
    pr.push({ label: classes[k]!, ...thin(p.recall, p.precision), area: averagePrecisionScore(labels, scores) });
  }
  return { roc, pr };
}

/**
 * The calibration curve of a binary classifier: rows sorted by P(class 1) and cut into `nBins` bins of
 * (nearly) equal counts (quantile bins, so every bin holds enough rows to measure a rate), each bin's
 * mean prediction against its share of positives. A calibrated model's points lie on the diagonal.
 *
 * @example
 * calibrationCurve([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], 2); // [{ rows: 2, meanPredicted: 0.15, observed: 0 }, { rows: 2, meanPredicted: 0.8, observed: 1 }]
 */
export function calibrationCurve(yTrue: ArrayLike<number>, positive: ArrayLike<number>, nBins = 10): CalibrationBin[] {
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => positive[a]! - positive[b]!);
  const bins: CalibrationBin[] = [];
  const k = Math.min(nBins, n);
  for (let b = 0; b < k; b++) {
    const start = Math.floor((b * n) / k);
    const end = Math.floor(((b + 1) * n) / k);
    let sumP = 0;
    let sumY = 0;
    for (let j = start; j < end; j++) {
      sumP += positive[order[j]!]!;
      sumY += yTrue[order[j]!]!;
    }
    const rows = end - start;
    if (rows > 0) bins.push({ rows, meanPredicted: sumP / rows, observed: sumY / rows });
  }
  return bins;
}

/** Keeps at most MAX_POINTS points, evenly spaced along the curve, always the first and the last. */
function thin(x: Float64Array, y: Float64Array): { x: number[]; y: number[] } {
  const m = x.length;
  if (m <= MAX_POINTS) return { x: Array.from(x), y: Array.from(y) };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let p = 0; p < MAX_POINTS; p++) {
    const i = Math.round((p * (m - 1)) / (MAX_POINTS - 1));
    xs.push(x[i]!);
    ys.push(y[i]!);
  }
  return { x: xs, y: ys };
}
