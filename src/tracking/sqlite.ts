/**
 * SQLite, the embedded default: one file, `learnloop.db`, shared by every process on the machine. WAL mode
 * lets readers run while one process writes; a busy timeout makes a writer wait for another instead of
 * failing. Statements are prepared once and cached.
 *
 * better-sqlite3 is synchronous, so the store's async transactions are serialised by a queue per database
 * file, shared by every connection to that file in this thread: while one transaction awaits between
 * statements, no other call can slip into it, and a second connection never busy-waits on a lock that
 * only this same thread could release (which would hang it). Between processes SQLite's own write lock
 * serialises, taken at BEGIN IMMEDIATE so that two writers never deadlock on a lock upgrade.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { StoreError } from "../core/errors.js";
import type { Connection, Database, Row } from "./database.js";
import { refuseForeignDatabase } from "./migrations.js";

/** How long a writer waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

/** Opens (creating it and its folder if needed) the SQLite database at `file`. */
export function openSqliteDatabase(file: string): SqliteDatabase {
  try {
    makeFolders(dirname(file));
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`it is a folder, not a file (a store path names the file, e.g. ${join(file, "learnloop.db")}; LEARNLOOP_HOME names its folder)`);
    }
    const db = new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      // Reading the table list reads the header first, so a file that is not a database fails here. A
      // database of something else is refused before anything is written to it (WAL mode included).
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name);
      refuseForeignDatabase(resolve(file), tables);
      db.pragma("journal_mode = WAL");
      // With WAL, NORMAL never corrupts the file; a power cut may lose the last commits, not a crash of learnloop.
      db.pragma("synchronous = NORMAL");
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteDatabase(db, resolve(file));
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError("unavailable", file, `cannot open the SQLite store: ${whyNotOpened(error, basename(file))}`);
  }
}

/**
 * Creates `folder` and the folders above it that are missing, one at a time from the first that exists
 * (mkdirSync's recursive mode spins forever on a path under /proc, where mkdir answers ENOENT).
 */
function makeFolders(folder: string): void {
  const missing: string[] = [];
  let at = resolve(folder);
  for (; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  if (!statSync(at).isDirectory()) throw new Error(`${at} is a file, not a folder`);
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new Error(`cannot create the folder ${path}: ${(error as Error).message}`);
    }
  }
}

/** SQLite's words for a store it cannot open or write, with what to do where they are terse. */
function whyNotOpened(error: unknown, name: string): string {
  const code = (error as { code?: string }).code ?? "";
  if (code.startsWith("SQLITE_READONLY") || code === "SQLITE_CANTOPEN" || code === "SQLITE_PERM") return readOnlyReason(code, name);
  return (error as Error).message.split("\n")[0]!;
}

function readOnlyReason(code: string, name: string): string {
  const beside = `SQLite writes ${name}-wal and ${name}-shm beside the file, even to read it`;
  if (code === "SQLITE_READONLY_DIRECTORY") return `this user cannot write the file's folder (${beside})`;
  // SQLite gives no cause with CANTOPEN; permissions are by far the most common one.
  if (code === "SQLITE_CANTOPEN") return `unable to open the database file: check that this user can write it and its folder (${beside})`;
  return "the file is read-only for this user";
}

/** An empty store in memory that answers as the (not yet existing) file `file` would: nothing is written to disk. */
export function openEmptySqliteDatabase(file: string): SqliteDatabase {
  return new SqliteDatabase(new BetterSqlite3(":memory:"), resolve(file));
}

/** A better-sqlite3 connection behind the Database seam. */
export class SqliteDatabase implements Database {
  readonly dialect = "sqlite" as const;
  readonly forUpdate = "";
  readonly location: string;
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  /** The tail of the queue of operations on this database file, per file, shared by its connections. */
  static readonly #queues = new Map<string, { tail: Promise<unknown> }>();
  readonly #queue: { tail: Promise<unknown> };
  readonly #direct: Connection;
  #runAll: BetterSqlite3.Transaction<(list: readonly { readonly sql: string; readonly params: readonly unknown[] }[]) => void> | undefined;

  constructor(db: BetterSqlite3.Database, location: string) {
    this.#db = db;
    this.location = location;
    let queue = SqliteDatabase.#queues.get(location);
    if (!queue) SqliteDatabase.#queues.set(location, (queue = { tail: Promise.resolve() }));
    this.#queue = queue;
    this.#direct = {
      all: async (sql, params = []) => this.#guard(() => this.#prepare(sql).all(...params) as Row[]),
      get: async (sql, params = []) => this.#guard(() => this.#prepare(sql).get(...params) as Row | undefined),
      run: async (sql, params = []) => this.#guard(() => this.#prepare(sql).run(...params).changes),
    };
  }

  /** The raw better-sqlite3 handle, for tests that need to reach under the store. */
  get handle(): BetterSqlite3.Database {
    return this.#db;
  }

  all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.#serial(() => this.#direct.all(sql, params));
  }

  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
    return this.#serial(() => this.#direct.get(sql, params));
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.#serial(() => this.#direct.run(sql, params));
  }

  transaction<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      this.#guard(() => this.#prepare("BEGIN IMMEDIATE").run());
      try {
        const result = await work(this.#direct);
        this.#guard(() => this.#prepare("COMMIT").run());
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#prepare("ROLLBACK").run();
        throw error;
      }
    });
  }

  runBatch(steps: readonly { readonly sql: string; readonly params: readonly unknown[] }[]): Promise<void> {
    return this.#serial(async () => {
      // better-sqlite3's transaction(): BEGIN IMMEDIATE, the statements without leaving for the event loop, COMMIT.
      this.#runAll ??= this.#db.transaction((list: readonly { readonly sql: string; readonly params: readonly unknown[] }[]) => {
        for (const step of list) this.#prepare(step.sql).run(step.params as unknown[]);
      });
      const runAll = this.#runAll;
      this.#guard(() => runAll.immediate(steps));
    });
  }

  isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: string }).code;
    return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
  }

  async close(): Promise<void> {
    await this.#serial(async () => this.#db.close());
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.tail.then(operation, operation);
    this.#queue.tail = result.catch(() => undefined);
    return result;
  }

  /** Turns "the database is locked" into a StoreError that says so; other errors pass as they are. */
  #guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
        throw new StoreError("unavailable", this.location, `the SQLite store stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000} s`);
      }
      // A file this user may read but not write opens, and fails at its first write.
      if (code?.startsWith("SQLITE_READONLY")) throw new StoreError("unavailable", this.location, `cannot write the SQLite store: ${readOnlyReason(code, basename(this.location))}`);
      throw error;
    }
  }
}
