/**
 * `learnloop train <file> --valid <later file> --time <col>`: the model learns from the training file and
 * is evaluated on the --valid file, and the audit, told the split is by time, checks that the --valid
 * rows come after the training rows (test_not_later), with the times as the files write them.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatError } from "../src/core/messages.js";
import { readDataset, schemaOf } from "../src/data/index.js";
import { auditTraining } from "../src/evaluation/audit/index.js";
import { runCli as run } from "./support/run-cli.js";
import { tempFolder } from "./support/temp-folder.js";
import { failure, trainJson } from "./support/tree-audit.js";

const { dir, file } = tempFolder("learnloop-valid-time-");
const SEATTLE = "node_modules/vega-datasets/data/seattle-weather.csv";

/** 8 days of January 2024, y about 2x. */
const train = file(
  "train.csv",
  ["when,x,y", "2024-01-01,1,2.1", "2024-01-02,2,3.9", "2024-01-03,3,6.3", "2024-01-04,4,8.1", "2024-01-05,5,10.5", "2024-01-06,6,12.2", "2024-01-07,7,14.0", "2024-01-08,8,15.9"].join("\n") + "\n",
);
/** Later days in shuffled order; the first is the latest training day itself (a tie at the cut is a forward split). */
const later = file("later.csv", ["when,x,y", "2024-01-10,10,20.1", "2024-01-08,8,16.2", "2024-01-09,9,18.4"].join("\n") + "\n");

/** The codes of a --json document's audit findings. */
const codes = (doc: Record<string, any>): string[] => doc.audit.map((finding: { code: string }) => finding.code);

test("--valid with --time: trained on the training file, evaluated on the --valid rows, the same figures as evaluate and as predictions scored by hand", async () => {
  const model = join(dir, "forward.model");
  const { doc, stderr } = await trainJson(train, "--target", "y", "--valid", later, "--time", "when", "--model", "linear", "--out", model);
  assert.deepEqual(doc.split, { kind: "valid", file: later, column: "when", lastTrain: "2024-01-08", firstTest: "2024-01-08" });
  assert.deepEqual(doc.rows, { train: 8, test: 3, dropped: 0 });
  assert.equal(doc.features, 5, "when_year, when_month, when_day, when_dayofweek and x");
  assert.ok(!codes(doc).includes("test_not_later"), stderr);
  assert.match(stderr, /linear model, regression; trained on 8 rows up to 2024-01-08, evaluated on the 3 rows of .*later\.csv \(from 2024-01-08 by "when"\)\n/);

  // The saved model scored on the --valid file by evaluate: the same metrics.
  const evaluated = await run("evaluate", model, later, "--json", "--no-track");
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.deepEqual(JSON.parse(evaluated.stdout).metrics, doc.metrics);
  // And by hand: RMSE of predict's output against the file's y.
  const out = join(dir, "forward-predictions.csv");
  const predicted = await run("predict", model, later, "--out", out);
  assert.equal(predicted.code, 0, predicted.stderr);
  const predictions = readFileSync(out, "utf8").trim().split("\n").slice(1).map(Number);
  assert.equal(predictions.length, 3);
  const truth = [20.1, 16.2, 18.4];
  const rmse = Math.sqrt(truth.reduce((sum, y, i) => sum + (y - predictions[i]!) ** 2, 0) / truth.length);
  assert.ok(Math.abs(doc.metrics.rmse - rmse) < 1e-12, `${doc.metrics.rmse} against ${rmse}`);

  // The date's parts stay features, one by one as with --time alone.
  const noYear = await trainJson(train, "--target", "y", "--valid", later, "--time", "when", "--ignore", "when_year,when_month", "--model", "linear");
  assert.equal(noYear.doc.features, 3);
  assert.ok(!noYear.doc.importance.some((item: { feature: string }) => item.feature.startsWith("when_year") || item.feature.startsWith("when_month")));

  // A numeric time column orders the rows and is not a feature, in both files.
  const numbered = file("numbered.csv", "t,x,y\n1,1,1.5\n2,2,2.5\n3,3,3.1\n4,4,4.2\n");
  const numberedLater = file("numbered-later.csv", "t,x,y\n6,6,6.1\n5,5,5.5\n");
  const byNumber = await trainJson(numbered, "--target", "y", "--valid", numberedLater, "--time", "t", "--model", "linear");
  assert.deepEqual(byNumber.doc.split, { kind: "valid", file: numberedLater, column: "t", lastTrain: "4", firstTest: "5" });
  assert.equal(byNumber.doc.features, 1);
  assert.deepEqual(codes(byNumber.doc), []);
});

test("--valid rows at or before the latest training time: one warning with the counts and both ranges, --strict fails on it", async () => {
  const overlap = file("overlap.csv", ["when,x,y", "2024-01-03,3,6.0", "2024-01-08,8,16.2", "2024-01-09,9,18.4", "2024-01-10,10,20.1", "2024-01-11,11,22.2"].join("\n") + "\n");
  const { doc, stderr } = await trainJson(train, "--target", "y", "--valid", overlap, "--time", "when", "--model", "linear");
  const message =
    'the rows are split by time (column "when") but the test rows are not all later: 2 of the 5 test rows (40%) are at or before the latest training time, 2024-01-08 ' +
    "(training 2024-01-01 .. 2024-01-08, test 2024-01-03 .. 2024-01-11): the test score may overstate how the model does on later rows; test on rows later than every training row";
  const finding = doc.audit.find((item: { code: string }) => item.code === "test_not_later");
  assert.deepEqual(finding, {
    code: "test_not_later",
    severity: "warning",
    column: "when",
    evidence: { count: 2, testRows: 5, share: 0.4, before: 0, train: ["2024-01-01", "2024-01-08"], test: ["2024-01-03", "2024-01-11"] },
    message,
  });
  assert.ok(stderr.includes(`warning: ${message}\n`), stderr);
  assert.deepEqual(doc.split, { kind: "valid", file: overlap, column: "when", lastTrain: "2024-01-08", firstTest: "2024-01-03" });

  // One such row: "is".
  const one = file("one-earlier.csv", "t,x,y\n3,3,3.0\n5,5,5.5\n6,6,6.1\n");
  const numbered = file("numbered-4.csv", "t,x,y\n1,1,1.5\n2,2,2.5\n3,3,3.1\n4,4,4.2\n");
  const single = await trainJson(numbered, "--target", "y", "--valid", one, "--time", "t", "--model", "linear");
  assert.match(single.stderr, /warning: the rows are split by time \(column "t"\) but the test rows are not all later: 1 of the 3 test rows \(33%\) is at or before the latest training time, 4 \(training 1 \.\. 4, test 3 \.\. 6\)/);

  const strict = await run("train", train, "--target", "y", "--valid", overlap, "--time", "when", "--model", "linear", "--strict", "--no-track", "--out", join(dir, "strict.model"));
  assert.equal(strict.code, 4, strict.stderr);
});

test("a --valid file entirely before the training data: the same finding, worded for it, and no other time warning", async () => {
  const before = file("before.csv", "when,x,y\n2023-12-02,8,16.2\n2023-12-01,3,6.0\n");
  const { doc, stderr } = await trainJson(train, "--target", "y", "--valid", before, "--time", "when", "--model", "linear");
  assert.deepEqual(codes(doc), ["constant_feature", "constant_feature", "test_not_later"], stderr);
  const finding = doc.audit[2];
  assert.deepEqual(finding.evidence, { count: 2, testRows: 2, share: 1, before: 1, train: ["2024-01-01", "2024-01-08"], test: ["2023-12-01", "2023-12-02"] });
  assert.equal(
    finding.message,
    'the rows are split by time (column "when") but every test row is earlier than every training row (training 2024-01-01 .. 2024-01-08, test 2023-12-01 .. 2023-12-02): ' +
      "the model is scored on the past, not on the later rows it will be used on; train on the earlier rows and test on the later ones",
  );
  assert.match(stderr, /trained on 8 rows up to 2024-01-08, evaluated on the 2 rows of .*before\.csv \(from 2023-12-01 by "when"\)/);
});

test("--valid with --time: errors name the file, the row and the column", async () => {
  const noColumn = file("no-column.csv", "x,y\n9,18.4\n");
  assert.equal(
    await failure("train", train, "--target", "y", "--valid", noColumn, "--time", "when", "--model", "linear", "--no-track"),
    `learnloop train: error: ${noColumn}, column "when": unknown column (available columns: x, y)`,
  );
  // Row 2 is dropped (no target): the row named is the file's.
  const words = file("words.csv", "when,x,y\n2024-01-09,9,18.4\n2024-01-10,10,\nsoon,11,22.0\n");
  assert.equal(
    await failure("train", train, "--target", "y", "--valid", words, "--time", "when", "--model", "linear", "--no-track"),
    `learnloop train: error: ${words}, row 3, column "when": invalid value (expected a date or a time (--time checks the --valid rows come after the training rows), got "soon")`,
  );
  const gap = file("gap.csv", "when,x,y\n2024-01-09,9,18.4\n,10,20.1\n");
  assert.equal(
    await failure("train", train, "--target", "y", "--valid", gap, "--time", "when", "--model", "linear", "--no-track"),
    `learnloop train: error: ${gap}, row 2, column "when": invalid value (expected a time in every row (--time checks the --valid rows come after the training rows), got a missing value)`,
  );
  // The training file's times are checked too.
  const trainGap = file("train-gap.csv", "t,x,y\n1,1,1.5\n,2,2.5\n3,3,3.1\n4,4,4.2\n");
  const numberedLater = file("later-numbers.csv", "t,x,y\n5,5,5.5\n");
  assert.equal(
    await failure("train", trainGap, "--target", "y", "--valid", numberedLater, "--time", "t", "--model", "linear", "--no-track"),
    `learnloop train: error: ${trainGap}, row 2, column "t": invalid value (expected a time in every row (--time checks the --valid rows come after the training rows), got a missing value)`,
  );
  // Numbers in one file and dates in the other do not order against each other.
  const numbered = file("numbers.csv", "t,x,y\n1,1,1.5\n2,2,2.5\n3,3,3.1\n4,4,4.2\n");
  const dated = file("dates.csv", "t,x,y\n2024-01-01,5,5.5\n");
  assert.equal(
    await failure("train", numbered, "--target", "y", "--valid", dated, "--time", "t", "--model", "linear", "--no-track"),
    `learnloop train: error: ${dated}, row 1, column "t": invalid value (expected a number, as in ${numbered} (--time checks the --valid rows come after the training rows), got "2024-01-01")`,
  );
  // The other refusals stay.
  assert.equal(
    await failure("train", train, "--target", "y", "--valid", later, "--time", "when", "--cv", "3", "--no-track"),
    `learnloop train: error: --valid must be left out with --cv (every row is evaluated out of fold), got "${later}"`,
  );
  assert.equal(
    await failure("train", train, "--target", "y", "--valid", later, "--time", "when", "--test-size", "0.3", "--no-track"),
    'learnloop train: error: --test-size must be left out when --valid gives the evaluation rows, got "0.3"',
  );
  const help = await run("train", "--help");
  assert.match(help.stdout + help.stderr, /With --valid: the --valid file is the later period; the column must be in both files/);
});

test("--valid without --time is unchanged; with --time the run, the model file and the card record the split", async () => {
  const plain = await trainJson(train, "--target", "y", "--valid", later, "--model", "linear");
  assert.deepEqual(plain.doc.split, { kind: "valid", file: later });
  assert.equal(plain.doc.features, 5);

  const db = join(dir, "runs.db");
  const model = join(dir, "tracked.model");
  const trained = await run("train", train, "--target", "y", "--valid", later, "--time", "when", "--model", "linear", "--out", model, "--db", db, "--json");
  assert.equal(trained.code, 0, trained.stderr);
  const doc = JSON.parse(trained.stdout);
  const shown = await run("runs", "show", doc.run, "--db", db, "--json");
  assert.equal(shown.code, 0, shown.stderr);
  const params = JSON.parse(shown.stdout).run.params;
  assert.equal(params.valid, later);
  assert.equal(params.time, "when");
  assert.equal("testSize" in params, false);

  const card = await run("report", model, "--json");
  assert.equal(card.code, 0, card.stderr);
  assert.deepEqual(JSON.parse(card.stdout).model.training.split, doc.split);
});

/** seattle-weather.csv's lines whose date satisfies `keep`, as a file of the test's folder. */
function seattle(name: string, keep: (date: string) => boolean): string {
  const [header, ...lines] = readFileSync(SEATTLE, "utf8").trim().split("\n");
  return file(name, [header, ...lines.filter((line) => keep(line.slice(0, 10)))].join("\n") + "\n");
}

test("seattle-weather by year: 2012-2014 then 2015 is a forward split; the second half of 2014 in both files is named; 2015 then the years before it is the past", async () => {
  const early = seattle("seattle-2012-2014.csv", (date) => date < "2015");
  const year2015 = seattle("seattle-2015.csv", (date) => date >= "2015");
  const model = join(dir, "seattle.model");
  const forward = await trainJson(early, "--target", "weather", "--valid", year2015, "--time", "date", "--out", model);
  assert.deepEqual(forward.doc.split, { kind: "valid", file: year2015, column: "date", lastTrain: "2014-12-31", firstTest: "2015-01-01" });
  assert.deepEqual(forward.doc.rows, { train: 1096, test: 365, dropped: 0 });
  assert.deepEqual(codes(forward.doc), ["class_imbalance"], forward.stderr);
  const evaluated = await run("evaluate", model, year2015, "--json", "--no-track");
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.deepEqual(JSON.parse(evaluated.stdout).metrics, forward.doc.metrics);

  // July-December 2014 is in both files: 184 days.
  const fromJuly = seattle("seattle-2014-07-on.csv", (date) => date >= "2014-07-01");
  const overlap = await trainJson(early, "--target", "weather", "--valid", fromJuly, "--time", "date");
  const finding = overlap.doc.audit.find((item: { code: string }) => item.code === "test_not_later");
  assert.deepEqual(finding?.evidence, { count: 184, testRows: 549, share: 0.335155, before: 0, train: ["2012-01-01", "2014-12-31"], test: ["2014-07-01", "2015-12-31"] });
  assert.match(overlap.stderr, /184 of the 549 test rows \(34%\) are at or before the latest training time, 2014-12-31 \(training 2012-01-01 \.\. 2014-12-31, test 2014-07-01 \.\. 2015-12-31\)/);

  // 2015 first, then the years before it (temp_max: 2015 has no snow to be a class of).
  const past = await trainJson(year2015, "--target", "temp_max", "--valid", early, "--time", "date");
  assert.deepEqual(codes(past.doc), ["constant_feature", "test_not_later"], past.stderr);
  assert.deepEqual(past.doc.audit[1].evidence, { count: 1096, testRows: 1096, share: 1, before: 1, train: ["2015-01-01", "2015-12-31"], test: ["2012-01-01", "2014-12-31"] });
  // Without --time the same files raise a shift and a random split over time instead, which the exact check replaces.
  const unsaid = await trainJson(year2015, "--target", "temp_max", "--valid", early);
  assert.deepEqual(codes(unsaid.doc), ["constant_feature", "distribution_shift", "random_split_over_time"], unsaid.stderr);
});

test("auditTraining with times: a test row at the latest training time is a split at the cut, one earlier is a finding; times must fit the rows and name their column", async () => {
  const data = await readDataset(train, { target: "y", ignore: ["when"] });
  const valid = await readDataset(later, { schema: schemaOf(data), requireTarget: true });
  const audit = (test: number[], label?: (time: number) => string) =>
    auditTraining({ train: data, test: valid, seed: 1, splitByTime: "t", times: { train: [1, 2, 3, 4, 5, 6, 7, 8], test, ...(label ? { label } : {}) } }).filter((finding) => finding.code === "test_not_later");
  assert.deepEqual(audit([8, 8, 9]), []);
  assert.deepEqual(audit([7.5, 8, 9], (time) => `day ${time}`), [
    { code: "test_not_later", severity: "warning", column: "t", evidence: { count: 2, testRows: 3, share: 0.666667, before: 0, train: ["day 1", "day 8"], test: ["day 7.5", "day 9"] } },
  ]);
  // Rows without a time are not counted.
  assert.deepEqual(audit([0, NaN, 0.5])[0]?.evidence, { count: 2, testRows: 2, share: 1, before: 1, train: ["1", "8"], test: ["0", "0.5"] });
  assert.equal(
    formatError(captured(() => auditTraining({ train: data, test: valid, seed: 1, splitByTime: "t", times: { train: [1, 2], test: [9, 9, 9] } }))),
    'auditTraining: times must be one time per row (8 training and 3 test rows), got "2 and 3 times"',
  );
  assert.equal(
    formatError(captured(() => auditTraining({ train: data, test: valid, seed: 1, times: { train: [1, 2, 3, 4, 5, 6, 7, 8], test: [9, 9, 9] } }))),
    'auditTraining: times must be given with splitByTime (the column they are the times of), got nothing',
  );
});

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error");
}
