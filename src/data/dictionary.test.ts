import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCodePoints, mergeCategories, sortCategories } from "./dictionary.js";

test("categories sort by code point, as DuckDB sorts UTF-8 text", () => {
  const values = ["b", "a", "B", "", "é", "\u{1F600}", "\uFFFD", "ab", "a b"];
  // The naive twin: compare UTF-8 bytes.
  const byBytes = [...values].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual(sortCategories([...values]), byBytes);
  assert.ok(compareCodePoints("\u{1F600}", "\uFFFD") > 0); // UTF-16 order would say the opposite
});

test("merging late categories renumbers every code to the sorted dictionary", () => {
  const codes = Int32Array.of(0, 1, -1, 2, 3, 1);
  // known ["b", "d"], found later: "c" (code 2), "a" (code 3)
  const merged = mergeCategories(["b", "d"], ["c", "a"], codes);
  assert.deepEqual(merged, ["a", "b", "c", "d"]);
  assert.deepEqual(Array.from(codes), [1, 3, -1, 2, 0, 3]);
});
