import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTrainingPeriod } from "./format.js";
import { checkTrainingPeriod, instantOf } from "./times.js";

test("instantOf: a date, a date and time without a zone (UTC), with a zone; text that names no time is NaN", () => {
  assert.equal(instantOf("2014-12-31"), Date.UTC(2014, 11, 31));
  assert.equal(instantOf("2014-12-31 00:00:00"), Date.UTC(2014, 11, 31));
  assert.equal(instantOf(" 2014-12-31T06:30 "), Date.UTC(2014, 11, 31, 6, 30));
  assert.equal(instantOf("2014-12-31 06:30:15.250"), Date.UTC(2014, 11, 31, 6, 30, 15, 250));
  assert.equal(instantOf("2014-12-31T06:30:00+02:00"), Date.UTC(2014, 11, 31, 4, 30));
  assert.ok(Number.isNaN(instantOf("soon")));
  assert.ok(Number.isNaN(instantOf("")));
});

test("checkTrainingPeriod: counts at or before and strictly before the last training time, rows without a time left out", () => {
  // Times 3, 5, 8, 9, NaN against 8: 3 and 5 earlier, 8 at it, 9 later.
  assert.deepEqual(checkTrainingPeriod("t", [9, 3, NaN, 8, 5], 8, "8", (time) => `day ${time}`), {
    column: "t",
    lastTrain: "8",
    first: "day 3",
    last: "day 9",
    rows: 4,
    undated: 1,
    notLater: 3,
    earlier: 2,
  });
  // Rows at the last training time and later: counted at or before, none earlier (a split at the cut).
  assert.deepEqual(checkTrainingPeriod("t", [8, 10], 8, "8", String), { column: "t", lastTrain: "8", first: "8", last: "10", rows: 2, undated: 0, notLater: 1, earlier: 0 });
  assert.equal(checkTrainingPeriod("t", [NaN, NaN], 8, "8", String), undefined);
  assert.equal(checkTrainingPeriod("t", [], 8, "8", String), undefined);
});

test("formatTrainingPeriod: the counts, the share and both periods; 'rows with a time' when some had none", () => {
  assert.equal(
    formatTrainingPeriod({ column: "t", lastTrain: "4", first: "3", last: "6", rows: 3, undated: 0, notLater: 1, earlier: 1 }),
    'the model was trained on rows up to 4 by "t", and 1 of the 3 rows evaluated (33%) is at or before that time (these rows 3 .. 6): the figures may overstate how the model does on later rows; evaluate on rows later than 4',
  );
  assert.equal(
    formatTrainingPeriod({ column: "when", lastTrain: "2024-01-08", first: "2024-01-01", last: "2024-01-02", rows: 2, undated: 5, notLater: 2, earlier: 2 }),
    'the model was trained on rows up to 2024-01-08 by "when", and 2 of the 2 rows with a time (100%) are at or before that time (these rows 2024-01-01 .. 2024-01-02): the figures may overstate how the model does on later rows; evaluate on rows later than 2024-01-08',
  );
});
