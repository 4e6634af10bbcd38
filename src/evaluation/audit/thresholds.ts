/**
 * The audit's thresholds, in one table. Where `learnloop profile` flags the same thing, the audit uses
 * the profile's threshold (FLAG_THRESHOLDS), so what the profile calls leakage or an identifier the audit
 * does too; the audit also reads steps (leakageStep*), which the profile's SQL does not measure.
 */
import { FLAG_THRESHOLDS } from "../profile/flags.js";

/**
 * Thresholds and sample sizes of `auditTraining`.
 * - leakageAuc, leakageCorrelation, leakageInformation, leakageMaxBias, leakageMinRows: as the profile
 *   (see FLAG_THRESHOLDS): max(auc, 1 - auc) on a binary target, |r| on a regression target, and
 *   otherwise mutual information / the target's entropy when its expected bias is small.
 * - leakageStepAgreement, leakageStepMinChanges: a feature is also a suspect when a classification
 *   target is a step function of it, or it (or whether it is missing) a step function of a regression
 *   target: 1 - changes / expected changes of the label between neighbours in sorted order at least
 *   leakageStepAgreement, where a random order would change it at least leakageStepMinChanges times.
 *   On 22 public sets (483 honest features) the highest agreement was 0.77 (a cytology score that alone
 *   has ROC AUC 0.98 on BreastCancer); a noisy copy of a class, a band of a regression target and a
 *   field filled in only above the target's median score 0.97-1.
 * - leakageSampleRows: training rows (seeded sample) the single-feature measures are computed on: an AUC
 *   on 200k rows has a standard error under 0.001, far finer than the 0.99 threshold needs.
 * - idLikeShare, idLikeMinRows: as the profile: distinct values / non-missing values, for categorical
 *   and integer columns; an integer column must also rise (or fall) strictly with the row order.
 * - duplicateMinCount: fewest test rows copied exactly from the training rows to raise a finding.
 * - shiftAuc, shiftMinZ: adversarial validation flags a shift when the AUC is above shiftAuc and at least
 *   shiftMinZ null standard errors above 0.5. On a random split the AUC is 0.5 up to noise: its standard
 *   error is 0.0026 on 2 x 25k scored rows, where 0.6 (a difference a model can exploit) decides; on
 *   120 + 30 scored rows it is 0.059, and 20 clean random splits of 300 rows reached 0.600, so there the
 *   3 standard errors (AUC >= 0.68) decide.
 * - shiftSampleRows: rows sampled from each of train and test; shiftRounds: boosting rounds of the
 *   classifier (early stopping off); shiftMinRows: fewest rows on each side to run the check at all;
 *   shiftTopFeatures: most features named in the evidence, those with at least shiftMinFeatureShare of
 *   the classifier's split gain. Identifier-like features are left out of the classifier (they have a
 *   finding of their own, and would tell any time-ordered split apart on their own).
 * - timeEarlierShare, timeAgreement, timeMinZ: a random split of dated rows is flagged when at least
 *   timeEarlierShare of the dated test rows are earlier than the latest training row (a split by time
 *   has none) and the target follows time: its stepAgreement in time order at least timeAgreement and
 *   timeMinZ standard errors (about sqrt(expected changes)) from a random order. Seattle's daily weather
 *   scores 0.40 (z 12), Chicago's daily ridership 0.24 (z 17); weather.csv, two cities interleaved, 0.09 (z 3.9).
 * - imbalanceShare: the rarest class holds less than this share of the rows (and, so that many equal
 *   classes are not "imbalanced", fewer than imbalanceRatio of the most frequent class, the profile's).
 */
export const AUDIT_THRESHOLDS = {
  leakageAuc: FLAG_THRESHOLDS.leakageAuc,
  leakageCorrelation: FLAG_THRESHOLDS.leakageCorrelation,
  leakageInformation: FLAG_THRESHOLDS.leakageInformation,
  leakageMaxBias: FLAG_THRESHOLDS.leakageMaxBias,
  leakageMinRows: FLAG_THRESHOLDS.leakageMinRows,
  leakageStepAgreement: 0.95,
  leakageStepMinChanges: 20,
  leakageSampleRows: 200_000,
  idLikeShare: FLAG_THRESHOLDS.idLikeShare,
  idLikeMinRows: FLAG_THRESHOLDS.idLikeMinRows,
  duplicateMinCount: 1,
  shiftAuc: 0.6,
  shiftMinZ: 3,
  shiftSampleRows: 50_000,
  shiftRounds: 30,
  shiftMinRows: 50,
  shiftTopFeatures: 3,
  shiftMinFeatureShare: 0.01,
  timeEarlierShare: 0.5,
  timeAgreement: 0.05,
  timeMinZ: 4,
  imbalanceShare: 0.05,
  imbalanceRatio: FLAG_THRESHOLDS.imbalanceRatio,
} as const;

/** The thresholds `auditTraining` uses (see AUDIT_THRESHOLDS). */
export type AuditThresholds = { readonly [K in keyof typeof AUDIT_THRESHOLDS]: number };
