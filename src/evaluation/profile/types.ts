/**
 * The shape of a dataset profile: what `learnloop profile --json` prints and what the HTML report and
 * the summary table are drawn from. Plain data (numbers, strings, null), so it round-trips through JSON.
 */
import type { Task } from "../../core/types.js";

/** How the profile sees a column. Booleans and text are both counted by value; datetimes by instant. */
export type ProfileColumnType = "numeric" | "categorical" | "boolean" | "datetime" | "nested";

/** One frequent value of a column. `value` is its text (numbers as DuckDB prints them). */
export interface ValueCount {
  readonly value: string;
  readonly count: number;
  /** count / rows, missing rows included in the denominator. */
  readonly share: number;
}

/** Summary statistics of a numeric column over its non-missing values (NaN counts as missing). */
export interface NumericSummary {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1 in the denominator, as pandas' `std`); null with one value. */
  readonly std: number | null;
  /** Every value is a whole number (counts, codes, ids). */
  readonly integer: boolean;
  /** Exact quantiles with linear interpolation (pandas' default, DuckDB's quantile_cont). */
  readonly quantiles: { readonly p05: number; readonly p25: number; readonly p50: number; readonly p75: number; readonly p95: number };
}

/** One bar of a histogram: values in [start, end) (the last bar includes its end). */
export interface HistogramBin {
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/**
 * How much a feature tells about the target, on rows where the target is present.
 * - `mutualInformation` (bits) for every feature and task: numerics binned at 20 quantiles (exact values
 *   when they have 20 or fewer), categories as their 50 most frequent values plus "(other)", missing as a
 *   value of its own. `normalizedMutualInformation` divides by the target's entropy (0 = independent,
 *   1 = the feature determines the target).
 * - `rocAuc`: binary target, numeric (or datetime) feature: single-feature ROC AUC of the raw values for
 *   the positive class (the second class in sorted order, as scikit-learn); 0.5 is no signal, and below
 *   0.5 the signal is reversed, so `max(auc, 1 - auc)` is what leakage checks use. Missing values left out.
 * - `correlation` and `r2`: regression target: Pearson's r and r^2 for numeric features; for categorical
 *   features r2 is the correlation ratio eta^2 (the R^2 of predicting the target by its mean per category,
 *   over the same capped categories as the mutual information).
 */
export interface Association {
  readonly mutualInformation: number;
  readonly normalizedMutualInformation: number;
  /**
   * The plug-in estimate's expected upward bias, (keys - 1)(classes - 1) / (2 n ln 2) bits (Miller-Madow):
   * with many keys and few rows a feature looks informative by chance, so leakage by mutual information
   * is only flagged where this is small.
   */
  readonly mutualInformationBias: number;
  readonly rocAuc?: number;
  readonly correlation?: number;
  readonly r2?: number;
}

/** The profile of one column. */
export interface ColumnProfile {
  readonly name: string;
  readonly type: ProfileColumnType;
  /** The DuckDB type it was read as (after derive), for the curious. */
  readonly sqlType: string;
  readonly missing: number;
  readonly missingShare: number;
  /** Exact count of distinct non-missing values. */
  readonly distinct: number;
  readonly numeric?: NumericSummary;
  /** Earliest and latest instant of a datetime column, ISO 8601 in UTC. */
  readonly datetime?: { readonly min: string; readonly max: string };
  /** The 10 most frequent non-missing values, most frequent first (ties by value). */
  readonly top: readonly ValueCount[];
  /** Equal-width histogram (numeric with more than 20 distinct values, and datetime as epoch seconds). */
  readonly histogram?: readonly HistogramBin[];
  readonly association?: Association;
  /** Codes of the flags raised on this column (the details are in `DataProfile.flags`). */
  readonly flags: readonly FlagCode[];
}

/** The target column's distribution. */
export interface TargetProfile {
  readonly name: string;
  readonly task: Task;
  /** Rows whose target is missing; associations are computed on the others. */
  readonly missing: number;
  /** Classification: every class with its count, in class order (scikit-learn's). */
  readonly classes?: readonly ValueCount[];
  /** Binary: the class whose probability a score ranks (the second class). */
  readonly positiveClass?: string;
  /** Entropy of the target in bits (of its 20 quantile bins for regression). */
  readonly entropy: number;
  readonly numeric?: NumericSummary;
}

/** What a flag is about. */
export type FlagCode =
  | "constant"
  | "near_constant"
  | "id_like"
  | "mostly_missing"
  | "duplicate_rows"
  | "leakage_suspect"
  | "class_imbalance";

/** One finding worth a look before training; turned into words by `formatFlag` (./flags.ts). */
export interface ProfileFlag {
  readonly code: FlagCode;
  readonly column?: string;
  /** The figures that raised the flag (shares, counts, the association that crossed its threshold). */
  readonly evidence: Readonly<Record<string, number | string>>;
}

/** The profile of a dataset. */
export interface DataProfile {
  readonly file: string;
  readonly rows: number;
  /** Rows that repeat an earlier row exactly, over the profiled columns (rows - distinct rows). */
  readonly duplicateRows: number;
  readonly target?: TargetProfile;
  /** Every profiled column, the target included, in file order (derived columns last). */
  readonly columns: readonly ColumnProfile[];
  /** Pearson correlations of the numeric columns, pairwise-complete (as pandas' `corr`); null when undefined. */
  readonly correlations: { readonly columns: readonly string[]; readonly matrix: readonly (readonly (number | null)[])[] };
  readonly flags: readonly ProfileFlag[];
  /** The thresholds the flags used, so a reader can judge them. */
  readonly thresholds: Readonly<Record<string, number>>;
  readonly seconds: number;
}
