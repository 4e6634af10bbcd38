/**
 * What a black-box audit of the running service found, over real HTTP: each test failed before its mend.
 * - a row holding an extra field nested thousands of levels deep was a 500 ("Maximum call stack size
 *   exceeded", from writing the row to the prediction log); in a batch, the rows before it were logged
 *   although the client got no answer for them;
 * - a request that is not valid HTTP (Content-Length with Transfer-Encoding, a bad chunk, headers over
 *   Node's limit) was answered by Fastify's default, `{"error":"Bad Request","message":"Client
 *   Error","statusCode":400}`: neither the service's one-line shape nor a word of what was wrong;
 * - a body of the wrong shape was answered in AJV's words, which say neither what was expected nor what
 *   came ("rows[0]: must be object", "outcomes[0].id: must be string", "request body: must be object" for
 *   a POST with no body at all);
 * - /openapi.json listed 503 only for the routes that read the store or a body, though every route answers
 *   503 while the service shuts down (a request whose headers end once the drain has begun);
 * - `learnloop serve` on a registry whose models have versions but no champion told the operator to
 *   register a model file (they had) and promote it; `--models` with a name the registry does not hold
 *   said "it has no champion", as if it were registered;
 * - a model name in the URL longer than the registry allows was a 414 echoing the whole URL, "'/v1/models/
 *   aaa...' is exceeding the max param length", without the limit;
 * - the service log said when writing the prediction log failed ("kept to retry"), but never when it
 *   worked again (checking the registry says both), so an operator could not tell from it whether the
 *   kept records were written;
 * - `learnloop serve` stopped while its PostgreSQL store was unreachable lost the queued predictions
 *   (said in one line) but ended with "stopped: N predictions logged" and status 0, as if nothing were lost;
 * - stopping the service while the store was unreachable for a moment gave the queued predictions up at
 *   the first failed write (a blip just as it stopped lost them); it now retries for as long as a request
 *   may take (--timeout) first;
 * - GET /v1/models listed only the models served: a champion refused (corrupt file) while an older version
 *   keeps serving, or a name whose only champion was refused, showed nowhere but in the service's log;
 * - `learnloop serve --host <a name that does not resolve>` ended with status 1 and Node's
 *   "getaddrinfo ENOTFOUND ...", not the flag's one-line error and status 2;
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { StoreError } from "../../src/core/errors.js";
import { GradientBoosting, readDataset } from "../../src/index.js";
import { createService } from "../../src/serving/app.js";
import { openStore } from "../../src/tracking/index.js";
import type { Store } from "../../src/tracking/types.js";
import { runCli } from "../support/run-cli.js";
import { throwawayDatabase } from "../support/postgres.js";
import { listenLocally, promoteSpecies, serveProcess } from "../support/service.js";

const PENGUINS = join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data", "penguins.json");
const TOKEN = "audit-token-0123456789";
const ROW = { Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" };
const ROW_TEXT = JSON.stringify(ROW).slice(1, -1);

/** A JSON array nested `depth` levels deep, as text (JSON.parse reads it; JSON.stringify of the value runs out of stack). */
function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** `store` as the service sees it, whose prediction-log writes fail (unreachable) while `down()` is true. */
function failingLogWrites(store: Store, down: () => boolean): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === "logPredictionLines") {
        return (lines: string) => (down() ? Promise.reject(new StoreError("unavailable", "flaky", "cannot reach the store")) : target.logPredictionLines(lines));
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("the service, as an audit over HTTP found it", () => {
  let home = "";
  let store: Store;
  let app: FastifyInstance;
  let base = "";

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "learnloop-audit-"));
    store = await openStore({ url: join(home, "learnloop.db") });
    await promoteSpecies(store, 3);
    app = await createService({ store, token: TOKEN, pollIntervalMs: 0 });
    base = await listenLocally(app);
  });

  after(async () => {
    if (app) await app.close().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  async function post(path: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }): Promise<[number, unknown]> {
    const response = await fetch(base + path, { method: "POST", headers, body });
    return [response.status, await response.json()];
  }

  /** What the service answers to `text` written raw on a new connection, once it closes it. */
  function raw(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), "127.0.0.1");
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(answer));
      socket.write(text);
    });
  }

  /** Predictions of "species" in the store, once the queue is written. */
  async function logged(): Promise<number> {
    await app.learnloop.log.flush();
    return (await store.predictionCounts("species")).predictions;
  }

  test("a row with an extra field nested too deeply to be logged is a 400 naming the row, and nothing of its request is logged", async () => {
    const tooDeep = `rows[1]: a value in the row is nested too deeply (thousands of levels of arrays or objects) to be written to the prediction log; send flat values`;
    const before = await logged();
    assert.deepEqual(await post("/v1/models/species/predict", `{"rows":[{${ROW_TEXT}},{${ROW_TEXT},"note":${nested(20_000)}},{${ROW_TEXT}}]}`), [400, { error: tooDeep }]);
    assert.deepEqual(await post("/v1/models/species/predict", `{"rows":[{${ROW_TEXT},"note":${nested(20_000)}}]}`), [400, { error: tooDeep.replace("rows[1]", "rows[0]") }]);
    assert.equal(await logged(), before);
    // Nesting a row's JSON can hold is logged as sent.
    const [status] = await post("/v1/models/species/predict", `{"rows":[{${ROW_TEXT},"note":${nested(100)}}]}`);
    assert.equal(status, 200);
    assert.equal(await logged(), before + 1);
  });

  test("a request that is not valid HTTP gets the service's one-line error saying what is wrong with it", async () => {
    const answers = [
      await raw("POST /v1/models/species/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
      await raw("POST /v1/models/species/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
      await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`),
    ];
    const bodies = answers.map((answer) => [answer.split("\r\n")[0], JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))]);
    assert.deepEqual(bodies, [
      ["HTTP/1.1 400 Bad Request", { error: "the request is not valid HTTP/1.1: Transfer-Encoding can't be present with Content-Length" }],
      ["HTTP/1.1 400 Bad Request", { error: "the request is not valid HTTP/1.1: Invalid character in chunk size" }],
      ["HTTP/1.1 431 Request Header Fields Too Large", { error: "the request's headers are larger than the limit of 16,384 bytes" }],
    ]);
    for (const answer of answers) assert.match(answer, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
  });

  test("serve --host with a name that does not resolve: the flag's one-line error, status 2", async () => {
    const served = await runCli("serve", "--db", join(home, "learnloop.db"), "--port", "0", "--host", "no-such-host.invalid");
    assert.equal(served.code, 2, served.stderr);
    assert.equal(served.stderr.split("\n").at(-2), 'learnloop serve: error: --host must be an address of this machine or a host name that resolves to one (0.0.0.0 for every interface), got "no-such-host.invalid"');
  });

  test("a body of the wrong shape: what was expected there, and what came", async () => {
    const predict = "/v1/models/species/predict";
    const cases: [string, string][] = [
      ['{"rows": {}}', "rows: expected an array of rows (objects of feature values), got {}"],
      ['{"rows": null}', "rows: expected an array of rows (objects of feature values), got null"],
      ['{"rows": 3}', "rows: expected an array of rows (objects of feature values), got 3"],
      [`{"rows": [{${ROW_TEXT}}, null]}`, "rows[1]: expected an object of feature values, got null"],
      ['{"rows": [[1, 2]]}', "rows[0]: expected an object of feature values, got [1,2]"],
      ['{"rows": ["Biscoe"]}', 'rows[0]: expected an object of feature values, got "Biscoe"'],
      ["[]", "request body: expected a JSON object, got []"],
      ["null", "request body: expected a JSON object, got null"],
    ];
    for (const [body, error] of cases) assert.deepEqual(await post(predict, body), [400, { error }], body);
    const noBody = await fetch(base + predict, { method: "POST" });
    assert.deepEqual([noBody.status, await noBody.json()], [400, { error: "the request body is empty; expected a JSON object (Content-Type: application/json)" }]);
    const feedback = (body: string): Promise<[number, unknown]> => post("/v1/models/species/feedback", body, { "content-type": "application/json", authorization: `Bearer ${TOKEN}` });
    assert.deepEqual(await feedback('{"outcomes": {"id": "x"}}'), [400, { error: 'outcomes: expected an array of outcomes ({"id", "label"}), got {"id":"x"}' }]);
    assert.deepEqual(await feedback('{"outcomes": ["x"]}'), [400, { error: 'outcomes[0]: expected an outcome, {"id": "<prediction id>", "label": <observed value>}, got "x"' }]);
    assert.deepEqual(await feedback('{"outcomes": [{"id": 5, "label": "Adelie"}]}'), [400, { error: "outcomes[0].id: expected a prediction id (a string), got 5" }]);
  });

  test("every route answers 503 while the service shuts down, and /openapi.json lists 503 for each", async () => {
    const closing = await createService({ store, token: TOKEN, pollIntervalMs: 0 });
    const closingBase = await listenLocally(closing);
    const openapi = (await (await fetch(`${closingBase}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const open = (text: string): { socket: Socket; answer: Promise<string> } => {
      const socket = connect(Number(new URL(closingBase).port), "127.0.0.1");
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk));
      socket.on("error", () => undefined);
      socket.write(text);
      return { socket, answer: new Promise((resolve) => socket.on("close", () => resolve(answer))) };
    };
    // A slow upload holds the drain; requests whose headers end once it has begun are refused.
    const slow = open("POST /v1/models/species/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    const gets = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/models", "/v1/models/species/live"].map((path) => open(`GET ${path} HTTP/1.1\r\nHost: x\r\n`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = closing.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const get of gets) get.socket.write("\r\n");
    const answers = await Promise.all(gets.map((get) => get.answer));
    slow.socket.destroy();
    await closed;
    for (const answer of answers) {
      assert.equal(answer.split("\r\n")[0], "HTTP/1.1 503 Service Unavailable");
      assert.deepEqual(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)), { error: "the service is shutting down; send the request again" });
    }
    const undocumented = Object.entries(openapi.paths).flatMap(([path, operations]) => Object.entries(operations).filter(([, operation]) => !operation.responses["503"]).map(([method]) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual(undocumented, []);
  });

  test("serve with no champion names the version to promote, and a name the registry does not hold as such", async () => {
    const dir = mkdtempSync(join(tmpdir(), "learnloop-audit-nochampion-"));
    try {
      const db = join(dir, "learnloop.db");
      const other = await openStore({ url: db });
      const model = new GradientBoosting({ iterations: 2, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
      await other.registerModel({ name: "species", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "test" });
      await other.registerModel({ name: "species", modelFile: new GradientBoosting({ iterations: 3, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" })).toBytes(), kind: model.kind, task: model.task, actor: "test" });
      await other.close();
      const lastLine = async (...argv: string[]): Promise<[number, string | undefined]> => {
        const served = await runCli("serve", "--db", db, "--port", "0", ...argv);
        return [served.code, served.stderr.split("\n").at(-2)];
      };
      assert.deepEqual(await lastLine(), [5, `learnloop serve: error: ${db}: nothing to serve: the registry has no champion model (species has 2 versions and no champion: \`learnloop models promote species 2\` makes its latest the champion)`]);
      assert.deepEqual(await lastLine("--models", "species"), [5, 'learnloop serve: error: model "species": nothing to serve: it has no champion in the registry (it has 2 versions: `learnloop models promote species 2` makes its latest the champion)']);
      assert.deepEqual(await lastLine("--models", "specie"), [5, 'learnloop serve: error: model "specie": nothing to serve: the registry holds no model of that name (it holds: species)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a model name in the URL longer than a registry name may be: 414 with the limit, not the URL echoed", async () => {
    const response = await fetch(`${base}/v1/models/${"a".repeat(2000)}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: `{"rows":[{${ROW_TEXT}}]}` });
    assert.deepEqual([response.status, await response.json()], [414, { error: "the model name in the URL has 2000 characters; a registered name has at most 128" }]);
  });

  test("the service log says when writing the prediction log works again after failing, and how many records it wrote", async () => {
    let down = true;
    const flaky = failingLogWrites(store, () => down);
    const events: string[] = [];
    const service = await createService({ store: flaky, token: TOKEN, pollIntervalMs: 0, logThread: false, predictionLog: { flushIntervalMs: 20 }, onEvent: (line) => events.push(line) });
    try {
      const serviceBase = await listenLocally(service);
      const body = `{"rows":[{${ROW_TEXT}},{${ROW_TEXT}},{${ROW_TEXT}}]}`;
      const response = await fetch(`${serviceBase}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body });
      assert.equal(response.status, 200);
      // The timer's writes fail (said once for the streak) until the store is back.
      await new Promise((resolve) => setTimeout(resolve, 150));
      down = false;
      await service.learnloop.log.flush();
      assert.deepEqual(events.filter((line) => line.startsWith("prediction log")), [
        "prediction log: writing 3 records failed (kept to retry): flaky: cannot reach the store",
        "prediction log: writing works again (3 records written; 0 dropped while it failed)",
      ]);
    } finally {
      await service.close();
    }
  });

  test("stopping while the store is down for a moment: the queued predictions are retried, not given up at once", async () => {
    let down = true;
    const flaky = failingLogWrites(store, () => down);
    const events: string[] = [];
    const service = await createService({ store: flaky, token: TOKEN, pollIntervalMs: 0, logThread: false, requestTimeoutMs: 5000, onEvent: (line) => events.push(line) });
    const before = await logged();
    const serviceBase = await listenLocally(service);
    const response = await fetch(`${serviceBase}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: `{"rows":[{${ROW_TEXT}},{${ROW_TEXT}}]}` });
    assert.equal(response.status, 200);
    const closed = service.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    down = false;
    await closed;
    assert.equal(service.learnloop.log.pending, 0);
    assert.equal(await logged(), before + 2);
    assert.deepEqual(events.filter((line) => line.startsWith("prediction log")), [
      "prediction log: writing 2 records failed (kept to retry): flaky: cannot reach the store",
      "prediction log: 2 records wait for the store at shutdown; retrying for up to 5000 ms (--timeout) before giving them up",
      "prediction log: writing works again (2 records written; 0 dropped while it failed)",
    ]);
  });

  test("GET /v1/models lists the champions refused, with the version that keeps serving and why", async () => {
    const model = new GradientBoosting({ iterations: 2, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
    const corrupt = (): Uint8Array => {
      const bytes = model.toBytes();
      bytes[bytes.length - 100]! ^= 0xff;
      return bytes;
    };
    const broken = await store.registerModel({ name: "broken", modelFile: corrupt(), kind: model.kind, task: model.task, actor: "test" });
    await store.promote("broken", broken.version, { actor: "test", reason: "test" });
    const next = await store.registerModel({ name: "species", modelFile: corrupt(), kind: model.kind, task: model.task, actor: "test" });
    await store.promote("species", next.version, { actor: "test", reason: "test" });
    try {
      const checks = await app.learnloop.reload();
      const reason = checks.find((check) => check.name === "species")!.error!;
      assert.match(reason, /checksum mismatch/);
      const listed = (await (await fetch(`${base}/v1/models`)).json()) as { models: { name: string; version: number }[]; refused: unknown };
      assert.deepEqual(listed.models.map((served) => [served.name, served.version]), [["species", 1]]);
      assert.deepEqual(listed.refused, [
        { name: "broken", version: 1, error: reason.replace("species version 2", "broken version 1") },
        { name: "species", version: 2, error: reason, serving: 1 },
      ]);
    } finally {
      await store.promote("species", 1, { actor: "test", reason: "test" });
    }
  });
});

const postgresUrl = process.env.LEARNLOOP_TEST_POSTGRES;
describe("learnloop serve on PostgreSQL, stopped while the store cannot be reached", { skip: postgresUrl ? false : "LEARNLOOP_TEST_POSTGRES is not set (.ci/run starts a server and sets it)" }, () => {
  test("says how many predictions are lost, and exits 5", async () => {
    const database = await throwawayDatabase(postgresUrl!, "learnloop_audit");
    // The service reaches PostgreSQL through a proxy the test can take down.
    const server = new URL(database.url);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(server.port || 5432), server.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve()));
    const via = new URL(database.url);
    via.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const store = await openStore({ url: via.toString() });
      const model = new GradientBoosting({ iterations: 2, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
      const version = await store.registerModel({ name: "species", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "test" });
      await store.promote("species", version.version, { actor: "test", reason: "test" });
      const location = store.location;
      await store.close();
      const { parent, url, exited } = await serveProcess(via.toString(), ["--timeout", "1000"]);
      const predict = (rows: number): Promise<Response> =>
        fetch(`${url}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: Array(rows).fill(ROW) }) });
      assert.equal((await predict(2)).status, 200);
      // Written within the PostgreSQL log interval (1 s); then the store goes away.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      proxy.close();
      for (const socket of sockets) socket.destroy();
      assert.equal((await predict(3)).status, 200);
      parent.kill("SIGTERM");
      const end = await exited;
      assert.equal(end.code, 5, end.stderr);
      const lines = end.stderr.trim().split("\n").slice(-2);
      assert.equal(lines[0]!.replace(/^\S+ /, ""), "stopped: 2 predictions logged, 3 lost (the store could not be reached to write them)");
      assert.equal(lines[1], `learnloop serve: error: ${location}: 3 predictions could not be written to the prediction log at shutdown; they are lost`);
    } finally {
      proxy.close();
      for (const socket of sockets) socket.destroy();
      await database.drop();
    }
  });
});
