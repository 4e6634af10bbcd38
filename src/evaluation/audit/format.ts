/**
 * The one place where an audit finding becomes words: one line naming the column and the figures.
 */
import type { AuditFinding, TrainingPeriodCheck } from "./types.js";

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function rows(n: number, word = "row"): string {
  return `${count(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** A share as a percentage, as the profile writes them: 12%, 4.5%, 0.37%. */
function percent(share: number): string {
  const value = share * 100;
  if (value === 0 || value >= 10) return `${value.toFixed(0)}%`;
  return `${value >= 1 ? value.toFixed(1) : Number(value.toPrecision(2))}%`;
}

function onRows(e: { rows: number; sampledFrom?: number }, what: string): string {
  return e.sampledFrom !== undefined ? `on ${count(e.rows)} sampled ${what} rows of ${count(e.sampledFrom)}` : `on the ${what} rows`;
}

/**
 * One line for one finding: what was found, the figure that shows it, and what to check.
 * @example
 * formatFinding({ code: "leakage_suspect", severity: "warning", column: "delay", evidence: { rocAuc: 1, rows: 800 } });
 * // 'column "delay" predicts the target almost perfectly on its own (single-feature ROC AUC 1.000 on the training rows): check it is known at prediction time'
 */
export function formatFinding(finding: AuditFinding): string {
  switch (finding.code) {
    case "leakage_suspect": {
      const e = finding.evidence;
      if (e.stepAgreement !== undefined) {
        const fewer = `${percent(e.stepAgreement)} fewer changes than in a random order ${onRows(e, "training")}`;
        if (e.sortedBy === "feature") {
          return `column "${finding.column}" predicts the target almost perfectly on its own (sorted by it, the rows fall into runs of one class: ${fewer}): check it is known at prediction time`;
        }
        const what = e.of === "missingness" ? `whether column "${finding.column}" is missing` : `column "${finding.column}"`;
        const runs = e.of === "missingness" ? "runs of missing and present" : "runs of one value of it";
        return `${what} looks computed from the target (sorted by the target, the rows fall into ${runs}: ${fewer}): check it is known at prediction time`;
      }
      const figure =
        e.rocAuc !== undefined
          ? `single-feature ROC AUC ${e.rocAuc.toFixed(3)}`
          : e.correlation !== undefined
            ? `correlation with the target ${e.correlation.toFixed(3)}`
            : `mutual information ${percent(e.normalizedMutualInformation ?? NaN)} of the target's entropy`;
      return `column "${finding.column}" predicts the target almost perfectly on its own (${figure} ${onRows(e, "training")}): check it is known at prediction time`;
    }
    case "id_like_feature": {
      const e = finding.evidence;
      const how = e.monotone ? `, unique and in row order` : "";
      return `column "${finding.column}" looks like an identifier (${count(e.distinct)} distinct values in ${rows(e.rows)} of the training data${how}): drop it from the features or pass it as --id`;
    }
    case "constant_feature": {
      const e = finding.evidence;
      const what = e.value === undefined ? `is missing in all ${rows(e.rows)} of the training data` : `has one value, ${JSON.stringify(e.value)}, in all ${rows(e.rows)} of the training data`;
      return `column "${finding.column}" ${what}: the model cannot learn from it; drop it or check how it was read`;
    }
    case "train_test_duplicates": {
      const e = finding.evidence;
      return `${rows(e.count, "test row")} (${percent(e.share)} of ${count(e.testRows)}) ${e.count === 1 ? "is an exact copy of a training row" : "are exact copies of training rows"}: the test score may overstate how the model does on rows it has not seen`;
    }
    case "distribution_shift": {
      const e = finding.evidence;
      const sampled = e.trainSampledFrom !== undefined || e.testSampledFrom !== undefined ? ", sampled" : "";
      const top = e.topFeatures.map((f) => `"${f.feature}" ${percent(f.share)}`).join(", ");
      return (
        `training and test rows differ: a classifier tells them apart with ROC AUC ${e.rocAuc.toFixed(3)} (${count(e.trainRows)} training and ${count(e.testRows)} test rows${sampled})` +
        `${top ? `, mostly by ${top} of its gain` : ""}: ` +
        // A split by time was asked for: the shift is the data drifting, not a split to check.
        (e.splitByTime !== undefined
          ? `the test rows, the latest by "${e.splitByTime}", have drifted from the earlier ones the model learns from: expect its score to change as the data moves on, and retrain on recent rows`
          : "the test score may not hold for the rows the model learns from; check how the split was made")
      );
    }
    case "random_split_over_time": {
      const e = finding.evidence;
      return (
        `rows are dated (column "${finding.column}") but the test rows are not the latest: ${percent(e.earlierShare)} of the ${count(e.testRows)} test rows are earlier than the latest training row, ` +
        `and the target follows time (in date order ${percent(e.stepAgreement)} fewer changes than in a random order, ${e.sampledFrom !== undefined ? `on ${count(e.rows)} sampled rows of ${count(e.sampledFrom)}` : `over ${rows(e.rows, "dated row")}`}): ` +
        `the test score may overstate how the model does on later rows; split by time (--time "${finding.column}", alone or with --cv, or later rows as --valid)`
      );
    }
    case "test_not_later": {
      const e = finding.evidence;
      const ranges = `training ${e.train[0]} .. ${e.train[1]}, test ${e.test[0]} .. ${e.test[1]}`;
      if (e.before) {
        return (
          `the rows are split by time (column "${finding.column}") but every test row is earlier than every training row (${ranges}): ` +
          `the model is scored on the past, not on the later rows it will be used on; train on the earlier rows and test on the later ones`
        );
      }
      return (
        `the rows are split by time (column "${finding.column}") but the test rows are not all later: ${count(e.count)} of the ${rows(e.testRows, "test row")} (${percent(e.share)}) ${e.count === 1 ? "is" : "are"} at or before the latest training time, ${e.train[1]} (${ranges}): ` +
        `the test score may overstate how the model does on later rows; test on rows later than every training row`
      );
    }
    case "shared_groups": {
      const e = finding.evidence;
      return (
        `column "${finding.column}" groups the rows, and ${count(e.count)} of the ${rows(e.testRows, "test row")} (${percent(e.share)}) belong to groups that also have training rows (${count(e.sharedGroups)} of ${count(e.testGroups)} groups): ` +
        `the test score may overstate how the model does on new groups; split by group (--cv with --group "${finding.column}")`
      );
    }
    case "class_imbalance": {
      const e = finding.evidence;
      return `column "${finding.column}": classes are imbalanced (${JSON.stringify(e.minority)}: ${rows(e.minorityCount)}, ${percent(e.share)} of ${count(e.rows)}, against ${JSON.stringify(e.majority)}: ${count(e.majorityCount)}): judge the model by ROC AUC or average precision rather than accuracy`;
    }
    case "rare_class": {
      const e = finding.evidence;
      const why =
        e.nFolds !== undefined
          ? `fewer than the ${e.nFolds} folds: it cannot be in every fold of a stratified cross-validation`
          : `it cannot be in both the training and the test rows`;
      return `column "${finding.column}": class ${JSON.stringify(e.class)} has ${rows(e.count)}, ${why}`;
    }
    case "dropped_rows": {
      const e = finding.evidence;
      const target = finding.column !== undefined ? `their target "${finding.column}"` : "their target";
      return `${rows(e.count)} (${percent(e.share)} of rows) ${e.count === 1 ? "was" : "were"} dropped because ${target} is missing`;
    }
  }
}

/**
 * One line for rows evaluated on that reach back into the model's training period (`check.earlier > 0`):
 * how many are at or before its last training time, and both periods.
 * @example
 * formatTrainingPeriod({ column: "t", lastTrain: "4", first: "3", last: "6", rows: 3, undated: 0, notLater: 1, earlier: 1 });
 * // 'the model was trained on rows up to 4 by "t", and 1 of the 3 rows evaluated (33%) is at or before that time (these rows 3 .. 6): the figures may overstate how the model does on later rows; evaluate on rows later than 4'
 */
export function formatTrainingPeriod(check: TrainingPeriodCheck): string {
  const evaluated = check.undated > 0 ? `rows with a time` : "rows evaluated";
  return (
    `the model was trained on rows up to ${check.lastTrain} by "${check.column}", and ${count(check.notLater)} of the ${count(check.rows)} ${evaluated} (${percent(check.notLater / check.rows)}) ` +
    `${check.notLater === 1 ? "is" : "are"} at or before that time (these rows ${check.first} .. ${check.last}): ` +
    `the figures may overstate how the model does on later rows; evaluate on rows later than ${check.lastTrain}`
  );
}
