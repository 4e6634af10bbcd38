/**
 * The one conformance suite of the tracking Store: every backend (SQLite, PostgreSQL) runs it unchanged
 * (see sqlite.test.ts and postgres.test.ts). It checks what a caller sees: round trips of every field,
 * the order and limits of lists, the error code and words of every refusal, atomic promotions raced from
 * separate Store instances, rollback through the stage log, artifact bytes corrupted under the store,
 * and a database written by a newer learnloop.
 *
 * Names and ids carry a random tag so that the suite also runs on a database that already holds data.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { after, before, describe, it } from "node:test";
import { InvalidParameterError, StoreError, type StoreIssueCode } from "../../src/core/errors.js";
import { formatError } from "../../src/core/messages.js";
import { LEARNLOOP_VERSION } from "../../src/models/format.js";
import { SCHEMA_VERSION, encodePrediction, predictionLine } from "../../src/tracking/index.js";
import type { Database } from "../../src/tracking/database.js";
import { migrate } from "../../src/tracking/migrations.js";
import type { PredictionRecord, Store } from "../../src/tracking/types.js";

/** How the suite reaches a backend. */
export interface StoreHarness {
  /** Opens a new Store instance (a new connection) on the same database every time. */
  open(): Promise<Store>;
  /** Runs raw SQL (with `?` placeholders) on that database, under the store: to corrupt bytes, fake a newer schema. */
  execute(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** Resolves when `promise` rejects with a StoreError of `code`; returns the error's one-line message. */
async function storeError(promise: Promise<unknown>, code: StoreIssueCode): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StoreError, `expected a StoreError "${code}", got ${String(error)}`);
    assert.equal(error.code, code, `expected code "${code}", got "${error.code}": ${error.message}`);
    return formatError(error);
  }
  assert.fail(`expected a StoreError "${code}", but it resolved`);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Registers the conformance suite for one backend. */
export function storeConformance(name: string, harness: StoreHarness): void {
  describe(`Store conformance: ${name}`, () => {
    const tag = randomBytes(4).toString("hex");
    const modelName = (base: string) => `${base}-${tag}`;
    let store: Store;
    before(async () => {
      store = await harness.open();
    });
    after(async () => {
      await store?.close();
    });

    describe("runs", () => {
      it("startRun records what is known at the start; getRun reads it back", async () => {
        const before = Date.now();
        const run = await store.startRun({
          kind: "train",
          command: "learnloop train flights.parquet --target delayed",
          params: { model: "gbdt", learningRate: 0.1, nested: { list: [1, "two", null] } },
          data: { file: "flights.parquet", fingerprint: "abc123", rows: 3000000, schema: { features: [{ name: "distance", kind: "numeric" }] } },
        });
        assert.match(run.id, /^\S+$/);
        assert.equal(run.kind, "train");
        assert.equal(run.status, "running");
        assert.equal(run.command, "learnloop train flights.parquet --target delayed");
        assert.deepEqual(run.params, { model: "gbdt", learningRate: 0.1, nested: { list: [1, "two", null] } });
        assert.deepEqual(run.data, { file: "flights.parquet", fingerprint: "abc123", rows: 3000000, schema: { features: [{ name: "distance", kind: "numeric" }] } });
        assert.equal(run.learnloopVersion, LEARNLOOP_VERSION);
        assert.equal(run.host, hostname());
        assert.ok(Date.parse(run.startedAt) >= before - 1000 && run.startedAt.endsWith("Z"), run.startedAt);
        assert.equal(run.finishedAt, undefined);
        assert.deepEqual(run.metrics, {});
        assert.deepEqual(run.folds, []);
        assert.deepEqual(run.artifacts, []);
        assert.equal(run.pid, process.pid);
        assert.equal(run.heartbeatAt, run.startedAt, "the start is the first sign of life");
        assert.equal(run.heartbeatIntervalMs, undefined, "no heartbeat was promised");
        assert.deepEqual(await store.getRun(run.id), run);
      });

      it("heartbeat moves heartbeatAt on; refuses an unknown id (not_found) and a run that ended (conflict)", async () => {
        const run = await store.startRun({ kind: "train", params: {}, heartbeatIntervalMs: 60_000 });
        assert.equal(run.heartbeatIntervalMs, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.heartbeat(run.id);
        const beaten = (await store.getRun(run.id))!;
        assert.ok(beaten.heartbeatAt! > run.heartbeatAt!, `${beaten.heartbeatAt} after ${run.heartbeatAt}`);
        assert.equal(beaten.status, "running");
        assert.equal(await storeError(store.heartbeat("no-such-run"), "not_found"), "run no-such-run: no such run");
        await store.finishRun(run.id, { status: "finished" });
        assert.match(await storeError(store.heartbeat(run.id), "conflict"), new RegExp(`^run ${run.id}: the run already ended \\(finished at `));
        await assert.rejects(store.startRun({ kind: "train", params: {}, heartbeatIntervalMs: 0 }), InvalidParameterError);
        await assert.rejects(store.startRun({ kind: "train", params: {}, pid: -3 }), InvalidParameterError);
      });

      it("an interrupted run keeps its status and error, and lists under --status interrupted", async () => {
        const run = await store.startRun({ kind: "tune", params: { interrupted: tag } });
        const ended = await store.finishRun(run.id, { status: "interrupted", error: "interrupted by SIGTERM", durations: { total: 1200 } });
        assert.equal(ended.status, "interrupted");
        assert.equal(ended.error, "interrupted by SIGTERM");
        assert.deepEqual(ended.durations, { total: 1200 });
        assert.deepEqual((await store.listRuns({ status: "interrupted", limit: 1 })).map((r) => r.id), [run.id]);
        await assert.rejects(store.finishRun(run.id, { status: "running" as never }), InvalidParameterError);
      });

      it("a running run whose heartbeat is older than 3 intervals reads lost; a heartbeat brings it back; it may still finish", async () => {
        const run = await store.startRun({ kind: "train", params: { stale: tag }, heartbeatIntervalMs: 10_000 });
        // 31 s ago: just over 3 intervals of 10 s.
        const old = new Date(Date.now() - 31_000).toISOString();
        await harness.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [old, run.id]);
        const lost = (await store.getRun(run.id))!;
        assert.equal(lost.status, "lost");
        assert.equal(lost.lostReason, `no heartbeat since ${old} (one was due every 10 s)`);
        assert.ok((await store.listRuns({ status: "lost", limit: 100000 })).some((r) => r.id === run.id));
        assert.ok(!(await store.listRuns({ status: "running", limit: 100000 })).some((r) => r.id === run.id));
        assert.equal((await store.listRuns({ limit: 100000 })).find((r) => r.id === run.id)!.status, "lost");
        // 29 s ago is within 3 intervals: running.
        await harness.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [new Date(Date.now() - 29_000).toISOString(), run.id]);
        assert.equal((await store.getRun(run.id))!.status, "running");
        await harness.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [old, run.id]);
        await store.heartbeat(run.id);
        const back = (await store.getRun(run.id))!;
        assert.equal(back.status, "running");
        assert.equal(back.lostReason, undefined);
        await harness.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", [old, run.id]);
        assert.equal((await store.finishRun(run.id, { status: "finished" })).status, "finished", "a lost run that comes back may finish");
      });

      it("a running run of this host whose process is gone reads lost at once; another host's is judged by its heartbeat only", async () => {
        const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
        const run = await store.startRun({ kind: "evaluate", params: { gone: tag }, pid: gone });
        const lost = (await store.getRun(run.id))!;
        assert.equal(lost.status, "lost");
        assert.equal(lost.lostReason, `its process (pid ${gone} on ${hostname()}) is gone`);
        await harness.execute("UPDATE runs SET host = ? WHERE id = ?", [`elsewhere-${tag}`, run.id]);
        assert.equal((await store.getRun(run.id))!.status, "running", "a pid on another machine says nothing here");
      });

      it("finishRun keeps metrics, folds, durations, artifacts and details; NaN metrics come back as NaN", async () => {
        const run = await store.startRun({ kind: "evaluate", params: {} });
        const finished = await store.finishRun(run.id, {
          status: "finished",
          metrics: { accuracy: 0.9375, roc_auc: NaN },
          folds: [{ accuracy: 0.9 }, { accuracy: 0.975 }],
          durations: { load: 12.5, total: 40 },
          artifacts: [{ role: "model", path: "m.model", sha256: "00ff", bytes: 2 }],
          details: { audit: [{ code: "duplicates" }] },
        });
        assert.equal(finished.status, "finished");
        assert.ok(finished.finishedAt !== undefined && finished.finishedAt >= finished.startedAt);
        assert.equal(finished.metrics.accuracy, 0.9375);
        assert.ok(Number.isNaN(finished.metrics.roc_auc));
        assert.deepEqual(finished.folds, [{ accuracy: 0.9 }, { accuracy: 0.975 }]);
        assert.deepEqual(finished.durations, { load: 12.5, total: 40 });
        assert.deepEqual(finished.artifacts, [{ role: "model", path: "m.model", sha256: "00ff", bytes: 2 }]);
        assert.deepEqual(finished.details, { audit: [{ code: "duplicates" }] });
        assert.deepEqual(await store.getRun(run.id), finished);
      });

      it("finishRun replaces the data description when it brings one", async () => {
        const run = await store.startRun({ kind: "train", params: {}, data: { file: "a.csv" } });
        const kept = await store.finishRun(run.id, { status: "finished" });
        assert.deepEqual(kept.data, { file: "a.csv" });
        const other = await store.startRun({ kind: "train", params: {}, data: { file: "a.csv" } });
        const replaced = await store.finishRun(other.id, { status: "finished", data: { file: "a.csv", fingerprint: "f00d", rows: 12, schema: { target: "y" } } });
        assert.deepEqual(replaced.data, { file: "a.csv", fingerprint: "f00d", rows: 12, schema: { target: "y" } });
      });

      it("a failed run keeps its one-line error", async () => {
        const run = await store.startRun({ kind: "train", params: {} });
        const failed = await store.finishRun(run.id, { status: "failed", error: 'data.csv: unknown column "y"' });
        assert.equal(failed.status, "failed");
        assert.equal(failed.error, 'data.csv: unknown column "y"');
      });

      it("finishRun refuses an unknown id (not_found) and a run that already ended (conflict)", async () => {
        assert.equal(await storeError(store.finishRun("no-such-run", { status: "finished" }), "not_found"), "run no-such-run: no such run");
        const run = await store.startRun({ kind: "train", params: {} });
        await store.finishRun(run.id, { status: "finished" });
        const message = await storeError(store.finishRun(run.id, { status: "failed", error: "late" }), "conflict");
        assert.match(message, new RegExp(`^run ${run.id}: the run already ended \\(finished at \\d{4}-`));
        assert.equal((await store.getRun(run.id))!.status, "finished", "the refused finish changed nothing");
        assert.equal(await store.getRun("no-such-run"), undefined);
      });

      it("listRuns: newest first, by kind and status, at most `limit` (default 50)", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push((await store.startRun({ kind: i % 2 === 0 ? "tune" : "evaluate", params: { i } })).id);
        await store.finishRun(ids[0]!, { status: "finished" });
        const newest = await store.listRuns({ limit: 4 });
        assert.deepEqual(newest.map((run) => run.id), [...ids].reverse());
        const tunes = await store.listRuns({ kind: "tune", limit: 2 });
        assert.deepEqual(tunes.map((run) => run.id), [ids[2], ids[0]]);
        const running = await store.listRuns({ kind: "tune", status: "running", limit: 1 });
        assert.deepEqual(running.map((run) => run.id), [ids[2]]);
        const finishedTunes = await store.listRuns({ kind: "tune", status: "finished", limit: 1 });
        assert.deepEqual(finishedTunes.map((run) => run.id), [ids[0]]);
        for (let i = 0; i < 50; i++) await store.startRun({ kind: "tune", params: { i } });
        assert.equal((await store.listRuns()).length, 50);
        await assert.rejects(store.listRuns({ limit: 0 }), InvalidParameterError);
      });

      it("runsByIdPrefix finds runs by the start of their id: newest first, case as given, wildcards taken literally", async () => {
        // Ids are set under the store so that they share starts; the tag keeps them apart from other runs.
        const made: string[] = [];
        for (let i = 0; i < 4; i++) made.push((await store.startRun({ kind: "train", params: { i } })).id);
        const ids = [`p${tag}aa1`, `p${tag}aa2`, `p${tag}b_c`, `P${tag}AA3`];
        for (let i = 0; i < 4; i++) await harness.execute("UPDATE runs SET id = ? WHERE id = ?", [ids[i], made[i]]);
        assert.deepEqual((await store.runsByIdPrefix(`p${tag}`)).map((run) => run.id), [ids[2], ids[1], ids[0]]);
        assert.deepEqual((await store.runsByIdPrefix(`p${tag}aa`)).map((run) => run.id), [ids[1], ids[0]]);
        assert.deepEqual((await store.runsByIdPrefix(`p${tag}aa`, 1)).map((run) => run.id), [ids[1]]);
        assert.deepEqual((await store.runsByIdPrefix(`P${tag}`)).map((run) => run.id), [ids[3]], "the upper-case id only");
        assert.deepEqual((await store.runsByIdPrefix(`p${tag}aa2`)).map((run) => [run.id, run.kind, run.params]), [[ids[1], "train", { i: 1 }]]);
        assert.deepEqual(await store.runsByIdPrefix(`p${tag}_`), [], "_ is not a wildcard");
        assert.deepEqual(await store.runsByIdPrefix(`p${tag}%`), [], "% is not a wildcard");
        assert.deepEqual((await store.runsByIdPrefix(`p${tag}b_`)).map((run) => run.id), [ids[2]]);
        assert.deepEqual(await store.runsByIdPrefix(`p${tag}aa1-longer`), []);
        await assert.rejects(store.runsByIdPrefix(""), InvalidParameterError);
        await assert.rejects(store.runsByIdPrefix("p", 0), InvalidParameterError);
      });
    });

    describe("artifacts", () => {
      it("putArtifact answers the SHA-256 of the bytes, stores them once, and getArtifact gives them back", async () => {
        const abc = new TextEncoder().encode("abc");
        // The FIPS 180-2 test vector for "abc".
        assert.equal(await store.putArtifact(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert.equal(await store.putArtifact(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert.deepEqual(Array.from(await store.getArtifact("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")), Array.from(abc));
        const rows = await harness.execute("SELECT COUNT(*) AS n FROM artifacts WHERE sha256 = ?", ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"]);
        assert.equal(Number(rows[0]!.n), 1, "identical bytes are stored once");
        const big = randomBytes(3 << 20);
        const view = new Uint8Array(big.buffer, big.byteOffset + 5, big.byteLength - 5);
        const key = await store.putArtifact(view);
        assert.equal(key, sha256(view));
        assert.ok(Buffer.from(await store.getArtifact(key)).equals(Buffer.from(view)));
        const empty = await store.putArtifact(new Uint8Array(0));
        assert.equal((await store.getArtifact(empty)).byteLength, 0);
      });

      it("getArtifact refuses an unknown checksum (not_found) and bytes that no longer match it (integrity)", async () => {
        const unknown = "0".repeat(64);
        assert.equal(await storeError(store.getArtifact(unknown), "not_found"), `artifact ${unknown}: no such artifact in the store`);
        const bytes = randomBytes(1000);
        const key = await store.putArtifact(bytes);
        const flipped = Buffer.from(bytes);
        flipped[500] = flipped[500]! ^ 1;
        await harness.execute("UPDATE artifacts SET content = ? WHERE sha256 = ?", [flipped, key]);
        const message = await storeError(store.getArtifact(key), "integrity");
        assert.equal(message, `artifact ${key}: the stored bytes do not match their checksum (they hash to ${sha256(flipped)}); the store is corrupted`);
      });
    });

    describe("registry", () => {
      const file = (text: string) => new TextEncoder().encode(`model file ${text} ${tag}`);
      const register = (s: Store, name: string, text: string, extra: Record<string, unknown> = {}) =>
        s.registerModel({ name, modelFile: file(text), kind: "gbdt", task: "binary", actor: "ana", ...extra });

      it("registerModel numbers versions per name, as challengers, with the file in the artifact store", async () => {
        const name = modelName("flights");
        const run = await store.startRun({ kind: "train", params: {} });
        const v1 = await store.registerModel({
          name,
          modelFile: file("one"),
          kind: "gbdt",
          task: "binary",
          metrics: { roc_auc: 0.71, log_loss: 0.52 },
          runId: run.id,
          description: "first try",
          actor: "ana",
        });
        assert.deepEqual({ ...v1, createdAt: "" }, {
          name,
          version: 1,
          stage: "challenger",
          sha256: sha256(file("one")),
          bytes: file("one").byteLength,
          runId: run.id,
          kind: "gbdt",
          task: "binary",
          metrics: { roc_auc: 0.71, log_loss: 0.52 },
          description: "first try",
          createdAt: "",
        });
        assert.ok(v1.createdAt.endsWith("Z"));
        assert.deepEqual(Array.from(await store.getArtifact(v1.sha256)), Array.from(file("one")));
        const v2 = await register(store, name, "two");
        assert.equal(v2.version, 2);
        assert.equal(v2.runId, undefined);
        assert.equal(v2.description, undefined);
        assert.deepEqual(v2.metrics, {});
        assert.equal((await register(store, modelName("other"), "one")).version, 1, "numbers are per name");
        assert.deepEqual((await store.listVersions(name)).map((v) => [v.version, v.stage]), [[1, "challenger"], [2, "challenger"]]);
        assert.deepEqual(await store.getVersion(name, 1), v1);
        assert.equal(await store.getVersion(name, 3), undefined);
        assert.equal(await store.champion(name), undefined);
        const listed = (await store.listModels()).find((model) => model.name === name)!;
        assert.equal(listed.latestVersion, 2);
        assert.equal(listed.championVersion, undefined);
        const history = await store.stageHistory(name);
        assert.deepEqual(history.map((c) => [c.version, c.from, c.to, c.actor, c.reason]), [[1, null, "challenger", "ana", "registered"], [2, null, "challenger", "ana", "registered"]]);
      });

      it("registerModel refuses an unknown run (not_found, nothing registered) and a name unfit for a URL", async () => {
        const name = modelName("orphan");
        assert.equal(await storeError(register(store, name, "x", { runId: "no-such-run" }), "not_found"), "run no-such-run: no such run to link the model version to");
        assert.equal(await storeError(store.listVersions(name), "not_found"), `model "${name}": no such model in the registry`);
        await assert.rejects(register(store, "has space", "x"), InvalidParameterError);
        await assert.rejects(register(store, "../up", "x"), InvalidParameterError);
        await assert.rejects(register(store, modelName("noactor"), "x", { actor: "" }), InvalidParameterError);
      });

      it("promote makes one champion, archives the previous one and logs both with time, actor and reason", async () => {
        const name = modelName("promoted");
        await register(store, name, "p1");
        await register(store, name, "p2");
        const first = await store.promote(name, 1, { actor: "ana", reason: "beats the baseline" });
        assert.deepEqual({ ...first, at: "" }, { name, version: 1, from: "challenger", to: "champion", at: "", actor: "ana", reason: "beats the baseline" });
        assert.equal((await store.champion(name))!.version, 1);
        const second = await store.promote(name, 2, { actor: "bo", reason: "better AUC" });
        assert.equal(second.from, "challenger");
        assert.deepEqual((await store.listVersions(name)).map((v) => [v.version, v.stage]), [[1, "archived"], [2, "champion"]]);
        assert.equal((await store.listModels()).find((model) => model.name === name)!.championVersion, 2);
        const history = await store.stageHistory(name);
        assert.deepEqual(history.slice(2).map((c) => [c.version, c.from, c.to, c.actor, c.reason]), [
          [1, "challenger", "champion", "ana", "beats the baseline"],
          [1, "champion", "archived", "bo", "better AUC"],
          [2, "challenger", "champion", "bo", "better AUC"],
        ]);
        for (let i = 1; i < history.length; i++) assert.ok(history[i]!.at >= history[i - 1]!.at, "oldest first");
        // An archived version can come back.
        const again = await store.promote(name, 1, { actor: "ana", reason: "back" });
        assert.equal(again.from, "archived");
      });

      it("promote refuses an unknown name or version (not_found) and the current champion (conflict)", async () => {
        const name = modelName("refusals");
        await register(store, name, "r1");
        assert.equal(await storeError(store.promote(modelName("nobody"), 1, { actor: "ana", reason: "x" }), "not_found"), `model "${modelName("nobody")}": no such model in the registry`);
        assert.equal(await storeError(store.promote(name, 7, { actor: "ana", reason: "x" }), "not_found"), `model "${name}" version 7: no such version in the registry`);
        await store.promote(name, 1, { actor: "ana", reason: "x" });
        assert.equal(await storeError(store.promote(name, 1, { actor: "ana", reason: "x" }), "conflict"), `model "${name}" version 1: it is already the champion`);
        assert.equal((await store.stageHistory(name)).length, 2, "refusals are not logged");
      });

      it("rollback walks back through earlier champions, from the stage log", async () => {
        const name = modelName("rollback");
        for (const text of ["a", "b", "c"]) await register(store, name, text);
        assert.equal(await storeError(store.rollback(name, { actor: "ana", reason: "x" }), "conflict"), `model "${name}": it has no champion to roll back from`);
        await store.promote(name, 1, { actor: "ana", reason: "v1" });
        assert.equal(
          await storeError(store.rollback(name, { actor: "ana", reason: "x" }), "conflict"),
          `model "${name}": version 1 is its first champion; there is no previous champion to roll back to`,
        );
        await store.promote(name, 2, { actor: "ana", reason: "v2" });
        await store.promote(name, 3, { actor: "ana", reason: "v3" });
        const back = await store.rollback(name, { actor: "oncall", reason: "v3 mislabels night flights" });
        assert.deepEqual({ ...back, at: "" }, { name, version: 2, from: "archived", to: "champion", at: "", actor: "oncall", reason: "v3 mislabels night flights" });
        assert.deepEqual((await store.listVersions(name)).map((v) => v.stage), ["archived", "champion", "archived"]);
        const further = await store.rollback(name, { actor: "oncall", reason: "v2 too" });
        assert.equal(further.version, 1, "a second rollback goes to the champion before, not back to v3");
        assert.equal((await store.champion(name))!.version, 1);
        await storeError(store.rollback(name, { actor: "oncall", reason: "x" }), "conflict");
        const last = (await store.stageHistory(name)).slice(-2);
        assert.deepEqual(last.map((c) => [c.version, c.from, c.to, c.actor]), [[2, "champion", "archived", "oncall"], [1, "archived", "champion", "oncall"]]);
        assert.equal(await storeError(store.rollback(modelName("nobody"), { actor: "a", reason: "x" }), "not_found"), `model "${modelName("nobody")}": no such model in the registry`);
      });

      it("promote and rollback refuse a version whose stored file no longer matches its checksum; registering the file again repairs it", async () => {
        const name = modelName("tampered");
        await register(store, name, "t1");
        const v2 = await register(store, name, "t2");
        await store.promote(name, 1, { actor: "ana", reason: "first" });
        const flipped = file("t2");
        flipped[0] ^= 0xff;
        await harness.execute("UPDATE artifacts SET content = ? WHERE sha256 = ?", [Buffer.from(flipped), v2.sha256]);
        const historyBefore = (await store.stageHistory(name)).length;
        assert.equal(
          await storeError(store.promote(name, 2, { actor: "ana", reason: "x" }), "integrity"),
          `model "${name}" version 2: its stored model file does not match its checksum (it hashes to ${sha256(flipped)}); not promoted: register the model file again`,
        );
        assert.equal((await store.champion(name))!.version, 1, "the champion stays");
        assert.equal((await store.stageHistory(name)).length, historyBefore, "nothing logged");
        // The same bytes registered again are written over the corrupted copy (their checksum is the key).
        const v3 = await register(store, name, "t2");
        assert.equal(v3.sha256, v2.sha256);
        assert.deepEqual(await store.getArtifact(v2.sha256), file("t2"));
        await store.promote(name, 2, { actor: "ana", reason: "repaired" });
        // A rollback target is checked too.
        const v1 = (await store.getVersion(name, 1))!;
        await harness.execute("UPDATE artifacts SET content = ? WHERE sha256 = ?", [Buffer.from("not the model"), v1.sha256]);
        assert.match(await storeError(store.rollback(name, { actor: "ana", reason: "x" }), "integrity"), new RegExp(`^model "${name}" version 1: its stored model file does not match its checksum \\(it hashes to [0-9a-f]{64}\\); not rolled back to: register the model file again$`));
        assert.equal((await store.champion(name))!.version, 2);
      });

      it("setStage moves non-champions between challenger and archived, and refuses the champion", async () => {
        const name = modelName("stages");
        await register(store, name, "s1");
        await register(store, name, "s2");
        await store.promote(name, 1, { actor: "ana", reason: "x" });
        const archived = await store.setStage(name, 2, "archived", { actor: "bo", reason: "worse on holdout" });
        assert.deepEqual({ ...archived, at: "" }, { name, version: 2, from: "challenger", to: "archived", at: "", actor: "bo", reason: "worse on holdout" });
        assert.equal(await storeError(store.setStage(name, 2, "archived", { actor: "bo", reason: "x" }), "conflict"), `model "${name}" version 2: it is already archived`);
        assert.equal((await store.setStage(name, 2, "challenger", { actor: "bo", reason: "retry" })).to, "challenger");
        assert.equal(
          await storeError(store.setStage(name, 1, "archived", { actor: "bo", reason: "x" }), "conflict"),
          `model "${name}" version 1: it is the champion; promote another version or roll back first`,
        );
        await storeError(store.setStage(name, 9, "archived", { actor: "bo", reason: "x" }), "not_found");
        await assert.rejects(store.setStage(name, 2, "champion" as "archived", { actor: "bo", reason: "x" }), InvalidParameterError);
        assert.equal(await storeError(store.stageHistory(modelName("nobody")), "not_found"), `model "${modelName("nobody")}": no such model in the registry`);
      });

      it("concurrent promotions from separate Store instances never leave two champions", async () => {
        const name = modelName("race");
        const versions = 6;
        for (let v = 1; v <= versions; v++) await register(store, name, `race ${v}`);
        const others = await Promise.all(Array.from({ length: 3 }, () => harness.open()));
        try {
          for (let round = 0; round < 3; round++) {
            const attempts = await Promise.allSettled(
              Array.from({ length: versions }, (_, i) => [store, ...others][i % 4]!.promote(name, i + 1, { actor: `racer${i}`, reason: `round ${round}` })),
            );
            const won = attempts.flatMap((attempt, i) => (attempt.status === "fulfilled" ? [i + 1] : []));
            for (const attempt of attempts) {
              if (attempt.status === "rejected") {
                assert.ok(attempt.reason instanceof StoreError && attempt.reason.code === "conflict", `a losing promotion is a "conflict", got ${String(attempt.reason)}`);
              }
            }
            const champions = (await store.listVersions(name)).filter((v) => v.stage === "champion");
            assert.equal(champions.length, 1, `round ${round}: exactly one champion (winners: ${won.join(", ")})`);
            assert.ok(won.includes(champions[0]!.version), "the champion is a promotion that succeeded");
            // The log agrees: replaying it gives the same single champion.
            let logged: number | undefined;
            for (const change of await store.stageHistory(name)) {
              if (change.to === "champion") logged = change.version;
              else if (change.from === "champion" && change.version === logged) logged = undefined;
            }
            assert.equal(logged, champions[0]!.version);
          }
        } finally {
          await Promise.all(others.map((other) => other.close()));
        }
      });

      it("concurrent registrations from separate Store instances get distinct version numbers", async () => {
        const name = modelName("parallel");
        const others = await Promise.all(Array.from({ length: 3 }, () => harness.open()));
        try {
          const registered = await Promise.all(Array.from({ length: 8 }, (_, i) => register([store, ...others][i % 4]!, name, `parallel ${i}`)));
          assert.deepEqual(registered.map((v) => v.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
          assert.equal((await store.listModels()).find((model) => model.name === name)!.latestVersion, 8);
        } finally {
          await Promise.all(others.map((other) => other.close()));
        }
      });
    });

    describe("prediction log", () => {
      const model = modelName("served");
      const record = (i: number, extra: Partial<PredictionRecord> = {}): PredictionRecord => ({
        id: `${tag}-p${i}`,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        model,
        version: 1,
        inputs: { distance: i * 10, carrier: "AA", missing: null },
        outputs: { prediction: "late", probabilities: { late: 0.75, "on time": 0.25 }, decision: true },
        ...extra,
      });

      it("logPredictions stores a batch; getPrediction reads a record back as logged", async () => {
        await store.logPredictions(Array.from({ length: 500 }, (_, i) => record(i)));
        await store.logPredictions([]);
        assert.deepEqual(await store.getPrediction(`${tag}-p7`), record(7));
        assert.equal(await store.getPrediction(`${tag}-nope`), undefined);
        assert.deepEqual(await store.predictionCounts(model), { predictions: 500, labelled: 0 });
      });

      it("a repeated id is a conflict and nothing of its batch is logged", async () => {
        const message = await storeError(store.logPredictions([record(1000), record(3)]), "conflict");
        assert.equal(message, "prediction log: a prediction id in the batch of 2 is already logged (or repeated in the batch); nothing of the batch was logged");
        assert.equal(await store.getPrediction(`${tag}-p1000`), undefined);
        await storeError(store.logPredictions([record(1001), record(1001)]), "conflict");
        assert.equal(await store.getPrediction(`${tag}-p1001`), undefined);
        assert.equal((await store.predictionCounts(model)).predictions, 500);
      });

      it("recordOutcomes joins labels to logged ids of the model; unknown ids come back", async () => {
        await store.logPredictions([record(0, { id: `${tag}-other`, model: modelName("elsewhere") })]);
        const result = await store.recordOutcomes(model, [
          { id: `${tag}-p1`, label: "late" },
          { id: `${tag}-p2`, label: 0 },
          { id: `${tag}-p3`, label: false },
          { id: `${tag}-p4`, label: { value: 12.5 } },
          { id: `${tag}-ghost`, label: "late" },
          { id: `${tag}-other`, label: "late" },
          { id: `${tag}-p1`, label: "on time" },
        ]);
        assert.deepEqual(result, { recorded: 4, unknown: [`${tag}-ghost`, `${tag}-other`] });
        const p1 = await store.getPrediction(`${tag}-p1`);
        assert.equal(p1!.label, "on time", "the latest label of an id wins, within a batch too");
        assert.ok(p1!.labelledAt!.endsWith("Z"));
        assert.equal((await store.getPrediction(`${tag}-p2`))!.label, 0);
        assert.equal((await store.getPrediction(`${tag}-p3`))!.label, false);
        assert.deepEqual((await store.getPrediction(`${tag}-p4`))!.label, { value: 12.5 });
        assert.equal((await store.getPrediction(`${tag}-p5`))!.label, undefined);
        assert.equal((await store.getPrediction(`${tag}-other`))!.label, undefined, "an outcome sent for another model is not recorded");
        await store.recordOutcomes(model, [{ id: `${tag}-p2`, label: 1 }]);
        assert.equal((await store.getPrediction(`${tag}-p2`))!.label, 1, "a later batch overrides");
        assert.deepEqual(await store.predictionCounts(model), { predictions: 500, labelled: 4 });
        assert.deepEqual(await store.recordOutcomes(model, []), { recorded: 0, unknown: [] });
      });

      it("predictionVersions: the version that made each logged id of the model, in one call; others are absent", async () => {
        const versioned = modelName("versioned");
        await store.logPredictions([
          record(0, { id: `${tag}-v1a`, model: versioned, version: 1 }),
          record(1, { id: `${tag}-v2a`, model: versioned, version: 2 }),
          record(2, { id: `${tag}-v1b`, model: versioned, version: 1 }),
          record(3, { id: `${tag}-v7`, model: versioned, version: 7 }),
          record(4, { id: `${tag}-elsewhere`, model: modelName("elsewhere"), version: 3 }),
        ]);
        const ids = [`${tag}-v2a`, `${tag}-ghost`, `${tag}-v1a`, `${tag}-elsewhere`, `${tag}-v7`, `${tag}-v1b`, `${tag}-v1a`, "it's \"quoted\"\\"];
        const versions = await store.predictionVersions(versioned, ids);
        assert.deepEqual(
          [...versions].sort(([a], [b]) => (a < b ? -1 : 1)),
          [[`${tag}-v1a`, 1], [`${tag}-v1b`, 1], [`${tag}-v2a`, 2], [`${tag}-v7`, 7]],
        );
        assert.deepEqual(await store.predictionVersions(versioned, []), new Map());
        assert.deepEqual(await store.predictionVersions(modelName("nothing"), ids), new Map());
        // Many ids in one call (more than SQLite's limit of placeholders in a statement, 32,766).
        const many = Array.from({ length: 40_000 }, (_, i) => `${tag}-many${i}`);
        many[39_999] = `${tag}-v7`;
        assert.deepEqual(await store.predictionVersions(versioned, many), new Map([[`${tag}-v7`, 7]]));
      });

      it("logPredictionLines logs records written as text exactly as logPredictions does; a bad line is refused whole", async () => {
        const lined = modelName("lined");
        const records = Array.from({ length: 37 }, (_, i) => record(i, { id: `${tag}-l${i}`, model: lined, version: 2 + (i % 2) }));
        await store.logPredictionLines(records.map(encodePrediction).join("\n"));
        for (const i of [0, 15, 16, 36]) assert.deepEqual(await store.getPrediction(`${tag}-l${i}`), records[i]);
        assert.deepEqual(await store.predictionCounts(lined), { predictions: 37, labelled: 0 });
        // The text is kept as given: the outputs' key order and number text are the service's own.
        const outputs = '{"prediction":"late","probabilities":{"on time":0.25,"late":0.75}}';
        await store.logPredictionLines(predictionLine(`${tag}-text`, "2026-01-02T00:00:00.000Z", lined, 1, '{"x":1e-7}', outputs));
        const raw = await harness.execute("SELECT inputs, outputs FROM predictions WHERE id = ?", [`${tag}-text`]);
        assert.deepEqual(raw, [{ inputs: '{"x":1e-7}', outputs }]);
        const bad = [predictionLine(`${tag}-ok`, "2026-01-02T00:00:00.000Z", lined, 1, "{}", "{}"), `${tag}-bad\t2026-01-02T00:00:00.000Z\t${lined}\tv1\t{}\t{}`].join("\n");
        const message = await storeError(store.logPredictionLines(bad), "conflict");
        assert.equal(message, `prediction log: line 2 of the batch is not a prediction record (id, at, model, integer version, inputs JSON, outputs JSON separated by tabs): ${JSON.stringify(`${tag}-bad\t2026-01-02T00:00:00.000Z\t${lined}\tv1\t{}\t{}`)}; nothing of the batch was logged`);
        assert.equal(await store.getPrediction(`${tag}-ok`), undefined);
        await storeError(store.logPredictionLines(`${tag}-short\t2026\t${lined}\t1\t{}`), "conflict");
        await store.logPredictionLines("");
        assert.deepEqual(await store.predictionCounts(lined), { predictions: 38, labelled: 0 });
        assert.equal(
          await storeError(store.logPredictions([record(1, { id: `${tag}-ok` }), record(2, { id: `${tag}\tbad` })]), "conflict"),
          `prediction log: a record's id must be text without tabs or line breaks, got ${JSON.stringify(`${tag}\tbad`)}; nothing of the batch was logged`,
        );
        assert.equal(await store.getPrediction(`${tag}-ok`), undefined);
      });

      it("stagePredictionLines: staged records read as logged ones, by every read; settlePredictionLog moves them", async () => {
        const staged = modelName("staged");
        const records = Array.from({ length: 21 }, (_, i) => record(i, { id: `${tag}-s${i}`, model: staged, version: 1 + (i % 3) }));
        const block = (from: number, to: number) => new TextEncoder().encode(records.slice(from, to).map(encodePrediction).join("\n"));
        const waiting = async () => Number((await harness.execute("SELECT COUNT(*) AS n FROM prediction_chunks"))[0]!.n);
        await store.stagePredictionLines(block(0, 17));
        await store.stagePredictionLines(block(17, 19));
        // SQLite keeps the blocks until something reads the log; PostgreSQL logs them at once.
        assert.equal(await waiting(), store.backend === "sqlite" ? 2 : 0);
        assert.deepEqual(await store.predictionCounts(staged), { predictions: 19, labelled: 0 });
        assert.equal(await waiting(), 0);
        for (const i of [0, 16, 18]) assert.deepEqual(await store.getPrediction(`${tag}-s${i}`), records[i]);
        await store.stagePredictionLines(block(19, 20));
        assert.deepEqual([...(await store.predictionVersions(staged, [`${tag}-s19`, `${tag}-s1`]))].sort(), [[`${tag}-s1`, 2], [`${tag}-s19`, 2]]);
        await store.stagePredictionLines(block(20, 21));
        assert.deepEqual(await store.recordOutcomes(staged, [{ id: `${tag}-s20`, label: "late" }]), { recorded: 1, unknown: [] });
        assert.deepEqual((await store.labelledPredictions(staged)).map((p) => p.id), [`${tag}-s20`]);
        await store.stagePredictionLines(new Uint8Array(0));
        assert.deepEqual(await store.settlePredictionLog(), { records: 0, skipped: 0, blocks: 0, bytes: 0 });
        assert.deepEqual(await store.predictionCounts(staged), { predictions: 21, labelled: 1 });
      });

      it("labelledPredictions: only labelled ones, newest first, at most `limit`", async () => {
        await store.recordOutcomes(model, [{ id: `${tag}-p400`, label: "late" }, { id: `${tag}-p10`, label: "on time" }]);
        const all = await store.labelledPredictions(model);
        assert.deepEqual(all.map((p) => p.id), [400, 10, 4, 3, 2, 1].map((i) => `${tag}-p${i}`));
        assert.deepEqual({ ...all[0]!, labelledAt: "" }, { ...record(400), label: "late", labelledAt: "" });
        assert.deepEqual((await store.labelledPredictions(model, { limit: 2 })).map((p) => p.id), [`${tag}-p400`, `${tag}-p10`]);
        assert.deepEqual(await store.labelledPredictions(modelName("nothing")), []);
        assert.deepEqual(await store.predictionCounts(modelName("nothing")), { predictions: 0, labelled: 0 });
      });
    });

    describe("schema", () => {
      it("a reopened store keeps its data and applies its migrations once", async () => {
        const run = await store.startRun({ kind: "train", params: { reopened: true } });
        const again = await harness.open();
        try {
          assert.deepEqual(await again.getRun(run.id), run);
        } finally {
          await again.close();
        }
        const rows = await harness.execute("SELECT version FROM schema_migrations ORDER BY version");
        assert.deepEqual(rows.map((row) => Number(row.version)), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      });

      it("a database with a newer schema version is refused with a clear message", async () => {
        await harness.execute("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)", [SCHEMA_VERSION + 1, "from the future", new Date().toISOString()]);
        try {
          const message = await storeError(harness.open(), "schema");
          assert.match(message, new RegExp(`: the store's schema is version ${SCHEMA_VERSION + 1}, newer than this learnloop ${LEARNLOOP_VERSION.replaceAll(".", "\\.")} knows \\(version ${SCHEMA_VERSION}\\); upgrade learnloop to use it$`));
        } finally {
          await harness.execute("DELETE FROM schema_migrations WHERE version = ?", [SCHEMA_VERSION + 1]);
        }
        const reopened = await harness.open();
        await reopened.close();
      });
    });
  });
}

/** How the migration suite reaches a new, empty database of a backend. */
export interface MigrationHarness {
  /** The empty database under the store's seam, to build a version-1 store in. */
  openDatabase(): Promise<Database>;
  /** Opens it as a Store (which migrates it). */
  open(): Promise<Store>;
}

/**
 * A store written by schema version 1 (runs without pid or heartbeat, the prediction log with its
 * (model, at) index) is upgraded in place when opened, and keeps every row.
 */
export function storeMigration(name: string, harness: MigrationHarness): void {
  describe(`Store migration: ${name}`, () => {
    it("a version-1 store is migrated in place to the current version and keeps its runs, predictions and outcomes", async () => {
      const db = await harness.openDatabase();
      await migrate(db, 1);
      assert.deepEqual((await db.all("SELECT version FROM schema_migrations")).map((row) => Number(row.version)), [1]);
      const insertRun = `INSERT INTO runs (id, kind, status, command, params, data, started_at, finished_at, learnloop_version, host, metrics, error)
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
      await db.run(insertRun, ["old-running", "train", "running", "learnloop train a.csv", '{"model":"gbdt"}', null, "2026-01-01T00:00:00.000Z", null, "0.0.9", "buildbox", "{}", null]);
      await db.run(insertRun, ["old-done", "evaluate", "finished", null, "{}", '{"file":"b.csv"}', "2026-01-02T00:00:00.000Z", "2026-01-02T00:01:00.000Z", "0.0.9", "buildbox", '{"accuracy":0.75}', null]);
      const old = (i: number, model: string): PredictionRecord => ({
        id: `0190-old-${i}`,
        at: new Date(Date.UTC(2026, 0, 3, 0, 0, i)).toISOString(),
        model,
        version: 1,
        inputs: { distance: i, carrier: "AA" },
        outputs: { prediction: "late", probabilities: { late: 0.5, "on time": 0.5 } },
      });
      const olds = [old(1, "flights"), old(2, "flights"), old(3, "flights"), old(4, "churn")];
      for (const p of olds) {
        await db.run("INSERT INTO predictions (id, at, model, version, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?)", [p.id, p.at, p.model, p.version, JSON.stringify(p.inputs), JSON.stringify(p.outputs)]);
      }
      await db.run("INSERT INTO outcomes (id, label, labelled_at) VALUES (?, ?, ?)", ["0190-old-2", '"late"', "2026-01-04T00:00:00.000Z"]);
      // A registry as version 1 wrote it: two versions of one model, version 2 champion after version 1.
      const files = ["old model one", "old model two"].map((text) => new TextEncoder().encode(text));
      for (const bytes of files) {
        await db.run("INSERT INTO artifacts (sha256, bytes, content, created_at) VALUES (?, ?, ?, ?)", [sha256(bytes), bytes.byteLength, Buffer.from(bytes), "2026-01-01T00:00:00.000Z"]);
      }
      await db.run("INSERT INTO models (name, latest_version, created_at, updated_at) VALUES (?, ?, ?, ?)", ["old-flights", 2, "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"]);
      for (const [version, stage] of [[1, "archived"], [2, "champion"]] as const) {
        await db.run(
          `INSERT INTO model_versions (name, version, stage, sha256, bytes, run_id, kind, task, metrics, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ["old-flights", version, stage, sha256(files[version - 1]!), files[version - 1]!.byteLength, version === 2 ? "old-done" : null, "gbdt", "binary", '{"roc_auc":0.7}', null, `2026-01-0${version}T00:00:00.000Z`],
        );
      }
      const logged: [number, string | null, string, string][] = [[1, null, "challenger", "register"], [2, null, "challenger", "register"], [1, "challenger", "champion", "promote"], [1, "champion", "archived", "demote"], [2, "challenger", "champion", "promote"]];
      for (const [version, from, to, action] of logged) {
        await db.run("INSERT INTO stage_changes (name, version, from_stage, to_stage, action, at, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ["old-flights", version, from, to, action, "2026-01-02T00:00:00.000Z", "ana", "v1 era"]);
      }
      await db.close();

      const store = await harness.open();
      try {
        const migrated = await store.listRuns({ limit: 10 });
        assert.deepEqual(migrated.map((run) => [run.id, run.status]), [["old-done", "finished"], ["old-running", "running"]]);
        const running = migrated[1]!;
        assert.equal(running.pid, undefined, "a version-1 run has no pid: it is never judged lost");
        assert.equal(running.heartbeatAt, undefined);
        assert.equal(running.command, "learnloop train a.csv");
        assert.deepEqual(running.params, { model: "gbdt" });
        assert.deepEqual(migrated[0]!.metrics, { accuracy: 0.75 });
        assert.deepEqual(migrated[0]!.data, { file: "b.csv" });
        assert.equal(migrated[0]!.finishedAt, "2026-01-02T00:01:00.000Z");
        for (const p of olds) assert.deepEqual(await store.getPrediction(p.id), { ...p, ...(p.id === "0190-old-2" ? { label: "late", labelledAt: "2026-01-04T00:00:00.000Z" } : {}) });
        assert.deepEqual(await store.predictionCounts("flights"), { predictions: 3, labelled: 1 });
        assert.deepEqual(await store.predictionCounts("churn"), { predictions: 1, labelled: 0 });
        assert.deepEqual((await store.labelledPredictions("flights")).map((p) => p.id), ["0190-old-2"]);
        // The upgraded store works as a new one: runs keep their order, the new status is allowed, the
        // log counts on from the migrated counts.
        const fresh = await store.startRun({ kind: "tune", params: {} });
        assert.deepEqual((await store.listRuns({ limit: 1 })).map((run) => run.id), [fresh.id]);
        assert.equal((await store.finishRun("old-running", { status: "interrupted", error: "interrupted by SIGINT" })).status, "interrupted");
        await store.logPredictions([old(5, "flights")]);
        assert.deepEqual(await store.predictionCounts("flights"), { predictions: 4, labelled: 1 });
        await storeError(store.logPredictions([old(1, "flights")]), "conflict");
        // The registry comes through whole: versions, stages, the run link, the files, the stage log (rollback reads it).
        assert.deepEqual((await store.listVersions("old-flights")).map((v) => [v.version, v.stage, v.runId, v.metrics]), [[1, "archived", undefined, { roc_auc: 0.7 }], [2, "champion", "old-done", { roc_auc: 0.7 }]]);
        assert.deepEqual(await store.getArtifact(sha256(files[1]!)), files[1]);
        assert.equal((await store.stageHistory("old-flights")).length, 5);
        const back = await store.rollback("old-flights", { actor: "bo", reason: "after the upgrade" });
        assert.deepEqual([back.version, back.from], [1, "archived"]);
        const v3 = await store.registerModel({ name: "old-flights", modelFile: new TextEncoder().encode("new model"), kind: "gbdt", task: "binary", actor: "bo" });
        assert.equal(v3.version, 3, "numbering goes on from version 1's count");
        const again = await harness.open();
        await again.close();
      } finally {
        await store.close();
      }
    });
  });
}
