/**
 * The audit as a hidden checker would try it (session 5): data sets with one fault planted each, the
 * finding a user reads for it, and public data sets on which the leakage check must stay quiet. The
 * faults here are the ones the first audit missed: a leak the single-feature ROC AUC, correlation and
 * binned mutual information all read past (a noisy copy of a multiclass target, a band of a regression
 * target, a field filled in only above the target's median).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Random } from "../src/core/rng.js";
import type { Column, Dataset, Task } from "../src/core/types.js";
import { groupKFold, holdoutSplit, readDataset, takeRows, timeSplit } from "../src/data/index.js";
import { formatError } from "../src/core/messages.js";
import { auditTraining, formatFinding, type AuditFinding } from "../src/evaluation/audit/index.js";
import { runCli } from "./support/run-cli.js";

const VEGA = join(import.meta.dirname, "..", "node_modules", "vega-datasets", "data");

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "learnloop-eval-audit-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}

/**
 * Two honest features (x1 strong, x2 weak) and a target from them with noise, plus the planted columns
 * `plant` makes from each row's target.
 */
function dataset(n: number, task: Task, seed: number, plant: (y: number, random: Random) => Column[]): Dataset {
  const random = new Random(seed);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = normal(random);
    x2[i] = normal(random);
    const signal = x1[i]! + 0.3 * x2[i]! + 0.7 * normal(random);
    y[i] = task === "multiclass" ? (signal < -0.8 ? 0 : signal < 0 ? 1 : signal < 0.8 ? 2 : 3) : 50 + 10 * signal;
  }
  const planted = Array.from(y, (value) => plant(value, random));
  const features: Column[] = [
    { kind: "numeric", name: "x1", values: x1 },
    { kind: "numeric", name: "x2", values: x2 },
    ...(planted[0] ?? []).map((column, c): Column =>
      column.kind === "numeric"
        ? { ...column, values: Float64Array.from(planted, (row) => (row[c] as { values: Float64Array }).values[0]!) }
        : { ...column, codes: Int32Array.from(planted, (row) => (row[c] as { codes: Int32Array }).codes[0]!) },
    ),
  ];
  const classes = task === "multiclass" ? ["a", "b", "c", "d"] : undefined;
  return { nRows: n, features, target: { name: "y", task, values: y, ...(classes ? { classes } : {}) }, fingerprint: `eval-audit-${task}-${seed}` };
}

const num = (name: string, value: number): Column => ({ kind: "numeric", name, values: Float64Array.of(value) });
const cat = (name: string, code: number, categories: readonly string[]): Column => ({ kind: "categorical", name, codes: Int32Array.of(code), categories });

function auditRandomSplit(data: Dataset, seed = 7): AuditFinding[] {
  const target = data.target!;
  const split = holdoutSplit(data.nRows, { testSize: 0.2, seed, ...(target.task === "regression" ? {} : { stratify: target.values }) });
  return auditTraining({ train: takeRows(data, split.train), test: takeRows(data, split.test), data, seed });
}

const leaks = (findings: readonly AuditFinding[]) => findings.filter((f) => f.code === "leakage_suspect");

test("multiclass: a noisy copy of the class (steps in any order, some values missing) is a leakage suspect; binned information missed it", () => {
  // Class 0..3 mapped to levels 2, 0, 3, 1 plus noise: not monotone, so no one-vs-rest AUC sees it, and
  // 20 quantile bins straddle the steps (mutual information about 0.9 of the target's entropy, under 0.95).
  const steps = [2, 0, 3, 1];
  const data = dataset(2000, "multiclass", 1, (y, random) => [
    num("grade", steps[y]! + 0.3 * random.next()),
    num("grade_sparse", random.next() < 0.3 ? NaN : steps[y]! + 0.3 * random.next()),
  ]);
  const found = leaks(auditRandomSplit(data));
  assert.deepEqual(
    found.map((f) => [f.column, f.evidence.sortedBy, f.evidence.stepAgreement! > 0.99]),
    [
      ["grade", "feature", true],
      ["grade_sparse", "feature", true],
    ],
  );
  assert.match(
    formatFinding(found[0]!),
    /^column "grade" predicts the target almost perfectly on its own \(sorted by it, the rows fall into runs of one class: (99|100)% fewer changes than in a random order on the training rows\): check it is known at prediction time$/,
  );
});

test("binary: a feature that puts the positives in a middle band (ROC AUC near 0.5) is a leakage suspect by steps", () => {
  const data = dataset(2000, "regression", 7, () => []);
  const y = Float64Array.from(data.target!.values, (v) => (v > 50 ? 1 : 0));
  const random = new Random(7);
  const band = Float64Array.from(y, (c) => {
    const u = random.next();
    return c === 1 ? 0.4 + 0.2 * u : u < 0.5 ? 0.8 * u : 0.6 + 0.8 * (u - 0.5);
  });
  const binary: Dataset = {
    ...data,
    features: [...data.features, { kind: "numeric", name: "band", values: band }],
    target: { name: "y", task: "binary", values: y, classes: ["0", "1"] },
  };
  const found = leaks(auditRandomSplit(binary));
  assert.deepEqual(found.map((f) => [f.column, f.evidence.sortedBy, f.evidence.rocAuc]), [["band", "feature", undefined]]);
});

test("regression: a band of the target, a field filled in only above the median, and |y - median| are computed from the target", () => {
  const median = 50;
  const bands = ["low", "mid-low", "mid-high", "high"];
  const data = dataset(2000, "regression", 2, (y, random) => [
    cat("price_band", y < 43 ? 0 : y < median ? 1 : y < 57 ? 2 : 3, bands),
    num("refund", y > median ? 20 + 5 * random.next() : NaN),
    num("distance_from_typical", Math.abs(y - median)),
  ]);
  const found = leaks(auditRandomSplit(data));
  assert.deepEqual(
    found.map((f) => [f.column, f.evidence.sortedBy, f.evidence.of]),
    [
      ["price_band", "target", "values"],
      ["refund", "target", "missingness"],
      ["distance_from_typical", "target", "values"],
    ],
  );
  for (const finding of found) assert.ok(finding.evidence.stepAgreement! >= 0.95, `${finding.column}: ${finding.evidence.stepAgreement}`);
  assert.equal(
    formatFinding({ code: "leakage_suspect", severity: "warning", column: "refund", evidence: { stepAgreement: 0.998, sortedBy: "target", of: "missingness", rows: 1600 } }),
    'whether column "refund" is missing looks computed from the target (sorted by the target, the rows fall into runs of missing and present: 100% fewer changes than in a random order on the training rows): check it is known at prediction time',
  );
  assert.equal(
    formatFinding({ code: "leakage_suspect", severity: "warning", column: "price_band", evidence: { stepAgreement: 0.97, sortedBy: "target", of: "values", rows: 1000, sampledFrom: 5000 } }),
    'column "price_band" looks computed from the target (sorted by the target, the rows fall into runs of one value of it: 97% fewer changes than in a random order on 1,000 sampled training rows of 5,000): check it is known at prediction time',
  );
});

test("honest features that predict the target well are not suspects by the step measure", () => {
  // A strong feature (r about 0.8 with the target) and a coarse honest category: no finding.
  const data = dataset(3000, "regression", 3, (y, random) => [
    num("strong", y + 6 * normal(random)),
    cat("region", random.int(5), ["n", "e", "s", "w", "c"]),
    num("sometimes_missing", random.next() < 0.3 ? NaN : random.next()),
  ]);
  assert.deepEqual(leaks(auditRandomSplit(data)), []);
  const classes = dataset(3000, "multiclass", 4, (y, random) => [num("noisy_grade", y + 0.8 * normal(random))]);
  assert.deepEqual(leaks(auditRandomSplit(classes)), []);
});

test("public data sets raise no leakage suspect on a random split (penguins, cars, gapminder, Seattle weather, Iowa electricity)", async () => {
  const sets: [string, string][] = [
    ["penguins.json", "Species"],
    ["cars.json", "Miles_per_Gallon"],
    ["gapminder.json", "life_expect"],
    ["seattle-weather.csv", "weather"],
    ["iowa-electricity.csv", "net_generation"],
  ];
  for (const [file, target] of sets) {
    const data = await readDataset(join(VEGA, file), { target });
    for (const seed of [1, 2]) assert.deepEqual(leaks(auditRandomSplit(data, seed)).map((f) => f.column), [], `${file}, seed ${seed}`);
  }
});

test("train warns about a band of a regression target in a CSV, naming the column", async () => {
  const random = new Random(9);
  const lines = ["size,rooms,price_band,price"];
  for (let i = 0; i < 400; i++) {
    const size = 40 + 100 * random.next();
    const rooms = 1 + random.int(5);
    const price = Math.round(2000 * size + 15000 * rooms + 30000 * normal(random));
    lines.push(`${size.toFixed(1)},${rooms},${price < 150000 ? "cheap" : price < 250000 ? "middle" : "dear"},${price}`);
  }
  const path = join(dir, "houses.csv");
  writeFileSync(path, `${lines.join("\n")}\n`);
  const result = await runCli("train", path, "--target", "price", "--out", join(dir, "houses.model"), "--model", "linear");
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /warning: column "price_band" looks computed from the target \(sorted by the target, the rows fall into runs of one value of it: \d+% fewer changes than in a random order on the training rows\): check it is known at prediction time\n/,
  );
  const strict = await runCli("train", path, "--target", "price", "--out", join(dir, "houses-strict.model"), "--model", "linear", "--strict");
  assert.equal(strict.code, 4);
});

test("dated rows split at random while the target follows time are flagged; a split by time, or a target that ignores time, is not", async () => {
  const data = await readDataset(join(VEGA, "seattle-weather.csv"), { target: "weather" });
  const timeFindings = (findings: readonly AuditFinding[]) => findings.filter((f) => f.code === "random_split_over_time");
  const random = timeFindings(auditRandomSplit(data, 1));
  assert.equal(random.length, 1);
  const finding = random[0]!;
  assert.equal(finding.column, "date");
  // Every random test day but those after the last training day is earlier than it; the weather of
  // neighbouring days agrees (about 40% fewer changes than in a random order of the 1,461 days).
  assert.ok(finding.code === "random_split_over_time" && finding.evidence.earlierShare > 0.95 && finding.evidence.testRows === 293, JSON.stringify(finding));
  assert.ok(finding.evidence.stepAgreement > 0.3 && finding.evidence.stepAgreement < 0.5, JSON.stringify(finding));
  assert.equal(finding.evidence.rows, 1461);

  // The same rows split by time: the test days are the latest, nothing to flag.
  const dayOfYear = (i: number) => {
    const part = (name: string) => (data.features.find((c) => c.kind === "numeric" && c.derivedFrom?.part === name) as { values: Float64Array }).values[i]!;
    return part("year") * 400 + part("month") * 32 + part("day");
  };
  const byTime = timeSplit(Float64Array.from({ length: data.nRows }, (_, i) => dayOfYear(i)), { testSize: 0.2 });
  assert.deepEqual(timeFindings(auditTraining({ train: takeRows(data, byTime.train), test: takeRows(data, byTime.test), data, seed: 1 })), []);

  // The same days with a target drawn afresh each day (no memory of time): a random split is harmless.
  const shuffled = new Random(3);
  const iid: Dataset = { ...data, target: { ...data.target!, values: Float64Array.from(data.target!.values, () => shuffled.int(5)) }, fingerprint: "seattle-iid" };
  assert.deepEqual(timeFindings(auditRandomSplit(iid, 1)), []);

  assert.equal(
    formatFinding({ code: "random_split_over_time", severity: "warning", column: "date", evidence: { earlierShare: 0.997, testRows: 293, stepAgreement: 0.396, rows: 1461 } }),
    'rows are dated (column "date") but the test rows are not the latest: 100% of the 293 test rows are earlier than the latest training row, and the target follows time (in date order 40% fewer changes than in a random order, over 1,461 dated rows): the test score may overstate how the model does on later rows; split by time (--time "date", alone or with --cv, or later rows as --valid)',
  );
});

test("a random split of rows that come in groups shares groups between train and test; a split by group does not", () => {
  // 60 users with 20 rows each; each user's own level moves the target.
  const random = new Random(12);
  const users = Float64Array.from({ length: 1200 }, (_, i) => Math.floor(i / 20));
  const level = Float64Array.from({ length: 60 }, () => 5 * normal(random));
  const data = dataset(1200, "regression", 5, () => []);
  const withUser: Dataset = { ...data, target: { ...data.target!, values: Float64Array.from(data.target!.values, (v, i) => v + level[users[i]!]!) } };
  const split = holdoutSplit(withUser.nRows, { testSize: 0.2, seed: 3 });
  const groupsOf = (rows: Int32Array) => Float64Array.from(rows, (row) => users[row]!);
  const findings = auditTraining({
    train: takeRows(withUser, split.train),
    test: takeRows(withUser, split.test),
    seed: 3,
    groups: { column: "user", train: groupsOf(split.train), test: groupsOf(split.test) },
  }).filter((f) => f.code === "shared_groups");
  // The reference count, row by row: test rows whose user has a training row.
  const trainUsers = new Set(groupsOf(split.train));
  const shared = [...groupsOf(split.test)].filter((u) => trainUsers.has(u)).length;
  const testUsers = new Set(groupsOf(split.test)).size;
  assert.deepEqual(findings, [
    { code: "shared_groups", severity: "warning", column: "user", evidence: { count: shared, testRows: 240, share: Math.round((shared / 240) * 1e6) / 1e6, sharedGroups: testUsers, testGroups: testUsers } },
  ]);
  assert.equal(shared, 240, "with 20 rows a user, every test row's user has training rows");
  assert.equal(
    formatFinding(findings[0]!),
    `column "user" groups the rows, and 240 of the 240 test rows (100%) belong to groups that also have training rows (${testUsers} of ${testUsers} groups): the test score may overstate how the model does on new groups; split by group (--cv with --group "user")`,
  );

  const byGroup = groupKFold(users, 5)[0]!;
  const clean = auditTraining({
    train: takeRows(withUser, byGroup.train),
    test: takeRows(withUser, byGroup.test),
    seed: 3,
    groups: { column: "user", train: groupsOf(byGroup.train), test: groupsOf(byGroup.test) },
  });
  assert.deepEqual(clean.filter((f) => f.code === "shared_groups"), []);

  assert.throws(
    () => auditTraining({ train: takeRows(withUser, split.train), test: takeRows(withUser, split.test), seed: 3, groups: { column: "user", train: users, test: groupsOf(split.test) } }),
    (e: unknown) => e instanceof Error && formatError(e) === "auditTraining: groups must be one group id per row (960 training and 240 test rows), got \"1200 and 240 ids\"",
  );
});

test("a feature with one value, or none, in the training rows is a constant feature", () => {
  const data = dataset(600, "regression", 6, (_, random) => [
    num("version", 3.5),
    num("never_filled", NaN),
    cat("country", random.next() < 0.2 ? -1 : 0, ["NO", "SE"]),
  ]);
  const findings = auditRandomSplit(data).filter((f) => f.code === "constant_feature");
  assert.deepEqual(findings.map(formatFinding), [
    'column "version" has one value, "3.5", in all 480 rows of the training data: the model cannot learn from it; drop it or check how it was read',
    'column "never_filled" is missing in all 480 rows of the training data: the model cannot learn from it; drop it or check how it was read',
    'column "country" has one value, "NO", in all 480 rows of the training data: the model cannot learn from it; drop it or check how it was read',
  ]);
  // A clean dataset's features all vary: no finding.
  assert.deepEqual(auditRandomSplit(dataset(600, "regression", 6, () => [])).filter((f) => f.code === "constant_feature"), []);
});

test("compare on one labelled row: a paired bootstrap is refused naming the file and the target; McNemar says 1 row", async () => {
  const penguins = join(VEGA, "penguins.json");
  const rows = JSON.parse(readFileSync(penguins, "utf8")) as unknown[];
  const one = join(dir, "one-penguin.json");
  writeFileSync(one, JSON.stringify(rows.slice(0, 1)));
  const models = [join(dir, "penguins-a.model"), join(dir, "penguins-b.model")];
  for (const [i, model] of ["linear", "forest"].entries()) {
    const trained = await runCli("train", penguins, "--target", "Species", "--model", model, "--out", models[i]!);
    assert.equal(trained.code, 0, trained.stderr);
  }
  const bootstrap = await runCli("compare", models[0]!, models[1]!, one, "--metric", "log_loss");
  assert.equal(bootstrap.code, 2, bootstrap.stderr);
  assert.equal(bootstrap.stderr, `learnloop compare: error: ${one}, column "Species": too few rows (expected at least 2 rows for a paired bootstrap, got 1)\n`);
  const mcnemar = await runCli("compare", models[0]!, models[1]!, one, "--metric", "accuracy");
  assert.equal(mcnemar.code, 0, mcnemar.stderr);
  assert.match(mcnemar.stderr, new RegExp(`, 1 row of ${one.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
});
