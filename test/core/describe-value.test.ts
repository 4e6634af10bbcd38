/**
 * describeValue, which shows a received value in error messages: a value nested too deeply for
 * JSON.stringify (a JSON body may hold one: JSON.parse reads any depth) was shown as "[object Array]".
 * It is now described by its kind, size and depth, measured without recursion; checked directly and
 * through the service's answer to a row holding such a value.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeValue, InvalidParameterError } from "../../src/core/errors.js";
import { createService } from "../../src/serving/app.js";
import { openStore } from "../../src/tracking/index.js";
import { listenLocally, promoteSpecies } from "../support/service.js";


/** An array nested `depth` levels deep, the innermost empty, built without recursion. */
function nestedArray(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

test("a value nested 100,000 levels deep is described by its kind, size and depth, not as [object Array]", () => {
  const deep = nestedArray(100_000);
  assert.throws(() => JSON.stringify(deep), RangeError); // what describeValue used to fall back from
  assert.equal(describeValue(deep), "an array of 1 item nested 100,000 levels deep");
  assert.equal(describeValue([1, "a", deep]), "an array of 3 items nested 100,001 levels deep");
  let object: unknown = {};
  for (let level = 1; level < 100_000; level++) object = { inner: object, other: 1 };
  assert.equal(describeValue(object), "an object of 2 fields nested 100,000 levels deep");
  // Through a typed error's message, as the CLI and the service show it.
  assert.equal(new InvalidParameterError("rows", "a list of rows", deep).message, "rows must be a list of rows, got an array of 1 item nested 100,000 levels deep");
});

test("values up to 100 levels deep are still shown as JSON (cut at 60 characters); a value holding itself is named so", () => {
  assert.equal(describeValue([]), "[]");
  assert.equal(describeValue({ a: [1, 2], b: { c: null } }), '{"a":[1,2],"b":{"c":null}}');
  assert.equal(describeValue(nestedArray(100)), "[".repeat(57) + "...");
  assert.equal(describeValue(nestedArray(101)), "an array of 1 item nested 101 levels deep");
  assert.equal(describeValue([nestedArray(3), nestedArray(2)]), "[[[[]]],[[]]]");
  const shared = [1];
  assert.equal(describeValue([shared, shared]), "[[1],[1]]"); // twice, not a cycle
  const cyclic: Record<string, unknown> = { name: "x" };
  cyclic.self = cyclic;
  assert.equal(describeValue(cyclic), "an object of 2 fields that contains itself");
  assert.equal(describeValue(new Float64Array([1.5, 2])), '{"0":1.5,"1":2}');
  const unreadable = {
    get field(): never {
      throw new Error("not readable");
    },
  };
  assert.equal(describeValue(unreadable), "an object of 1 field");
  assert.equal(describeValue("x".repeat(80)), JSON.stringify("x".repeat(57) + "..."));
  assert.equal(describeValue(undefined), "nothing");
});

test("the service answers a row whose feature holds an array nested 100,000 levels deep with a 400 describing it", async () => {
  const home = mkdtempSync(join(tmpdir(), "learnloop-describe-value-"));
  const store = await openStore({ url: join(home, "learnloop.db") });
  try {
    await promoteSpecies(store, 3);
    const app = await createService({ store, token: "describe-value-token", pollIntervalMs: 0 });
    try {
      const base = await listenLocally(app);
      const depth = 100_000;
      const row = `{"Island":"Biscoe","Beak Length (mm)":${"[".repeat(depth)}${"]".repeat(depth)},"Beak Depth (mm)":15,"Flipper Length (mm)":215,"Body Mass (g)":5000,"Sex":"MALE"}`;
      const response = await fetch(`${base}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: `{"rows":[${row}]}` });
      assert.deepEqual([response.status, await response.json()], [400, { error: "rows[0].Beak Length (mm): expected a finite number, got an array of 1 item nested 100,000 levels deep" }]);
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
