import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset, Task } from "../../core/types.js";
import { holdoutSplit, takeRows, timeSplit } from "../../data/split.js";
import { AUDIT_THRESHOLDS, auditTraining, formatFinding, type AuditFinding, type AuditInput } from "./index.js";

function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}

/**
 * A clean dataset: two continuous features, a small integer, a categorical with missing values and
 * "price", which drifts with the row order (harmless in a random split, a shift in a time split); the
 * target depends on x1, x2 and color with noise.
 */
function cleanData(n: number, task: Task, seed: number, extra: (i: number, y: number, random: Random) => Column[] = () => []): Dataset {
  const random = new Random(seed);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const small = new Float64Array(n);
  const color = new Int32Array(n);
  const price = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = normal(random);
    x2[i] = random.next() < 0.05 ? NaN : normal(random);
    small[i] = random.int(10);
    color[i] = random.next() < 0.1 ? -1 : random.int(4);
    price[i] = 10 + (5 * i) / n + 0.5 * normal(random);
    const signal = x1[i]! + 0.5 * (x2[i]! || 0) + (color[i] === 2 ? 0.7 : 0) + normal(random);
    y[i] = task === "binary" ? (signal > 0 ? 1 : 0) : task === "multiclass" ? (signal < -0.7 ? 0 : signal < 0.7 ? 1 : 2) : signal;
  }
  const features: Column[] = [
    { kind: "numeric", name: "x1", values: x1 },
    { kind: "numeric", name: "x2", values: x2 },
    { kind: "numeric", name: "small", values: small },
    { kind: "categorical", name: "color", codes: color, categories: ["red", "green", "blue", "grey"] },
    { kind: "numeric", name: "price", values: price },
  ];
  const extraColumns: Column[][] = Array.from({ length: n }, (_, i) => extra(i, y[i]!, random));
  extraColumns[0]?.forEach((column, c) => {
    if (column.kind === "numeric") features.push({ ...column, values: Float64Array.from(extraColumns, (row) => (row[c] as { values: Float64Array }).values[0]!) });
    else features.push({ ...column, codes: Int32Array.from(extraColumns, (row) => (row[c] as { codes: Int32Array }).codes[0]!) });
  });
  const classes = task === "binary" ? ["0", "1"] : task === "multiclass" ? ["low", "mid", "high"] : undefined;
  return { nRows: n, features, target: { name: "y", task, values: y, ...(classes ? { classes } : {}) }, fingerprint: `clean-${task}-${seed}` };
}

/** One value of an extra column for one row (cleanData's `extra`). */
const num = (name: string, value: number): Column => ({ kind: "numeric", name, values: Float64Array.of(value) });
const cat = (name: string, code: number, categories: readonly string[]): Column => ({ kind: "categorical", name, codes: Int32Array.of(code), categories });

function randomSplit(data: Dataset, seed = 42): { train: Dataset; test: Dataset } {
  const target = data.target!;
  const split = holdoutSplit(data.nRows, { testSize: 0.2, seed, ...(target.task === "regression" ? {} : { stratify: target.values }) });
  return { train: takeRows(data, split.train), test: takeRows(data, split.test) };
}

function audit(data: Dataset, split: { train: Dataset; test: Dataset }, extra: Partial<AuditInput> = {}): AuditFinding[] {
  return auditTraining({ ...split, data, seed: 42, ...extra });
}

const codes = (findings: readonly AuditFinding[]) => findings.map((f) => `${f.code}${"column" in f && f.column !== undefined ? `:${f.column}` : ""}`);

test("a clean random split of a clean dataset gives no findings (binary, multiclass, regression; several seeds)", () => {
  for (const task of ["binary", "multiclass", "regression"] as const) {
    for (const seed of [1, 2, 3]) {
      const data = cleanData(2000, task, seed);
      assert.deepEqual(codes(audit(data, randomSplit(data, seed))), [], `${task}, seed ${seed}`);
    }
  }
});

test("a leaky copy of a binary target is a leakage suspect, numeric or categorical, and named in one line", () => {
  const data = cleanData(2000, "binary", 1, (_, y, random) => [num("delay", y * 30 + 10 * random.next()), cat("status", y, ["on time", "late"])]);
  const findings = audit(data, randomSplit(data));
  assert.deepEqual(findings, [
    { code: "leakage_suspect", severity: "warning", column: "delay", evidence: { rocAuc: 1, rows: 1600 } },
    { code: "leakage_suspect", severity: "warning", column: "status", evidence: { rocAuc: 1, rows: 1600 } },
  ]);
  assert.equal(
    formatFinding(findings[0]!),
    'column "delay" predicts the target almost perfectly on its own (single-feature ROC AUC 1.000 on the training rows): check it is known at prediction time',
  );
});

test("a strong but honest feature (AUC about 0.95) is not a leakage suspect; a reversed perfect one is", () => {
  const data = cleanData(2000, "binary", 2, (_, y, random) => [num("strong", y + 0.45 * normal(random)), num("reversed", -y)]);
  const findings = audit(data, randomSplit(data));
  assert.deepEqual(codes(findings), ["leakage_suspect:reversed"]);
  assert.match(formatFinding(findings[0]!), /ROC AUC 1\.000 on the training rows/);
});

test("a many-valued categorical that separates the training rows only by chance is not a leakage suspect", () => {
  // 1,700 categories over 2,000 rows (85% distinct, under the identifier threshold): most are single
  // rows, whose in-sample target rate is 0 or 1, so the per-category AUC is near 1 on pure noise.
  const names = Array.from({ length: 1700 }, (_, k) => `k${k}`);
  const data = cleanData(2000, "binary", 12, (i) => [cat("zip", i < 1700 ? i : i % 300, names)]);
  const { train, test } = randomSplit(data);
  assert.deepEqual(codes(auditTraining({ train, test, data, seed: 42 })), []);
  // What the bias guard holds back: without it, the noise would be a suspect.
  const loose = auditTraining({ train, test, data, seed: 42, options: { thresholds: { leakageMaxBias: Infinity } } });
  assert.deepEqual(codes(loose), ["leakage_suspect:zip"]);
});

test("regression: a feature almost equal to the target is a suspect by correlation; multiclass: by mutual information", () => {
  const regression = cleanData(2000, "regression", 3, (_, y, random) => [num("total", 2 * y + 0.01 * normal(random))]);
  const [r] = audit(regression, randomSplit(regression));
  assert.equal(r!.code, "leakage_suspect");
  assert.ok(r!.code === "leakage_suspect" && r!.evidence.correlation! > 0.999);
  assert.match(formatFinding(r!), /^column "total" predicts the target almost perfectly on its own \(correlation with the target 1\.000 on the training rows\)/);

  const multiclass = cleanData(2000, "multiclass", 4, (_, y) => [cat("grade", y, ["C", "B", "A"])]);
  const findings = audit(multiclass, randomSplit(multiclass));
  assert.deepEqual(findings, [{ code: "leakage_suspect", severity: "warning", column: "grade", evidence: { normalizedMutualInformation: 1, rows: 1600 } }]);
  assert.equal(
    formatFinding(findings[0]!),
    `column "grade" predicts the target almost perfectly on its own (mutual information 100% of the target's entropy on the training rows): check it is known at prediction time`,
  );
});

test("leakage is measured on a seeded sample when the training rows are many, and the evidence says so", () => {
  const data = cleanData(2000, "binary", 1, (_, y) => [num("copy", y)]);
  const findings = audit(data, randomSplit(data), { options: { thresholds: { leakageSampleRows: 500 } } });
  assert.deepEqual(findings, [{ code: "leakage_suspect", severity: "warning", column: "copy", evidence: { rocAuc: 1, rows: 500, sampledFrom: 1600 } }]);
  assert.match(formatFinding(findings[0]!), /\(single-feature ROC AUC 1\.000 on 500 sampled training rows of 1,600\)/);
});

test("a row number and a per-row key are identifier-like features, and not also leakage suspects", () => {
  const data = cleanData(2000, "binary", 5, (i, y) => [num("row_id", 1000 + i), cat("user", i, Array.from({ length: 2000 }, (_, k) => `u${k}`)), num("y_copy_id", i * 2 + y)]);
  const findings = audit(data, randomSplit(data));
  assert.deepEqual(findings, [
    { code: "id_like_feature", severity: "warning", column: "row_id", evidence: { distinct: 1600, rows: 1600, share: 1, monotone: 1 } },
    { code: "id_like_feature", severity: "warning", column: "user", evidence: { distinct: 1600, rows: 1600, share: 1, monotone: 0 } },
    { code: "id_like_feature", severity: "warning", column: "y_copy_id", evidence: { distinct: 1600, rows: 1600, share: 1, monotone: 1 } },
  ]);
  assert.equal(
    formatFinding(findings[0]!),
    'column "row_id" looks like an identifier (1,600 distinct values in 1,600 rows of the training data, unique and in row order): drop it from the features or pass it as --id',
  );
  assert.equal(
    formatFinding(findings[1]!),
    'column "user" looks like an identifier (1,600 distinct values in 1,600 rows of the training data): drop it from the features or pass it as --id',
  );
});

test("an integer column that is unique but not in row order, sorted with repeats, or a date part, is not an identifier", () => {
  const data = cleanData(2000, "binary", 6, (i) => [num("shuffled", (i * 7919) % 2000), num("sorted_pairs", Math.floor(i / 2))]);
  const withDatePart: Dataset = { ...data, features: [...data.features, { kind: "numeric", name: "t_year", values: Float64Array.from({ length: 2000 }, (_, i) => 1000 + i), derivedFrom: { column: "t", part: "year" } }] };
  assert.deepEqual(codes(audit(withDatePart, randomSplit(withDatePart))), []);
});

test("test rows copied into the training rows are counted exactly", () => {
  const data = cleanData(2000, "binary", 7);
  const split = holdoutSplit(data.nRows, { testSize: 0.2, seed: 42, stratify: data.target!.values });
  const leaked = Int32Array.from([...split.train, ...split.test.subarray(0, 25)]);
  const findings = audit(data, { train: takeRows(data, leaked), test: takeRows(data, split.test) });
  assert.deepEqual(findings, [{ code: "train_test_duplicates", severity: "warning", evidence: { count: 25, testRows: 400, share: 0.0625 } }]);
  assert.equal(formatFinding(findings[0]!), "25 test rows (6.3% of 400) are exact copies of training rows: the test score may overstate how the model does on rows it has not seen");
});

test("a time-ordered split where a feature drifts is a distribution shift, led by the drifting feature", () => {
  const data = cleanData(2000, "binary", 8);
  const time = Float64Array.from({ length: data.nRows }, (_, i) => i);
  const split = timeSplit(time, { testSize: 0.2 });
  const findings = audit(data, { train: takeRows(data, split.train), test: takeRows(data, split.test) });
  assert.deepEqual(codes(findings), ["distribution_shift"]);
  const shift = findings[0]!;
  assert.ok(shift.code === "distribution_shift");
  assert.ok(shift.evidence.rocAuc > 0.9, String(shift.evidence.rocAuc));
  assert.equal(shift.evidence.topFeatures[0]!.feature, "price");
  assert.ok(shift.evidence.topFeatures[0]!.share > 0.5);
  assert.equal(shift.evidence.trainRows, 1600);
  assert.equal(shift.evidence.testRows, 400);
  assert.match(
    formatFinding(shift),
    /^training and test rows differ: a classifier tells them apart with ROC AUC 0\.9\d\d \(1,600 training and 400 test rows\), mostly by "price" \d+%.* of its gain: the test score may not hold for the rows the model learns from; check how the split was made$/,
  );
  // The same data split at random: no shift.
  assert.deepEqual(codes(audit(data, randomSplit(data))), []);
});

test("in a time-ordered split, a row number is an identifier and is left out of the shift classifier", () => {
  const data = cleanData(2000, "binary", 8, (i) => [num("row_id", i)]);
  const split = timeSplit(Float64Array.from({ length: data.nRows }, (_, i) => i), { testSize: 0.2 });
  const findings = audit(data, { train: takeRows(data, split.train), test: takeRows(data, split.test) });
  assert.deepEqual(codes(findings), ["id_like_feature:row_id", "distribution_shift"]);
  const shift = findings[1]!;
  assert.ok(shift.code === "distribution_shift");
  assert.equal(shift.evidence.topFeatures[0]!.feature, "price");
  assert.ok(shift.evidence.topFeatures.every((f) => f.feature !== "row_id" && f.share >= AUDIT_THRESHOLDS.shiftMinFeatureShare));
  // An AUC above 0.6 must also be shiftMinZ null standard errors above 0.5 (here about 0.03 each).
  assert.deepEqual(codes(audit(data, { train: takeRows(data, split.train), test: takeRows(data, split.test) }, { options: { thresholds: { shiftMinZ: 1000 } } })), ["id_like_feature:row_id"]);
});

test("adversarial validation samples each side and says so", () => {
  const data = cleanData(2000, "binary", 8);
  const split = timeSplit(Float64Array.from({ length: data.nRows }, (_, i) => i), { testSize: 0.2 });
  const [shift] = audit(data, { train: takeRows(data, split.train), test: takeRows(data, split.test) }, { options: { thresholds: { shiftSampleRows: 300 } } });
  assert.ok(shift!.code === "distribution_shift");
  assert.deepEqual([shift!.evidence.trainRows, shift!.evidence.trainSampledFrom, shift!.evidence.testRows, shift!.evidence.testSampledFrom], [300, 1600, 300, 400]);
  assert.match(formatFinding(shift!), /\(300 training and 300 test rows, sampled\)/);
});

test("a minority class under 5% of the rows is a class imbalance", () => {
  const data = cleanData(2000, "binary", 9);
  const y = Float64Array.from({ length: 2000 }, (_, i) => (i % 40 === 0 ? 1 : 0));
  const imbalanced: Dataset = { ...data, target: { ...data.target!, values: y } };
  const findings = audit(imbalanced, randomSplit(imbalanced));
  assert.deepEqual(findings, [
    { code: "class_imbalance", severity: "warning", column: "y", evidence: { minority: "1", minorityCount: 50, share: 0.025, majority: "0", majorityCount: 1950, rows: 2000 } },
  ]);
  assert.equal(
    formatFinding(findings[0]!),
    'column "y": classes are imbalanced ("1": 50 rows, 2.5% of 2,000, against "0": 1,950): judge the model by ROC AUC or average precision rather than accuracy',
  );
  // 6% is not.
  const y6 = Float64Array.from({ length: 2000 }, (_, i) => (i % 50 < 3 ? 1 : 0));
  const mild: Dataset = { ...data, target: { ...data.target!, values: y6 } };
  assert.deepEqual(codes(audit(mild, randomSplit(mild))), []);
});

test("classes with fewer rows than folds are rare classes; without folds, only classes under 2 rows", () => {
  const base = cleanData(2003, "multiclass", 10);
  const y = Float64Array.from({ length: 2003 }, (_, i) => (i % 667 === 5 ? 2 : i % 2));
  const data: Dataset = { ...base, target: { ...base.target!, values: y } };
  const split = randomSplit(data);
  const findings = audit(data, split, { nFolds: 5 });
  assert.deepEqual(codes(findings), ["class_imbalance:y", "rare_class:y"]);
  assert.deepEqual(findings[1], { code: "rare_class", severity: "warning", column: "y", evidence: { class: "high", count: 3, needed: 5, nFolds: 5 } });
  assert.equal(formatFinding(findings[1]!), 'column "y": class "high" has 3 rows, fewer than the 5 folds: it cannot be in every fold of a stratified cross-validation');
  assert.equal(
    formatFinding(findings[0]!),
    'column "y": classes are imbalanced ("high": 3 rows, 0.15% of 2,003, against "low": 1,001): judge the model by ROC AUC or average precision rather than accuracy',
  );
  assert.deepEqual(codes(audit(data, split)), ["class_imbalance:y"]);
  assert.deepEqual(codes(audit(data, split, { nFolds: 3 })), ["class_imbalance:y"]);
  assert.deepEqual(codes(audit(data, split, { nFolds: 4 })), ["class_imbalance:y", "rare_class:y"]);
});

test("rows dropped for a missing target are reported, from the input or from the data", () => {
  const data: Dataset = { ...cleanData(2000, "binary", 11), droppedRows: 12 };
  const findings = audit(data, randomSplit(data));
  assert.deepEqual(findings, [{ code: "dropped_rows", severity: "warning", column: "y", evidence: { count: 12, share: 0.005964 } }]);
  assert.equal(formatFinding(findings[0]!), '12 rows (0.6% of rows) were dropped because their target "y" is missing');
  assert.deepEqual(codes(audit(data, randomSplit(data), { droppedRows: 0 })), []);
  assert.equal(formatFinding({ code: "dropped_rows", severity: "warning", evidence: { count: 1, share: 0.5 } }), "1 row (50% of rows) was dropped because their target is missing");
});

test("checks can be skipped and thresholds replaced", () => {
  const data: Dataset = { ...cleanData(2000, "binary", 1, (i, y) => [num("copy", y), num("row_id", i)]), droppedRows: 3 };
  const split = randomSplit(data);
  assert.deepEqual(codes(audit(data, split)), ["leakage_suspect:copy", "id_like_feature:row_id", "dropped_rows:y"]);
  assert.deepEqual(codes(audit(data, split, { options: { skip: ["leakage_suspect", "dropped_rows"] } })), ["id_like_feature:row_id"]);
  // Any AUC above 0, however close to chance, is a "shift" with these thresholds: the check runs and reports.
  assert.deepEqual(codes(audit(data, split, { options: { skip: ["leakage_suspect", "id_like_feature", "dropped_rows"], thresholds: { shiftAuc: 0, shiftMinZ: -100 } } })), ["distribution_shift"]);
});

test("bad inputs are refused with one line saying what was expected", () => {
  const data = cleanData(200, "binary", 1);
  const { train, test } = randomSplit(data);
  const fewer: Dataset = { ...test, features: test.features.slice(1) };
  assert.throws(
    () => auditTraining({ train, test: fewer, seed: 1 }),
    (error: unknown) =>
      error instanceof InvalidParameterError &&
      error.message === 'auditTraining: test must be a dataset with the same features as train, in the same order (read it with train\'s schema), got "x2:numeric,small:numeric,color:categorical,price:numeric"',
  );
  assert.throws(() => auditTraining({ train, test, seed: 1, nFolds: 1 }), /auditTraining: nFolds must be a whole number >= 2, got 1/);
});

test("formatFinding words every finding in one line, with plurals and sampled rows", () => {
  const lines = [
    formatFinding({ code: "leakage_suspect", severity: "warning", column: "delay", evidence: { rocAuc: 0.99512, rows: 200000, sampledFrom: 2400000 } }),
    formatFinding({ code: "train_test_duplicates", severity: "warning", evidence: { count: 1, testRows: 600000, share: 1 / 600000 } }),
    formatFinding({
      code: "distribution_shift",
      severity: "warning",
      evidence: { rocAuc: 0.8312, trainRows: 50000, testRows: 50000, trainSampledFrom: 2400000, testSampledFrom: 600000, topFeatures: [{ feature: "month", share: 0.71 }, { feature: "dep_time", share: 0.123 }] },
    }),
    formatFinding({ code: "rare_class", severity: "warning", column: "species", evidence: { class: "x", count: 1, needed: 2 } }),
  ];
  assert.deepEqual(lines, [
    'column "delay" predicts the target almost perfectly on its own (single-feature ROC AUC 0.995 on 200,000 sampled training rows of 2,400,000): check it is known at prediction time',
    "1 test row (0.00017% of 600,000) is an exact copy of a training row: the test score may overstate how the model does on rows it has not seen",
    'training and test rows differ: a classifier tells them apart with ROC AUC 0.831 (50,000 training and 50,000 test rows, sampled), mostly by "month" 71%, "dep_time" 12% of its gain: the test score may not hold for the rows the model learns from; check how the split was made',
    'column "species": class "x" has 1 row, it cannot be in both the training and the test rows',
  ]);
  for (const line of lines) assert.ok(!line.includes("\n"));
});

test("AUDIT_THRESHOLDS share the profile's thresholds where both flag the same thing", async () => {
  const { FLAG_THRESHOLDS } = await import("../profile/flags.js");
  assert.equal(AUDIT_THRESHOLDS.leakageAuc, FLAG_THRESHOLDS.leakageAuc);
  assert.equal(AUDIT_THRESHOLDS.idLikeShare, FLAG_THRESHOLDS.idLikeShare);
  assert.equal(AUDIT_THRESHOLDS.shiftAuc, 0.6);
});
