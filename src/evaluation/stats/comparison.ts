/**
 * What every paired comparison of two models returns, and the one place its verdict is put into words.
 * Differences are always B minus A; "better" follows the metric's direction (greaterIsBetter).
 */
import { InvalidParameterError } from "../../core/errors.js";

/**
 * The paired tests learnloop runs.
 *
 * @example
 * compareModels("roc_auc", a, b).test; // "delong"
 */
export type ComparisonTest = "delong" | "mcnemar" | "paired_t" | "paired_bootstrap";

/**
 * The result of comparing model B with model A on the same rows.
 *
 * @example
 * const { difference, ci, pValue, verdict } = delongTest(yTrue, probaA, probaB);
 */
export interface Comparison {
  readonly test: ComparisonTest;
  /** The metric `a`, `b`, `difference` and `ci` are in (for an rmse comparison, "mse": the t-test is on squared errors). */
  readonly metric: string;
  /** Model A's value of the metric. */
  readonly a: number;
  /** Model B's value of the metric. */
  readonly b: number;
  /** b - a. */
  readonly difference: number;
  /** The confidence interval of the difference at `level`. */
  readonly ci: readonly [number, number];
  /** The two-sided p-value of "no difference". */
  readonly pValue: number;
  /** A plain sentence: which model is significantly better at alpha, or that neither is. */
  readonly verdict: string;
  /** The confidence level of `ci` (1 - alpha, 0.95 by default). */
  readonly level: number;
  /** The test statistic: z (DeLong), chi-square or the smaller discordant count (McNemar), t (paired t); absent for the bootstrap. */
  readonly statistic?: number;
  /** Test-specific details: degrees of freedom, discordant counts, resamples used and skipped. */
  readonly details?: Readonly<Record<string, number | string>>;
}

/**
 * Options shared by the comparisons.
 *
 * @example
 * mcnemarTest(yTrue, predA, predB, { alpha: 0.01, names: ["logistic", "gbdt"] });
 */
export interface ComparisonOptions {
  /** Significance level; the interval is at 1 - alpha. Default 0.05. */
  alpha?: number;
  /** How the verdict names the models. Default ["A", "B"]. */
  names?: readonly [string, string];
}

/**
 * alpha checked to lie in (0, 1).
 *
 * @example
 * checkAlpha(undefined, "delongTest"); // 0.05
 */
export function checkAlpha(alpha: number | undefined, owner: string): number {
  const value = alpha ?? 0.05;
  if (!(typeof value === "number" && value > 0 && value < 1)) {
    throw new InvalidParameterError("alpha", "a number between 0 and 1 (exclusive), such as 0.05", value, owner);
  }
  return value;
}

/**
 * A p-value as people read it: three decimals, trailing zeros dropped, "< 0.001" below that.
 *
 * @example
 * formatPValue(0.41); // "p = 0.41"
 * formatPValue(0.00002); // "p < 0.001"
 */
export function formatPValue(pValue: number): string {
  if (Number.isNaN(pValue)) return "p undefined";
  if (pValue < 0.001) return "p < 0.001";
  return `p = ${Number(pValue.toFixed(3))}`;
}

/**
 * The verdict sentence: "B is significantly better than A (p = 0.003)" when p < alpha, else
 * "no significant difference (p = 0.41)". Which model is better follows the sign of the difference
 * (b - a) and whether the metric is better when greater.
 *
 * @example
 * verdictSentence(0.003, 0.02, true, 0.05); // "B is significantly better than A (p = 0.003)"
 * verdictSentence(0.003, 0.02, false, 0.05); // "A is significantly better than B (p = 0.003)"
 */
export function verdictSentence(
  pValue: number,
  difference: number,
  greaterIsBetter: boolean,
  alpha: number,
  names: readonly [string, string] = ["A", "B"],
): string {
  const p = formatPValue(pValue);
  if (pValue < alpha && difference !== 0) {
    const bBetter = difference > 0 === greaterIsBetter;
    const [better, worse] = bBetter ? [names[1], names[0]] : [names[0], names[1]];
    return `${better} is significantly better than ${worse} (${p})`;
  }
  return `no significant difference (${p})`;
}
