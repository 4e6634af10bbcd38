/**
 * Audit checks at train time: leakage suspects, identifier-like features, rows shared by train and test,
 * train/test distribution shift, a random split over time, test rows not later under a split by time,
 * class imbalance, rare classes and dropped rows, as findings (data) with one place that words them.
 * At evaluate time, for a model trained by time: the rows against its last training time (checkTrainingPeriod),
 * with times read by one parser (instantOf).
 *
 * @example
 * import { auditTraining, formatFinding } from "./evaluation/audit/index.js";
 * for (const finding of auditTraining({ train, test, data, seed: 42 })) console.error(`warning: ${formatFinding(finding)}`);
 */
export { auditTraining } from "./audit.js";
export { formatFinding, formatTrainingPeriod } from "./format.js";
export { checkTrainingPeriod, instantOf, timeLabel } from "./times.js";
export { AUDIT_THRESHOLDS, type AuditThresholds } from "./thresholds.js";
export type * from "./types.js";
