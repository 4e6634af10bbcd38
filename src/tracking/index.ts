/**
 * Tracking: runs, content-addressed artifacts, the model registry and the prediction log, on SQLite (the
 * embedded default) or PostgreSQL (a shared team store). `openStore` is the one place that picks the
 * backend.
 *
 * @example
 * const store = await openStore();                       // .learnloop/learnloop.db, or LEARNLOOP_DB / LEARNLOOP_HOME
 * const run = await store.startRun({ kind: "train", params: { model: "gbdt" } });
 * await store.finishRun(run.id, { status: "finished", metrics: { accuracy: 0.97 } });
 * await store.close();
 */
import { existsSync } from "node:fs";
import { resolve, join } from "node:path";
import { StoreError } from "../core/errors.js";
import { migrate } from "./migrations.js";
import { openPostgresDatabase } from "./postgres.js";
import { openEmptySqliteDatabase, openSqliteDatabase } from "./sqlite.js";
import { SqlStore } from "./sql-store.js";
import type { Store } from "./types.js";

export type * from "./types.js";
export { SCHEMA_VERSION } from "./migrations.js";
export { checkModelName, sha256Hex, LOST_AFTER_HEARTBEATS } from "./sql-store.js";
export { predictionLine, encodePrediction } from "./prediction-lines.js";
export { redactedUrl } from "./postgres.js";

/** Where a store is: a PostgreSQL URL, or a SQLite file. */
export interface StoreOptions {
  /**
   * postgres://user:password@host:port/database (or postgresql://) for PostgreSQL; a file path (optionally
   * `sqlite:`-prefixed) for a SQLite file. Default: env LEARNLOOP_DB, then the SQLite file in `home`.
   */
  readonly url?: string;
  /** The folder of the default SQLite file, learnloop.db. Default: env LEARNLOOP_HOME, then ./.learnloop. */
  readonly home?: string;
  /**
   * Whether a SQLite file that does not exist is created (default true). False for commands that only
   * read: they then see an empty store, named by its path, and leave nothing behind (a mistyped --db
   * creates no file).
   */
  readonly createIfMissing?: boolean;
}

/** The file name of the SQLite store inside LEARNLOOP_HOME. */
export const SQLITE_FILE = "learnloop.db";

/** Where `openStore(options)` would open: the backend and the URL or file. */
export function storeTarget(options: StoreOptions = {}): { backend: "sqlite" | "postgres"; where: string } {
  const url = nonEmpty(options.url) ?? nonEmpty(process.env.LEARNLOOP_DB);
  if (url !== undefined) {
    if (/^postgres(ql)?:\/\//i.test(url)) return { backend: "postgres", where: url };
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
    if (scheme && scheme[1]!.toLowerCase() !== "file" && scheme[1]!.toLowerCase() !== "sqlite") {
      throw new StoreError("unavailable", url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@"), `unsupported store URL scheme "${scheme[1]}:" (expected postgres://..., postgresql://... or a SQLite file path)`);
    }
    return { backend: "sqlite", where: resolve(url.replace(/^(sqlite|file):(\/\/)?/i, "")) };
  }
  const home = nonEmpty(options.home) ?? nonEmpty(process.env.LEARNLOOP_HOME) ?? join(process.cwd(), ".learnloop");
  return { backend: "sqlite", where: resolve(home, SQLITE_FILE) };
}

/**
 * Opens the store and brings its schema up to date. A URL starting with postgres:// or postgresql://
 * (from `options.url` or env LEARNLOOP_DB) opens PostgreSQL; anything else opens SQLite, by default
 * `<home or LEARNLOOP_HOME or ./.learnloop>/learnloop.db`, created on first use. Fails with StoreError
 * "unavailable" when the database cannot be opened or reached, "schema" when it was written by a newer
 * learnloop.
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const target = storeTarget(options);
  const db =
    target.backend === "postgres"
      ? await openPostgresDatabase(target.where)
      : options.createIfMissing === false && !existsSync(target.where)
        ? openEmptySqliteDatabase(target.where)
        : openSqliteDatabase(target.where);
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return new SqlStore(db);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}
