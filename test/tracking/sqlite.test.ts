/**
 * The conformance suite on SQLite, plus what only the embedded store does: where its file goes, WAL mode,
 * and how LEARNLOOP_DB / LEARNLOOP_HOME pick it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import BetterSqlite3 from "better-sqlite3";
import { StoreError } from "../../src/core/errors.js";
import { openStore, storeTarget } from "../../src/tracking/index.js";
import { openSqliteDatabase } from "../../src/tracking/sqlite.js";
import { storeConformance, storeMigration } from "./conformance.js";

const home = mkdtempSync(join(tmpdir(), "learnloop-sqlite-"));
const file = join(home, "learnloop.db");
const raw = new BetterSqlite3(file, { timeout: 15_000 });
after(() => raw.close());

storeConformance("SQLite", {
  open: () => openStore({ home }),
  execute: async (sql, params = []) => {
    const statement = raw.prepare(sql);
    if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
    statement.run(...params);
    return [];
  },
});

const oldFile = join(mkdtempSync(join(tmpdir(), "learnloop-sqlite-v1-")), "learnloop.db");
storeMigration("SQLite", {
  openDatabase: async () => openSqliteDatabase(oldFile),
  open: () => openStore({ url: oldFile }),
});

describe("SQLite store: where it lives", () => {
  it("creates <home>/learnloop.db on first use, in WAL mode", async () => {
    const fresh = join(mkdtempSync(join(tmpdir(), "learnloop-home-")), "nested", "home");
    const store = await openStore({ home: fresh });
    try {
      assert.equal(store.backend, "sqlite");
      assert.equal(store.location, join(fresh, "learnloop.db"));
      assert.ok(existsSync(join(fresh, "learnloop.db")));
      const check = new BetterSqlite3(join(fresh, "learnloop.db"), { readonly: true });
      assert.equal(check.pragma("journal_mode", { simple: true }), "wal");
      check.close();
    } finally {
      await store.close();
    }
  });

  it("url, then LEARNLOOP_DB, then home, then LEARNLOOP_HOME, then ./.learnloop pick the store", () => {
    const saved = { db: process.env.LEARNLOOP_DB, home: process.env.LEARNLOOP_HOME };
    try {
      delete process.env.LEARNLOOP_DB;
      delete process.env.LEARNLOOP_HOME;
      assert.deepEqual(storeTarget(), { backend: "sqlite", where: join(process.cwd(), ".learnloop", "learnloop.db") });
      process.env.LEARNLOOP_HOME = "/srv/ll";
      assert.deepEqual(storeTarget(), { backend: "sqlite", where: "/srv/ll/learnloop.db" });
      assert.deepEqual(storeTarget({ home: "/opt/x" }), { backend: "sqlite", where: "/opt/x/learnloop.db" });
      process.env.LEARNLOOP_DB = "postgresql://ana:secret@db.internal:5432/learnloop";
      assert.deepEqual(storeTarget({ home: "/opt/x" }), { backend: "postgres", where: "postgresql://ana:secret@db.internal:5432/learnloop" });
      assert.deepEqual(storeTarget({ url: "/data/team.db" }), { backend: "sqlite", where: "/data/team.db" });
      assert.deepEqual(storeTarget({ url: "sqlite:/data/team.db" }), { backend: "sqlite", where: "/data/team.db" });
      assert.deepEqual(storeTarget({ url: "postgres://h/db" }), { backend: "postgres", where: "postgres://h/db" });
      assert.throws(
        () => storeTarget({ url: "mysql://ana:secret@h/db" }),
        (error: unknown) =>
          error instanceof StoreError &&
          error.code === "unavailable" &&
          error.message === 'mysql://ana:***@h/db: unsupported store URL scheme "mysql:" (expected postgres://..., postgresql://... or a SQLite file path)',
      );
    } finally {
      if (saved.db === undefined) delete process.env.LEARNLOOP_DB;
      else process.env.LEARNLOOP_DB = saved.db;
      if (saved.home === undefined) delete process.env.LEARNLOOP_HOME;
      else process.env.LEARNLOOP_HOME = saved.home;
    }
  });

  it("a file that is not a database is one StoreError naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "learnloop-bad-"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "learnloop.db"), "this is not a database, just text that is long enough to have a header ".repeat(20));
    await assert.rejects(openStore({ home: dir }), (error: unknown) => error instanceof StoreError && error.message.startsWith(join(dir, "learnloop.db") + ": "));
  });
});

describe("SQLite store: files that are not a learnloop store", () => {
  it("another application's database is refused before anything is written to it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "learnloop-foreign-"));
    const foreign = join(dir, "shop.db");
    const other = new BetterSqlite3(foreign);
    other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ana'); CREATE TABLE orders (id INTEGER)");
    other.close();
    const before = readFileSync(foreign);
    for (const createIfMissing of [true, false]) {
      await assert.rejects(openStore({ url: foreign, createIfMissing }), (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.equal(error.code, "schema");
        assert.equal(
          error.message,
          `${foreign}: not a learnloop store: the database holds other tables (customers, orders) and no schema_migrations; learnloop leaves it alone (give it a new file, or a database of its own)`,
        );
        return true;
      });
    }
    assert.deepEqual(readFileSync(foreign), before, "not a byte changed (no tables, no WAL mode)");
    assert.deepEqual(readdirSync(dir), ["shop.db"], "no -wal or -shm file left beside it");
    // A table of learnloop's name without its migrations table is someone else's too.
    const clash = join(dir, "clash.db");
    const raw = new BetterSqlite3(clash);
    raw.exec("CREATE TABLE runs (x INTEGER)");
    raw.close();
    await assert.rejects(openStore({ url: clash }), /clash\.db: not a learnloop store: the database holds other tables \(runs\) and no schema_migrations/);
  });

  it("a zero-byte file is an empty database and becomes a store", async () => {
    const empty = join(mkdtempSync(join(tmpdir(), "learnloop-empty-")), "empty.db");
    writeFileSync(empty, "");
    const store = await openStore({ url: empty });
    try {
      assert.deepEqual(await store.listRuns(), []);
    } finally {
      await store.close();
    }
  });

  it("a folder given as the store file is one line saying so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "learnloop-folder-"));
    await assert.rejects(openStore({ url: dir }), (error: unknown) => {
      assert.ok(error instanceof StoreError, String(error));
      assert.equal(
        error.message,
        `${dir}: cannot open the SQLite store: it is a folder, not a file (a store path names the file, e.g. ${join(dir, "learnloop.db")}; LEARNLOOP_HOME names its folder)`,
      );
      return true;
    });
  });

  it("a folder that cannot be made is one line, not a hang (mkdir -p spins on a path under /proc)", { skip: !existsSync("/proc/self") && "no /proc here" }, () => {
    // In a child with a time limit: the hang was a synchronous loop that no in-process timeout can stop.
    const script = `import { openStore } from ${JSON.stringify(new URL("../../src/tracking/index.ts", import.meta.url).href)};
      openStore({ url: "/proc/learnloop-nope/deeper/learnloop.db" }).then(() => console.log("opened"), (error) => console.log(error.message));`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(child.error, undefined, "the child finished within 20 s");
    assert.equal(child.stdout.trim(), "/proc/learnloop-nope/deeper/learnloop.db: cannot open the SQLite store: cannot create the folder /proc/learnloop-nope: ENOENT: no such file or directory, mkdir '/proc/learnloop-nope'");
  });
});

describe("SQLite store: several processes", () => {
  it("processes promoting versions of one model at once share the file and never leave two champions", async () => {
    const { spawn } = await import("node:child_process");
    const shared = mkdtempSync(join(tmpdir(), "learnloop-processes-"));
    const store = await openStore({ home: shared });
    try {
      for (let v = 1; v <= 8; v++) await store.registerModel({ name: "race", modelFile: new TextEncoder().encode(`v${v}`), kind: "gbdt", task: "binary", actor: "test" });
      const worker = join(import.meta.dirname, "promote-worker.ts");
      const outputs = await Promise.all(
        [0, 1, 2, 3].map(
          (p) =>
            new Promise<string>((resolve, reject) => {
              const versions = [1, 2, 3, 4, 5, 6, 7, 8].map((v) => String(((v + p * 2) % 8) + 1));
              const child = spawn(process.execPath, ["--import", "tsx", worker, shared, "race", ...versions], { stdio: ["ignore", "pipe", "pipe"] });
              let out = "";
              let err = "";
              child.stdout.on("data", (chunk) => (out += chunk));
              child.stderr.on("data", (chunk) => (err += chunk));
              child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`))));
            }),
        ),
      );
      const lines = outputs.join("").trim().split("\n");
      assert.equal(lines.length, 32);
      const champions = (await store.listVersions("race")).filter((v) => v.stage === "champion");
      assert.equal(champions.length, 1);
      const promotions = (await store.stageHistory("race")).filter((change) => change.to === "champion");
      assert.equal(promotions.length, lines.filter((line) => line.startsWith("ok")).length, "every successful promotion is logged once");
      assert.equal(promotions[promotions.length - 1]!.version, champions[0]!.version, "the last logged promotion is the champion");
    } finally {
      await store.close();
    }
  });
});
