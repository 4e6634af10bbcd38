/**
 * The row reader matches a category that is a number however a client writes it, by the readers' rule
 * (src/data/category-text.ts): the number 4, "4" and "4.0" are the category "4.0" (or "4"), a zip code
 * "02134" is never the number 2134, and a number two categories share is no category.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MISSING_CODE, type Schema } from "../core/types.js";
import { RowReader, RowValidationError } from "./rows.js";

const schema: Schema = {
  features: [
    { name: "cyl", kind: "categorical", categories: ["4.0", "6.0", "8.0"] },
    { name: "gears", kind: "categorical", categories: ["3", "5"] },
    { name: "zip", kind: "categorical", categories: ["02134", "10001", "7", "7.0"] },
  ],
  target: { name: "price", task: "regression" },
};
const reader = new RowReader(schema);

function codes(row: Record<string, unknown>): number[] {
  return Array.from(reader.toVector(row, 0, "missing"));
}

test("a number, its text and DuckDB's decimal text are the one category, both ways", () => {
  assert.deepEqual(codes({ cyl: 6, gears: 5, zip: "10001" }), [1, 1, 1]);
  assert.deepEqual(codes({ cyl: "6", gears: "5.0", zip: 10001 }), [1, 1, 1]);
  assert.deepEqual(codes({ cyl: "6.0", gears: 5.0, zip: "10001.0" }), [1, 1, 1]);
  assert.deepEqual(codes({ cyl: 8, gears: 3, zip: null }), [2, 0, MISSING_CODE]);
});

test("other spellings of a number, zip codes and numbers two categories share match nothing", () => {
  assert.deepEqual(codes({ cyl: "06", gears: "5.00", zip: 2134 }), [MISSING_CODE, MISSING_CODE, MISSING_CODE]);
  assert.deepEqual(codes({ cyl: " 4", gears: "+3", zip: "2134" }), [MISSING_CODE, MISSING_CODE, MISSING_CODE]);
  // "7" and "7.0" are both categories: their own texts are theirs, the other spellings neither's.
  assert.deepEqual(codes({ cyl: 4.5, gears: 3, zip: "7" }), [MISSING_CODE, 0, 2]);
  assert.deepEqual(codes({ cyl: 4, gears: 3, zip: "7.0" }), [0, 0, 3]);
  assert.deepEqual(codes({ cyl: 4, gears: 3, zip: 7 }), [0, 0, 2]); // String(7) is "7", a category
  assert.throws(
    () => reader.toVector({ cyl: 4, gears: 3, zip: 2134 }, 2),
    (error: unknown) => error instanceof RowValidationError && error.issue.field === "zip" && error.issue.received === "2134",
  );
});
