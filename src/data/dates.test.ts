import { test } from "node:test";
import assert from "node:assert/strict";
import { writeDateParts } from "./dates.js";

/** The naive twin: JavaScript's Date in UTC. */
function naiveParts(ms: number): number[] {
  const date = new Date(ms);
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), (date.getUTCDay() + 6) % 7, date.getUTCHours()];
}

test("date parts agree with Date in UTC, across eras, leap days and negative times", () => {
  const instants: number[] = [
    0,
    -1,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999),
    Date.UTC(1900, 1, 28, 12),
    Date.UTC(1600, 2, 1),
    Date.UTC(-44, 2, 15, 8),
    Date.UTC(2100, 11, 31, 23),
    Date.UTC(2024, 0, 1, 0, 0, 0, 1),
  ];
  // Plus a pseudo-random spread over ±300 years, some in runs of the same day (the day cache).
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const base = (x / 4294967296 - 0.5) * 2 * 300 * 365.25 * 86_400_000;
    instants.push(Math.round(base), Math.round(base) + 3_600_000);
  }
  const n = instants.length;
  const out = { year: new Float64Array(n), month: new Float64Array(n), day: new Float64Array(n), dayofweek: new Float64Array(n), hour: new Float64Array(n) };
  writeDateParts(instants, 0, n, out, 0);
  for (let i = 0; i < n; i++) {
    assert.deepEqual([out.year[i], out.month[i], out.day[i], out.dayofweek[i], out.hour[i]], naiveParts(instants[i]!), `at ${new Date(instants[i]!).toISOString()}`);
  }
});

test("missing dates give NaN in every part; unrequested parts are not written", () => {
  const year = new Float64Array(3);
  const hour = new Float64Array(3);
  writeDateParts([Date.UTC(2021, 4, 6, 7), NaN, Date.UTC(2021, 4, 6, 8)], 0, 3, { year, hour }, 0);
  assert.deepEqual(Array.from(year), [2021, NaN, 2021]);
  assert.deepEqual(Array.from(hour), [7, NaN, 8]);
});
