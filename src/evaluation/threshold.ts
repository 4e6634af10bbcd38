/**
 * Decision thresholds for a binary classifier, chosen on validation rows (labels and P(class 1)) from
 * what errors cost or from a precision or recall the product needs. A row is predicted positive when
 * `p >= threshold`; the candidates are every distinct score plus +Infinity (nothing positive), so the
 * chosen threshold is always one of the scores seen (or Infinity).
 *
 * One sort, one sweep: rows ordered by decreasing score, the counts of true and false positives
 * accumulated one distinct score at a time, as the ROC curve is (src/metrics/ranking.ts). O(n log n).
 */
import { DataValidationError, InvalidParameterError } from "../core/errors.js";
import type { Matrix } from "../core/matrix.js";

/** How the threshold was chosen. */
export type ThresholdRule = "cost" | "min_precision" | "min_recall";

/**
 * What to choose the threshold by: both costs, or one target. Exactly one of the three rules.
 * - `costFp` and `costFn`: the cost of one false positive and of one false negative; the threshold
 *   minimises the expected cost per row.
 * - `minPrecision`: the threshold with the highest recall whose precision is at least this.
 * - `minRecall`: the threshold with the highest precision whose recall is at least this.
 * Ties go to the higher threshold (fewer rows predicted positive).
 */
export interface ThresholdOptions {
  readonly costFp?: number;
  readonly costFn?: number;
  readonly minPrecision?: number;
  readonly minRecall?: number;
}

/** The chosen threshold and what it does on the validation rows. */
export interface ThresholdChoice {
  /** Predict positive when P(class 1) >= threshold. Infinity: never (JSON writes it as null). */
  readonly threshold: number;
  readonly rule: ThresholdRule;
  /** tp / (tp + fp), 0 when nothing is predicted positive (scikit-learn's precision_score). */
  readonly precision: number;
  /** tp / (tp + fn) (scikit-learn's recall_score); the same as tpRate. */
  readonly recall: number;
  /** (costFp * fp + costFn * fn) / nRows; only for the cost rule. */
  readonly expectedCost?: number;
  /** fp / (fp + tn). */
  readonly fpRate: number;
  /** tp / (tp + fn). */
  readonly tpRate: number;
  /** Rows of each true class in the validation data. */
  readonly support: { readonly positive: number; readonly negative: number };
  /** The confusion counts at the threshold. */
  readonly confusion: { readonly tp: number; readonly fp: number; readonly fn: number; readonly tn: number };
}

const OWNER = "chooseThreshold";

/**
 * Chooses the decision threshold of a binary classifier on validation rows. `yTrue` holds 0/1 labels,
 * `proba` P(class 1) (or any finite score that is higher for class 1). Throws an InvalidParameterError
 * when the options do not name exactly one rule, and when a target cannot be reached, naming the best
 * value any threshold reaches.
 *
 * @example
 * const choice = chooseThreshold(valid.target!.values, positiveProba, { costFp: 1, costFn: 5 });
 * choice.threshold; // 0.21: a missed positive costs five false alarms
 * chooseThreshold(yTrue, proba, { minPrecision: 0.9 }); // { threshold: 0.74, precision: 0.91, recall: 0.62, ... }
 */
export function chooseThreshold(yTrue: ArrayLike<number>, proba: ArrayLike<number>, options: ThresholdOptions): ThresholdChoice {
  const rule = thresholdRule(options);
  const { labels, scores, nPositive } = checkInputs(yTrue, proba);
  const n = labels.length;
  const nNegative = n - nPositive;

  // Rows by decreasing score; the sweep visits candidate thresholds from +Infinity downwards, so "keep
  // the first best" is "ties go to the higher threshold".
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);

  const costFp = options.costFp ?? 0;
  const costFn = options.costFn ?? 0;
  const target = rule === "min_precision" ? options.minPrecision! : rule === "min_recall" ? options.minRecall! : 0;

  let bestThreshold = Infinity;
  let bestTp = 0;
  let bestFp = 0;
  let found = false;
  let bestValue = 0; // the objective at the best threshold: cost (lower better), recall or precision (higher better)
  // The best precision any threshold reaches and where, for the error when minPrecision is out of reach.
  let reachTp = 0;
  let reachFp = 0;
  let reachThreshold = Infinity;
  let reachPrecision = 0;

  const consider = (threshold: number, tp: number, fp: number): void => {
    if (rule === "cost") {
      const cost = costFp * fp + costFn * (nPositive - tp);
      if (!found || cost < bestValue) [found, bestValue, bestThreshold, bestTp, bestFp] = [true, cost, threshold, tp, fp];
      return;
    }
    const precision = precisionOf(tp, fp);
    const recall = tp / nPositive;
    if (rule === "min_precision") {
      if (precision > reachPrecision) [reachPrecision, reachThreshold, reachTp, reachFp] = [precision, threshold, tp, fp];
      if (precision >= target && (!found || recall > bestValue)) [found, bestValue, bestThreshold, bestTp, bestFp] = [true, recall, threshold, tp, fp];
      return;
    }
    if (recall >= target && (!found || precision > bestValue)) [found, bestValue, bestThreshold, bestTp, bestFp] = [true, precision, threshold, tp, fp];
  };

  consider(Infinity, 0, 0);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const row = order[k]!;
    tp += labels[row]!;
    fp += 1 - labels[row]!;
    // One candidate per distinct score, after every row holding it has been counted.
    if (k === n - 1 || scores[order[k + 1]!] !== scores[row]) consider(scores[row]!, tp, fp);
  }

  if (!found) {
    // Only minPrecision can be out of reach: the lowest threshold has recall 1, so every minRecall <= 1 holds.
    const where = reachTp > 0 ? ` (${reachTp} of ${reachTp + reachFp} predicted positives at threshold ${reachThreshold})` : "";
    throw new InvalidParameterError(
      "minPrecision",
      `at most ${reachPrecision}, the highest precision any threshold reaches on these rows${where}`,
      target,
      OWNER,
    );
  }
  return describe(rule, bestThreshold, bestTp, bestFp, nPositive, nNegative, rule === "cost" ? { costFp, costFn } : undefined);
}

/**
 * Decisions at a threshold: 1 where P(class 1) >= threshold, else 0 (NaN is never positive). `proba`
 * is P(class 1) per row, or a model's nRows x 2 probabilities. Writes into `out` when given (a
 * Float64Array gives labels in the form Model.predict returns them), else into a new Uint8Array.
 *
 * @example
 * const decisions = applyThreshold(model.predictProba(data), choice.threshold); // Uint8Array of 0/1
 */
export function applyThreshold<T extends Uint8Array | Float64Array = Uint8Array>(proba: ArrayLike<number> | Matrix, threshold: number, out?: T): T {
  if (typeof threshold !== "number" || Number.isNaN(threshold)) throw new InvalidParameterError("threshold", "a number", threshold, "applyThreshold");
  let values: ArrayLike<number>;
  let stride = 1;
  let offset = 0;
  let n: number;
  if (isMatrix(proba)) {
    if (proba.nCols !== 2) throw new InvalidParameterError("proba", "P(class 1) per row or an nRows x 2 matrix of a binary model", `${proba.nCols} columns`, "applyThreshold");
    [values, stride, offset, n] = [proba.data, 2, 1, proba.nRows];
  } else {
    [values, n] = [proba, proba.length];
  }
  const decisions = out ?? (new Uint8Array(n) as T);
  if (decisions.length !== n) throw new InvalidParameterError("out", `an array of ${n} elements (one per row)`, `${decisions.length} elements`, "applyThreshold");
  for (let i = 0, at = offset; i < n; i++, at += stride) decisions[i] = values[at]! >= threshold ? 1 : 0;
  return decisions;
}

function isMatrix(value: ArrayLike<number> | Matrix): value is Matrix {
  return typeof (value as Matrix).nCols === "number" && (value as Matrix).data instanceof Float64Array;
}

/** scikit-learn's precision_score: 0 when nothing is predicted positive (zero_division). */
function precisionOf(tp: number, fp: number): number {
  return tp + fp === 0 ? 0 : tp / (tp + fp);
}

function describe(
  rule: ThresholdRule,
  threshold: number,
  tp: number,
  fp: number,
  nPositive: number,
  nNegative: number,
  costs: { costFp: number; costFn: number } | undefined,
): ThresholdChoice {
  const fn = nPositive - tp;
  const tn = nNegative - fp;
  const recall = tp / nPositive;
  return {
    threshold,
    rule,
    precision: precisionOf(tp, fp),
    recall,
    ...(costs ? { expectedCost: (costs.costFp * fp + costs.costFn * fn) / (nPositive + nNegative) } : {}),
    fpRate: fp / nNegative,
    tpRate: recall,
    support: { positive: nPositive, negative: nNegative },
    confusion: { tp, fp, fn, tn },
  };
}

/**
 * The one rule `options` name, every value checked (for callers that validate options before reading
 * data). Throws an InvalidParameterError otherwise.
 *
 * @example
 * thresholdRule({ minRecall: 0.8 }); // "min_recall"
 */
export function thresholdRule(options: ThresholdOptions): ThresholdRule {
  const given = (["costFp", "costFn", "minPrecision", "minRecall"] as const).filter((key) => options[key] !== undefined);
  const costs = given.includes("costFp") || given.includes("costFn");
  const targets = given.filter((key) => key === "minPrecision" || key === "minRecall");
  if ((costs ? 1 : 0) + targets.length !== 1) {
    throw new InvalidParameterError("options", "exactly one rule: costFp and costFn, or minPrecision, or minRecall", given.length === 0 ? "none" : given.join(", "), OWNER);
  }
  if (costs) {
    for (const key of ["costFp", "costFn"] as const) {
      const value = options[key];
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new InvalidParameterError(key, "a finite cost >= 0", value, OWNER);
    }
    if (options.costFp === 0 && options.costFn === 0) throw new InvalidParameterError("costFn", "above 0 when costFp is 0 (otherwise every threshold costs nothing)", 0, OWNER);
    return "cost";
  }
  const key = targets[0]!;
  const value = options[key];
  if (typeof value !== "number" || !(value > 0 && value <= 1)) throw new InvalidParameterError(key, "a number in (0, 1]", value, OWNER);
  return key === "minPrecision" ? "min_precision" : "min_recall";
}

/** 0/1 labels and finite scores of the same length, with both classes present. */
function checkInputs(yTrue: ArrayLike<number>, proba: ArrayLike<number>): { labels: Uint8Array; scores: Float64Array; nPositive: number } {
  const n = yTrue.length;
  if (proba.length !== n) {
    throw new DataValidationError({ code: "length_mismatch", column: "proba", expected: `${n} values (one per element of yTrue)`, received: `${proba.length}` });
  }
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  let nPositive = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i]!;
    if (y !== 0 && y !== 1) throw new DataValidationError({ code: "invalid_value", column: "yTrue", row: i + 1, expected: "a class index, 0 or 1", received: String(y) });
    const p = proba[i]!;
    if (!Number.isFinite(p)) throw new DataValidationError({ code: "invalid_value", column: "proba", row: i + 1, expected: "a finite number", received: String(p) });
    labels[i] = y;
    scores[i] = p;
    nPositive += y;
  }
  if (nPositive === 0 || nPositive === n) {
    throw new DataValidationError({
      code: "single_class",
      column: "yTrue",
      expected: "rows of both classes to choose a threshold on",
      received: n === 0 ? "no rows" : `only class ${nPositive === 0 ? 0 : 1} (${n} rows)`,
    });
  }
  return { labels, scores, nPositive };
}
