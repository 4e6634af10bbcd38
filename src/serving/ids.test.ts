import assert from "node:assert/strict";
import { test } from "node:test";
import { newPredictionId } from "./ids.js";

test("prediction ids are RFC 9562 version-7 UUIDs carrying their millisecond", () => {
  const at = Date.UTC(2026, 10, 25, 22, 0, 0, 123);
  const id = newPredictionId(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at);
});

test("prediction ids are unique and sort by time", () => {
  const ids = Array.from({ length: 50_000 }, (_, i) => newPredictionId(1_700_000_000_000 + Math.floor(i / 100)));
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  // The random part really varies: every hex digit shows up in every random position.
  for (const position of [15, 20, 25, 30, 35]) assert.equal(new Set(ids.map((id) => id[position])).size, 16, `position ${position}`);
});
