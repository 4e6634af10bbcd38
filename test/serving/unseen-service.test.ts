/**
 * The prediction service on data and requests its other tests do not use (the session-7 audit of issue 5),
 * one test per problem found, each against an independent reference:
 * - a categorical feature made from a column of decimals (scikit-learn's wine data, "alcalinity"): its
 *   categories are DuckDB's text of the numbers ("16.0"), and a JSON client sends the number 16. The
 *   reference is the file reader, which reads 16 in a CSV as that category;
 * - a date column whose training file writes `2015/01/01 01:00:00` (vega's github.csv), which DuckDB
 *   reads as a timestamp: a client sending the file's own text got a 400. The reference is the file reader;
 * - the ready-to-paste curl examples `learnloop serve` prints, with class labels holding an apostrophe:
 *   the reference is what bash hands curl;
 * - a name whose only champion fails to load: the host says which version and why, so that a client can
 *   be told more than "no such model";
 * - fields named as Object.prototype members ("constructor", "toString", "valueOf"): a row without them read
 *   the prototype's function and was told "expected a finite number, got ...", not that the field is missing;
 * - `learnloop serve` stopped with SIGTERM while a 10,000-row batch arrives, and started again: the batch is
 *   answered, the log and the outcomes survive, and `learnloop models show` now counts them (no command
 *   showed the prediction log before).
 *
 * test/fixtures/serving-unseen/wine.csv: five columns of the UCI wine data (178 rows) as scikit-learn
 * bundles it (sklearn/datasets/data/wine_data.csv), written with pandas (whole numbers as "16.0").
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { curlExample, exampleRow } from "../../src/cli/commands/serve.js";
import { formatError } from "../../src/core/messages.js";
import { schemaOf } from "../../src/data/schema.js";
import { GradientBoosting, LogisticRegression, readDataset, type Model } from "../../src/index.js";
import { loadModelWithHeader } from "../../src/models/registry.js";
import { createService } from "../../src/serving/app.js";
import { ModelHost, servedModelOf } from "../../src/serving/models.js";
import { RowReader, RowValidationError, formatRowIssue } from "../../src/serving/rows.js";
import { openStore } from "../../src/tracking/index.js";
import type { Store } from "../../src/tracking/types.js";
import { runCli } from "../support/run-cli.js";
import { listenLocally, serveProcess } from "../support/service.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "serving-unseen");
const WINE = join(FIXTURES, "wine.csv");
const VEGA = join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data");
const PENGUINS = join(VEGA, "penguins.json");
const GITHUB = join(VEGA, "github.csv");
const TOKEN = "unseen-token-0123456789";

async function registerAndPromote(store: Store, name: string, bytes: Uint8Array, model: Model): Promise<number> {
  const version = await store.registerModel({ name, modelFile: bytes, kind: model.kind, task: model.task, actor: "test" });
  await store.promote(name, version.version, { actor: "test", reason: "test" });
  return version.version;
}

function probaRows(model: Model, data: Awaited<ReturnType<typeof readDataset>>): number[][] {
  const proba = model.predictProba(data);
  return Array.from({ length: proba.nRows }, (_, i) => Array.from(proba.data.subarray(i * proba.nCols, (i + 1) * proba.nCols)));
}

describe("a service of models trained on data the other service tests do not use", () => {
  let home = "";
  let store: Store;
  let app: FastifyInstance;
  let model: Model;
  let github: Model;
  let base = "";

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "learnloop-unseen-service-"));
    store = await openStore({ url: join(home, "learnloop.db") });
    const data = await readDataset(WINE, { target: "cultivar", task: "multiclass", categorical: ["alcalinity"] });
    // A logistic regression: each category has a weight of its own, so the answer shows which was read.
    model = new LogisticRegression().fit(data);
    await registerAndPromote(store, "wine", model.toBytes(), model);
    // vega's github.csv: hourly counts, "time" written 2015/01/01 01:00:00, which DuckDB reads as a timestamp.
    github = new GradientBoosting({ iterations: 20, threads: 1 }).fit(await readDataset(GITHUB, { target: "count" }));
    await registerAndPromote(store, "github", github.toBytes(), github);
    app = await createService({ store, token: TOKEN, pollIntervalMs: 0, predictionLog: { flushIntervalMs: 50 } });
    base = await listenLocally(app);
  });

  after(async () => {
    if (app) await app.close().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  async function predict(rows: unknown[], name = "wine"): Promise<{ status: number; body: any }> {
    const response = await fetch(`${base}/v1/models/${name}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows }) });
    return { status: response.status, body: await response.json() };
  }

  test("16 is the category \"16.0\", as the CSV reader reads it; a number that is no category is still refused", async () => {
    const alcalinity = model.schema.features.find((f) => f.name === "alcalinity")!;
    const wholeNumbers = alcalinity.categories!.filter((c) => /^\d+\.0$/.test(c));
    assert.ok(wholeNumbers.includes("16.0") && !alcalinity.categories!.includes("16"), "the categories are DuckDB's text of decimals");

    // The reference: the file reader, with the model's schema, on a CSV holding each whole number as
    // "16", as "16.0", and one row with the value missing.
    const others = { flavanoids: 2.76, color: 4.38, proline: 1050 };
    const lines = ["alcalinity,flavanoids,color,proline", ...wholeNumbers.flatMap((c) => [`${Number(c)},2.76,4.38,1050`, `${c},2.76,4.38,1050`]), ",2.76,4.38,1050"];
    const file = join(home, "rows.csv");
    writeFileSync(file, lines.join("\n") + "\n");
    const fromFile = probaRows(model, await readDataset(file, { schema: model.schema }));
    const missing = fromFile[fromFile.length - 1]!;
    // The categories the model tells apart from a missing value (so the answer shows which was read).
    const telling = wholeNumbers.map((c, i) => ({ value: Number(c), expected: fromFile[2 * i]! })).filter((w, i) => {
      assert.deepEqual(fromFile[2 * i], fromFile[2 * i + 1], `the reader reads ${w.value} as "${wholeNumbers[i]}"`);
      return w.expected.some((p, k) => p !== missing[k]);
    });
    assert.ok(telling.length > 0, "some whole-number category changes the prediction");

    const classes = model.schema.target.classes!;
    const answer = await predict(telling.map((w) => ({ alcalinity: w.value, ...others })));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    answer.body.predictions.forEach((p: { probabilities: Record<string, number> }, i: number) => {
      assert.deepEqual(classes.map((c) => p.probabilities[c]), telling[i]!.expected, `alcalinity ${telling[i]!.value}`);
    });
    // One row alone: the same.
    const single = await predict([{ alcalinity: telling[0]!.value, ...others }]);
    assert.deepEqual(classes.map((c) => single.body.predictions[0].probabilities[c]), telling[0]!.expected);

    const unknown = await predict([{ alcalinity: 99, ...others }]);
    assert.deepEqual(unknown, {
      status: 400,
      body: { error: 'rows[0].alcalinity: expected one of the categories ("10.6", "11.2", "11.4", "12.0", "12.4", ... 63 in all), got 99; send ?unknown=missing to read unknown categories as missing values' },
    });
  });

  test("a date sent as the training file writes it (2015/01/01 01:00:00) is read as the file reader reads it", async () => {
    assert.ok(github.schema.features.some((f) => f.derivedFrom?.column === "time"), "time is a date column");
    const lines = readFileSync(GITHUB, "utf8").split("\n").slice(1, 41).filter(Boolean);
    assert.match(lines[0]!, /^2015\/01\/01 01:00:00,/);
    const file = join(home, "github-rows.csv");
    writeFileSync(file, ["time", ...lines.map((line) => line.split(",")[0])].join("\n") + "\n");
    const expected = Array.from(github.predict(await readDataset(file, { schema: github.schema })));
    const rows = lines.map((line) => ({ time: line.split(",")[0] }));
    const answer = await predict(rows, "github");
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.predictions.map((p: { prediction: number }) => p.prediction), expected);
    const single = await predict([rows[7]], "github");
    assert.equal(single.body.predictions[0].prediction, expected[7]);
    // Separators must agree, as DuckDB's cast requires.
    assert.deepEqual(await predict([{ time: "2015/01-01 01:00:00" }], "github"), {
      status: 400,
      body: { error: 'rows[0].time: expected a date: an ISO-8601 string or milliseconds since 1970-01-01 UTC, got "2015/01-01 01:00:00"' },
    });
  });

  test("every status a POST route answered is documented for it in /openapi.json", async () => {
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, { post: { responses: Record<string, unknown> } }> };
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const requests: [string, string, Record<string, string>, string | undefined][] = [
      ["/v1/models/{name}/predict", "/v1/models/wine/predict", { "content-type": "text/plain" }, "rows"],
      ["/v1/models/{name}/predict", "/v1/models/wine/predict", { "content-type": "application/json" }, "{}"],
      ["/v1/models/{name}/predict", "/v1/models/beer/predict", { "content-type": "application/json" }, '{"rows":[{}]}'],
      ["/v1/models/{name}/feedback", "/v1/models/wine/feedback", { ...bearer, "content-type": "text/plain" }, "outcomes"],
      ["/v1/models/{name}/feedback", "/v1/models/wine/feedback", { ...bearer, "content-type": "application/json" }, '{"outcomes":[{"id":"x","label":"7"}]}'],
      ["/v1/models/{name}/feedback", "/v1/models/wine/feedback", { "content-type": "application/json" }, '{"outcomes":[]}'],
      ["/v1/models/{name}/feedback", "/v1/models/beer/feedback", { ...bearer, "content-type": "application/json" }, '{"outcomes":[]}'],
      ["/v1/admin/reload", "/v1/admin/reload", { ...bearer, "content-type": "text/plain" }, "now"],
      ["/v1/admin/reload", "/v1/admin/reload", { ...bearer, "content-type": "application/json" }, undefined],
      ["/v1/admin/reload", "/v1/admin/reload", {}, undefined],
      ["/v1/admin/reload", "/v1/admin/reload", bearer, undefined],
    ];
    const answered: string[] = [];
    for (const [route, path, headers, body] of requests) {
      const response = await fetch(base + path, { method: "POST", headers, ...(body !== undefined ? { body } : {}) });
      await response.body?.cancel();
      answered.push(`${route} ${response.status}`);
      assert.ok(openapi.paths[route]!.post.responses[String(response.status)], `${route} answered ${response.status}, which /openapi.json does not list`);
    }
    // The statuses met (so that the requests above test what they mean to).
    assert.deepEqual(answered, [
      "/v1/models/{name}/predict 415",
      "/v1/models/{name}/predict 400",
      "/v1/models/{name}/predict 404",
      "/v1/models/{name}/feedback 415",
      "/v1/models/{name}/feedback 400",
      "/v1/models/{name}/feedback 401",
      "/v1/models/{name}/feedback 404",
      "/v1/admin/reload 415",
      "/v1/admin/reload 400",
      "/v1/admin/reload 401",
      "/v1/admin/reload 200",
    ]);
  });
});

describe("learnloop serve's curl examples", () => {
  test("paste into a shell when the first class label holds an apostrophe", async () => {
    // Class labels "Adelie's", "Chinstrap's", "Gentoo's".
    const data = await readDataset(PENGUINS, { target: "owner", derive: [{ name: "owner", expression: `"Species" || '''s'` }], ignore: ["Species"] });
    const model = new GradientBoosting({ iterations: 3, threads: 1 }).fit(data);
    const served = servedModelOf({ name: "penguins", version: 1, sha256: "" }, model.toBytes());
    assert.equal(served.classes![0], "Adelie's");
    const [, predictLine, feedbackLine] = curlExample("http://127.0.0.1:8080", served);
    // What bash hands curl: each argument, NUL-separated.
    const curlArgs = (line: string): string[] =>
      execFileSync("bash", ["--norc", "--noprofile", "-c", `curl() { printf '%s\\0' "$@"; }\n${line}`], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", LEARNLOOP_TOKEN: "t0k" } }).split("\0").slice(0, -1);
    const bodyOf = (args: string[]): unknown => JSON.parse(args[args.indexOf("-d") + 1]!);
    const predictArgs = curlArgs(predictLine!);
    assert.equal(predictArgs[1], "http://127.0.0.1:8080/v1/models/penguins/predict");
    assert.deepEqual(bodyOf(predictArgs), { rows: [exampleRow(model.schema)] });
    const feedbackArgs = curlArgs(feedbackLine!);
    assert.equal(feedbackArgs[1], "http://127.0.0.1:8080/v1/models/penguins/feedback");
    assert.ok(feedbackArgs.includes("authorization: Bearer t0k"));
    assert.deepEqual(bodyOf(feedbackArgs), { outcomes: [{ id: "<id from the answer>", label: "Adelie's" }] });
  });
});

describe("a name whose only champion fails to load", () => {
  test("the host serves nothing under it and says which version was refused and why, until a version loads", async () => {
    const home = mkdtempSync(join(tmpdir(), "learnloop-unseen-refusal-"));
    const store = await openStore({ url: join(home, "learnloop.db") });
    try {
      const data = await readDataset(PENGUINS, { target: "Species" });
      const model = new GradientBoosting({ iterations: 3, threads: 1 }).fit(data);
      const corrupt = model.toBytes();
      corrupt[corrupt.length - 100]! ^= 0xff;
      // The reference: the loader's own one-line reason for these bytes.
      let reason = "";
      try {
        loadModelWithHeader(corrupt, "species version 1");
      } catch (error) {
        reason = formatError(error);
      }
      assert.notEqual(reason, "");
      await registerAndPromote(store, "species", corrupt, model);

      const host = new ModelHost(store, undefined);
      assert.deepEqual(await host.check(), [{ name: "species", status: "refused", refusedVersion: 1, error: reason }]);
      assert.equal(host.get("species"), undefined);
      assert.deepEqual(host.refusal("species"), { version: 1, error: reason });
      assert.equal(host.refusal("penguins"), undefined);
      // Polled again: still refused (not reloaded), still said.
      await host.check();
      assert.deepEqual(host.refusal("species"), { version: 1, error: reason });

      await registerAndPromote(store, "species", model.toBytes(), model);
      assert.deepEqual(await host.check(), [{ name: "species", status: "loaded", version: 2 }]);
      assert.equal(host.refusal("species"), undefined);
    } finally {
      await store.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("learnloop serve stopped with SIGTERM while a 10,000-row batch arrives, then started again", () => {
  test("the batch is answered, the log and the outcomes survive, `models show` counts them, feedback joins after the restart", async () => {
    const home = mkdtempSync(join(tmpdir(), "learnloop-unseen-sigterm-"));
    const db = join(home, "learnloop.db");
    try {
      const data = await readDataset(WINE, { target: "cultivar", task: "multiclass" });
      const model = new LogisticRegression().fit(data);
      const setup = await openStore({ url: db });
      await registerAndPromote(setup, "wine", model.toBytes(), model);
      await setup.close();
      const rows = readFileSync(WINE, "utf8").trim().split("\n").slice(1).map((line) => {
        const [alcalinity, flavanoids, color, proline] = line.split(",").map(Number);
        return { alcalinity, flavanoids, color, proline };
      });
      const batch = Array.from({ length: 10_000 }, (_, i) => rows[i % rows.length]!);

      const first = await serveProcess(db);
      const one = (await postJson(`${first.url}/v1/models/wine/predict`, { rows: [rows[0]] })).body as { predictions: { id: string; prediction: string }[] };
      const labelled = await postJson(`${first.url}/v1/models/wine/feedback`, { outcomes: [{ id: one.predictions[0]!.id, label: "0" }] }, { authorization: "Bearer t" });
      assert.deepEqual(labelled, { status: 200, body: { recorded: 1, unknown: 0, unknownIds: [] } });

      // The batch's body is sent in two halves; SIGTERM comes between them, so the request is in flight.
      const body = JSON.stringify({ rows: batch });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = httpRequest(`${first.url}/v1/models/wine/predict`, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        });
        request.on("error", reject);
        request.write(body.slice(0, body.length >> 1));
        setTimeout(() => {
          first.parent.kill("SIGTERM");
          setTimeout(() => request.end(body.slice(body.length >> 1)), 200);
        }, 200);
      });
      const answer = await answered;
      assert.equal(answer.status, 200, answer.text.slice(0, 300));
      const predictions = (JSON.parse(answer.text) as { predictions: { id: string }[] }).predictions;
      assert.equal(predictions.length, 10_000);
      const end = await first.exited;
      assert.equal(end.code, 0, end.stderr);
      assert.match(end.stderr, /SIGTERM: draining requests in flight and writing the prediction log\n.*stopped: 10,001 predictions logged\n/);

      const shown = await runCli("models", "show", "wine", "--db", db);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stderr.split("\n")[1], "prediction log: 10,001 predictions, 1 with an observed outcome");
      const json = JSON.parse((await runCli("models", "show", "wine", "--db", db, "--json")).stdout) as { predictions: unknown };
      assert.deepEqual(json.predictions, { logged: 10_001, labelled: 1 });

      // Started again: an id of the batch answered during the shutdown takes feedback.
      const second = await serveProcess(db);
      try {
        const late = await postJson(`${second.url}/v1/models/wine/feedback`, { outcomes: [{ id: predictions[9_999]!.id, label: "2" }] }, { authorization: "Bearer t" });
        assert.deepEqual(late, { status: 200, body: { recorded: 1, unknown: 0, unknownIds: [] } });
      } finally {
        second.parent.kill("SIGTERM");
        assert.equal((await second.exited).code, 0);
      }
      const afterRestart = JSON.parse((await runCli("models", "show", "wine", "--db", db, "--json")).stdout) as { predictions: unknown };
      assert.deepEqual(afterRestart.predictions, { logged: 10_001, labelled: 2 });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("learnloop serve --models <a name whose champion fails to load>", () => {
  test("exits 5 with the reason and the fixes for it (another champion, or the file registered again), not 'register a model file'", async () => {
    const home = mkdtempSync(join(tmpdir(), "learnloop-unseen-refused-"));
    const db = join(home, "learnloop.db");
    try {
      const model = new LogisticRegression().fit(await readDataset(WINE, { target: "cultivar", task: "multiclass" }));
      const corrupt = model.toBytes();
      corrupt[corrupt.length - 100]! ^= 0xff;
      let reason = "";
      try {
        loadModelWithHeader(corrupt, "wine version 1");
      } catch (error) {
        reason = formatError(error);
      }
      const store = await openStore({ url: db });
      await registerAndPromote(store, "wine", corrupt, model);
      await store.close();
      const expected = `learnloop serve: error: model "wine": nothing to serve: its champion (version 1) failed to load: ${reason} (\`learnloop models rollback wine\` or \`learnloop models promote wine <version>\` makes another version the champion; registering version 1's model file again repairs a damaged stored copy)`;
      const served = await runCli("serve", "--db", db, "--port", "0", "--models", "wine");
      assert.equal(served.code, 5);
      assert.equal(served.stderr.split("\n").at(-2), expected);
      // Without --models, the registry's only champion failed to load: the same words (was: "the registry has no champion model").
      const all = await runCli("serve", "--db", db, "--port", "0");
      assert.equal(all.code, 5);
      assert.equal(all.stderr.split("\n").at(-2), expected);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("fields named as Object.prototype members (a builders' table's \"constructor\" column)", () => {
  test("a row without them is told the field is missing, as for any other name; a row with them reads as the file reader reads it", async () => {
    const home = mkdtempSync(join(tmpdir(), "learnloop-unseen-names-"));
    try {
      const builders = ["Bechtel", "Skanska", "Vinci"];
      const lines = ["constructor,toString,valueOf,late"];
      for (let i = 0; i < 60; i++) lines.push(`${builders[i % 3]},${(i * 7) % 23},2020-0${1 + (i % 9)}-1${i % 10},${i % 3 === 0 || i % 7 === 0 ? "yes" : "no"}`);
      const file = join(home, "builds.csv");
      writeFileSync(file, lines.join("\n") + "\n");
      const schema = schemaOf(await readDataset(file, { target: "late" }));
      const reader = new RowReader(schema);
      assert.deepEqual(reader.fields, ["constructor", "toString", "valueOf"]);
      const row = { constructor: "Skanska", toString: 5, valueOf: "2020-03-14" };
      const message = (given: Record<string, unknown>): string => {
        try {
          reader.toVector(given, 0);
        } catch (error) {
          assert.ok(error instanceof RowValidationError);
          return formatRowIssue(error.issue);
        }
        return "read";
      };
      for (const field of reader.fields) {
        const { [field]: _, ...without } = row as Record<string, unknown>;
        assert.equal(message(without), `rows[0].${field}: expected a value, got no such field; send null for a missing value`);
      }
      // The row itself: the values the file reader reads from the same text.
      const one = join(home, "one.csv");
      writeFileSync(one, "constructor,toString,valueOf\nSkanska,5,2020-03-14\n");
      const fromFile = await readDataset(one, { schema });
      const expected = fromFile.features.map((column) => (column.kind === "categorical" ? column.codes[0]! : column.values[0]!));
      assert.deepEqual(Array.from(reader.toVector(row, 0)), expected);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}
