/**
 * Extreme but valid numbers end to end: a linear model trained with `learnloop train`, asked about rows
 * holding 1e308, -1.7976931348623157e308, 5e-324 and -0 through `learnloop predict` and through the
 * service's POST /v1/models/{name}/predict. Probabilities are finite, exactly 1 and 0 where one value
 * overwhelms the margin; a regression that overflows is written as the writers write a non-finite
 * number (CSV "Infinity", the service's JSON null).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { Random } from "../src/core/rng.js";
import { createService } from "../src/serving/app.js";
import { openStore } from "../src/tracking/index.js";
import type { Store } from "../src/tracking/types.js";
import { runCli } from "./support/run-cli.js";
import { listenLocally } from "./support/service.js";
import { tempFolder } from "./support/temp-folder.js";

const folder = tempFolder("learnloop-extreme-");
const TOKEN = "extreme-token-0123456789";

/**
 * 80 rows: x uniform in [-1, 1], z uniform in [0, 0.2] (std 0.058, so a standardized 1e308 overflows),
 * outcome yes when 2x - 10 (z - 0.1) plus noise is positive; amount 5 plus that score.
 */
function trainingCsv(target: "outcome" | "amount"): string {
  const rng = new Random(5);
  const lines = [`x,z,${target}`];
  for (let i = 0; i < 80; i++) {
    const x = rng.next() * 2 - 1;
    const z = rng.next() * 0.2;
    const score = 2 * x - 10 * (z - 0.1) + (rng.next() - 0.5);
    lines.push(`${x},${z},${target === "outcome" ? (score > 0 ? "yes" : "no") : 5 + score}`);
  }
  return lines.join("\n") + "\n";
}

// x's weight is positive, z's negative and five times larger per unit: 1e308 in x alone says yes, in z
// (alone or with x) no; the largest negative double in x no; 5e-324 and -0 are zeros.
const NEW_ROWS = ["id,x,z", "1,1e308,0.1", "2,0.2,1e308", "3,1e308,1e308", "4,-1.7976931348623157e308,0.1", "5,5e-324,-0", "6,0,0"];

async function trained(target: "outcome" | "amount"): Promise<string> {
  const model = join(folder.dir, `${target}.model`);
  const run = await runCli("train", folder.file(`${target}.csv`, trainingCsv(target)), "--target", target, "--model", "linear", "--no-track", "--out", model);
  assert.equal(run.code, 0, run.stderr);
  return model;
}

test("learnloop predict: rows with 1e308 and the largest double get finite probabilities, exactly 1 and 0", async () => {
  const model = await trained("outcome");
  const out = join(folder.dir, "outcomes.csv");
  const run = await runCli("predict", model, folder.file("new.csv", NEW_ROWS.join("\n") + "\n"), "--id", "id", "--out", out);
  assert.equal(run.code, 0, run.stderr);
  const lines = readFileSync(out, "utf8").trim().split("\n");
  assert.equal(lines[0], "id,prediction,proba_no,proba_yes");
  assert.deepEqual(lines.slice(1, 5), ["1,yes,0,1", "2,no,1,0", "3,no,1,0", "4,no,1,0"]);
  // 5e-324 and -0 are zeros to the model: the same probabilities as x = z = 0.
  const [, , ...tiny] = lines[5]!.split(",");
  const [, , ...zero] = lines[6]!.split(",");
  assert.deepEqual(tiny, zero);
  for (const p of [...tiny.slice(1), ...zero.slice(1)]) assert.ok(Number(p) > 0 && Number(p) < 1, p);
});

test("learnloop predict: a regression that overflows is written as a signed Infinity, never NaN or an empty cell", async () => {
  const model = await trained("amount");
  const out = join(folder.dir, "amounts.csv");
  const run = await runCli("predict", model, folder.file("new-amounts.csv", NEW_ROWS.join("\n") + "\n"), "--id", "id", "--out", out);
  assert.equal(run.code, 0, run.stderr);
  const lines = readFileSync(out, "utf8").trim().split("\n");
  assert.deepEqual(lines.slice(0, 5), ["id,prediction", "1,Infinity", "2,-Infinity", "3,-Infinity", "4,-Infinity"]);
  assert.equal(lines[5]!.split(",")[1], lines[6]!.split(",")[1], "5e-324 and -0 as 0 and 0");
  assert.ok(Number.isFinite(Number(lines[5]!.split(",")[1])), lines[5]);
});

test("learnloop predict --out .json / .ndjson: an overflowing regression is null, and the file is JSON a reader takes", async () => {
  const model = await trained("amount");
  for (const [name, records] of [
    ["amounts.json", (text: string) => JSON.parse(text) as Record<string, unknown>[]],
    ["amounts.ndjson", (text: string) => text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)],
  ] as const) {
    const out = join(folder.dir, name);
    const run = await runCli("predict", model, folder.file("new-amounts-json.csv", NEW_ROWS.join("\n") + "\n"), "--id", "id", "--out", out);
    assert.equal(run.code, 0, run.stderr);
    const rows = records(readFileSync(out, "utf8"));
    assert.deepEqual(rows.slice(0, 4), [1, 2, 3, 4].map((id) => ({ id, prediction: null })), name);
    assert.equal(rows[4]!.prediction, rows[5]!.prediction, name);
    assert.ok(Number.isFinite(rows[4]!.prediction), name);
  }
});

describe("the service answers extreme rows", () => {
  let store: Store;
  let app: FastifyInstance;
  let base = "";

  before(async () => {
    store = await openStore({ url: join(folder.dir, "learnloop.db") });
    for (const target of ["outcome", "amount"] as const) {
      const bytes = readFileSync(await trained(target));
      const version = await store.registerModel({ name: target, modelFile: bytes, kind: "linear", task: target === "outcome" ? "binary" : "regression", actor: "test" });
      await store.promote(target, version.version, { actor: "test", reason: "test" });
    }
    app = await createService({ store, token: TOKEN, pollIntervalMs: 0 });
    base = await listenLocally(app);
  });

  after(async () => {
    if (app) await app.close().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
  });

  async function predict(name: string, rows: object[]): Promise<{ predictions: Record<string, unknown>[] }> {
    const response = await fetch(`${base}/v1/models/${name}/predict`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ rows }) });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    return JSON.parse(text) as { predictions: Record<string, unknown>[] };
  }

  const rows = [
    { x: 1e308, z: 0.1 },
    { x: 0.2, z: 1e308 },
    { x: -1.7976931348623157e308, z: 0.1 },
    // Both standardized values overflow, to +Infinity and -Infinity: NaN before the overflow path.
    { x: 1e308, z: 1e308 },
  ];

  test("POST /v1/models/{name}/predict: finite probabilities, one row or many", async () => {
    const many = await predict("outcome", rows);
    const one = await predict("outcome", [rows[0]!]);
    const answers = [...many.predictions, ...one.predictions];
    assert.deepEqual(
      answers.map((answer) => [answer["prediction"], answer["probabilities"]]),
      [
        ["yes", { no: 0, yes: 1 }],
        ["no", { no: 1, yes: 0 }],
        ["no", { no: 1, yes: 0 }],
        ["no", { no: 1, yes: 0 }],
        ["yes", { no: 0, yes: 1 }],
      ],
    );
  });

  test("POST /v1/models/{name}/predict: an overflowing regression is null, as the service writes every non-finite number", async () => {
    // null cannot tell an overflow from NaN; the library's ±Infinity is checked in src/models/extreme-values.test.ts.
    const answer = await predict("amount", [...rows, { x: 5e-324, z: -0 }]);
    const values = answer.predictions.map((p) => p["prediction"]);
    assert.deepEqual(values.slice(0, 4), [null, null, null, null]);
    assert.ok(typeof values[4] === "number" && Number.isFinite(values[4]), String(values[4]));
  });
});
