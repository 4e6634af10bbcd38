/**
 * Picks the paired test for a metric: DeLong for roc_auc, McNemar for accuracy, the paired t-test for
 * mse, rmse and mae, and the paired bootstrap for every other metric.
 */
import type { MetricInput } from "../../metrics/index.js";
import { pairedBootstrapTest, checkSameRows, type PairedBootstrapOptions } from "./bootstrap.js";
import type { Comparison } from "./comparison.js";
import { delongTest } from "./delong.js";
import { mcnemarTest } from "./mcnemar.js";
import { pairedTTest } from "./paired-t.js";
import { metricByName, positiveScores, predictedLabels, taskFor } from "./resamplers.js";

/**
 * Compares model B with model A on `metricName`, both scored on the same rows, with the test that suits
 * the metric (see the file comment); the options of the bootstrap apply when it is the one chosen.
 *
 * @example
 * compareModels("roc_auc", { yTrue, proba: probaA }, { yTrue, proba: probaB }).test; // "delong"
 * compareModels("f1", { yTrue, yPred: predA }, { yTrue, yPred: predB }, { seed: 3 }).test; // "paired_bootstrap"
 */
export function compareModels(metricName: string, inputA: MetricInput, inputB: MetricInput, options?: PairedBootstrapOptions): Comparison {
  const metric = metricByName(metricName, "compareModels");
  checkSameRows(inputA.yTrue, inputB.yTrue);
  const weighted = inputA.sampleWeight !== undefined || inputB.sampleWeight !== undefined;
  const task = taskFor(metric, inputA);
  const n = inputA.yTrue.length;
  const base = { alpha: options?.alpha, names: options?.names };
  if (!weighted && metric === "roc_auc" && inputA.proba !== undefined && inputB.proba !== undefined) {
    return delongTest(inputA.yTrue, positiveScores(inputA.proba, n), positiveScores(inputB.proba, n), base);
  }
  if (!weighted && metric === "accuracy") {
    const k = task === "regression" ? 1 : (inputA.nClasses ?? 2);
    return mcnemarTest(inputA.yTrue, predictedLabels(inputA, k), predictedLabels(inputB, k), { ...base, nClasses: k });
  }
  if (!weighted && (metric === "mse" || metric === "rmse" || metric === "mae") && inputA.yPred !== undefined && inputB.yPred !== undefined) {
    return pairedTTest(inputA.yTrue, inputA.yPred, inputB.yPred, metric, base);
  }
  return pairedBootstrapTest(inputA, inputB, metric, options);
}
