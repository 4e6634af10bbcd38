/**
 * Request bodies and refused champions: a body Fastify's JSON parser refuses is answered with where the
 * JSON breaks (or the key refused), a compressed body with a 415, a name whose only champion failed to
 * load with a 503 that says so (not a 404 "no model named ... is served"), and a model named with 101 to
 * 128 characters is served (Fastify's default parameter limit of 100 answered 414 to every request).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { formatError } from "../../src/core/messages.js";
import { GradientBoosting, readDataset, type Model } from "../../src/index.js";
import { loadModelWithHeader } from "../../src/models/registry.js";
import { createService } from "../../src/serving/app.js";
import { openStore } from "../../src/tracking/index.js";
import type { Store } from "../../src/tracking/types.js";
import { listenLocally } from "../support/service.js";

const PENGUINS = join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data", "penguins.json");
const TOKEN = "unseen-token-0123456789";
/** 110 characters: the registry takes up to 128. */
const LONG_NAME = `penguin-species-by-island-and-size-${"x".repeat(75)}`;
const ROW = { Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" };

describe("request bodies and refused champions", () => {
  let home = "";
  let store: Store;
  let app: FastifyInstance;
  let base = "";
  let reason = "";

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "learnloop-unseen-lead-"));
    store = await openStore({ url: join(home, "learnloop.db") });
    const model: Model = new GradientBoosting({ iterations: 3, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
    for (const name of ["species", "broken", LONG_NAME]) {
      const bytes = model.toBytes();
      if (name === "broken") {
        bytes[bytes.length - 100]! ^= 0xff;
        try {
          loadModelWithHeader(bytes, "broken version 1");
        } catch (error) {
          reason = formatError(error);
        }
      }
      const version = await store.registerModel({ name, modelFile: bytes, kind: model.kind, task: model.task, actor: "test" });
      await store.promote(name, version.version, { actor: "test", reason: "test" });
    }
    app = await createService({ store, token: TOKEN, pollIntervalMs: 0, bodyLimit: 4096 });
    base = await listenLocally(app);
  });

  after(async () => {
    if (app) await app.close().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = { "content-type": "application/json" }): Promise<[number, unknown]> {
    const response = await fetch(base + path, { method: "POST", headers, body });
    return [response.status, await response.json()];
  }

  test("a broken body says where it breaks; a __proto__ key is named; a compressed body is a 415", async () => {
    // Position 16 of `{"rows":[{"a":1,}]}` is the "}" after the trailing comma; the second body ends (at 9 + the row + 20) inside a row.
    assert.deepEqual(await post("/v1/models/species/predict", '{"rows":[{"a":1,}]}'), [400, { error: "the request body is not valid JSON: Expected double-quoted property name in JSON at position 16" }]);
    assert.deepEqual(await post("/v1/models/species/predict", `{"rows":[${JSON.stringify(ROW)}, {"Island": "Dream"`), [400, { error: `the request body is not valid JSON: Expected ',' or '}' after property value in JSON at position ${9 + JSON.stringify(ROW).length + 20}` }]);
    assert.deepEqual(await post("/v1/models/species/predict", `{"rows":[{"__proto__":{"Island":"Biscoe"}}]}`), [400, { error: 'the request body holds a "__proto__" key, or a "constructor" key holding "prototype", which the service refuses' }]);
    assert.deepEqual(await post("/v1/models/species/predict", gzipSync(JSON.stringify({ rows: [ROW] })), { "content-type": "application/json", "content-encoding": "gzip" }), [
      415,
      { error: "the request body must not be compressed (Content-Encoding: gzip); send it as plain JSON" },
    ]);
    // Unchanged: a good body with a charset, an empty body, a body over the limit.
    const [status, answer] = await post("/v1/models/species/predict", JSON.stringify({ rows: [ROW] }), { "content-type": "application/json; charset=utf-8" });
    assert.equal(status, 200, JSON.stringify(answer));
    assert.deepEqual(await post("/v1/models/species/predict", ""), [400, { error: "the request body is empty; expected a JSON object" }]);
    assert.deepEqual(await post("/v1/models/species/predict", JSON.stringify({ rows: Array(40).fill(ROW) })), [413, { error: "the request body is larger than the limit of 4,096 bytes; send fewer rows per request" }]);
  });

  test("a model whose name is as long as the registry allows is served (was 414 'exceeding the max param length' above 100)", async () => {
    assert.equal(LONG_NAME.length, 110);
    const [status, answer] = await post(`/v1/models/${LONG_NAME}/predict`, JSON.stringify({ rows: [ROW] }));
    assert.equal(status, 200, JSON.stringify(answer));
    assert.deepEqual((answer as { model: unknown }).model, { name: LONG_NAME, version: 1 });
  });

  test("a name whose only champion failed to load answers 503 saying so, not 404 'no model named'", async () => {
    assert.notEqual(reason, "");
    const expected = { error: `model "broken" is not served: its champion, version 1, failed to load: ${reason}` };
    assert.deepEqual(await post("/v1/models/broken/predict", JSON.stringify({ rows: [ROW] })), [503, expected]);
    assert.deepEqual(await post("/v1/models/broken/feedback", JSON.stringify({ outcomes: [] }), { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }), [503, expected]);
    assert.deepEqual(await post("/v1/models/nothing/predict", JSON.stringify({ rows: [ROW] })), [404, { error: `no model named "nothing" is served (serving: ${LONG_NAME}, species)` }]);
  });

  test("a champion refused before and made champion again (a rollback) is named again as the one refused, with its own reason", async () => {
    const model: Model = new GradientBoosting({ iterations: 2, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
    const bytes = model.toBytes();
    bytes[bytes.length - 50]! ^= 0xff;
    let reason2 = "";
    try {
      loadModelWithHeader(bytes, "broken version 2");
    } catch (error) {
      reason2 = formatError(error);
    }
    assert.notEqual(reason2, "");
    const version = await store.registerModel({ name: "broken", modelFile: bytes, kind: model.kind, task: model.task, actor: "test" });
    assert.equal(version.version, 2);
    await store.promote("broken", 2, { actor: "test", reason: "test" });
    // A check as the poll makes it (a reload would try every refused champion again).
    await app.learnloop.host.check();
    const body = JSON.stringify({ rows: [ROW] });
    assert.deepEqual(await post("/v1/models/broken/predict", body), [503, { error: `model "broken" is not served: its champion, version 2, failed to load: ${reason2}` }]);
    await store.rollback("broken", { actor: "test", reason: "test" });
    await app.learnloop.host.check();
    assert.deepEqual(await post("/v1/models/broken/predict", body), [503, { error: `model "broken" is not served: its champion, version 1, failed to load: ${reason}` }]);
  });
});
