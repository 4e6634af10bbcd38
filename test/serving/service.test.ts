/**
 * The prediction service end to end over real HTTP: models trained with the library, registered and
 * promoted in a SQLite store in a temporary folder, the service on a free port; predictions compared to
 * the model's own predictProba, feedback, hot swap under load, a corrupt champion refused, bad requests
 * with their exact answers, auth, limits, metrics, the OpenAPI document, and a shutdown that flushes the
 * prediction log.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { GradientBoosting, readDataset, type Dataset, type Model } from "../../src/index.js";
import { createService } from "../../src/serving/app.js";
import { openStore } from "../../src/tracking/index.js";
import type { Store } from "../../src/tracking/types.js";
import { throwawayDatabase } from "../support/postgres.js";
import { listenLocally } from "../support/service.js";

const DATA = join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data");
const PENGUINS = join(DATA, "penguins.json");
const WEATHER = join(DATA, "seattle-weather.csv");
const TOKEN = "test-token-0123456789";

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** Plain JSON rows of a JSON data file, as a client would send them. */
function jsonRows(file: string): Record<string, unknown>[] {
  return JSON.parse(readFileSync(file, "utf8"));
}

function probaRows(model: Model, data: Dataset): number[][] {
  const proba = model.predictProba(data);
  return Array.from({ length: proba.nRows }, (_, i) => Array.from(proba.data.subarray(i * proba.nCols, (i + 1) * proba.nCols)));
}

async function register(store: Store, name: string, bytes: Uint8Array, model: Model, promote = true): Promise<number> {
  const version = await store.registerModel({ name, modelFile: bytes, kind: model.kind, task: model.task, actor: "test" });
  if (promote) await store.promote(name, version.version, { actor: "test", reason: "test" });
  return version.version;
}

/** The whole suite against one store backend. */
function serviceSuite(label: string, openTestStore: (home: string) => Promise<Store>): void {
  let base = "";
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const response = await fetch(base + path, init);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }
  let home = "";
  let store: Store;
  let app: FastifyInstance;
  let penguins: Dataset;
  let species1: Model;
  let species2: Model;
  let adelie: Model;
  let weather: Model;
  const events: string[] = [];

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "learnloop-serve-"));
    store = await openTestStore(home);
    penguins = await readDataset(PENGUINS, { target: "Species" });
    species1 = new GradientBoosting({ iterations: 10, threads: 1 }).fit(penguins);
    species2 = new GradientBoosting({ iterations: 25, learningRate: 0.2, threads: 1 }).fit(penguins);
    await register(store, "species", species1.toBytes(), species1);

    // A binary model with a derived feature (SQL the service cannot run) and a saved decision rule.
    const binary = await readDataset(PENGUINS, {
      target: "adelie",
      derive: [
        { name: "adelie", expression: `"Species" = 'Adelie'` },
        { name: "beak_ratio", expression: `"Beak Length (mm)" / "Beak Depth (mm)"` },
      ],
      ignore: ["Species"],
    });
    adelie = new GradientBoosting({ iterations: 10, threads: 1 }).fit(binary);
    const decision = { threshold: 0.3, rule: "cost", options: { costFp: 1, costFn: 3 }, precision: 0.9, recall: 0.95, chosenOn: "held-out rows" };
    await register(store, "adelie", adelie.toBytes({ decision }), adelie);

    // A model whose features include date parts of the "date" column.
    const weatherData = await readDataset(WEATHER, { target: "weather" });
    weather = new GradientBoosting({ iterations: 10, threads: 1 }).fit(weatherData);
    await register(store, "weather", weather.toBytes(), weather);

    app = await createService({
      store,
      token: TOKEN,
      pollIntervalMs: 100,
      maxBatch: 500,
      bodyLimit: 1024 * 1024,
      predictionLog: { flushIntervalMs: 200, batchSize: 100 },
      onEvent: (line) => void events.push(line),
    });
    base = await listenLocally(app);
  });

  after(async () => {
    if (app) await app.close().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  describe(`learnloop serve (${label} store)`, () => {
    test("health, readiness and the models served", async () => {
      assert.deepEqual((await call("GET", "/healthz")).body, { status: "ok" });
      const ready = await call("GET", "/readyz");
      assert.equal(ready.status, 200);
      assert.deepEqual(
        ready.body.models.map((m: { name: string }) => m.name).sort(),
        ["adelie", "species", "weather"],
      );
      const models = await call("GET", "/v1/models");
      const species = models.body.models.find((m: { name: string }) => m.name === "species");
      assert.deepEqual(species.classes, ["Adelie", "Chinstrap", "Gentoo"]);
      assert.deepEqual(species.fields, ["Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex"]);
      const weatherModel = models.body.models.find((m: { name: string }) => m.name === "weather");
      assert.deepEqual(weatherModel.fields, ["date", "precipitation", "temp_max", "temp_min", "wind"]);
    });

    test("a batch and a single row answer the model's own probabilities, labels and ids", async () => {
      const rows = jsonRows(PENGUINS).slice(0, 40);
      const answer = await call("POST", "/v1/models/species/predict", { rows });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("content-type"), "application/json; charset=utf-8");
      assert.deepEqual(answer.body.model, { name: "species", version: 1 });
      const expected = probaRows(species1, penguins).slice(0, 40);
      const classes = ["Adelie", "Chinstrap", "Gentoo"];
      const labels = species1.predict(penguins);
      answer.body.predictions.forEach((p: { id: string; prediction: string; probabilities: Record<string, number>; decision?: string }, i: number) => {
        assert.match(p.id, /^[0-9a-f-]{36}$/);
        assert.deepEqual(classes.map((c) => p.probabilities[c]), expected[i]);
        assert.equal(p.prediction, classes[labels[i]!]);
        assert.equal(p.decision, undefined);
      });
      assert.equal(new Set(answer.body.predictions.map((p: { id: string }) => p.id)).size, 40);

      // One row goes through the one-row path: the same numbers.
      for (const i of [0, 3, 17]) {
        const single = await call("POST", "/v1/models/species/predict", { rows: [rows[i]] });
        assert.deepEqual(classes.map((c) => single.body.predictions[0].probabilities[c]), expected[i]);
      }
    });

    test("dates: the service computes date parts as the file reader does", async () => {
      // The same rows through `learnloop predict`'s reader (the model's schema) and over HTTP.
      const lines = ["date,precipitation,temp_max,temp_min,wind", "2012-01-01,0.0,12.8,5.0,4.7", "2013-07-15,0.0,30.6,15.6,2.1", "2015-02-28,1.3,10.0,3.3,5.0"];
      const file = join(home, "weather-rows.csv");
      writeFileSync(file, lines.join("\n") + "\n");
      const fromFile = probaRows(weather, await readDataset(file, { schema: weather.schema }));
      const classes = weather.schema.target.classes!;
      const rows = [
        { date: "2012-01-01", precipitation: 0, temp_max: 12.8, temp_min: 5.0, wind: 4.7 },
        { date: Date.UTC(2013, 6, 15), precipitation: 0, temp_max: 30.6, temp_min: 15.6, wind: 2.1 },
        { date: "2015-02-28T00:00:00Z", precipitation: 1.3, temp_max: 10.0, temp_min: 3.3, wind: 5.0 },
      ];
      const answer = await call("POST", "/v1/models/weather/predict", { rows });
      assert.equal(answer.status, 200, answer.text);
      answer.body.predictions.forEach((p: { probabilities: Record<string, number> }, i: number) => {
        assert.deepEqual(classes.map((c) => p.probabilities[c]), fromFile[i]);
      });
    });

    test("a binary model answers its saved decision; a derived feature must be sent", async () => {
      const row = { Island: "Biscoe", "Beak Length (mm)": 45.2, "Beak Depth (mm)": 15.8, "Flipper Length (mm)": 215, "Body Mass (g)": 5300, Sex: "MALE", beak_ratio: 45.2 / 15.8 };
      const answer = await call("POST", "/v1/models/adelie/predict", { rows: [row, { ...row, Island: "Torgersen", "Beak Length (mm)": 39.1, "Beak Depth (mm)": 18.7, beak_ratio: 39.1 / 18.7 }] });
      assert.equal(answer.status, 200, answer.text);
      for (const p of answer.body.predictions) {
        const positive = p.probabilities.true;
        assert.equal(p.prediction, positive > 0.5 ? "true" : "false");
        assert.equal(p.decision, positive >= 0.3 ? "true" : "false");
      }
      const { beak_ratio: _, ...withoutRatio } = row;
      const missing = await call("POST", "/v1/models/adelie/predict", { rows: [withoutRatio] });
      assert.equal(missing.status, 400);
      assert.equal(
        missing.body.error,
        `rows[0].beak_ratio: expected a value, got no such field; the model was trained with "beak_ratio" defined as "Beak Length (mm)" / "Beak Depth (mm)", which the service does not compute: send its value`,
      );
    });

    test("bad rows: 400 naming the row and the field", async () => {
      const good = { Island: "Biscoe", "Beak Length (mm)": 45.2, "Beak Depth (mm)": 15.8, "Flipper Length (mm)": 215, "Body Mass (g)": 5300, Sex: "MALE" };
      const cases: [unknown, string][] = [
        [[good, { ...good, "Beak Length (mm)": "abc" }], 'rows[1].Beak Length (mm): expected a finite number, got "abc"'],
        [[good, good, { ...good, Sex: "UNKNOWN" }], 'rows[2].Sex: expected one of the categories (".", "FEMALE", "MALE"), got "UNKNOWN"; send ?unknown=missing to read unknown categories as missing values'],
        [[{ ...good, Island: undefined }], "rows[0].Island: expected a value, got no such field; send null for a missing value"],
        [[{ ...good, Island: 7 }], 'rows[0].Island: expected one of the categories ("Biscoe", "Dream", "Torgersen"), got 7; send ?unknown=missing to read unknown categories as missing values'],
        [[{ ...good, Island: { name: "Biscoe" } }], 'rows[0].Island: expected one of the categories ("Biscoe", "Dream", "Torgersen"), got {"name":"Biscoe"}'],
        [[7], "rows[0]: expected an object of feature values, got 7"],
        [[], "rows: expected at least one row"],
      ];
      for (const [rows, message] of cases) {
        const answer = await call("POST", "/v1/models/species/predict", { rows });
        assert.equal(answer.status, 400, JSON.stringify(rows));
        assert.deepEqual(answer.body, { error: message });
      }
      // A number too large for a double arrives as Infinity.
      const infinite = await call("POST", "/v1/models/species/predict", `{"rows": [${JSON.stringify(good).replace("5300", "1e999")}]}`);
      assert.deepEqual(infinite.body, { error: "rows[0].Body Mass (g): expected a finite number, got Infinity" });
      const notJson = await call("POST", "/v1/models/species/predict", "{rows: [");
      assert.equal(notJson.status, 400);
      assert.match(notJson.body.error, /^the request body is not valid JSON: /);
      const noRows = await call("POST", "/v1/models/species/predict", { row: [good] });
      assert.deepEqual([noRows.status, noRows.body], [400, { error: "rows: required" }]);
      const unknownModel = await call("POST", "/v1/models/nope/predict", { rows: [good] });
      assert.deepEqual([unknownModel.status, unknownModel.body], [404, { error: 'no model named "nope" is served (serving: adelie, species, weather)' }]);
      const badDate = await call("POST", "/v1/models/weather/predict", { rows: [{ date: "2012-02-30", precipitation: 0, temp_max: 1, temp_min: 0, wind: 1 }] });
      assert.deepEqual(badDate.body, { error: 'rows[0].date: expected a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC, got "2012-02-30"' });
    });

    test("null is a missing value, and ?unknown=missing reads an unknown category as missing", async () => {
      const good = { Island: "Biscoe", "Beak Length (mm)": 45.2, "Beak Depth (mm)": 15.8, "Flipper Length (mm)": 215, "Body Mass (g)": 5300, Sex: "MALE" };
      const asNull = await call("POST", "/v1/models/species/predict", { rows: [{ ...good, Sex: null, "Body Mass (g)": null }] });
      const asUnknown = await call("POST", "/v1/models/species/predict?unknown=missing", { rows: [{ ...good, Sex: "UNKNOWN", "Body Mass (g)": null }] });
      assert.equal(asNull.status, 200);
      assert.equal(asUnknown.status, 200);
      assert.deepEqual(asUnknown.body.predictions[0].probabilities, asNull.body.predictions[0].probabilities);
      // The model's own answer for the same missing values.
      const data: Dataset = {
        nRows: 1,
        fingerprint: "",
        features: species1.schema.features.map((spec) =>
          spec.kind === "categorical"
            ? { kind: "categorical", name: spec.name, categories: spec.categories!, codes: Int32Array.of(spec.name === "Sex" ? -1 : spec.categories!.indexOf(String((good as Record<string, unknown>)[spec.name]))) }
            : { kind: "numeric", name: spec.name, values: Float64Array.of(spec.name === "Body Mass (g)" ? NaN : Number((good as Record<string, unknown>)[spec.name])) },
        ),
      };
      assert.deepEqual(Object.values(asNull.body.predictions[0].probabilities), probaRows(species1, data)[0]);
    });

    test("limits: batch size, body size; auth on feedback and admin", async () => {
      const good = { Island: "Biscoe", "Beak Length (mm)": 45.2, "Beak Depth (mm)": 15.8, "Flipper Length (mm)": 215, "Body Mass (g)": 5300, Sex: "MALE" };
      const tooMany = await call("POST", "/v1/models/species/predict", { rows: Array.from({ length: 501 }, () => good) });
      assert.deepEqual([tooMany.status, tooMany.body], [400, { error: "rows: 501 rows is more than the 500 a request may hold; split the batch (or start the service with a larger --max-batch)" }]);
      const huge = await call("POST", "/v1/models/species/predict", { rows: [{ ...good, padding: "x".repeat(2 * 1024 * 1024) }] });
      assert.deepEqual([huge.status, huge.body], [413, { error: "the request body is larger than the limit of 1,048,576 bytes; send fewer rows per request" }]);
      const noToken = await call("POST", "/v1/models/species/feedback", { outcomes: [] });
      assert.deepEqual([noToken.status, noToken.body], [401, { error: "this route needs a bearer token: send Authorization: Bearer $LEARNLOOP_TOKEN" }]);
      const wrongToken = await call("POST", "/v1/admin/reload", undefined, { authorization: "Bearer nope" });
      assert.deepEqual([wrongToken.status, wrongToken.body], [401, { error: "the bearer token is wrong" }]);
      const noRoute = await call("GET", "/v2/nothing");
      assert.deepEqual([noRoute.status, noRoute.body], [404, { error: "no route GET /v2/nothing (the routes are listed at /openapi.json)" }]);
    });

    test("feedback joins outcomes to logged predictions, even ones still queued", async () => {
      const rows = jsonRows(PENGUINS).slice(100, 103);
      const answer = await call("POST", "/v1/models/species/predict", { rows });
      const ids: string[] = answer.body.predictions.map((p: { id: string }) => p.id);
      // At once: the predictions are most likely still in the writer's queue.
      const feedback = await call("POST", "/v1/models/species/feedback", { outcomes: [{ id: ids[0], label: "Adelie" }, { id: ids[1], label: "Gentoo" }, { id: "no-such-id", label: "Adelie" }] }, auth);
      assert.equal(feedback.status, 200, feedback.text);
      assert.deepEqual(feedback.body, { recorded: 2, unknown: 1, unknownIds: ["no-such-id"] });
      const logged = await store.getPrediction(ids[1]!);
      assert.equal(logged?.label, "Gentoo");
      assert.equal(logged?.version, 1);
      assert.deepEqual(logged?.inputs, rows[1]);
      // The log keeps what was answered: the prediction, every class's probability, the decision (all but the id).
      const { id: answeredId, ...answered } = answer.body.predictions[1];
      assert.equal(answeredId, ids[1]);
      assert.deepEqual(logged?.outputs, answered);
      assert.deepEqual(Object.keys(answered.probabilities), ["Adelie", "Chinstrap", "Gentoo"]);
      const badLabel = await call("POST", "/v1/models/species/feedback", { outcomes: [{ id: ids[2], label: "Penguin" }] }, auth);
      assert.deepEqual([badLabel.status, badLabel.body], [400, { error: 'outcomes[0].label: expected one of the classes of "species" ("Adelie", "Chinstrap", "Gentoo"), got "Penguin"' }]);
    });

    test("metrics count each request, row and class exactly, across scrapes", async () => {
      // A service of its own, so that the counts are this test's alone.
      const own = await createService({ store, token: TOKEN, models: ["species"], pollIntervalMs: 0, logThread: false });
      await own.learnloop.loaded;
      const rows = jsonRows(PENGUINS).slice(0, 5);
      const predictOne = async (body: unknown): Promise<any> => (await own.inject({ method: "POST", url: "/v1/models/species/predict", payload: body as object })).json();
      const answers = [await predictOne({ rows: [rows[0]] }), await predictOne({ rows: [rows[1]] }), await predictOne({ rows: rows.slice(0, 4) })];
      const bad = await own.inject({ method: "POST", url: "/v1/models/species/predict", payload: { rows: [{ ...rows[0], "Body Mass (g)": "heavy" }] } });
      assert.equal(bad.statusCode, 400);
      assert.equal((await own.inject({ method: "GET", url: "/no/such/route" })).statusCode, 404);
      const byClass = new Map<string, number>();
      for (const answer of answers) for (const p of answer.predictions) byClass.set(p.prediction, (byClass.get(p.prediction) ?? 0) + 1);
      const scrape = async (): Promise<string> => (await own.inject({ method: "GET", url: "/metrics" })).body;
      const series = (text: string, pattern: string): number => Number(new RegExp(`^${pattern} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
      const route = 'route="/v1/models/:name/predict",method="POST"';
      let text = await scrape();
      assert.equal(series(text, `learnloop_http_requests_total\\{model="species",${route},status="200"\\}`), 3);
      assert.equal(series(text, `learnloop_http_requests_total\\{model="species",${route},status="400"\\}`), 1);
      assert.equal(series(text, `learnloop_http_requests_total\\{model="",route="unmatched",method="GET",status="404"\\}`), 1);
      assert.equal(series(text, `learnloop_http_request_duration_seconds_count\\{model="species",${route},status="200"\\}`), 3);
      for (const c of ["Adelie", "Chinstrap", "Gentoo"]) {
        const counted = series(text, `learnloop_predictions_total\\{model="species",version="\\d+",class="${c}"\\}`);
        assert.equal(Number.isNaN(counted) ? 0 : counted, byClass.get(c) ?? 0, c);
      }
      // Counters keep their totals from one scrape to the next.
      await predictOne({ rows: [rows[2]] });
      text = await scrape();
      assert.equal(series(text, `learnloop_http_requests_total\\{model="species",${route},status="200"\\}`), 4);
      assert.equal(series(text, `learnloop_http_requests_total\\{model="",route="unmatched",method="GET",status="404"\\}`), 1);
      assert.equal(series(text, `learnloop_http_requests_total\\{model="",route="/metrics",method="GET",status="200"\\}`), 1);
      await own.close();
    });

    test("hot swap under load: no failed request, the version changes; a corrupt champion is refused", async () => {
      const row = jsonRows(PENGUINS)[5];
      const versions = new Set<number>();
      let failures = 0;
      let requests = 0;
      let stop = false;
      const loop = async (): Promise<void> => {
        while (!stop) {
          const answer = await call("POST", "/v1/models/species/predict", { rows: [row] });
          requests++;
          if (answer.status !== 200) failures++;
          else versions.add(answer.body.model.version);
        }
      };
      const loops = [loop(), loop(), loop(), loop()];
      await new Promise((resolve) => setTimeout(resolve, 150));
      const v2 = await register(store, "species", species2.toBytes(), species2);
      // The poller (every 100 ms) picks it up.
      const deadline = Date.now() + 5000;
      while (app.learnloop.host.get("species")?.version !== v2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 150));
      stop = true;
      await Promise.all(loops);
      assert.equal(failures, 0);
      assert.ok(requests > 20, `${requests} requests`);
      assert.deepEqual([...versions].sort(), [1, v2]);
      const after = await call("POST", "/v1/models/species/predict", { rows: [row] });
      const expected = probaRows(species2, penguins)[5];
      assert.deepEqual(Object.values(after.body.predictions[0].probabilities), expected);

      // A corrupt model file (one flipped byte: the file's checksum fails) becomes champion: refused.
      const bytes = species1.toBytes();
      bytes[bytes.length - 100] ^= 0xff;
      const v3 = await register(store, "species", bytes, species1);
      const reload = await call("POST", "/v1/admin/reload", undefined, auth);
      assert.equal(reload.status, 200);
      const check = reload.body.models.find((m: { name: string }) => m.name === "species");
      assert.equal(check.status, "refused");
      assert.equal(check.version, v2);
      assert.equal(check.refusedVersion, v3);
      assert.match(check.error, /the model file is corrupted \(checksum mismatch\)/);
      const still = await call("POST", "/v1/models/species/predict", { rows: [row] });
      assert.deepEqual(still.body.model, { name: "species", version: v2 });
      assert.ok(events.some((line) => line.startsWith(`species: version ${v3} refused, version ${v2} keeps serving`)), events.join("\n"));
    });

    test("metrics and the OpenAPI document", async () => {
      const metrics = await call("GET", "/metrics");
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
      const text = metrics.text;
      for (const series of [
        /learnloop_http_requests_total\{model="species",route="\/v1\/models\/:name\/predict",method="POST",status="200"\} \d+/,
        /learnloop_http_requests_total\{model="species",route="\/v1\/models\/:name\/predict",method="POST",status="400"\} \d+/,
        /learnloop_http_request_duration_seconds_bucket\{le="0.005",model="species",route="\/v1\/models\/:name\/predict",method="POST",status="200"\} \d+/,
        /learnloop_predictions_total\{model="species",version="1",class="Adelie"\} \d+/,
        /learnloop_feedback_total\{model="species",result="recorded"\} 2/,
        /learnloop_feedback_total\{model="species",result="unknown"\} 1/,
        /learnloop_model_version\{model="species"\} 2/,
        /learnloop_model_swaps_total\{model="species"\} 1/,
        // The poller may have refused it before the reload retried it.
        /learnloop_model_load_failures_total\{model="species"\} [12]\n/,
        /learnloop_process_cpu_seconds_total [\d.]+/,
        /learnloop_prediction_log_written_total \d+/,
        /learnloop_prediction_log_dropped_total 0/,
        /learnloop_prediction_log_queue \d+/,
      ]) {
        assert.match(text, series);
      }
      const openapi = await call("GET", "/openapi.json");
      assert.equal(openapi.status, 200);
      assert.deepEqual(Object.keys(openapi.body.paths).sort(), [
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/readyz",
        "/v1/admin/reload",
        "/v1/models",
        "/v1/models/{name}/feedback",
        "/v1/models/{name}/live",
        "/v1/models/{name}/predict",
      ]);
      assert.ok(openapi.body.paths["/v1/models/{name}/predict"].post.responses["200"]);
    });

    test("a request whose body takes longer than the request-time limit is answered 503", async () => {
      const slow = await createService({ store, token: TOKEN, requestTimeoutMs: 150, pollIntervalMs: 0, logThread: false });
      await slow.learnloop.loaded;
      await slow.listen({ port: 0, host: "127.0.0.1" });
      const { port } = slow.server.address() as AddressInfo;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => {
          // Promise 100 bytes of body, send 10, then nothing.
          socket.write("POST /v1/models/species/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"rows\": [");
        });
        let text = "";
        socket.on("data", (chunk) => {
          text += chunk;
          if (text.includes("}")) {
            socket.destroy();
            resolve(text);
          }
        });
        socket.on("error", reject);
      });
      assert.match(answer, /^HTTP\/1.1 503 /);
      assert.ok(answer.endsWith('{"error":"the request took longer than the limit of 150 ms; retry, or send fewer rows per request"}'), answer);
      // Counted once, under the predict route and the model its URL names (when that model is served: an
      // earlier test leaves a refused champion), with its time (at least the limit).
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const model = slow.learnloop.host.get("species") !== undefined ? "species" : "";
      const labels = `model="${model}",route="/v1/models/:name/predict",method="POST",status="503"`;
      assert.match(metrics, new RegExp(`^learnloop_http_requests_total\\{${labels}\\} 1$`, "m"));
      const seconds = Number(new RegExp(`^learnloop_http_request_duration_seconds_sum\\{${labels}\\} (\\S+)$`, "m").exec(metrics)?.[1]);
      assert.ok(seconds >= 0.15 && seconds < 5, `duration ${seconds}`);
      await slow.close();
    });

    test("shutdown drains and flushes the prediction log into the store", async () => {
      const rows = jsonRows(PENGUINS).slice(200, 260);
      const answer = await call("POST", "/v1/models/species/predict", { rows });
      const ids: string[] = answer.body.predictions.map((p: { id: string }) => p.id);
      await app.close();
      for (const id of ids) assert.ok(await store.getPrediction(id), id);
      assert.equal(app.learnloop.log.pending, 0);
      assert.equal(app.learnloop.log.counts.dropped, 0);
    });
  });
}

serviceSuite("SQLite", (home) => openStore({ home }));

// The same suite on PostgreSQL when a server is named (as test/tracking/postgres.test.ts does; .ci/run
// starts one): a fresh database per run, dropped after.
const postgresUrl = process.env.LEARNLOOP_TEST_POSTGRES;
if (postgresUrl) {
  const database = await throwawayDatabase(postgresUrl, "learnloop_serve");
  after(() => database.drop());
  serviceSuite("PostgreSQL", () => openStore({ url: database.url }));
} else {
  test("learnloop serve (PostgreSQL store)", { skip: "LEARNLOOP_TEST_POSTGRES is not set (.ci/run starts a server and sets it)" }, () => undefined);
}
