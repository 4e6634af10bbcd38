/**
 * Audit checks at train time: leakage suspects, identifier-like features, rows shared by train and test,
 * train/test distribution shift, a random split over time, test rows not later under a split by time,
 * class imbalance, rare classes and dropped rows, as findings (data) with one place that words them.
 *
 * @example
 * import { auditTraining, formatFinding } from "./evaluation/audit/index.js";
 * for (const finding of auditTraining({ train, test, data, seed: 42 })) console.error(`warning: ${formatFinding(finding)}`);
 */
export { auditTraining } from "./audit.js";
export { formatFinding } from "./format.js";
export { AUDIT_THRESHOLDS, type AuditThresholds } from "./thresholds.js";
export type * from "./types.js";
