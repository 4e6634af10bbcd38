/**
 * The statistics behind evaluation you can trust: bootstrap confidence intervals for any metric,
 * baselines, and paired comparisons of two models (DeLong, McNemar, paired t, paired bootstrap), with
 * the distribution functions they need. Pure functions over arrays; depends on src/core and
 * src/metrics only.
 */
export { baselinePredictions, lift, type BaselinePredictions, type Lift } from "./baseline.js";
export {
  bootstrapInterval,
  bootstrapIntervals,
  pairedBootstrapTest,
  type BootstrapInterval,
  type BootstrapOptions,
  type PairedBootstrapOptions,
} from "./bootstrap.js";
export { compareModels } from "./compare-models.js";
export {
  formatPValue,
  verdictSentence,
  type Comparison,
  type ComparisonOptions,
  type ComparisonTest,
} from "./comparison.js";
export { delongCovariance, delongTest, type DelongCovariance } from "./delong.js";
export {
  binomialCdf,
  chiSquareCdf,
  chiSquareSf,
  logBeta,
  logGamma,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSf,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  studentTCdf,
  studentTPdf,
  studentTQuantile,
  studentTSf,
  studentTTwoSidedP,
} from "./distributions.js";
export { MCNEMAR_EXACT_BELOW, mcnemarPValue, mcnemarTest, type McnemarOptions, type McnemarPValue } from "./mcnemar.js";
export { pairedTTest, type PairedTMetric } from "./paired-t.js";
export { prepareResampler, type Resampler } from "./resamplers.js";
