/**
 * Run liveness with real processes, on SQLite and (when LEARNLOOP_TEST_POSTGRES names a server) on
 * PostgreSQL: a run recorded by a process (test/tracking/tracked-run.ts, the CLI's own startTracking)
 * sends heartbeats from a thread even while its main thread is blocked; killed with SIGKILL it reads
 * "lost" at once on this host (its pid is gone) and, judged from elsewhere, once its heartbeat is older
 * than 3 intervals; SIGTERM and SIGINT record it "interrupted" and exit with 143 and 130. `learnloop
 * runs ls | show` print what a reader sees.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pg from "pg";
import { main } from "../../src/cli/main.js";
import type { Console } from "../../src/cli/output.js";
import { openStore } from "../../src/tracking/index.js";
import type { Run, Store } from "../../src/tracking/types.js";
import { throwawayDatabase } from "../support/postgres.js";

const HEARTBEAT_MS = 150;
const child = new URL("./tracked-run.ts", import.meta.url).pathname;

/** Starts a tracked run in a child process; resolves with the process and its run id. */
function startRun(db: string, mode: "busy" | "idle" | "step", outFile?: string): Promise<{ process: ChildProcess; runId: string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, db, mode, ...(outFile ? [outFile] : [])], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LEARNLOOP_HEARTBEAT_MS: String(HEARTBEAT_MS) },
    });
    let out = "";
    let err = "";
    proc.stderr!.on("data", (chunk) => void (err += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((done) => proc.on("exit", (code, signal) => done({ code, signal, stderr: err, stdout: out })));
    proc.stdout!.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ process: proc, runId: JSON.parse(line).run, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`the tracked run exited (${code ?? signal}) before starting: ${err}`)));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 20): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function cli(db: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const console: Console = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), interactive: false };
  const code = await main([...argv, "--db", db], console);
  return { code, stdout, stderr };
}

function livenessSuite(label: string, db: string, execute: (sql: string, params: unknown[]) => Promise<void>): void {
  describe(`run liveness with real processes (${label})`, () => {
    let store: Store;
    after(async () => {
      await store?.close();
    });

    it("a run killed with SIGKILL reads lost: at once on its host (pid gone), from elsewhere once 3 heartbeats are missed", async () => {
      store = await openStore({ url: db });
      const { process: proc, runId, exited } = await startRun(db, "busy");
      const started = (await store.getRun(runId))!;
      assert.equal(started.status, "running");
      assert.equal(started.pid, proc.pid);
      assert.equal(started.heartbeatIntervalMs, HEARTBEAT_MS);
      // Its main thread is blocked in a loop, and its heartbeat still moves on, twice.
      const first = await waitFor("a heartbeat", async () => {
        const run = (await store.getRun(runId))!;
        return run.heartbeatAt! > started.heartbeatAt! ? run : undefined;
      });
      await waitFor("a second heartbeat", async () => ((await store.getRun(runId))!.heartbeatAt! > first.heartbeatAt! ? true : undefined));
      assert.equal((await store.getRun(runId))!.status, "running");
      assert.ok((await store.listRuns({ status: "running", limit: 1000 })).some((run) => run.id === runId));

      proc.kill("SIGKILL");
      assert.equal((await exited).signal, "SIGKILL");
      const lost = (await store.getRun(runId))!;
      assert.equal(lost.status, "lost");
      assert.equal(lost.lostReason, `its process (pid ${proc.pid} on ${hostname()}) is gone`);
      assert.ok((await store.listRuns({ status: "lost", limit: 1000 })).some((run) => run.id === runId));
      assert.ok(!(await store.listRuns({ status: "running", limit: 1000 })).some((run) => run.id === runId));

      // What `learnloop runs` prints.
      const listed = await cli(db, "runs", "ls", "--status", "lost");
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, new RegExp(`^${runId} +train +lost `, "m"));
      const shown = await cli(db, "runs", "show", runId);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stderr, new RegExp(`^run ${runId}: train, lost$`, "m"));
      assert.match(shown.stderr, new RegExp(`^learnloop  \\S+ on ${hostname()}, pid ${proc.pid}$`, "m"));
      assert.match(shown.stderr, /^heartbeat  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(one every /m);
      assert.match(shown.stderr, new RegExp(`^lost       its process \\(pid ${proc.pid} on ${hostname()}\\) is gone$`, "m"));
      const asJson = JSON.parse((await cli(db, "runs", "show", runId, "--json")).stdout) as { run: Run };
      assert.equal(asJson.run.status, "lost");

      // Seen from another machine, only the heartbeat tells: lost once it is older than 3 intervals.
      await execute("UPDATE runs SET host = ? WHERE id = ?", [`elsewhere-${randomBytes(3).toString("hex")}`, runId]);
      const last = lost.heartbeatAt!;
      const remote = await waitFor("the heartbeat to go stale", async () => {
        const run = (await store.getRun(runId))!;
        return run.status === "lost" ? run : undefined;
      });
      assert.ok(Date.now() - Date.parse(last) > 3 * HEARTBEAT_MS);
      assert.equal(remote.lostReason, `no heartbeat since ${last} (one was due every ${HEARTBEAT_MS / 1000} s)`);
    });

    for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
      it(`${signal} records the run interrupted and exits with ${code}`, async () => {
        store ??= await openStore({ url: db });
        const { process: proc, runId, exited } = await startRun(db, "idle");
        await waitFor("a heartbeat", async () => {
          const run = (await store.getRun(runId))!;
          return run.heartbeatAt! > run.startedAt ? true : undefined;
        });
        proc.kill(signal);
        const end = await exited;
        assert.equal(end.code, code, end.stderr);
        assert.match(end.stderr, new RegExp(`^run ${runId} recorded as interrupted \\(${signal}\\)$`, "m"));
        const run = (await store.getRun(runId))!;
        assert.equal(run.status, "interrupted");
        assert.equal(run.error, `interrupted by ${signal}`);
        assert.ok(run.finishedAt !== undefined && run.durations.total! > 0);
        const shown = await cli(db, "runs", "ls", "--status", "interrupted");
        assert.match(shown.stderr, new RegExp(`^${runId} +train +interrupted `, "m"));
      });
    }

    it("Ctrl-C during a synchronous step takes effect when the step returns: nothing is written or printed after it", async () => {
      store ??= await openStore({ url: db });
      const out = join(mkdtempSync(join(tmpdir(), "learnloop-step-")), "model.bin");
      const { process: proc, runId, exited } = await startRun(db, "step", out);
      // Inside the 2 s step: the handler cannot run until it returns.
      await new Promise((resolve) => setTimeout(resolve, 400));
      proc.kill("SIGINT");
      const end = await exited;
      assert.equal(end.code, 130, end.stderr);
      assert.match(end.stderr, new RegExp(`^run ${runId} recorded as interrupted \\(SIGINT\\)$`, "m"));
      assert.doesNotMatch(end.stdout, /saved/);
      assert.equal(existsSync(out), false, "no file is written after the interruption");
      assert.equal((await store.getRun(runId))!.status, "interrupted");
    });
  });
}

const home = mkdtempSync(join(tmpdir(), "learnloop-liveness-"));
const sqliteFile = join(home, "learnloop.db");
livenessSuite("SQLite", sqliteFile, async (sql, params) => {
  const store = await openStore({ url: sqliteFile });
  await store.close();
  const BetterSqlite3 = (await import("better-sqlite3")).default;
  const raw = new BetterSqlite3(sqliteFile, { timeout: 15_000 });
  raw.prepare(sql).run(...params);
  raw.close();
});

const serverUrl = process.env.LEARNLOOP_TEST_POSTGRES;
if (serverUrl) {
  const database = await throwawayDatabase(serverUrl, "learnloop_liveness");
  const raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
  after(async () => {
    await raw.end();
    await database.drop();
  });
  livenessSuite("PostgreSQL", database.url, async (sql, params) => {
    let n = 0;
    await raw.query(sql.replace(/\?/g, () => `$${++n}`), params);
  });
}
