/**
 * McNemar's test of two classifiers' accuracy on the same rows. Only the discordant rows carry
 * information: those model A gets right and B wrong (aOnly) and the reverse (bOnly). Under "equal
 * accuracy" each discordant row is a fair coin.
 *
 * The definitions are statsmodels' `mcnemar(table, exact, correction=True)`: with fewer than 25
 * discordant rows the exact binomial test, p = min(1, 2 P(X <= min(aOnly, bOnly))), X ~ Bin(aOnly +
 * bOnly, 1/2) (equal to scipy's two-sided `binomtest` at p = 1/2), statistic min(aOnly, bOnly); from 25
 * on, the chi-square statistic with continuity correction (|aOnly - bOnly| - 1)^2 / (aOnly + bOnly) on 1
 * degree of freedom. (Like statsmodels, the correction is applied as written even when aOnly = bOnly,
 * giving 1 / (aOnly + bOnly) and a p-value just under 1.)
 */
import { InvalidParameterError } from "../../core/errors.js";
import { computeMetrics } from "../../metrics/index.js";
import { checkAlpha, verdictSentence, type Comparison, type ComparisonOptions } from "./comparison.js";
import { binomialCdf, chiSquareSf, normalQuantile } from "./distributions.js";

/**
 * Below this many discordant rows McNemar's test is exact (binomial), as the usual rule of thumb says.
 *
 * @example
 * mcnemarPValue(12, 12).method; // "exact" (24 discordant rows)
 */
export const MCNEMAR_EXACT_BELOW = 25;

/**
 * McNemar's p-value from the discordant counts: which method, the statistic and the p-value.
 *
 * @example
 * const { method, statistic, pValue } = mcnemarPValue(40, 22); // "chi2", 4.66, 0.031
 */
export interface McnemarPValue {
  readonly method: "exact" | "chi2";
  readonly statistic: number;
  readonly pValue: number;
}

/**
 * Which McNemar test `mcnemarPValue` runs: statsmodels' `mcnemar(table, exact, correction)` with
 * `method: "exact"` for exact=True and `"chi2"` for exact=False; the default, "auto", is exact below
 * MCNEMAR_EXACT_BELOW discordant rows and chi2 from there. `correction` (default true) is the chi2
 * version's continuity correction.
 *
 * @example
 * mcnemarPValue(40, 22, { method: "chi2", correction: false }).pValue; // 0.0223 (statistic 18² / 62)
 */
export interface McnemarOptions {
  readonly method?: "auto" | "exact" | "chi2";
  readonly correction?: boolean;
}

/**
 * McNemar's test from the discordant counts alone (see the file comment for the definitions). With no
 * discordant rows at all there is no evidence either way: p = 1 (statsmodels' chi2 divides by 0 there).
 *
 * @example
 * mcnemarPValue(10, 2); // { method: "exact", statistic: 2, pValue: 0.03857421875 } (2 * 79 / 4096)
 */
export function mcnemarPValue(aOnly: number, bOnly: number, options: McnemarOptions = {}): McnemarPValue {
  for (const [name, value] of [["aOnly", aOnly], ["bOnly", bOnly]] as const) {
    if (!(Number.isInteger(value) && value >= 0)) throw new InvalidParameterError(name, "a count (an integer >= 0)", value, "mcnemarPValue");
  }
  const method = options.method ?? "auto";
  if (method !== "auto" && method !== "exact" && method !== "chi2") throw new InvalidParameterError("method", `"auto", "exact" or "chi2"`, method, "mcnemarPValue");
  const correction = options.correction ?? true;
  if (typeof correction !== "boolean") throw new InvalidParameterError("correction", "true or false", correction, "mcnemarPValue");
  const discordant = aOnly + bOnly;
  if (method === "exact" || (method === "auto" && discordant < MCNEMAR_EXACT_BELOW)) {
    const statistic = Math.min(aOnly, bOnly);
    return { method: "exact", statistic, pValue: Math.min(1, 2 * binomialCdf(statistic, discordant, 0.5)) };
  }
  if (discordant === 0) return { method: "chi2", statistic: 0, pValue: 1 };
  const statistic = (Math.abs(aOnly - bOnly) - (correction ? 1 : 0)) ** 2 / discordant;
  return { method: "chi2", statistic, pValue: chiSquareSf(statistic, 1) };
}

/**
 * McNemar's test of accuracy for two classifiers' predicted labels on the same rows. `a` and `b` are
 * the accuracies, the difference b - a = (bOnly - aOnly) / n, and its interval the Wald interval of a
 * difference of paired proportions, (bOnly - aOnly) / n ± z sqrt(aOnly + bOnly - (bOnly - aOnly)^2 / n) / n.
 *
 * @example
 * mcnemarTest(yTrue, predA, predB).verdict; // "no significant difference (p = 0.41)"
 */
export function mcnemarTest(
  yTrue: ArrayLike<number>,
  predA: ArrayLike<number>,
  predB: ArrayLike<number>,
  options?: ComparisonOptions & { nClasses?: number },
): Comparison {
  const alpha = checkAlpha(options?.alpha, "mcnemarTest");
  const nClasses = options?.nClasses ?? 2;
  const task = nClasses > 2 ? "multiclass" : "binary";
  // The registry validates the labels and lengths (and gives the accuracies sklearn would).
  const a = computeMetrics(task, ["accuracy"], { yTrue, yPred: predA, nClasses })["accuracy"]!;
  const b = computeMetrics(task, ["accuracy"], { yTrue, yPred: predB, nClasses })["accuracy"]!;
  const n = yTrue.length;
  let aOnly = 0;
  let bOnly = 0;
  for (let i = 0; i < n; i++) {
    const aRight = predA[i] === yTrue[i];
    const bRight = predB[i] === yTrue[i];
    if (aRight && !bRight) aOnly++;
    else if (bRight && !aRight) bOnly++;
  }
  const { method, statistic, pValue } = mcnemarPValue(aOnly, bOnly);
  const difference = (bOnly - aOnly) / n;
  const se = Math.sqrt(Math.max(0, aOnly + bOnly - (bOnly - aOnly) ** 2 / n)) / n;
  const half = normalQuantile(1 - alpha / 2) * se;
  return {
    test: "mcnemar",
    metric: "accuracy",
    a,
    b,
    difference,
    ci: [difference - half, difference + half],
    pValue,
    verdict: verdictSentence(pValue, difference, true, alpha, options?.names),
    level: 1 - alpha,
    statistic,
    details: { method, aOnly, bOnly, nRows: n },
  };
}
