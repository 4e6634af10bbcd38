/**
 * `learnloop train --time <col>` without --cv: the latest --test-size share of rows by that column is the
 * test set, and the audit reads the split the metrics come from (the time holdout, a group fold, the
 * --valid file against the training file).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../src/core/rng.js";
import { runCli as run } from "./support/run-cli.js";
import { failure, scratch, trainJson } from "./support/tree-audit.js";

const { file } = scratch("learnloop-time-split-");
const PENGUINS = "node_modules/vega-datasets/data/penguins.json";

/** 10 dated rows in shuffled file order; 2024-01-08 twice, so the cut of the latest 2 rows falls in a tie. */
const dated = file(
  "dated.csv",
  [
    "when,x,y",
    "2024-01-05,5,10.5",
    "2024-01-08,8,16.2",
    "2024-01-01,1,2.1",
    "2024-01-09,9,18.4",
    "2024-01-03,3,6.3",
    "2024-01-07,7,14.0",
    "2024-01-02,2,3.9",
    "2024-01-08,8,15.9",
    "2024-01-06,6,12.2",
    "2024-01-04,4,8.1",
  ].join("\n") + "\n",
);

test("--time: the latest rows by the column are the test set, rows tied at the cut go with them, a date's parts stay features", async () => {
  const { doc, stderr } = await trainJson(dated, "--target", "y", "--time", "when", "--model", "linear");
  // 10 rows, --test-size 0.2: 2 test rows would cut between the two 2024-01-08 rows; both go to the test set.
  assert.deepEqual(doc.split, { kind: "time", column: "when", testSize: 0.2, lastTrain: "2024-01-07", firstTest: "2024-01-08" });
  assert.deepEqual(doc.rows, { train: 7, test: 3, dropped: 0 });
  assert.equal(doc.features, 5, "when_year, when_month, when_day, when_dayofweek and x");
  assert.match(stderr, /linear model, regression; trained on 7 rows up to 2024-01-07, evaluated on the 3 latest rows by "when" \(from 2024-01-08\)\n/);

  // Named by --id too, the date is only the order of the rows.
  const asId = await trainJson(dated, "--target", "y", "--time", "when", "--id", "when", "--model", "linear");
  assert.equal(asId.doc.features, 1);
  assert.deepEqual(asId.doc.rows, { train: 7, test: 3, dropped: 0 });

  // Without --time the split is random: the same rows, another kind.
  const random = await trainJson(dated, "--target", "y", "--model", "linear");
  assert.deepEqual(random.doc.split, { kind: "random", testSize: 0.2, seed: 42 });
  assert.deepEqual(random.doc.rows, { train: 8, test: 2, dropped: 0 });

  // A numeric time column orders the rows and is not a feature.
  const numbered = file("numbered.csv", "t,x,y\n3,1,1.0\n1,2,2.1\n4,3,2.9\n2,4,4.2\n6,5,5.1\n5,6,5.8\n8,7,7.2\n7,8,8.1\n10,9,8.8\n9,10,10.3\n");
  const byNumber = await trainJson(numbered, "--target", "y", "--time", "t", "--test-size", "0.3", "--model", "linear");
  assert.deepEqual(byNumber.doc.split, { kind: "time", column: "t", testSize: 0.3, lastTrain: "7", firstTest: "8" });
  assert.deepEqual(byNumber.doc.rows, { train: 7, test: 3, dropped: 0 });
  assert.equal(byNumber.doc.features, 1);

  // --ignore drops one part of a date and keeps the others; a part the date does not have is unknown.
  const noYear = await trainJson(dated, "--target", "y", "--time", "when", "--ignore", "when_year", "--model", "linear");
  assert.equal(noYear.doc.features, 4);
  assert.ok(!noYear.doc.importance.some((item: { feature: string }) => item.feature === "when_year"));
  assert.match(await failure("train", dated, "--target", "y", "--ignore", "when_hour", "--no-track"), /^learnloop train: error: .*dated\.csv, column "when_hour": unknown column/);
});

test("--time: errors name the flag, the file, the row and the column", async () => {
  const gap = file("gap.csv", "t,x,y\n1,1,1\n2,2,2\n,3,3\n4,4,4\n");
  assert.equal(
    await failure("train", gap, "--target", "y", "--time", "t", "--model", "linear", "--no-track"),
    `learnloop train: error: ${gap}, row 3, column "t": invalid value (expected a time in every row (--time puts the latest rows in the test set), got a missing value)`,
  );
  const words = file("words.csv", "when,x,y\n2024-01-01,1,1\nsoon,2,2\n2024-01-03,3,3\n2024-01-04,4,4\n");
  assert.equal(
    await failure("train", words, "--target", "y", "--time", "when", "--model", "linear", "--no-track"),
    `learnloop train: error: ${words}, row 2, column "when": invalid value (expected a date or a time (--time puts the latest rows in the test set), got "soon")`,
  );
  // Rows 1-4 at time 5, row 5 later: the latest 2 rows reach into the tie, so no row is left before them.
  const same = file("same.csv", "t,x,y\n5,1,1\n5,2,2\n5,3,3\n5,4,4\n6,5,5\n");
  assert.equal(
    await failure("train", same, "--target", "y", "--time", "t", "--test-size", "0.4", "--model", "linear", "--no-track"),
    `learnloop train: error: ${same}, column "t": invalid value (expected some rows earlier than the latest --test-size 0.4 share (rows at the time of the cut all go to the test set), got 5 in every row up to the cut)`,
  );
  const help = await run("train", "--help");
  assert.match(help.stdout + help.stderr, /--time <col> +split by time: the latest --test-size share of rows by this column is the test set, every training row strictly earlier/);
});

/**
 * 900 days from 2020-01-01 in file order; `y` is mostly 0 before day 540 and mostly 1 after (15% flipped):
 * a target that follows time. `x` is noise; `drift` rises with the day.
 */
function timeFollowingFile(): string {
  const random = new Random(5);
  const lines = ["date,x,drift,y"];
  for (let day = 0; day < 900; day++) {
    const date = new Date(Date.UTC(2020, 0, 1 + day)).toISOString().slice(0, 10);
    const y = (day >= 540 ? 1 : 0) ^ (random.next() < 0.15 ? 1 : 0);
    lines.push(`${date},${random.next().toFixed(6)},${(day / 900 + 0.1 * random.next()).toFixed(6)},${y}`);
  }
  return file("time-following.csv", lines.join("\n") + "\n");
}

test("the audit reads the time holdout: quiet on a target that follows time, loud on a random split of it, and a drifting feature is still a shift", async () => {
  const path = timeFollowingFile();
  const byTime = await trainJson(path, "--target", "y", "--time", "date", "--ignore", "drift", "--model", "linear");
  assert.deepEqual(byTime.doc.audit, [], byTime.stderr);
  assert.equal(byTime.doc.split.kind, "time");
  assert.deepEqual(byTime.doc.rows, { train: 720, test: 180, dropped: 0 });

  const random = await trainJson(path, "--target", "y", "--ignore", "drift", "--model", "linear");
  assert.deepEqual(random.doc.audit.map((finding: { code: string }) => finding.code), ["random_split_over_time"], random.stderr);
  assert.match(random.stderr, /warning: rows are dated \(column "date"\) but the test rows are not the latest: \d+% of the 180 test rows are earlier than the latest training row/);

  // The date's own parts differ between the sides by construction and are not compared; a feature that
  // drifts with time still tells the later rows apart.
  const drifting = await trainJson(path, "--target", "y", "--time", "date", "--model", "linear");
  const shift = drifting.doc.audit.find((finding: { code: string }) => finding.code === "distribution_shift");
  assert.ok(shift, drifting.stderr);
  assert.deepEqual(shift.evidence.topFeatures.map((f: { feature: string }) => f.feature), ["drift"]);
});

test("the audit reads a group fold under --cv --group and the --valid file under --valid", async () => {
  const grouped = await trainJson(PENGUINS, "--target", "Species", "--cv", "3", "--group", "Island", "--model", "linear");
  assert.deepEqual(grouped.doc.split, { kind: "cv", mode: "group", folds: 3, column: "Island" });
  assert.ok(!grouped.doc.audit.some((finding: { code: string }) => finding.code === "shared_groups"), "a group fold shares no island");
  // The fold audited holds out Biscoe (168 penguins, the largest island: group k-fold's first fold), whose
  // penguins differ from the other islands': a random third of the rows would not be told apart.
  const shift = grouped.doc.audit.find((finding: { code: string }) => finding.code === "distribution_shift");
  assert.ok(shift, grouped.stderr);
  assert.deepEqual([shift.evidence.trainRows, shift.evidence.testRows], [176, 168]);

  // 200 training rows; a --valid file of 30 rows, 12 of them copies of training rows.
  const random = new Random(9);
  const row = () => `${random.next().toFixed(6)},${random.next().toFixed(6)}`;
  const trainRows = Array.from({ length: 200 }, () => `${row()},${random.next() < 0.5 ? "a" : "b"}`);
  const validRows = [...trainRows.slice(0, 12), ...Array.from({ length: 18 }, () => `${row()},${random.next() < 0.5 ? "a" : "b"}`)];
  const train = file("train.csv", ["u,v,label", ...trainRows].join("\n") + "\n");
  const valid = file("valid-copies.csv", ["u,v,label", ...validRows].join("\n") + "\n");
  const checked = await trainJson(train, "--target", "label", "--valid", valid, "--model", "linear");
  assert.deepEqual(checked.doc.split, { kind: "valid", file: valid });
  assert.deepEqual(checked.doc.rows, { train: 200, test: 30, dropped: 0 });
  assert.match(checked.stderr, /warning: 12 test rows \(40% of 30\) are exact copies of training rows/);
});
