/**
 * The profile's flags: the rules that raise them (thresholds in one table) and the one place where a
 * flag becomes words.
 */
import type { ColumnProfile, ProfileFlag, TargetProfile } from "./types.js";

/**
 * Thresholds of the flags. Shares are of all rows unless said otherwise.
 * - nearConstantShare: the most frequent value holds at least this share of the non-missing values.
 * - idLikeShare: distinct values / non-missing values, for text and integer columns (a float column has
 *   distinct values everywhere and is no identifier), with at least idLikeMinRows values (in a
 *   small file every measurement is distinct).
 * - mostlyMissingShare: more than this share of rows missing.
 * - leakageAuc: max(auc, 1 - auc) of a single feature on a binary target; leakageCorrelation: |r| on a
 *   regression target; leakageInformation: mutual information / the target's entropy, any task, when
 *   the estimate's expected bias is at most leakageMaxBias of the entropy (and not for id-like columns);
 *   all only with at least leakageMinRows rows with a target (on 8 rows, an AUC of 1 is luck).
 * - imbalanceRatio: the rarest class has fewer rows than this fraction of the most frequent one.
 */
export const FLAG_THRESHOLDS = {
  nearConstantShare: 0.99,
  idLikeShare: 0.95,
  idLikeMinRows: 50,
  mostlyMissingShare: 0.5,
  leakageAuc: 0.99,
  leakageCorrelation: 0.99,
  leakageInformation: 0.95,
  leakageMaxBias: 0.05,
  leakageMinRows: 30,
  imbalanceRatio: 0.2,
} as const;

type ColumnDraft = Omit<ColumnProfile, "flags">;

/** The flags of one column (not the target's imbalance, see `targetFlags`). */
export function columnFlags(column: ColumnDraft, rows: number, target: TargetProfile | undefined): ProfileFlag[] {
  const isTarget = column.name === target?.name;
  const t = FLAG_THRESHOLDS;
  const flags: ProfileFlag[] = [];
  const name = column.name;
  const present = rows - column.missing;
  if (column.type === "nested") return flags;
  if (present > 0 && column.distinct <= 1) {
    flags.push({ code: "constant", column: name, evidence: { distinct: column.distinct, value: column.top[0]?.value ?? "" } });
  } else if (present > 0 && column.top[0] && column.top[0].count / present >= t.nearConstantShare) {
    flags.push({ code: "near_constant", column: name, evidence: { value: column.top[0].value, share: round(column.top[0].count / present) } });
  }
  const integerLike = column.type === "categorical" || (column.type === "numeric" && column.numeric?.integer === true);
  if (!isTarget && integerLike && present >= t.idLikeMinRows && column.distinct / present >= t.idLikeShare) {
    flags.push({ code: "id_like", column: name, evidence: { distinct: column.distinct, rows: present, share: round(column.distinct / present) } });
  }
  if (column.missingShare > t.mostlyMissingShare) {
    flags.push({ code: "mostly_missing", column: name, evidence: { missing: column.missing, share: round(column.missingShare) } });
  }
  const a = column.association;
  if (!isTarget && a && target && rows - target.missing >= t.leakageMinRows) {
    const idLike = flags.some((flag) => flag.code === "id_like");
    if (a.rocAuc !== undefined && Math.max(a.rocAuc, 1 - a.rocAuc) >= t.leakageAuc) {
      flags.push({ code: "leakage_suspect", column: name, evidence: { rocAuc: round(a.rocAuc) } });
    } else if (a.correlation !== undefined && Math.abs(a.correlation) >= t.leakageCorrelation) {
      flags.push({ code: "leakage_suspect", column: name, evidence: { correlation: round(a.correlation) } });
    } else if (!idLike && a.normalizedMutualInformation >= t.leakageInformation && a.mutualInformationBias <= t.leakageMaxBias * target.entropy) {
      flags.push({ code: "leakage_suspect", column: name, evidence: { normalizedMutualInformation: round(a.normalizedMutualInformation) } });
    }
  }
  return flags;
}

/** The flags of the whole table and of the target. */
export function tableFlags(rows: number, duplicateRows: number, target: TargetProfile | undefined): ProfileFlag[] {
  const flags: ProfileFlag[] = [];
  if (duplicateRows > 0) flags.push({ code: "duplicate_rows", evidence: { count: duplicateRows, share: round(duplicateRows / rows) } });
  const classes = target?.classes;
  if (classes && classes.length >= 2) {
    const sorted = [...classes].sort((a, b) => b.count - a.count);
    const major = sorted[0]!;
    const minor = sorted[sorted.length - 1]!;
    if (minor.count < FLAG_THRESHOLDS.imbalanceRatio * major.count) {
      flags.push({
        code: "class_imbalance",
        column: target!.name,
        evidence: { minority: minor.value, minorityCount: minor.count, majority: major.value, majorityCount: major.count, ratio: round(minor.count / major.count) },
      });
    }
  }
  return flags;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function percent(share: number | string): string {
  const value = Number(share) * 100;
  if (value === 0 || value >= 10) return `${value.toFixed(0)}%`;
  return `${value >= 1 ? value.toFixed(1) : Number(value.toPrecision(2))}%`;
}

/** One line for one flag: what was found and the figure that shows it. */
export function formatFlag(flag: ProfileFlag): string {
  const e = flag.evidence;
  const col = flag.column !== undefined ? `column "${flag.column}"` : "";
  switch (flag.code) {
    case "constant":
      return `${col} is constant (${e.distinct === 0 ? "no values" : `every value is ${JSON.stringify(e.value)}`}); drop it`;
    case "near_constant":
      return `${col} is nearly constant (${JSON.stringify(e.value)} in ${percent(e.share!)} of its values)`;
    case "id_like":
      return `${col} looks like an identifier (${e.distinct} distinct values in ${e.rows} rows); ignore it or pass it as --id`;
    case "mostly_missing":
      return `${col} is mostly missing (${percent(e.share!)} of rows)`;
    case "duplicate_rows":
      return `${e.count} duplicated row${e.count === 1 ? "" : "s"} (${percent(e.share!)} of rows); they can leak between train and test splits`;
    case "leakage_suspect": {
      const figure =
        e.rocAuc !== undefined ? `single-feature ROC AUC ${e.rocAuc}` : e.correlation !== undefined ? `correlation with the target ${e.correlation}` : `mutual information ${percent(e.normalizedMutualInformation!)} of the target's entropy`;
      return `${col} predicts the target almost perfectly on its own (${figure}); check it is known at prediction time`;
    }
    case "class_imbalance":
      return `${col}: classes are imbalanced (${JSON.stringify(e.minority)}: ${e.minorityCount} rows against ${JSON.stringify(e.majority)}: ${e.majorityCount}, ratio ${Number(e.ratio).toFixed(3)})`;
  }
}

