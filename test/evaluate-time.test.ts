/**
 * `learnloop evaluate <model> <data>` of a model trained with --time: the rows are checked against the
 * model's last training time, as its file records it. Rows earlier than it get one warning with the counts
 * and both periods; --json always says the ranges; a model trained without --time is evaluated as before.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readModelFile } from "../src/models/registry.js";
import { runCli as run } from "./support/run-cli.js";
import { tempFolder } from "./support/temp-folder.js";
import { failure, trainJson } from "./support/tree-audit.js";

const { dir, file } = tempFolder("learnloop-evaluate-time-");
const SEATTLE = "node_modules/vega-datasets/data/seattle-weather.csv";

/** 10 days of January 2024, y about 2x: --time "when" trains on the first 8 (up to 2024-01-08), tests on the last 2. */
const days = file(
  "days.csv",
  ["when,x,y", "2024-01-01,1,2.1", "2024-01-02,2,3.9", "2024-01-03,3,6.3", "2024-01-04,4,8.1", "2024-01-05,5,10.5", "2024-01-06,6,12.2", "2024-01-07,7,14.0", "2024-01-08,8,15.9", "2024-01-09,9,18.2", "2024-01-10,10,19.8"].join("\n") + "\n",
);
/** The same rows numbered: --time "t" trains on t 1..8. The time is not a feature. */
const numbered = file("numbered.csv", ["t,x,y", ...Array.from({ length: 10 }, (_, i) => `${i + 1},${i + 1},${(2 * (i + 1) + (i % 3) * 0.1).toFixed(1)}`)].join("\n") + "\n");

const dated = join(dir, "dated.model");
const byNumber = join(dir, "numbered.model");
const plain = join(dir, "plain.model");

/** evaluate --json --no-track that must succeed: its document and stderr. */
async function evaluateJson(...argv: string[]): Promise<{ doc: Record<string, any>; stderr: string }> {
  const result = await run("evaluate", ...argv, "--json", "--no-track");
  assert.equal(result.code, 0, result.stderr);
  return { doc: JSON.parse(result.stdout) as Record<string, any>, stderr: result.stderr };
}

/** stderr's lines that start with `prefix` ("warning:", "note:"). */
const lines = (stderr: string, prefix: string): string[] => stderr.split("\n").filter((line) => line.startsWith(prefix));

test("the models: trained by time, their file records the column and the last training time", async () => {
  const byDate = await trainJson(days, "--target", "y", "--time", "when", "--model", "linear", "--out", dated);
  assert.deepEqual(byDate.doc.split, { kind: "time", column: "when", testSize: 0.2, lastTrain: "2024-01-08", firstTest: "2024-01-09" });
  const byT = await trainJson(numbered, "--target", "y", "--time", "t", "--model", "linear", "--out", byNumber);
  assert.deepEqual(byT.doc.split, { kind: "time", column: "t", testSize: 0.2, lastTrain: "8", firstTest: "9" });
  await trainJson(days, "--target", "y", "--model", "linear", "--out", plain);
});

test("later rows: no warning, and --json gives the model's last training time and the rows' range", async () => {
  // Shuffled, and the first row at the last training day itself: a split at the cut, as train's audit reads it.
  const later = file("later.csv", "when,x,y\n2024-01-12,12,24.1\n2024-01-08,8,16.0\n2024-01-11,11,22.3\n");
  const { doc, stderr } = await evaluateJson(dated, later);
  assert.deepEqual(doc.time, { column: "when", lastTrain: "2024-01-08", first: "2024-01-08", last: "2024-01-12", rows: 3, undated: 0, notLater: 1, earlier: 0 });
  assert.deepEqual(lines(stderr, "warning:"), []);
  assert.deepEqual(lines(stderr, "note:"), []);
  // The figures are those of the rows, whatever the check says: the same as for the model without the time check.
  assert.equal(doc.rows, 3);
  const text = await run("evaluate", dated, later, "--no-track");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stderr, /^linear model \(regression\) on 3 rows of .*later\.csv\n/);
});

test("rows reaching back into the training period: one warning with the hand-counted rows and both periods, in --json too", async () => {
  // 2024-01-03 and 2024-01-07 (written as a timestamp: one reader of times) are before 2024-01-08; 2024-01-08 is at it; 2024-01-12 later.
  const overlap = file("overlap.csv", "when,x,y\n2024-01-03,3,6.0\n2024-01-08,8,16.2\n2024-01-12,12,24.1\n2024-01-07 00:00:00,7,14.1\n");
  const message =
    'the model was trained on rows up to 2024-01-08 by "when", and 3 of the 4 rows evaluated (75%) are at or before that time (these rows 2024-01-03 .. 2024-01-12): ' +
    "the figures may overstate how the model does on later rows; evaluate on rows later than 2024-01-08";
  const { doc, stderr } = await evaluateJson(dated, overlap);
  assert.deepEqual(doc.time, { column: "when", lastTrain: "2024-01-08", first: "2024-01-03", last: "2024-01-12", rows: 4, undated: 0, notLater: 3, earlier: 2, warning: message });
  assert.deepEqual(lines(stderr, "warning:"), [`warning: ${message}`]);

  // The training file itself: both warnings, the fingerprint's and the time's (8 of the 10 days are on or before 2024-01-08).
  const own = await evaluateJson(dated, days);
  assert.equal(own.doc.sameAsTraining, true);
  assert.deepEqual(own.doc.time, {
    column: "when",
    lastTrain: "2024-01-08",
    first: "2024-01-01",
    last: "2024-01-10",
    rows: 10,
    undated: 0,
    notLater: 8,
    earlier: 7,
    warning:
      'the model was trained on rows up to 2024-01-08 by "when", and 8 of the 10 rows evaluated (80%) are at or before that time (these rows 2024-01-01 .. 2024-01-10): ' +
      "the figures may overstate how the model does on later rows; evaluate on rows later than 2024-01-08",
  });
  assert.equal(lines(own.stderr, "warning:").length, 2, own.stderr);

  // One row at or before, of numbers: "is"; rows without a time are left out and the words say so.
  const oneEarlier = file("one-earlier.csv", "t,x,y\n3,3,6.1\n12,12,24.1\n,11,22.0\n10,10,20.2\n");
  const single = await evaluateJson(byNumber, oneEarlier);
  assert.deepEqual(single.doc.time.undated, 1);
  assert.deepEqual(lines(single.stderr, "warning:"), [
    'warning: the model was trained on rows up to 8 by "t", and 1 of the 3 rows with a time (33%) is at or before that time (these rows 3 .. 12): ' +
      "the figures may overstate how the model does on later rows; evaluate on rows later than 8",
  ]);
  // Text the reader makes numbers of (a numeric time column holding a word) is read the same way.
  const withWord = file("with-word.csv", "t,x,y\n5,5,10.2\nlater,11,22.0\n9,9,18.1\n");
  const worded = await evaluateJson(byNumber, withWord);
  assert.deepEqual(worded.doc.time, {
    column: "t",
    lastTrain: "8",
    first: "5",
    last: "9",
    rows: 2,
    undated: 1,
    notLater: 1,
    earlier: 1,
    warning:
      'the model was trained on rows up to 8 by "t", and 1 of the 2 rows with a time (50%) is at or before that time (these rows 5 .. 9): ' +
      "the figures may overstate how the model does on later rows; evaluate on rows later than 8",
  });
});

test("a model trained without --time: evaluate's output is unchanged, and --time is refused", async () => {
  const overlap = file("plain-overlap.csv", "when,x,y\n2024-01-03,3,6.0\n2024-01-12,12,24.1\n");
  const { doc, stderr } = await evaluateJson(plain, overlap);
  assert.deepEqual(Object.keys(doc), ["model", "metrics", "rows", "timings"]);
  assert.equal(stderr.split("\n")[0], `linear model (regression) on 2 rows of ${overlap}`);
  assert.deepEqual(lines(stderr, "warning:"), []);
  assert.deepEqual(lines(stderr, "note:"), []);
  assert.equal(
    await failure("evaluate", plain, overlap, "--time", "when", "--no-track"),
    `learnloop evaluate: error: --time must be used with a model whose file records its last training time (train --time; ${plain} records none: trained without --time, or before model files recorded it), got "when"`,
  );
});

test("data without the model's time column: a note says the check was skipped and why; --time names the column when it is called otherwise", async () => {
  const noColumn = file("no-column.csv", "x,y\n3,6.1\n12,24.1\n");
  const { doc, stderr } = await evaluateJson(byNumber, noColumn);
  const why = `${noColumn} has no column "t", the model's time column (pass --time <col> if it has another name)`;
  assert.deepEqual(doc.time, { column: "t", lastTrain: "8", skipped: why });
  assert.deepEqual(lines(stderr, "note:"), [`note: the rows' times were not checked against the model's training period: ${why}`]);
  assert.deepEqual(lines(stderr, "warning:"), []);
  assert.equal(doc.rows, 2);

  const renamed = file("renamed.csv", "period,x,y\n3,3,6.1\n12,12,24.1\n");
  const named = await evaluateJson(byNumber, renamed, "--time", "period");
  assert.deepEqual(named.doc.time, {
    column: "period",
    lastTrain: "8",
    first: "3",
    last: "12",
    rows: 2,
    undated: 0,
    notLater: 1,
    earlier: 1,
    warning:
      'the model was trained on rows up to 8 by "period", and 1 of the 2 rows evaluated (50%) is at or before that time (these rows 3 .. 12): ' +
      "the figures may overstate how the model does on later rows; evaluate on rows later than 8",
  });
  // Named by the user, a column the data lacks is an error, and so is the target.
  assert.equal(
    await failure("evaluate", byNumber, renamed, "--time", "day", "--no-track"),
    `learnloop evaluate: error: ${renamed}, column "day": unknown column (available columns: period, x, y)`,
  );
  assert.equal(await failure("evaluate", byNumber, renamed, "--time", "y", "--no-track"), 'learnloop evaluate: error: --time must be a column other than the target, got "y"');
  const help = await run("evaluate", "--help");
  assert.match(help.stdout + help.stderr, /--time <col> +the data's time column, when it is not named as in training .*Without it too, a model trained with --time is checked against the rows/);
  // Numbers where the model's times are dates do not order against them: skipped, with the reason.
  const numbers = await evaluateJson(dated, file("numbers.csv", "when,x,y\n2024-01-09,9,18.0\n"), "--time", "x");
  assert.equal(numbers.doc.time.skipped, `column "x" of ${join(dir, "numbers.csv")} holds numbers, and the model's times are dates (up to 2024-01-08)`);
});

test("a model cross-validated by time is refit on every row: its last training time is the latest of them, and evaluate checks against it", async () => {
  const model = join(dir, "cv.model");
  const trained = await trainJson(days, "--target", "y", "--time", "when", "--cv", "3", "--model", "linear", "--out", model);
  // days.csv runs 2024-01-01 .. 2024-01-10, all of them refit on.
  assert.deepEqual(trained.doc.split, { kind: "cv", mode: "time", folds: 3, column: "when", lastTrain: "2024-01-10" });
  const later = file("cv-later.csv", "when,x,y\n2024-01-02,2,4.0\n2024-01-12,12,24.1\n");
  const { doc, stderr } = await evaluateJson(model, later);
  const warning =
    'the model was trained on rows up to 2024-01-10 by "when", and 1 of the 2 rows evaluated (50%) is at or before that time (these rows 2024-01-02 .. 2024-01-12): the figures may overstate how the model does on later rows; evaluate on rows later than 2024-01-10';
  assert.deepEqual(doc.time, { column: "when", lastTrain: "2024-01-10", first: "2024-01-02", last: "2024-01-12", rows: 2, undated: 0, notLater: 1, earlier: 1, warning });
  assert.deepEqual(lines(stderr, "warning:"), [`warning: ${warning}`]);
});

test("a cross-validated model's file written before it recorded its last training time: the check is skipped with a note, and --time is refused", async () => {
  const model = join(dir, "cv-old.model");
  await trainJson(days, "--target", "y", "--time", "when", "--cv", "3", "--model", "linear", "--out", model);
  // The file as train wrote it until 2026-11-26: the split without lastTrain.
  const { model: fitted, header } = await readModelFile(model);
  const { lastTrain, ...split } = header.info!.split as Record<string, unknown>;
  assert.equal(lastTrain, "2024-01-10");
  writeFileSync(model, fitted.toBytes({ fingerprint: header.fingerprint, metrics: header.metrics, info: { ...header.info, split } }));
  const later = file("cv-old-later.csv", "when,x,y\n2024-01-02,2,4.0\n2024-01-12,12,24.1\n");
  const { doc, stderr } = await evaluateJson(model, later);
  const why = 'the model was cross-validated by "when", then refit on every row, and its file does not record its last training time';
  assert.deepEqual(doc.time, { column: "when", skipped: why });
  assert.deepEqual(lines(stderr, "note:"), [`note: the rows' times were not checked against the model's training period: ${why}`]);
  assert.equal(
    await failure("evaluate", model, later, "--time", "when", "--no-track"),
    `learnloop evaluate: error: --time must be used with a model whose file records its last training time (train --time; ${model} records none: cross-validated by "when", then refit on every row), got "when"`,
  );
});

/** seattle-weather.csv's lines whose date satisfies `keep`, as a file of the test's folder. */
function seattle(name: string, keep: (date: string) => boolean): string {
  const [header, ...rest] = readFileSync(SEATTLE, "utf8").trim().split("\n");
  return file(name, [header, ...rest.filter((line) => keep(line.slice(0, 10)))].join("\n") + "\n");
}

test("seattle-weather: a model trained on 2012-2014 (--valid 2015) evaluated on July 2014 onwards: the 184 days of July-December 2014 are named; on 2015 alone, nothing", async () => {
  const early = seattle("seattle-2012-2014.csv", (date) => date < "2015");
  const year2015 = seattle("seattle-2015.csv", (date) => date >= "2015");
  const model = join(dir, "seattle.model");
  const trained = await trainJson(early, "--target", "weather", "--valid", year2015, "--time", "date", "--out", model);
  assert.equal(trained.doc.split.lastTrain, "2014-12-31");

  const forward = await evaluateJson(model, year2015);
  assert.deepEqual(forward.doc.time, { column: "date", lastTrain: "2014-12-31", first: "2015-01-01", last: "2015-12-31", rows: 365, undated: 0, notLater: 0, earlier: 0 });
  assert.deepEqual(forward.doc.metrics, trained.doc.metrics);
  assert.deepEqual(lines(forward.stderr, "warning:"), []);

  // July-December 2014: 31 + 31 + 30 + 31 + 30 + 31 = 184 days at or before 2014-12-31, of 184 + 365 rows.
  const fromJuly = seattle("seattle-2014-07-on.csv", (date) => date >= "2014-07-01");
  const overlap = await evaluateJson(model, fromJuly);
  const message =
    'the model was trained on rows up to 2014-12-31 by "date", and 184 of the 549 rows evaluated (34%) are at or before that time (these rows 2014-07-01 .. 2015-12-31): ' +
    "the figures may overstate how the model does on later rows; evaluate on rows later than 2014-12-31";
  assert.deepEqual(overlap.doc.time, { column: "date", lastTrain: "2014-12-31", first: "2014-07-01", last: "2015-12-31", rows: 549, undated: 0, notLater: 184, earlier: 183, warning: message });
  assert.deepEqual(lines(overlap.stderr, "warning:"), [`warning: ${message}`]);
});
