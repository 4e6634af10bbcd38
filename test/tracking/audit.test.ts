/**
 * Audit of runs and the registry on the command line, on cases the other tracking tests do not try:
 * runs found by the start of their id (and an ambiguous start refused), listings under a filter that
 * matches nothing, comparisons across tasks and evaluations, a model file registered twice or broken,
 * a stored model file corrupted or deleted under the registry, reasons with line breaks, --json giving
 * one document on stdout for every subcommand, promotions racing from two processes (and, on
 * PostgreSQL, one held at the model's row lock), the paths a run records, which store --db /
 * LEARNLOOP_DB / LEARNLOOP_HOME pick, and store files or folders this user may read but not write.
 * Stores are fresh files in a temporary folder (and a fresh database on LEARNLOOP_TEST_POSTGRES).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { openStore } from "../../src/tracking/index.js";
import type { NewRun, RunResult } from "../../src/tracking/types.js";
import { throwawayDatabase } from "../support/postgres.js";
import { runCli as run } from "../support/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "learnloop-tracking-audit-"));
// Readable by another user: the read-only case runs a child as `nobody` when the tests run as root.
chmodSync(work, 0o755);
const saved = { home: process.env.LEARNLOOP_HOME, db: process.env.LEARNLOOP_DB };
process.env.LEARNLOOP_HOME = join(work, "home");
delete process.env.LEARNLOOP_DB;
after(() => {
  for (const [key, value] of [["LEARNLOOP_HOME", saved.home], ["LEARNLOOP_DB", saved.db]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
const PENGUINS = "node_modules/vega-datasets/data/penguins.json";

/** Runs a command with --json; it must succeed with exactly one JSON document on stdout. */
async function json(...argv: string[]): Promise<any> {
  const result = await run(...argv, "--json");
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Runs a command that must fail: nothing on stdout, one line on stderr. */
async function failure(...argv: string[]): Promise<{ code: number; line: string }> {
  const result = await run(...argv);
  assert.notEqual(result.code, 0, `expected a failure, got exit 0; stderr: ${result.stderr}`);
  assert.equal(result.stdout, "");
  const lines = result.stderr.split("\n").filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return { code: result.code, line: lines[0]! };
}

/** Records a finished run straight in a store file, then gives it the id `id`. */
async function recordRun(db: string, id: string, run: NewRun, result: Omit<RunResult, "status">): Promise<void> {
  const store = await openStore({ url: db });
  try {
    const started = await store.startRun(run);
    await store.finishRun(started.id, { status: "finished", ...result });
    const raw = new BetterSqlite3(db);
    raw.prepare("UPDATE runs SET id = ? WHERE id = ?").run(id, started.id);
    raw.close();
  } finally {
    await store.close();
  }
}

let modelFile: string;
let otherModelFile: string;
before(async () => {
  modelFile = join(work, "penguins.model");
  otherModelFile = join(work, "penguins-deeper.model");
  for (const [out, iterations] of [[modelFile, "5"], [otherModelFile, "8"]] as const) {
    const trained = await run("train", PENGUINS, "--target", "Species", "--out", out, "--iterations", iterations, "--no-track");
    assert.equal(trained.code, 0, trained.stderr);
  }
});

describe("runs: finding a run by its id", () => {
  const db = join(work, "ids.db");
  before(async () => {
    const params = { model: "gbdt" };
    await recordRun(db, "abcd1111aaaa", { kind: "train", params }, { metrics: { accuracy: 0.9 } });
    await recordRun(db, "abcd2222bbbb", { kind: "evaluate", params }, { metrics: { accuracy: 0.8 } });
    await recordRun(db, "ffff0000cccc", { kind: "tune", params }, { metrics: { accuracy: 0.95 } });
  });

  it("show and compare take the whole id or a start of it that only one run has", async () => {
    assert.equal((await json("runs", "show", "abcd1111aaaa", "--db", db)).run.id, "abcd1111aaaa");
    assert.equal((await json("runs", "show", "abcd2", "--db", db)).run.id, "abcd2222bbbb");
    const compared = await json("runs", "compare", "abcd1", "ffff", "--db", db);
    assert.deepEqual([compared.a.id, compared.b.id], ["abcd1111aaaa", "ffff0000cccc"]);
    assert.deepEqual(compared.metrics, [{ name: "accuracy", a: 0.9, b: 0.95, diff: 0.95 - 0.9 }]);
  });

  it("a start that several runs share is one line naming them, exit 5", async () => {
    const { code, line } = await failure("runs", "show", "abcd", "--db", db);
    assert.equal(code, 5);
    assert.match(
      line,
      /^learnloop runs: error: run abcd: ambiguous: 2 runs start with it: abcd2222bbbb \(evaluate, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\), abcd1111aaaa \(train, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\); give more of the id$/,
    );
    assert.match((await failure("runs", "compare", "ffff0000cccc", "abcd", "--db", db)).line, /^learnloop runs: error: run abcd: ambiguous: 2 runs start/);
  });

  it("an unknown id, a start shorter than 4 characters and an empty id are refused with one line", async () => {
    assert.deepEqual(await failure("runs", "show", "abcd3", "--db", db), { code: 5, line: `learnloop runs: error: run abcd3: no such run in ${db} (learnloop runs ls lists them)` });
    // 3 characters are too few to look a run up by, though one run starts with them.
    assert.deepEqual(await failure("runs", "show", "fff", "--db", db), { code: 5, line: `learnloop runs: error: run fff: no such run in ${db} (learnloop runs ls lists them)` });
    assert.deepEqual(await failure("runs", "show", "", "--db", db), { code: 2, line: `learnloop runs: error: <id> must be a run id (learnloop runs ls lists them), got ""` });
  });

  it("models register --run takes the same starts of ids and links the whole id", async () => {
    const registered = await json("models", "register", modelFile, "--name", "linked", "--run", "abcd1", "--db", db);
    assert.equal(registered.runId, "abcd1111aaaa");
    assert.match((await failure("models", "register", modelFile, "--name", "linked", "--run", "abcd", "--db", db)).line, /^learnloop models: error: run abcd: ambiguous: 2 runs start with it: /);
    assert.deepEqual(await failure("models", "register", modelFile, "--name", "linked", "--run", "abcd9", "--db", db), {
      code: 5,
      line: "learnloop models: error: run abcd9: no such run to link the model version to",
    });
    assert.deepEqual((await json("models", "show", "linked", "--db", db)).versions.map((v: { version: number }) => v.version), [1], "nothing registered by the refusals");
  });

  it("ls under a filter that matches nothing says which runs it found none of", async () => {
    assert.deepEqual(await run("runs", "ls", "--status", "lost", "--db", db), { code: 0, stdout: "", stderr: `no lost runs in ${db}\n` });
    assert.deepEqual(await run("runs", "ls", "--kind", "tune", "--status", "failed", "--db", db), { code: 0, stdout: "", stderr: `no failed tune runs in ${db}\n` });
    assert.deepEqual(await run("runs", "ls", "--kind", "evaluate", "--status", "finished", "--db", db, "--json").then((r) => JSON.parse(r.stdout).runs.map((x: { id: string }) => x.id)), ["abcd2222bbbb"]);
  });
});

describe("runs compare across tasks and evaluations", () => {
  const db = join(work, "compare.db");
  before(async () => {
    const schema = (task: string) => ({ features: [], target: { name: "y", task } });
    await recordRun(db, "aaaa00000001", { kind: "train", params: { model: "gbdt" }, data: { file: "cars.json", fingerprint: "f1", rows: 406, schema: schema("regression") } }, {
      metrics: { rmse: 5.9, r2: 0.5 },
      details: { task: "regression", rows: { train: 326, test: 80, dropped: 0 } },
    });
    await recordRun(db, "bbbb00000002", { kind: "train", params: { model: "gbdt" }, data: { file: "penguins.json", fingerprint: "f2", rows: 344, schema: schema("multiclass") } }, {
      metrics: { accuracy: 0.97 },
      folds: [{ accuracy: 0.96 }, { accuracy: 0.98 }, { accuracy: 0.97 }],
      details: { task: "multiclass", cv: { folds: 3, mode: "stratified" }, rows: { train: 344, test: 344, dropped: 0 } },
    });
    await recordRun(db, "cccc00000003", { kind: "evaluate", params: { modelFile: "m.model" }, data: { file: "penguins.json", fingerprint: "f2", rows: 344, schema: schema("multiclass") } }, {
      metrics: { accuracy: 0.98 },
      details: { model: { kind: "gbdt", task: "multiclass", target: "y" } },
    });
  });

  it("runs of different tasks: sameTask false and a line saying no metric is in common", async () => {
    const result = await run("runs", "compare", "aaaa00000001", "bbbb00000002", "--db", db, "--json");
    assert.equal(result.code, 0, result.stderr);
    const comparison = JSON.parse(result.stdout);
    assert.equal(comparison.sameTask, false);
    assert.equal(comparison.sameData, false);
    assert.ok(comparison.metrics.every((m: { diff: unknown }) => m.diff === null));
    const lines = result.stderr.split("\n");
    assert.ok(lines.includes("different tasks (regression and multiclass): no metric in common"), result.stderr);
    assert.match(result.stderr, /^task +regression +multiclass$/m);
    assert.match(result.stderr, /^measured on +80 held-out rows +mean of 3 CV folds$/m);
  });

  it("a train run and an evaluate run of one task: the task from the evaluated model, each run's rows", async () => {
    const result = await run("runs", "compare", "bbbb00000002", "cccc00000003", "--db", db, "--json");
    const comparison = JSON.parse(result.stdout);
    assert.equal(comparison.sameTask, true);
    assert.equal(comparison.sameData, true);
    assert.ok(!result.stderr.includes("different tasks"), result.stderr);
    assert.match(result.stderr, /^measured on +mean of 3 CV folds +344 rows$/m);
    assert.deepEqual(comparison.metrics, [{ name: "accuracy", a: 0.97, b: 0.98, diff: 0.98 - 0.97 }]);
  });
});

describe("models register: files registered twice or broken", () => {
  it("the same file twice is two versions over one stored artifact, with a note naming the earlier version", async () => {
    const db = join(work, "twice.db");
    const first = await run("models", "register", modelFile, "--name", "penguins", "--db", db, "--json");
    assert.equal(first.code, 0, first.stderr);
    assert.ok(!first.stderr.includes("note:"), first.stderr);
    const second = await run("models", "register", modelFile, "--name", "penguins", "--db", db, "--json");
    assert.equal(second.code, 0, second.stderr);
    const [v1, v2] = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
    assert.deepEqual([v1.version, v2.version], [2 - 1, 2]);
    assert.equal(v2.sha256, v1.sha256);
    assert.ok(second.stderr.endsWith("note: the same file (same SHA-256) is already version 1 of penguins\n"), second.stderr);
    const other = await run("models", "register", otherModelFile, "--name", "penguins", "--db", db);
    assert.ok(!other.stderr.includes("note:"), "another file: no note");
    const third = await run("models", "register", modelFile, "--name", "penguins", "--db", db);
    assert.ok(third.stderr.endsWith("note: the same file (same SHA-256) is already versions 1, 2 of penguins\n"), third.stderr);
    const raw = new BetterSqlite3(db, { readonly: true });
    const artifacts = raw.prepare("SELECT sha256, bytes FROM artifacts ORDER BY bytes").all() as { sha256: string; bytes: number }[];
    raw.close();
    assert.equal(artifacts.length, 2, "two distinct files, two artifacts");
    assert.ok(artifacts.some((artifact) => artifact.sha256 === v1.sha256 && artifact.bytes === readFileSync(modelFile).byteLength));
  });

  it("a truncated, corrupted, empty or foreign file, or a folder, is refused with one line and registers nothing", async () => {
    const db = join(work, "broken", "store.db");
    const bytes = readFileSync(modelFile);
    const truncated = join(work, "truncated.model");
    writeFileSync(truncated, bytes.subarray(0, bytes.byteLength - 100));
    const flipped = join(work, "flipped.model");
    const copy = Buffer.from(bytes);
    copy[copy.length - 10] ^= 0xff;
    writeFileSync(flipped, copy);
    const empty = join(work, "empty.model");
    writeFileSync(empty, "");
    const csv = join(work, "data.model");
    writeFileSync(csv, "a,b\n1,2\n");
    const folder = join(work, "a-folder.model");
    mkdirSync(folder);
    const expected: [string, number, string][] = [
      [truncated, 3, `${truncated}: the model file is truncated (${bytes.byteLength - 100} bytes, expected ${bytes.byteLength})`],
      [flipped, 3, `${flipped}: the model file is corrupted (checksum mismatch) (the stored SHA-256 does not match the content)`],
      [empty, 3, `${empty}: not a learnloop model file (the file is empty)`],
      [csv, 3, `${csv}: not a learnloop model file (it does not start with the learnloop model signature)`],
      [join(work, "missing.model"), 2, `${join(work, "missing.model")}: file not found`],
    ];
    for (const [file, code, message] of expected) {
      assert.deepEqual(await failure("models", "register", file, "--name", "penguins", "--db", db), { code, line: `learnloop models: error: ${message}` });
    }
    const refused = await failure("models", "register", folder, "--name", "penguins", "--db", db);
    assert.match(refused.line, new RegExp(`^learnloop models: error: ${folder.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    assert.equal(existsSync(db), false, "no store was created for a file that was refused");
  });
});

describe("models show <name> <version> checks the stored file", () => {
  it("verified, corrupted or missing: said on stderr and in --json; promote refuses the last two", async () => {
    const db = join(work, "verify.db");
    for (const file of [modelFile, otherModelFile]) assert.equal((await run("models", "register", file, "--name", "p", "--db", db)).code, 0);
    const good = await run("models", "show", "p", "1", "--db", db, "--json");
    assert.deepEqual(JSON.parse(good.stdout).file, { verified: true });
    assert.match(good.stderr, /^file +stored, checksum verified$/m);
    const [v1, v2] = (await json("models", "show", "p", "--db", db)).versions as { sha256: string }[];
    const raw = new BetterSqlite3(db);
    // As the sqlite3 shell would do it: without foreign keys (better-sqlite3 turns them on, the shell does not).
    raw.pragma("foreign_keys = OFF");
    const flipped = Buffer.from(readFileSync(modelFile));
    flipped[100] ^= 0xff;
    raw.prepare("UPDATE artifacts SET content = ? WHERE sha256 = ?").run(flipped, v1!.sha256);
    raw.prepare("DELETE FROM artifacts WHERE sha256 = ?").run(v2!.sha256);
    raw.close();
    const hashed = createHash("sha256").update(flipped).digest("hex");
    const corrupted = await run("models", "show", "p", "1", "--db", db, "--json");
    assert.equal(corrupted.code, 0, "show still shows");
    const problem = `the stored bytes do not match their checksum (they hash to ${hashed}); the store is corrupted`;
    assert.deepEqual(JSON.parse(corrupted.stdout).file, { verified: false, problem });
    assert.ok(corrupted.stderr.includes(`\nfile       NOT USABLE: ${problem}; register the model file again\n`), corrupted.stderr);
    const missing = await run("models", "show", "p", "2", "--db", db, "--json");
    assert.deepEqual(JSON.parse(missing.stdout).file, { verified: false, problem: "the model file is missing from the store" });
    assert.deepEqual(await failure("models", "promote", "p", "2", "--db", db), {
      code: 5,
      line: 'learnloop models: error: model "p" version 2: its model file is missing from the store; not promoted: register the model file again',
    });
    // As the line says: registering the file again brings the bytes back, and version 2 can be promoted.
    assert.equal((await run("models", "register", otherModelFile, "--name", "p", "--db", db)).code, 0);
    assert.deepEqual(JSON.parse((await run("models", "show", "p", "2", "--db", db, "--json")).stdout).file, { verified: true });
    assert.equal((await run("models", "promote", "p", "2", "--db", db)).code, 0);
  });
});

describe("text people type, shown in tables", () => {
  it("a reason or description with line breaks and tabs stays on its row, escaped; --json keeps it as given", async () => {
    const db = join(work, "multiline.db");
    const description = "gbdt\nretrained on March";
    assert.equal((await run("models", "register", modelFile, "--name", "m", "--description", description, "--db", db)).code, 0);
    const reason = "v1 beats the baseline\n\tsee ticket 42\u0007";
    const promoted = await run("models", "promote", "m", "1", "--reason", reason, "--db", db, "--json");
    assert.equal(JSON.parse(promoted.stdout).reason, reason);
    const shown = await run("models", "show", "m", "--db", db);
    const rows = shown.stderr.split("\n");
    assert.ok(rows.some((row) => /^ +1 +champion +.* gbdt\\nretrained on March$/.test(row)), shown.stderr);
    assert.ok(rows.some((row) => / challenger -> champion +\S+ +v1 beats the baseline\\n\\tsee ticket 42\\u0007$/.test(row)), shown.stderr);
    assert.ok(!rows.some((row) => row.startsWith("\tsee") || row.startsWith("retrained")), "no row broken in two");
    assert.match((await run("models", "show", "m", "1", "--db", db)).stderr, /^about +gbdt\\nretrained on March$/m);
  });
});

describe("--json: one document on stdout for every subcommand", () => {
  it("runs and models, success or failure: stdout is one JSON document or nothing", async () => {
    const db = join(work, "json.db");
    const trained = await json("train", PENGUINS, "--target", "Species", "--iterations", "3", "--db", db);
    const commands: string[][] = [
      ["models", "register", modelFile, "--name", "penguins"],
      ["models", "register", otherModelFile, "--name", "penguins"],
      ["models", "ls"],
      ["models", "show", "penguins"],
      ["models", "show", "penguins", "1"],
      ["models", "promote", "penguins", "1", "--reason", "first"],
      ["models", "promote", "penguins", "2", "--reason", "second"],
      ["models", "rollback", "penguins", "--reason", "back"],
      ["models", "register", modelFile, "--name", "penguins"],
      ["models", "archive", "penguins", "3"],
      ["runs", "ls"],
      ["runs", "show", trained.run],
      ["runs", "compare", trained.run, trained.run],
    ];
    for (const command of commands) {
      const result = await run(...command, "--db", db, "--json");
      assert.equal(result.code, 0, `${command.join(" ")}: ${result.stderr}`);
      assert.doesNotThrow(() => JSON.parse(result.stdout), `${command.join(" ")}: stdout is one JSON document`);
      assert.ok(result.stdout.trimStart().startsWith("{") && result.stdout.endsWith("}\n"), `${command.join(" ")}: ${result.stdout.slice(0, 80)}`);
    }
    const failures: string[][] = [
      ["models", "promote", "penguins", "9"],
      ["models", "rollback", "nobody"],
      ["models", "show", "penguins", "7"],
      ["runs", "show", "0000"],
      ["runs", "compare", trained.run, "0000"],
      ["models", "register", join(work, "missing.model"), "--name", "x"],
    ];
    for (const command of failures) {
      const result = await run(...command, "--db", db, "--json");
      assert.notEqual(result.code, 0, command.join(" "));
      assert.equal(result.stdout, "", `${command.join(" ")}: nothing on stdout`);
      assert.equal(result.stderr.split("\n").filter(Boolean).length, 1, result.stderr);
    }
  });
});

describe("which store: --db, then LEARNLOOP_DB, then LEARNLOOP_HOME", () => {
  it("each takes over from the next, and the one not chosen is never created", async () => {
    const dir = mkdtempSync(join(work, "which-"));
    const [flag, env, home] = [join(dir, "flag.db"), join(dir, "env.db"), join(dir, "home")];
    process.env.LEARNLOOP_HOME = home;
    process.env.LEARNLOOP_DB = env;
    try {
      assert.equal((await json("models", "register", modelFile, "--name", "by-flag", "--db", flag)).version, 1);
      assert.deepEqual([existsSync(flag), existsSync(env), existsSync(home)], [true, false, false]);
      assert.equal((await json("models", "register", modelFile, "--name", "by-env")).version, 1);
      assert.deepEqual([existsSync(env), existsSync(home)], [true, false]);
      delete process.env.LEARNLOOP_DB;
      assert.equal((await json("models", "register", modelFile, "--name", "by-home")).version, 1);
      assert.ok(existsSync(join(home, "learnloop.db")));
      const names = async (db: string) => (await json("models", "ls", "--db", db)).models.map((m: { name: string }) => m.name);
      assert.deepEqual(await names(flag), ["by-flag"]);
      assert.deepEqual(await names(env), ["by-env"]);
      assert.deepEqual(await names(join(home, "learnloop.db")), ["by-home"]);
      // A relative LEARNLOOP_DB is a file relative to the working folder; sqlite: and file: prefixes name a file too.
      process.env.LEARNLOOP_DB = `sqlite:${env}`;
      assert.deepEqual((await json("models", "ls")).models.map((m: { name: string }) => m.name), ["by-env"]);
    } finally {
      process.env.LEARNLOOP_HOME = join(work, "home");
      delete process.env.LEARNLOOP_DB;
    }
  });
});

describe("models promote from two processes at once", () => {
  it("each says which version it archived as the stage log tells it, and one champion is left", async () => {
    const db = join(work, "race.db");
    const store = await openStore({ url: db });
    try {
      for (let v = 1; v <= 6; v++) await store.registerModel({ name: "race", modelFile: new TextEncoder().encode(`race v${v}`), kind: "gbdt", task: "binary", actor: "test" });
    } finally {
      await store.close();
    }
    const worker = join(import.meta.dirname, "promote-cli-worker.ts");
    const orders = [["1", "2", "3", "4", "5", "6", "1", "2", "3", "4", "5", "6"], ["6", "5", "4", "3", "2", "1", "6", "5", "4", "3", "2", "1"]];
    const outputs = await Promise.all(
      orders.map(
        (versions) =>
          new Promise<string>((done, fail) => {
            const child = spawn(process.execPath, ["--import", "tsx", worker, db, "race", ...versions], { stdio: ["ignore", "pipe", "pipe"] });
            let out = "";
            let err = "";
            child.stdout.on("data", (chunk) => (out += chunk));
            child.stderr.on("data", (chunk) => (err += chunk));
            child.on("close", (code) => (code === 0 ? done(out) : fail(new Error(`worker exited ${code}: ${err}`))));
          }),
      ),
    );
    const reopened = await openStore({ url: db });
    try {
      const history = await reopened.stageHistory("race");
      let succeeded = 0;
      for (const output of outputs) {
        const [pid, ...lines] = output.trim().split("\n");
        assert.equal(lines.length, 12);
        // This process's crownings in the log, in its own order; the entry before each is the demotion it made, if any.
        const mine = history.map((change, i) => ({ change, i })).filter(({ change }) => change.to === "champion" && change.actor === `pid${pid}`);
        const done = lines.filter((line) => line.startsWith("0 "));
        assert.equal(mine.length, done.length, "every promotion that succeeded is logged once");
        succeeded += done.length;
        for (const line of lines) {
          if (!line.startsWith("0 ")) assert.match(line, /^5 learnloop models: error: model "race" version \d: it is already the champion$/);
        }
        done.forEach((line, k) => {
          const said = /^0 race version (\d) is the champion(?: \(version (\d) archived\))?$/.exec(line);
          assert.ok(said, line);
          const { change, i } = mine[k]!;
          assert.equal(said[1], String(change.version), line);
          const before = history[i - 1]!;
          const demoted = before.from === "champion" && before.to === "archived" && before.actor === change.actor && before.at === change.at ? String(before.version) : undefined;
          assert.equal(said[2], demoted, `${line}: the stage log says ${demoted === undefined ? "nothing was archived" : `version ${demoted} was archived`}`);
        });
      }
      assert.ok(succeeded >= 2);
      assert.equal((await reopened.listVersions("race")).filter((v) => v.stage === "champion").length, 1);
    } finally {
      await reopened.close();
    }
  });
});

describe("models promote while another promotion of the model is under way (PostgreSQL)", () => {
  const serverUrl = process.env.LEARNLOOP_TEST_POSTGRES;
  const skip = !serverUrl && !process.env.CI && "LEARNLOOP_TEST_POSTGRES is not set (.ci/run starts a server and sets it)";
  it("names the version it archived: the one the other promotion made champion, not the one it saw before", { skip }, async () => {
    assert.ok(serverUrl, "LEARNLOOP_TEST_POSTGRES must be set under CI");
    const database = await throwawayDatabase(serverUrl, "learnloop_audit");
    const url = database.url;
    const locker = new pg.Client({ connectionString: url });
    try {
      const store = await openStore({ url });
      try {
        for (let v = 1; v <= 3; v++) await store.registerModel({ name: "race", modelFile: new TextEncoder().encode(`race v${v}`), kind: "gbdt", task: "binary", actor: "test" });
        await store.promote("race", 1, { actor: "test", reason: "first" });
      } finally {
        await store.close();
      }
      // Another promotion, of version 2, holds the model's row until it commits (what the store's own promote does).
      await locker.connect();
      await locker.query("BEGIN");
      await locker.query("SELECT name FROM models WHERE name = 'race' FOR UPDATE");
      const at = new Date().toISOString();
      await locker.query("UPDATE model_versions SET stage = 'archived' WHERE name = 'race' AND version = 1");
      await locker.query("UPDATE model_versions SET stage = 'champion' WHERE name = 'race' AND version = 2");
      await locker.query(
        `INSERT INTO stage_changes (name, version, from_stage, to_stage, action, at, actor, reason) VALUES
         ('race', 1, 'champion', 'archived', 'demote', $1, 'other', 'v2'), ('race', 2, 'challenger', 'champion', 'promote', $1, 'other', 'v2')`,
        [at],
      );
      const bin = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
      const child = spawn(process.execPath, ["--import", "tsx", bin, "models", "promote", "race", "3", "--db", url, "--reason", "v3"], { stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((done) => child.on("close", done));
      // Until the command waits for the row lock: it has read whatever it reads before promoting.
      for (let waited = 0; ; waited++) {
        const waiting = await database.admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [database.name]);
        if (waiting.rows.length > 0) break;
        assert.ok(waited < 1200 && child.exitCode === null, `the command never waited for the lock; stderr: ${stderr}`);
        await new Promise((done) => setTimeout(done, 50));
      }
      await locker.query("COMMIT");
      assert.equal(await exited, 0, stderr);
      assert.equal(stderr.split("\n")[0], "race version 3 is the champion (version 2 archived)");
    } finally {
      await locker.end().catch(() => undefined);
      await database.drop();
    }
  });
});

describe("paths a run records", () => {
  it("the data file and the model file are recorded absolute, as typed relative to the working folder", async () => {
    const db = join(work, "paths.db");
    const relativeModel = relative(process.cwd(), modelFile);
    const evaluated = await json("evaluate", relativeModel, PENGUINS, "--db", db);
    const { run: recorded } = await json("runs", "show", evaluated.run, "--db", db);
    assert.equal(recorded.data.file, resolve(PENGUINS));
    assert.deepEqual(recorded.artifacts.map((artifact: { path: string }) => artifact.path), [modelFile]);
    assert.equal(recorded.params.modelFile, relativeModel, "parameters stay as typed");
  });

  it("an empty --db (an unset shell variable) is refused, not read as the default store", async () => {
    assert.deepEqual(await failure("runs", "ls", "--db", ""), {
      code: 2,
      line: `learnloop runs: error: --db must be a PostgreSQL URL or a SQLite file (leave --db out for the default store), got ""`,
    });
    assert.deepEqual(await failure("models", "register", modelFile, "--name", "p", "--db", " "), {
      code: 2,
      line: `learnloop models: error: --db must be a PostgreSQL URL or a SQLite file (leave --db out for the default store), got " "`,
    });
  });
});

describe("a store file this user may read but not write", () => {
  const asRoot = process.getuid?.() === 0;
  const runuser = spawnSync("runuser", ["--help"]).status === 0;
  it("reads as usual; a write, or a folder it cannot write, is one line naming the store and why", { skip: (asRoot && !runuser && "running as root without runuser") || (process.platform === "win32" && "POSIX permissions") }, async () => {
    const dir = mkdtempSync(join(work, "readonly-"));
    chmodSync(dir, 0o777);
    const db = join(dir, "team.db");
    await recordRun(db, "eeee00000001", { kind: "train", params: {} }, { metrics: { accuracy: 0.5 } });
    chmodSync(db, 0o444);
    // A store in a folder this user cannot write, and a new store asked for in such a folder.
    const lockedDir = mkdtempSync(join(work, "locked-"));
    const locked = join(lockedDir, "team.db");
    await recordRun(locked, "eeee00000002", { kind: "train", params: {} }, {});
    chmodSync(lockedDir, 0o555);
    const emptyDir = mkdtempSync(join(work, "locked-empty-"));
    chmodSync(emptyDir, 0o555);
    const script = `
      import { main } from ${JSON.stringify(new URL("../../src/cli/main.ts", import.meta.url).href)};
      const lines = [];
      const console = { out: (t) => lines.push("out " + t.trim().slice(0, 40)), err: (t) => lines.push(...t.trim().split("\\n").map((l) => "err " + l)), interactive: false };
      const ls = await main(["runs", "ls", "--db", ${JSON.stringify(db)}], console);
      lines.push("exit " + ls);
      const register = await main(["models", "register", ${JSON.stringify(modelFile)}, "--name", "p", "--db", ${JSON.stringify(db)}], console);
      lines.push("exit " + register);
      lines.push("exit " + await main(["runs", "ls", "--db", ${JSON.stringify(locked)}], console));
      lines.push("exit " + await main(["models", "register", ${JSON.stringify(modelFile)}, "--name", "p", "--db", ${JSON.stringify(join(emptyDir, "new.db"))}], console));
      process.stdout.write(JSON.stringify(lines));`;
    const argv = ["--import", "tsx", "--input-type=module", "-e", script];
    // Root writes any file: the child runs as nobody then.
    const child = asRoot ? spawnSync("runuser", ["-u", "nobody", "--", process.execPath, ...argv], { encoding: "utf8", cwd: process.cwd() }) : spawnSync(process.execPath, argv, { encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    const lines = JSON.parse(child.stdout) as string[];
    assert.ok(lines.some((line) => /^err eeee00000001 +train +finished/.test(line)), lines.join("\n"));
    assert.ok(lines.includes("exit 0"), "runs ls reads it");
    assert.deepEqual(lines.slice(-6), [
      `err learnloop models: error: ${db}: cannot write the SQLite store: the file is read-only for this user`,
      "exit 5",
      `err learnloop runs: error: ${locked}: cannot open the SQLite store: this user cannot write the file's folder (SQLite writes team.db-wal and team.db-shm beside the file, even to read it)`,
      "exit 5",
      `err learnloop models: error: ${join(emptyDir, "new.db")}: cannot open the SQLite store: unable to open the database file: check that this user can write it and its folder (SQLite writes new.db-wal and new.db-shm beside the file, even to read it)`,
      "exit 5",
    ]);
  });
});
