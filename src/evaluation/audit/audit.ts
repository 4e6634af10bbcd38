/**
 * auditTraining: the checks run before a training run reports a number. Each check is a small function
 * over the datasets that returns findings; `auditTraining` runs those not skipped, in the order of the
 * codes, and returns the findings as data (see ./types.ts, words in ./format.ts).
 */
import { InvalidParameterError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset, TargetColumn } from "../../core/types.js";
import { categoricalKeys, categoricalRocAuc, groupByOrder, information, numericKeys, numericRocAuc, pearson, stepAgreement, type OrderGroups } from "./measures.js";
import { sharedRows } from "./rows.js";
import { adversarialValidation, sampleRows } from "./shift.js";
import { AUDIT_THRESHOLDS, type AuditThresholds } from "./thresholds.js";
import type {
  AuditCode,
  AuditFinding,
  AuditInput,
  ConstantFinding,
  DroppedRowsFinding,
  DuplicatesFinding,
  IdLikeFinding,
  ImbalanceFinding,
  LeakageFinding,
  MeasuredOn,
  RareClassFinding,
  SharedGroupsFinding,
  ShiftFinding,
  TestNotLaterFinding,
  TimeOrderFinding,
} from "./types.js";

const OWNER = "auditTraining";

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function gather<T extends Float64Array | Int32Array>(values: T, rows: Int32Array | null): T {
  if (!rows) return values;
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}

/**
 * Identifier-like features: a categorical column with a distinct value in (nearly) every row, or an
 * integer column that is unique and strictly monotone in row order (a row number, an auto-increment
 * key). Date parts are never identifiers.
 */
export function idLikeFindings(train: Dataset, t: AuditThresholds): IdLikeFinding[] {
  const findings: IdLikeFinding[] = [];
  for (const column of train.features) {
    if (column.kind === "categorical") {
      const seen = new Uint8Array(column.categories.length);
      let present = 0;
      let distinct = 0;
      for (const code of column.codes) {
        if (code < 0) continue;
        present++;
        if (seen[code] === 0) {
          seen[code] = 1;
          distinct++;
        }
      }
      if (present >= t.idLikeMinRows && distinct / present >= t.idLikeShare) {
        findings.push({ code: "id_like_feature", severity: "warning", column: column.name, evidence: { distinct, rows: present, share: round(distinct / present), monotone: 0 } });
      }
    } else if (!column.derivedFrom) {
      const present = monotoneIntegers(column.values);
      if (present >= t.idLikeMinRows) {
        findings.push({ code: "id_like_feature", severity: "warning", column: column.name, evidence: { distinct: present, rows: present, share: 1, monotone: 1 } });
      }
    }
  }
  return findings;
}

/**
 * Features with at most one distinct value in the training rows (missing values aside; a column missing
 * everywhere has none). Date parts are included: a date column whose year never changes is worth saying.
 */
export function constantFindings(train: Dataset): ConstantFinding[] {
  const findings: ConstantFinding[] = [];
  if (train.nRows === 0) return findings;
  for (const column of train.features) {
    let first: number | undefined;
    let varies = false;
    const values = column.kind === "numeric" ? column.values : column.codes;
    for (let i = 0; i < values.length && !varies; i++) {
      const v = values[i]!;
      if (column.kind === "numeric" ? v !== v : v < 0) continue;
      if (first === undefined) first = v;
      else if (v !== first) varies = true;
    }
    if (varies) continue;
    const value = first === undefined ? undefined : column.kind === "numeric" ? String(first) : (column.categories[first] ?? String(first));
    findings.push({ code: "constant_feature", severity: "warning", column: column.name, evidence: { rows: train.nRows, ...(value !== undefined ? { value } : {}) } });
  }
  return findings;
}

/** The number of present values when they are whole numbers strictly rising or strictly falling in row order, else 0. */
function monotoneIntegers(values: Float64Array): number {
  let previous = NaN;
  let direction = 0;
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (!Number.isInteger(v)) return 0;
    if (present > 0) {
      const step = Math.sign(v - previous);
      if (step === 0 || (direction !== 0 && step !== direction)) return 0;
      direction = step;
    }
    previous = v;
    present++;
  }
  return present;
}

/**
 * Leakage suspects: features that predict the target almost perfectly on their own, on a seeded sample
 * of the training rows. As the profile: a binary target is checked by single-feature ROC AUC (raw values,
 * or the per-category rate of the positive class), a regression target by |r| for numeric features, then
 * by steps (a classification target that is a step function of a numeric feature; a feature, or whether
 * it is missing, that is a step function of a regression target: see stepAgreement), and any feature not
 * caught so far by mutual information, where its expected bias is small. Identifier-like
 * columns are left to their own finding (a key per row "determines" any target).
 */
export function leakageFindings(train: Dataset, t: AuditThresholds, seed: number, idLike: ReadonlySet<string>): LeakageFinding[] {
  const target = train.target;
  if (!target || train.nRows < t.leakageMinRows) return [];
  const rows = sampleRows(train.nRows, t.leakageSampleRows, new Random(seed));
  const measured: MeasuredOn = rows ? { rows: rows.length, sampledFrom: train.nRows } : { rows: train.nRows };
  const y = gather(target.values, rows);
  const task = target.task;
  const yKeys = task === "regression" ? numericKeys(y) : { keys: Int32Array.from(y), nKeys: target.classes?.length ?? 2 };
  const findings: LeakageFinding[] = [];
  const found = (column: Column, evidence: Omit<LeakageFinding["evidence"], keyof MeasuredOn>) =>
    findings.push({ code: "leakage_suspect", severity: "warning", column: column.name, evidence: { ...evidence, ...measured } });
  /** The step evidence when `labels` is a step function of `order` (see thresholds.ts), else undefined. */
  const step = (order: Float64Array | OrderGroups, labels: Int32Array, nLabels: number) => {
    const s = stepAgreement(order, labels, nLabels);
    return s.agreement >= t.leakageStepAgreement && s.expectedChanges >= t.leakageStepMinChanges ? round(s.agreement) : undefined;
  };
  // Every feature is read against the same target order: sorted once.
  const yOrder = task === "regression" ? groupByOrder(y) : undefined;
  for (const column of train.features) {
    if (idLike.has(column.name)) continue;
    if (column.kind === "numeric") {
      const x = gather(column.values, rows);
      if (task === "binary") {
        const auc = numericRocAuc(x, y);
        const best = Math.max(auc, 1 - auc);
        if (best >= t.leakageAuc) {
          found(column, { rocAuc: round(best) });
          continue;
        }
      } else if (task === "regression") {
        const r = pearson(x, y);
        if (Math.abs(r) >= t.leakageCorrelation) {
          found(column, { correlation: round(r) });
          continue;
        }
      }
      const xKeys = numericKeys(x);
      // Relations the AUC, r and binned information miss: a class that is a step function of the value
      // in any order (a noisy copy of a class index), a value or a missingness computed from a target.
      const agreement =
        task === "regression" ? step(yOrder!, xKeys.keys, xKeys.nKeys) : step(x, yKeys.keys, yKeys.nKeys);
      if (agreement !== undefined) {
        found(column, { stepAgreement: agreement, sortedBy: task === "regression" ? "target" : "feature", ...(task === "regression" ? { of: "values" as const } : {}) });
        continue;
      }
      if (task === "regression") {
        const missing = step(yOrder!, Int32Array.from(x, (v) => (v !== v ? 1 : 0)), 2);
        if (missing !== undefined) {
          found(column, { stepAgreement: missing, sortedBy: "target", of: "missingness" });
          continue;
        }
      }
      const info = information(xKeys.keys, xKeys.nKeys, yKeys.keys, yKeys.nKeys);
      if (info.normalizedMutualInformation >= t.leakageInformation && info.bias <= t.leakageMaxBias * info.targetEntropy) {
        found(column, { normalizedMutualInformation: round(info.normalizedMutualInformation) });
      }
    } else {
      const codes = gather(column.codes, rows);
      const xKeys = categoricalKeys(codes, column.categories.length);
      if (task === "regression") {
        // A band of the target (price_band from price): few changes of category along the sorted target.
        const agreement = step(yOrder!, xKeys.keys, xKeys.nKeys);
        if (agreement !== undefined) {
          found(column, { stepAgreement: agreement, sortedBy: "target", of: "values" });
          continue;
        }
      }
      const info = information(xKeys.keys, xKeys.nKeys, yKeys.keys, yKeys.nKeys);
      if (task === "binary") {
        // The per-category rate is fitted on the rows it scores: with many small categories it separates
        // classes by chance, so it is trusted only where the information estimate's bias is small too.
        const { rocAuc, keys } = categoricalRocAuc(codes, column.categories.length, y);
        const best = Math.max(rocAuc, 1 - rocAuc);
        const bias = (keys - 1) / (2 * codes.length * Math.LN2);
        if (best >= t.leakageAuc && bias <= t.leakageMaxBias * info.targetEntropy) {
          found(column, { rocAuc: round(best) });
          continue;
        }
      }
      if (info.normalizedMutualInformation >= t.leakageInformation && info.bias <= t.leakageMaxBias * info.targetEntropy) {
        found(column, { normalizedMutualInformation: round(info.normalizedMutualInformation) });
      }
    }
  }
  return findings;
}

/**
 * An orderable time per row from the date parts of `source` among the features (year, then month, day
 * and hour where present); NaN where the year is missing, and null when the year is not a feature.
 */
function timeOf(data: Dataset, source: string): Float64Array | null {
  const part = (name: string): Float64Array | undefined => {
    const column = data.features.find((c) => c.kind === "numeric" && c.derivedFrom?.column === source && c.derivedFrom.part === name);
    return column?.kind === "numeric" ? column.values : undefined;
  };
  const year = part("year");
  if (!year) return null;
  const month = part("month");
  const day = part("day");
  const hour = part("hour");
  // Hours since year 0 with 31-day months: not a calendar, but ordered as the dates are.
  return Float64Array.from(year, (y, i) => ((y * 12 + ((month?.[i] ?? 1) - 1)) * 31 + ((day?.[i] ?? 1) - 1)) * 24 + (hour?.[i] ?? 0));
}

/**
 * Dated rows split at random while the target follows time (see TimeOrderFinding): for each date column
 * whose year is a feature, the share of dated test rows earlier than the latest training row, and the
 * target's stepAgreement in time order over train and test (a seeded sample of them when many).
 */
export function timeOrderFindings(train: Dataset, test: Dataset, t: AuditThresholds, seed: number): TimeOrderFinding[] {
  const target = train.target!;
  const findings: TimeOrderFinding[] = [];
  const sources = [...new Set(train.features.flatMap((c) => (c.kind === "numeric" && c.derivedFrom ? [c.derivedFrom.column] : [])))];
  for (const source of sources) {
    const trainTime = timeOf(train, source);
    const testTime = timeOf(test, source);
    if (!trainTime || !testTime) continue;
    let latest = -Infinity;
    for (const v of trainTime) if (v > latest) latest = v;
    let dated = 0;
    let earlier = 0;
    for (const v of testTime) {
      if (v !== v) continue;
      dated++;
      if (v < latest) earlier++;
    }
    if (dated === 0 || earlier / dated < t.timeEarlierShare) continue;
    const n = train.nRows + test.nRows;
    const time = new Float64Array(n);
    time.set(trainTime);
    time.set(testTime, train.nRows);
    const y = new Float64Array(n);
    y.set(target.values);
    y.set(test.target!.values, train.nRows);
    const rows = sampleRows(n, t.leakageSampleRows, new Random(seed));
    const sampledTime = gather(time, rows);
    const sampledY = gather(y, rows);
    const keys = target.task === "regression" ? numericKeys(sampledY) : { keys: Int32Array.from(sampledY), nKeys: target.classes?.length ?? 2 };
    const s = stepAgreement(sampledTime, keys.keys, keys.nKeys);
    if (s.agreement >= t.timeAgreement && s.expectedChanges - s.changes >= t.timeMinZ * Math.sqrt(s.expectedChanges)) {
      findings.push({
        code: "random_split_over_time",
        severity: "warning",
        column: source,
        evidence: { earlierShare: round(earlier / dated), testRows: dated, stepAgreement: round(s.agreement), rows: s.rows, ...(rows ? { sampledFrom: n } : {}) },
      });
    }
  }
  return findings;
}

/**
 * Test rows not later than the training rows when the split was said to be by time (see
 * AuditInput.times): a finding when any test row is earlier than the latest training time, counting the
 * test rows at or before it. Rows without a time (NaN) are left out.
 */
export function testNotLaterFindings(column: string, times: NonNullable<AuditInput["times"]>, nTrain: number, nTest: number): TestNotLaterFinding[] {
  if (times.train.length !== nTrain || times.test.length !== nTest) {
    throw new InvalidParameterError("times", `one time per row (${nTrain} training and ${nTest} test rows)`, `${times.train.length} and ${times.test.length} times`, OWNER);
  }
  const range = (values: ArrayLike<number>): [number, number] => {
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < first) first = v;
      if (v > last) last = v;
    }
    return [first, last];
  };
  const [trainFirst, trainLast] = range(times.train);
  const [testFirst, testLast] = range(times.test);
  if (!(trainLast >= trainFirst && testLast >= testFirst) || testFirst >= trainLast) return [];
  let count = 0;
  let dated = 0;
  for (let i = 0; i < nTest; i++) {
    const v = times.test[i]!;
    if (v !== v) continue;
    dated++;
    if (v <= trainLast) count++;
  }
  const label = times.label ?? String;
  return [
    {
      code: "test_not_later",
      severity: "warning",
      column,
      evidence: {
        count,
        testRows: dated,
        share: round(count / dated),
        before: testLast < trainFirst ? 1 : 0,
        train: [label(trainFirst), label(trainLast)],
        test: [label(testFirst), label(testLast)],
      },
    },
  ];
}

/** Test rows whose group id is also a training row's (see AuditInput.groups). */
export function sharedGroupsFindings(groups: NonNullable<AuditInput["groups"]>, nTrain: number, nTest: number): SharedGroupsFinding[] {
  if (groups.train.length !== nTrain || groups.test.length !== nTest) {
    throw new InvalidParameterError("groups", `one group id per row (${nTrain} training and ${nTest} test rows)`, `${groups.train.length} and ${groups.test.length} ids`, OWNER);
  }
  const trainGroups = new Set<number>();
  for (let i = 0; i < nTrain; i++) if (groups.train[i] === groups.train[i]) trainGroups.add(groups.train[i]!);
  const testGroups = new Set<number>();
  const shared = new Set<number>();
  let count = 0;
  for (let i = 0; i < nTest; i++) {
    const g = groups.test[i]!;
    if (g !== g) continue;
    testGroups.add(g);
    if (trainGroups.has(g)) {
      shared.add(g);
      count++;
    }
  }
  if (count === 0) return [];
  return [
    {
      code: "shared_groups",
      severity: "warning",
      column: groups.column,
      evidence: { count, testRows: nTest, share: round(count / nTest), sharedGroups: shared.size, testGroups: testGroups.size },
    },
  ];
}

/** Rows per class over `datasets` (class indices of the same target). */
function classCounts(target: TargetColumn, datasets: readonly Dataset[]): number[] {
  const counts = new Array<number>(target.classes?.length ?? 2).fill(0);
  for (const data of datasets) {
    const values = data.target!.values;
    for (let i = 0; i < values.length; i++) counts[values[i]!]!++;
  }
  return counts;
}

/** Class imbalance (the rarest class, when it is a small share and small beside the most frequent). */
export function imbalanceFindings(target: TargetColumn, counts: readonly number[], t: AuditThresholds): ImbalanceFinding[] {
  const rows = counts.reduce((a, b) => a + b, 0);
  if (rows === 0 || counts.length < 2) return [];
  let minor = 0;
  let major = 0;
  counts.forEach((c, k) => {
    if (c < counts[minor]!) minor = k;
    if (c > counts[major]!) major = k;
  });
  const share = counts[minor]! / rows;
  if (!(share < t.imbalanceShare && counts[minor]! < t.imbalanceRatio * counts[major]!)) return [];
  const label = (k: number) => target.classes?.[k] ?? String(k);
  return [
    {
      code: "class_imbalance",
      severity: "warning",
      column: target.name,
      evidence: { minority: label(minor), minorityCount: counts[minor]!, share: round(share), majority: label(major), majorityCount: counts[major]!, rows },
    },
  ];
}

/** Classes with fewer rows than folds (or than 2, one for training and one for testing, without folds). */
export function rareClassFindings(target: TargetColumn, counts: readonly number[], nFolds: number | undefined): RareClassFinding[] {
  const needed = nFolds ?? 2;
  const findings: RareClassFinding[] = [];
  counts.forEach((c, k) => {
    if (c < needed) {
      findings.push({
        code: "rare_class",
        severity: "warning",
        column: target.name,
        evidence: { class: target.classes?.[k] ?? String(k), count: c, needed, ...(nFolds !== undefined ? { nFolds } : {}) },
      });
    }
  });
  return findings;
}

function checkSameFeatures(train: Dataset, test: Dataset): void {
  const describe = (d: Dataset) => d.features.map((c) => `${c.name}:${c.kind}`).join(",");
  if (describe(train) !== describe(test)) {
    throw new InvalidParameterError("test", "a dataset with the same features as train, in the same order (read it with train's schema)", describe(test), OWNER);
  }
  if (!train.target || !test.target) throw new InvalidParameterError(train.target ? "test" : "train", "a dataset with a target", "no target column", OWNER);
}

/**
 * Audits a training run before its numbers are reported: leakage suspects, identifier-like features,
 * exact rows shared by train and test, a shift between them (adversarial validation), a random split of
 * dated rows, test rows not later than the training rows of a split said to be by time, class imbalance,
 * classes too rare for the folds, and rows dropped for a missing target. Pure: reads the datasets,
 * changes nothing; seeded, so the same input gives the same findings.
 *
 * @example
 * const findings = auditTraining({ train, test, data, seed: 42 });
 * for (const finding of findings) console.error(`warning: ${formatFinding(finding)}`);
 */
export function auditTraining(input: AuditInput): AuditFinding[] {
  const { train, test, data, seed } = input;
  checkSameFeatures(train, test);
  if (!Number.isFinite(seed)) throw new InvalidParameterError("seed", "a number", seed, OWNER);
  if (input.nFolds !== undefined && !(Number.isInteger(input.nFolds) && input.nFolds >= 2)) {
    throw new InvalidParameterError("nFolds", "a whole number >= 2", input.nFolds, OWNER);
  }
  const t: AuditThresholds = { ...AUDIT_THRESHOLDS, ...input.options?.thresholds };
  const skip = new Set<AuditCode>(input.options?.skip ?? []);
  const target = train.target!;
  const findings: AuditFinding[] = [];
  // Checked first: ids that do not fit the rows are the caller's error, before any measure runs.
  const groupFindings = input.groups && !skip.has("shared_groups") ? sharedGroupsFindings(input.groups, train.nRows, test.nRows) : [];
  if (input.times && input.splitByTime === undefined) throw new InvalidParameterError("times", "given with splitByTime (the column they are the times of)", undefined, OWNER);
  // Measured whether or not reported: a split by time whose test rows are not later is no drift to speak of.
  const notLater = input.times ? testNotLaterFindings(input.splitByTime!, input.times, train.nRows, test.nRows) : [];

  // Identifiers are found first: the leakage and shift checks leave them out (they have their own finding).
  const idLike = idLikeFindings(train, t);
  const idLikeNames = new Set(idLike.map((f) => f.column));
  if (!skip.has("leakage_suspect")) findings.push(...leakageFindings(train, t, seed, idLikeNames));
  if (!skip.has("id_like_feature")) findings.push(...idLike);
  if (!skip.has("constant_feature")) findings.push(...constantFindings(train));
  if (!skip.has("train_test_duplicates")) {
    const shared = sharedRows(train, test);
    if (shared >= t.duplicateMinCount) {
      const finding: DuplicatesFinding = { code: "train_test_duplicates", severity: "warning", evidence: { count: shared, testRows: test.nRows, share: round(shared / test.nRows) } };
      findings.push(finding);
    }
  }
  // A split by time separates the time column's parts by construction: the shift asked about is in the rest.
  const timeParts = train.features.filter((column) => input.splitByTime !== undefined && column.kind === "numeric" && column.derivedFrom?.column === input.splitByTime).map((column) => column.name);
  const notCompared = new Set([...idLikeNames, ...timeParts]);
  const shiftFeatures = train.features.filter((column) => !notCompared.has(column.name)).length;
  if (!skip.has("distribution_shift") && shiftFeatures > 0 && train.nRows >= t.shiftMinRows && test.nRows >= t.shiftMinRows) {
    const result = adversarialValidation(train, test, { sampleRows: t.shiftSampleRows, rounds: t.shiftRounds, seed, exclude: notCompared });
    // Both a large AUC and one far from chance: on a few hundred rows an AUC of 0.6 is noise.
    if (result.rocAuc > t.shiftAuc && (result.rocAuc - 0.5) / result.nullStandardError >= t.shiftMinZ) {
      const { features, rocAuc, nullStandardError, ...sizes } = result;
      const finding: ShiftFinding = {
        code: "distribution_shift",
        severity: "warning",
        evidence: {
          rocAuc: round(rocAuc),
          ...sizes,
          topFeatures: features.filter((f) => f.share >= t.shiftMinFeatureShare).slice(0, t.shiftTopFeatures).map((f) => ({ feature: f.feature, share: round(f.share) })),
          ...(input.splitByTime !== undefined && notLater.length === 0 ? { splitByTime: input.splitByTime } : {}),
        },
      };
      findings.push(finding);
    }
  }
  if (!skip.has("random_split_over_time")) {
    // With the times themselves, the split's time column is checked exactly by test_not_later instead.
    const timeOrder = timeOrderFindings(train, test, t, seed);
    findings.push(...(input.times ? timeOrder.filter((finding) => finding.column !== input.splitByTime) : timeOrder));
  }
  if (!skip.has("test_not_later")) findings.push(...notLater);
  findings.push(...groupFindings);
  if (target.task !== "regression") {
    const counts = classCounts(target, data?.target ? [data] : [train, test]);
    if (!skip.has("class_imbalance")) findings.push(...imbalanceFindings(target, counts, t));
    if (!skip.has("rare_class")) findings.push(...rareClassFindings(target, counts, input.nFolds));
  }
  const dropped = input.droppedRows ?? data?.droppedRows ?? train.droppedRows ?? 0;
  if (!skip.has("dropped_rows") && dropped > 0) {
    const kept = data ? data.nRows : train.nRows + test.nRows;
    const finding: DroppedRowsFinding = { code: "dropped_rows", severity: "warning", column: target.name, evidence: { count: dropped, share: round(dropped / (dropped + kept)) } };
    findings.push(finding);
  }
  return findings;
}
