/**
 * Acceptance audit of the prediction service (issue 5), from a client's and an operator's side: what a
 * client sends that the main service suite (test/serving/service.test.ts) does not, and what an operator
 * sees at shutdown and in /metrics. The service is built in-process on a SQLite store in a temporary
 * folder and driven over real HTTP (fetch, and a raw socket where a client's connection matters).
 *
 * Tests marked `todo` are gaps found by the audit and not fixed yet (src/serving is another engineer's):
 * each says what a user sees today and what they should see.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { GradientBoosting, readDataset, type Model } from "../src/index.js";
import { createService } from "../src/serving/app.js";
import { openStore } from "../src/tracking/index.js";
import type { Store } from "../src/tracking/types.js";
import { StoreError } from "../src/core/errors.js";

const PENGUINS = join(import.meta.dirname, "..", "node_modules", "vega-datasets", "data", "penguins.json");
const TOKEN = "audit-token-0123456789";
const ROW = { Island: "Biscoe", "Beak Length (mm)": 48.6, "Beak Depth (mm)": 16, "Flipper Length (mm)": 230, "Body Mass (g)": 5800, Sex: "MALE" };
const BODY = JSON.stringify({ rows: [ROW] });

interface Answer {
  status: number;
  body: any;
  text: string;
}

let home = "";
let store: Store;
let model: Model;

async function startService(): Promise<{ app: FastifyInstance; base: string; port: number }> {
  const app = await createService({ store, token: TOKEN, pollIntervalMs: 0, logThread: false, predictionLog: { flushIntervalMs: 50 } });
  await app.listen({ port: 0, host: "127.0.0.1" });
  await app.learnloop.loaded;
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  return { app, base: `http://127.0.0.1:${address.port}`, port: address.port };
}

async function send(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
}

/** Reads one HTTP answer's head (status line and headers, lower-cased names) from a raw socket. */
function readHead(socket: Socket): Promise<{ statusLine: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer): void => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const [statusLine, ...lines] = received.slice(0, end).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ statusLine: statusLine!, headers });
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "learnloop-service-audit-"));
  store = await openStore({ url: join(home, "learnloop.db") });
  const data = await readDataset(PENGUINS, { target: "Species" });
  model = new GradientBoosting({ iterations: 5, threads: 1 }).fit(data);
  const version = await store.registerModel({ name: "penguins", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "audit" });
  await store.promote("penguins", version.version, { actor: "audit", reason: "audit" });
});

after(async () => {
  await store?.close().catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("service audit: what a client sends", () => {
  let app: FastifyInstance;
  let base = "";
  before(async () => {
    ({ app, base } = await startService());
  });
  after(async () => {
    await app?.close().catch(() => undefined);
  });

  test("JSON with a charset parameter in its content type is accepted", async () => {
    const answer = await send(base, "POST", "/v1/models/penguins/predict", BODY, { "content-type": "application/json; charset=utf-8" });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body.model, { name: "penguins", version: 1 });
  });

  test("a prediction id of one model sent as feedback to another is unknown there; the latest label of an id wins", async () => {
    const other = await store.registerModel({ name: "other", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "audit" });
    await store.promote("other", other.version, { actor: "audit", reason: "audit" });
    await app.learnloop.reload();
    const answer = await send(base, "POST", "/v1/models/penguins/predict", BODY, { "content-type": "application/json" });
    const id: string = answer.body.predictions[0].id;
    const auth = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
    const elsewhere = await send(base, "POST", "/v1/models/other/feedback", JSON.stringify({ outcomes: [{ id, label: "Adelie" }] }), auth);
    assert.deepEqual([elsewhere.status, elsewhere.body], [200, { recorded: 0, unknown: 1, unknownIds: [id] }]);
    const twice = await send(base, "POST", "/v1/models/penguins/feedback", JSON.stringify({ outcomes: [{ id, label: "Adelie" }, { id, label: "Gentoo" }] }), auth);
    assert.deepEqual([twice.status, twice.body], [200, { recorded: 1, unknown: 0, unknownIds: [] }]);
    assert.equal((await store.getPrediction(id))?.label, "Gentoo");
    const again = await send(base, "POST", "/v1/models/penguins/feedback", JSON.stringify({ outcomes: [{ id, label: "Chinstrap" }] }), auth);
    assert.deepEqual(again.body, { recorded: 1, unknown: 0, unknownIds: [] });
    assert.equal((await store.getPrediction(id))?.label, "Chinstrap");
  });

  test(
    "a text/plain body is refused as not JSON (415), like any other non-JSON content type",
    async () => {
      const answer = await send(base, "POST", "/v1/models/penguins/predict", BODY, { "content-type": "text/plain" });
      assert.deepEqual([answer.status, answer.body], [415, { error: 'the request body must be JSON (Content-Type: application/json), got "text/plain"' }]);
    },
  );

  test(
    "a 415 names the content type the client sent",
    async () => {
      const answer = await send(base, "POST", "/v1/models/penguins/predict", BODY, { "content-type": "application/x-www-form-urlencoded" });
      assert.deepEqual([answer.status, answer.body], [415, { error: 'the request body must be JSON (Content-Type: application/json), got "application/x-www-form-urlencoded"' }]);
    },
  );

  test(
    "the Authorization scheme is case-insensitive (RFC 9110 11.1): 'bearer <token>' is accepted",
    async () => {
      const answer = await send(base, "POST", "/v1/admin/reload", undefined, { authorization: `bearer ${TOKEN}` });
      assert.equal(answer.status, 200, answer.text);
    },
  );

  test(
    "a bad ?unknown= names the values it may take",
    async () => {
      const answer = await send(base, "POST", "/v1/models/penguins/predict?unknown=drop", BODY, { "content-type": "application/json" });
      assert.deepEqual([answer.status, answer.body], [400, { error: 'unknown: expected one of "error", "missing", got "drop"' }]);
    },
  );

  test(
    "a URL with broken percent-encoding is a 400 in the service's own error shape",
    async () => {
      const answer = await send(base, "POST", "/v1/models/%E0%A4%A/predict", BODY, { "content-type": "application/json" });
      assert.equal(answer.status, 400);
      assert.deepEqual(Object.keys(answer.body), ["error"]);
      assert.match(answer.body.error, /%E0%A4%A/);
    },
  );

  test(
    "requests for models that are not served do not add a metrics series per name (a client cannot grow /metrics without bound)",
    async () => {
      for (let i = 0; i < 3; i++) {
        const answer = await send(base, "POST", `/v1/models/made-up-${i}/predict`, BODY, { "content-type": "application/json" });
        assert.equal(answer.status, 404);
      }
      const metrics = await send(base, "GET", "/metrics");
      assert.equal(metrics.status, 200);
      assert.doesNotMatch(metrics.text, /model="made-up-/);
    },
  );
});

describe("service audit: methods", () => {
  let app: FastifyInstance;
  let base = "";
  before(async () => {
    ({ app, base } = await startService());
  });
  after(async () => {
    await app?.close().catch(() => undefined);
  });

  test("a method a route does not take is a 405 with an Allow header naming the methods it takes; a path that is no route stays a 404", async () => {
    const put = await fetch(`${base}/v1/models/penguins/predict`, { method: "PUT", headers: { "content-type": "application/json" }, body: BODY });
    assert.deepEqual([put.status, put.headers.get("allow"), await put.json()], [405, "POST", { error: "/v1/models/penguins/predict does not take PUT; it takes POST (the routes are listed at /openapi.json)" }]);
    const options = await fetch(`${base}/healthz`, { method: "OPTIONS" });
    assert.deepEqual([options.status, options.headers.get("allow"), await options.json()], [405, "GET, HEAD", { error: "/healthz does not take OPTIONS; it takes GET, HEAD (the routes are listed at /openapi.json)" }]);
    const nowhere = await send(base, "PUT", "/v1/nowhere");
    assert.deepEqual([nowhere.status, nowhere.body], [404, { error: "no route PUT /v1/nowhere (the routes are listed at /openapi.json)" }]);
  });
});

describe("service audit: what an operator reads", () => {
  test("a registry that cannot be read is said once while it lasts, and once when it works again", async () => {
    let down = false;
    let checks = 0;
    // The store as the service sees it: its champion lookups fail while `down`.
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "champion") {
          return (name: string) => {
            checks++;
            return down ? Promise.reject(new StoreError("unavailable", "postgres://db/learnloop", "connect ECONNREFUSED 10.0.0.5:5432")) : target.champion(name);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const lines: string[] = [];
    const app = await createService({ store: flaky, models: ["penguins"], token: TOKEN, pollIntervalMs: 5, logThread: false, onEvent: (line) => lines.push(line) });
    try {
      await app.learnloop.loaded;
      const pollsFrom = async (count: number): Promise<void> => {
        const until = checks + count;
        while (checks < until) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      down = true;
      await pollsFrom(6);
      down = false;
      await pollsFrom(3);
      down = true;
      await pollsFrom(3);
      assert.deepEqual(lines.filter((line) => !line.startsWith("penguins: serving")), [
        "checking the registry failed: postgres://db/learnloop: connect ECONNREFUSED 10.0.0.5:5432",
        "checking the registry works again",
        "checking the registry failed: postgres://db/learnloop: connect ECONNREFUSED 10.0.0.5:5432",
      ]);
    } finally {
      await app.close();
    }
  });
});

describe("service audit: shutdown", () => {
  test(
    "a request in flight when the service stops is answered with Connection: close, so a keep-alive client does not hold the drain open",
    async () => {
      const { app, port } = await startService();
      const socket = connect(port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      const head = readHead(socket);
      // The request's head and half its body: in flight when the service is asked to stop.
      socket.write(`POST /v1/models/penguins/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY.slice(0, 10)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = app.close();
      socket.write(BODY.slice(10));
      const answer = await head;
      socket.destroy();
      await closed;
      assert.match(answer.statusLine, /^HTTP\/1\.1 200 /);
      assert.equal(answer.headers.connection, "close");
    },
  );
});

describe("service audit: a request that arrives while the service stops", () => {
  test(
    "is answered 503 in the service's own error shape, {\"error\": one line}",
    async () => {
      const { app, port } = await startService();
      const socket = connect(port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
      const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      const request = `POST /v1/models/penguins/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n`;
      // The first request is in flight when the service is asked to stop; the second comes after it on the same connection.
      socket.write(request + BODY.slice(0, 10));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = app.close();
      socket.write(BODY.slice(10) + request + BODY);
      await Promise.race([ended, closed.then(() => new Promise((resolve) => setTimeout(resolve, 200)))]);
      socket.destroy();
      await closed;
      const answers = received.split(/(?=HTTP\/1\.1 )/);
      assert.equal(answers.length, 2, received);
      assert.match(answers[0]!, /^HTTP\/1\.1 200 /);
      assert.match(answers[1]!, /^HTTP\/1\.1 503 /);
      const body = JSON.parse(answers[1]!.slice(answers[1]!.indexOf("\r\n\r\n") + 4));
      assert.deepEqual(Object.keys(body), ["error"]);
      assert.match(body.error, /shutting down/);
    },
  );
});
