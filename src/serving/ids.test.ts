import assert from "node:assert/strict";
import { test } from "node:test";
import { newPredictionId } from "./ids.js";

test("prediction ids are RFC 9562 version-7 UUIDs carrying their millisecond", () => {
  const at = Date.UTC(2026, 10, 25, 22, 0, 0, 123);
  const id = newPredictionId(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), at);
});

test("prediction ids are unique and strictly increase in the order they are made, within a millisecond too", () => {
  // 200 ids a millisecond, and 20,000 in one (a 10,000-row request makes 10,000 in a millisecond or two).
  const at = Date.now() + 10_000;
  const ids = [
    ...Array.from({ length: 30_000 }, (_, i) => newPredictionId(at + Math.floor(i / 200))),
    ...Array.from({ length: 20_000 }, () => newPredictionId(at + 1000)),
  ];
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(ids.at(-1)!.slice(0, 8) + ids.at(-1)!.slice(9, 13), 16), at + 1000);
  // The counter (after "-7", and after the variant digit) counts by one within a millisecond...
  const counter = (id: string): number => parseInt(id.slice(15, 18), 16) * 2 ** 14 + (parseInt(id[19]!, 16) & 3) * 2 ** 12 + parseInt(id.slice(20, 23), 16);
  for (let i = 1; i < 20_000; i++) assert.equal(counter(ids[30_000 + i]!) - counter(ids[30_000 + i - 1]!), 1);
  // ...and starts at random (below 2^24) in each new one: the first ids of 150 milliseconds.
  const starts = Array.from({ length: 150 }, (_, k) => counter(ids[200 * k]!));
  assert.ok(starts.every((start) => start < 2 ** 24));
  assert.ok(new Set(starts).size > 140, `${new Set(starts).size} distinct starts`);
  // The random tail really varies: every hex digit shows up in every random position.
  for (let position = 24; position < 36; position++) assert.equal(new Set(ids.map((id) => id[position])).size, 16, `position ${position}`);
});
