import assert from "node:assert/strict";
import { test } from "node:test";
import type { Schema } from "../core/types.js";
import { writeDateParts } from "../data/dates.js";
import { RowReader, RowValidationError, datePart, formatRowIssue, parseIsoInstant } from "./rows.js";

test("datePart agrees with the readers' writeDateParts on every part over four centuries of instants", () => {
  const n = 20_000;
  const epoch = new Float64Array(n);
  // From 1700 to 2100 in uneven steps, negative instants included, plus NaN.
  for (let i = 0; i < n; i++) epoch[i] = Date.UTC(1700, 0, 1) + i * 631_152_000_000 / n * 1.0000137 + (i % 97) * 3_600_000;
  epoch[7] = NaN;
  const parts = { year: new Float64Array(n), month: new Float64Array(n), day: new Float64Array(n), dayofweek: new Float64Array(n), hour: new Float64Array(n) };
  writeDateParts(epoch, 0, n, parts, 0);
  for (const part of ["year", "month", "day", "dayofweek", "hour"] as const) {
    for (let i = 0; i < n; i++) assert.deepEqual(datePart(epoch[i]!, part), parts[part][i], `${part} of ${epoch[i]}`);
  }
});

test("datePart: hand-worked dates (pandas' dayofweek: Monday is 0)", () => {
  const ms = Date.UTC(2001, 2, 5, 14, 30); // Monday 5 March 2001, 14:30 UTC
  assert.deepEqual(["year", "month", "day", "dayofweek", "hour"].map((p) => datePart(ms, p as "year")), [2001, 3, 5, 0, 14]);
  const leap = Date.UTC(2000, 1, 29, 23, 59); // Tuesday 29 February 2000
  assert.deepEqual(["year", "month", "day", "dayofweek", "hour"].map((p) => datePart(leap, p as "year")), [2000, 2, 29, 1, 23]);
});

test("parseIsoInstant: dates and times in UTC, offsets converted, impossible dates refused", () => {
  assert.equal(parseIsoInstant("2001-01-01"), Date.UTC(2001, 0, 1));
  assert.equal(parseIsoInstant("2001-01-01 10:00"), Date.UTC(2001, 0, 1, 10));
  assert.equal(parseIsoInstant("2001-01-01T10:00:00.123"), Date.UTC(2001, 0, 1, 10, 0, 0, 123));
  assert.equal(parseIsoInstant("2001-01-01T10:00:00Z"), Date.UTC(2001, 0, 1, 10));
  assert.equal(parseIsoInstant("2001-01-01T10:00:00+02:00"), Date.UTC(2001, 0, 1, 8));
  assert.equal(parseIsoInstant("2001-01-01T01:00:00-0330"), Date.UTC(2001, 0, 1, 4, 30));
  assert.equal(parseIsoInstant("2000-02-29"), Date.UTC(2000, 1, 29));
  assert.equal(parseIsoInstant("0050-06-01"), new Date(Date.UTC(2000, 5, 1)).setUTCFullYear(50));
  for (const bad of ["2001-02-29", "1900-02-29", "2001-13-01", "2001-01-32", "2001-01-01T24:00", "yesterday", "2001/01/01", "", "12"]) {
    assert.equal(parseIsoInstant(bad), undefined, bad);
  }
});

const schema: Schema = {
  features: [
    { name: "distance", kind: "numeric" },
    { name: "origin", kind: "categorical", categories: ["1", "ATL", "BOS", "true"] },
    { name: "date_month", kind: "numeric", derivedFrom: { column: "date", part: "month" } },
    { name: "date_hour", kind: "numeric", derivedFrom: { column: "date", part: "hour" } },
    { name: "ratio", kind: "numeric" },
  ],
  target: { name: "delayed", task: "binary", classes: ["false", "true"] },
  derived: [
    { name: "delayed", expression: "delay > 15" },
    { name: "ratio", expression: "distance / 100" },
  ],
};

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RowValidationError);
    return formatRowIssue(error.issue);
  }
  assert.fail("no error");
}

test("RowReader: the fields a row needs, values into the schema's layout", () => {
  const reader = new RowReader(schema);
  assert.deepEqual(reader.fields, ["distance", "origin", "date", "ratio"]);
  const vector = reader.toVector({ distance: 500, origin: "BOS", date: "2001-03-05T14:30:00", ratio: 5, extra: "ignored" }, 0);
  assert.deepEqual([...vector], [500, 2, 3, 14, 5]);
  assert.deepEqual([...reader.toVector({ distance: null, origin: null, date: null, ratio: true }, 0)], [NaN, -1, NaN, NaN, 1]);
  // Numbers and booleans are read as their text for categories.
  assert.deepEqual([...reader.toVector({ distance: 1, origin: 1, date: Date.UTC(2001, 11, 31, 23), ratio: false }, 0)], [1, 0, 12, 23, 0]);
  assert.equal(reader.toVector({ distance: 1, origin: true, date: null, ratio: 0 }, 0)[1], 3);
  assert.equal(reader.toVector({ distance: 1, origin: "SFO", date: null, ratio: 0 }, 0, "missing")[1], -1);

  const data = reader.toDataset([
    { distance: 500, origin: "BOS", date: "2001-03-05T14:30:00", ratio: 5 },
    { distance: 12.5, origin: "ATL", date: "2001-07-01", ratio: null },
  ]);
  assert.equal(data.nRows, 2);
  assert.deepEqual(data.features.map((c) => c.name), ["distance", "origin", "date_month", "date_hour", "ratio"]);
  const origin = data.features[1]!;
  assert.ok(origin.kind === "categorical");
  assert.deepEqual([...origin.codes], [2, 1]);
  assert.deepEqual(origin.categories, ["1", "ATL", "BOS", "true"]);
  const month = data.features[2]!;
  assert.ok(month.kind === "numeric");
  assert.deepEqual([...month.values], [3, 7]);
  assert.deepEqual(month.derivedFrom, { column: "date", part: "month" });
});

test("RowReader: one line naming the row and the field for each bad value", () => {
  const reader = new RowReader(schema);
  const good = { distance: 500, origin: "BOS", date: "2001-03-05", ratio: 5 };
  const rows = (bad: Record<string, unknown>) => [good, good, { ...good, ...bad }];
  assert.equal(messageOf(() => reader.toDataset(rows({ distance: "abc" }))), 'rows[2].distance: expected a finite number, got "abc"');
  assert.equal(messageOf(() => reader.toDataset(rows({ distance: Infinity }))), "rows[2].distance: expected a finite number, got Infinity");
  assert.equal(messageOf(() => reader.toDataset(rows({ distance: [1] }))), "rows[2].distance: expected a finite number, got [1]");
  assert.equal(
    messageOf(() => reader.toDataset(rows({ origin: "SFO" }))),
    'rows[2].origin: expected one of the categories ("1", "ATL", "BOS", "true"), got "SFO"; send ?unknown=missing to read unknown categories as missing values',
  );
  assert.equal(messageOf(() => reader.toDataset(rows({ date: "March 5" }))), 'rows[2].date: expected a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC, got "March 5"');
  assert.equal(messageOf(() => reader.toDataset(rows({ date: true }))), "rows[2].date: expected a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC, got true");
  assert.equal(messageOf(() => reader.toDataset(rows({ distance: undefined }))), "rows[2].distance: expected a value, got no such field; send null for a missing value");
  assert.equal(messageOf(() => reader.toDataset(rows({ date: undefined }))), "rows[2].date: expected a value, got no such field; send null for a missing value");
  assert.equal(
    messageOf(() => reader.toDataset(rows({ ratio: undefined }))),
    'rows[2].ratio: expected a value, got no such field; the model was trained with "ratio" defined as distance / 100, which the service does not compute: send its value',
  );
  assert.equal(messageOf(() => reader.toDataset([good, "row"])), 'rows[1]: expected an object of feature values, got "row"');
});
