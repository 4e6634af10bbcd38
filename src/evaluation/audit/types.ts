/**
 * The shape of an audit: what `auditTraining` takes and the findings it returns. Findings are data (a
 * code, the column, the figures that raised them); `formatFinding` (./format.ts) turns one into words.
 */
import type { Dataset } from "../../core/types.js";
import type { AuditThresholds } from "./thresholds.js";

/** What a finding is about. */
export type AuditCode =
  | "leakage_suspect"
  | "id_like_feature"
  | "constant_feature"
  | "train_test_duplicates"
  | "distribution_shift"
  | "random_split_over_time"
  | "test_not_later"
  | "shared_groups"
  | "class_imbalance"
  | "rare_class"
  | "dropped_rows";

/**
 * Rows a figure was measured on. `sampledFrom` is set when the check drew a seeded sample of
 * `rows` rows out of `sampledFrom` (checks sample to stay fast on millions of rows). Rows where the
 * feature is missing are left out of an AUC or a correlation, and are a value of their own for mutual
 * information.
 */
export interface MeasuredOn {
  readonly rows: number;
  readonly sampledFrom?: number;
}

/** A single feature predicts the target almost perfectly on the training rows. Exactly one measure is set. */
export interface LeakageFinding {
  readonly code: "leakage_suspect";
  readonly severity: "warning";
  readonly column: string;
  readonly evidence: MeasuredOn & {
    /** Binary target: max(auc, 1 - auc) of the raw values (numeric) or of the per-category target rate. */
    readonly rocAuc?: number;
    /** Regression target, numeric feature: Pearson's r. */
    readonly correlation?: number;
    /** Any task: mutual information of the binned feature and the target / the target's entropy. */
    readonly normalizedMutualInformation?: number;
    /**
     * 1 - label changes between neighbours / those expected in a random order (see measures.ts
     * stepAgreement): a classification target in the rows sorted by a numeric feature, or (sortedBy
     * "target") a feature's binned values or its missingness in the rows sorted by a regression target.
     */
    readonly stepAgreement?: number;
    /** With stepAgreement: which order was read. */
    readonly sortedBy?: "feature" | "target";
    /** With stepAgreement sorted by the target: whether the feature's values or only whether it is missing. */
    readonly of?: "values" | "missingness";
  };
}

/** A feature that identifies rows rather than describing them. */
export interface IdLikeFinding {
  readonly code: "id_like_feature";
  readonly severity: "warning";
  readonly column: string;
  /** `monotone`: 1 when an integer column rises (or falls) with the row order, 0 for a categorical. */
  readonly evidence: { readonly distinct: number; readonly rows: number; readonly share: number; readonly monotone: 0 | 1 };
}

/** A feature with one value (or none: every value missing) in all the training rows: the model cannot use it. */
export interface ConstantFinding {
  readonly code: "constant_feature";
  readonly severity: "warning";
  readonly column: string;
  /** `value`: the one value as text (a category, or the number), absent when every value is missing. */
  readonly evidence: { readonly rows: number; readonly value?: string };
}

/** Test rows whose exact copy (every feature and the target) is among the training rows. */
export interface DuplicatesFinding {
  readonly code: "train_test_duplicates";
  readonly severity: "warning";
  readonly evidence: { readonly count: number; readonly testRows: number; readonly share: number };
}

/** A classifier tells the training rows from the test rows (adversarial validation). */
export interface ShiftFinding {
  readonly code: "distribution_shift";
  readonly severity: "warning";
  readonly evidence: {
    /** ROC AUC of "is a test row" on held-out rows of the sample. */
    readonly rocAuc: number;
    readonly trainRows: number;
    readonly testRows: number;
    /** Set when the train (test) rows were sampled, to this many rows out of the given number. */
    readonly trainSampledFrom?: number;
    readonly testSampledFrom?: number;
    /** The features that separate them most: share of the classifier's total split gain. */
    readonly topFeatures: readonly { readonly feature: string; readonly share: number }[];
    /** The column the rows were split by, the test rows the latest (train --time): the shift is a drift over time. */
    readonly splitByTime?: string;
  };
}

/**
 * Dated rows split at random while the target follows time: the model is scored on days between (and
 * before) the days it learned from, which a model used on later rows never sees.
 */
export interface TimeOrderFinding {
  readonly code: "random_split_over_time";
  readonly severity: "warning";
  /** The date or timestamp column of the input whose parts are features. */
  readonly column: string;
  readonly evidence: MeasuredOn & {
    /** Share of the dated test rows earlier than the latest training row (0 for a split by time). */
    readonly earlierShare: number;
    readonly testRows: number;
    /** stepAgreement of the target (classes, or binned values) in time order over the rows measured. */
    readonly stepAgreement: number;
  };
}

/**
 * The rows were said to be split by time (AuditInput.times: a --valid file of a later period) but some
 * test rows are not later: the model is scored on times it learnt from, or on the past. Test rows at the
 * latest training time itself are a split at the cut, not a finding.
 */
export interface TestNotLaterFinding {
  readonly code: "test_not_later";
  readonly severity: "warning";
  /** The time column (AuditInput.splitByTime). */
  readonly column: string;
  readonly evidence: {
    /** Test rows at or before the latest training time, of `testRows`. */
    readonly count: number;
    readonly testRows: number;
    readonly share: number;
    /** 1 when every test row is earlier than every training row: the test rows come before, not after. */
    readonly before: 0 | 1;
    /** The earliest and latest time of each side, as the data gives them. */
    readonly train: readonly [string, string];
    readonly test: readonly [string, string];
  };
}

/** Test rows whose group (a user, a patient: AuditInput.groups) also has rows among the training rows. */
export interface SharedGroupsFinding {
  readonly code: "shared_groups";
  readonly severity: "warning";
  /** The column that holds the group ids. */
  readonly column: string;
  readonly evidence: {
    /** Test rows whose group is also in the training rows, of `testRows`. */
    readonly count: number;
    readonly testRows: number;
    readonly share: number;
    /** Groups of the test rows that are also training groups, of `testGroups`. */
    readonly sharedGroups: number;
    readonly testGroups: number;
  };
}

/** The rarest class is a small share of the rows. */
export interface ImbalanceFinding {
  readonly code: "class_imbalance";
  readonly severity: "warning";
  readonly column: string;
  readonly evidence: {
    readonly minority: string;
    readonly minorityCount: number;
    readonly share: number;
    readonly majority: string;
    readonly majorityCount: number;
    readonly rows: number;
  };
}

/** A class with too few rows to appear in every fold (or in both the training and the test rows). */
export interface RareClassFinding {
  readonly code: "rare_class";
  readonly severity: "warning";
  readonly column: string;
  /** `needed`: the number of folds, or 2 (one training and one test row) when no folds are given. */
  readonly evidence: { readonly class: string; readonly count: number; readonly needed: number; readonly nFolds?: number };
}

/** Rows left out because their target was missing. */
export interface DroppedRowsFinding {
  readonly code: "dropped_rows";
  readonly severity: "warning";
  readonly column?: string;
  readonly evidence: { readonly count: number; readonly share: number };
}

/** One thing the audit found; turned into words by `formatFinding`. */
export type AuditFinding =
  | LeakageFinding
  | IdLikeFinding
  | ConstantFinding
  | DuplicatesFinding
  | ShiftFinding
  | TimeOrderFinding
  | TestNotLaterFinding
  | SharedGroupsFinding
  | ImbalanceFinding
  | RareClassFinding
  | DroppedRowsFinding;

/** How to audit. */
export interface AuditOptions {
  /** Thresholds to use instead of AUDIT_THRESHOLDS' (tests, or a stricter team). */
  readonly thresholds?: Partial<AuditThresholds>;
  /** Checks left out, by the code of the findings they raise (e.g. `["distribution_shift"]`). */
  readonly skip?: readonly AuditCode[];
}

/** The input of `auditTraining`. */
export interface AuditInput {
  /** The rows the model is trained on (with a target). */
  readonly train: Dataset;
  /** The rows it is evaluated on, with the same features (same order and dictionaries) as `train`. */
  readonly test: Dataset;
  /** The whole dataset before the split, when there is one: class counts and dropped rows come from it. */
  readonly data?: Dataset;
  /** Rows dropped for a missing target (default: `data.droppedRows`, else `train.droppedRows`). */
  readonly droppedRows?: number;
  /**
   * The group id of each row (a user, a patient, a store), when the rows come in groups and the model
   * will be used on new groups: the audit counts test rows whose group is also among the training rows.
   * `train` and `test` hold one id per row of `train` and `test` (numbers; missing ids, NaN, are no group).
   */
  readonly groups?: { readonly column: string; readonly train: ArrayLike<number>; readonly test: ArrayLike<number> };
  /**
   * The date or timestamp column the rows were split by, the test rows the latest (train --time): its
   * parts (year, month, day...) differ between the sides by construction, so the shift check leaves them
   * out and compares the other features.
   */
  readonly splitByTime?: string;
  /**
   * With splitByTime, when the two sides were not cut from one file by time (train --valid --time: a
   * validation file said to be later): the time of each row of `train` and `test`, as numbers that order
   * them, and `label`, the time as the data writes it (default: the number). The audit checks every test
   * row is at or after the latest training time (test_not_later).
   */
  readonly times?: { readonly train: ArrayLike<number>; readonly test: ArrayLike<number>; readonly label?: (time: number) => string };
  /** Folds of a cross-validation that will follow, for the rare-class check. */
  readonly nFolds?: number;
  /** Seed of every sample and of the adversarial classifier. */
  readonly seed: number;
  readonly options?: AuditOptions;
}

/**
 * Rows a model is evaluated on, against the model's last training time (evaluate, for a model trained with
 * --time): `checkTrainingPeriod` measures it, `formatTrainingPeriod` words it when `earlier > 0`.
 */
export interface TrainingPeriodCheck {
  /** The data's time column. */
  readonly column: string;
  /** The model's latest training time, as its file records it. */
  readonly lastTrain: string;
  /** The earliest and latest time of the rows, as the data writes them. */
  readonly first: string;
  readonly last: string;
  /** Rows with a time, and rows without one (not counted). */
  readonly rows: number;
  readonly undated: number;
  /** Rows at or before the last training time, of `rows`. */
  readonly notLater: number;
  /** Rows strictly before it: a warning when any (rows at the time itself alone are a split at the cut). */
  readonly earlier: number;
}
