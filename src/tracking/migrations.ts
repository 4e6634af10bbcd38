/**
 * Versioned schema migrations, run when a store opens. Each migration is applied once, in order, in a
 * transaction, and recorded in `schema_migrations`; a database whose recorded version is newer than the
 * last migration known here was written by a newer learnloop and is refused (StoreError "schema"), since
 * this code cannot know what the newer columns mean.
 *
 * The SQL is shared by both dialects except for two column types, filled in per dialect.
 */
import { StoreError } from "../core/errors.js";
import { LEARNLOOP_VERSION } from "../models/format.js";
import type { Database } from "./database.js";

interface Migration {
  readonly version: number;
  readonly description: string;
  /** Statements, with {serial} (an auto-increment key) and {blob} (bytes) to fill in per dialect. */
  readonly statements: readonly string[];
}

const TYPES = {
  sqlite: { serial: "INTEGER PRIMARY KEY AUTOINCREMENT", blob: "BLOB" },
  postgres: { serial: "BIGSERIAL PRIMARY KEY", blob: "BYTEA" },
} as const;

/** Every migration, oldest first. Never edit one that has shipped; add the next. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "runs, artifacts, registry with stage log, prediction log and outcomes",
    statements: [
      // JSON is kept as text in both dialects so that it round-trips byte for byte (jsonb reorders keys).
      `CREATE TABLE runs (
        seq {serial},
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
        command TEXT,
        params TEXT NOT NULL,
        data TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        learnloop_version TEXT NOT NULL,
        host TEXT NOT NULL,
        metrics TEXT NOT NULL DEFAULT '{}',
        folds TEXT NOT NULL DEFAULT '[]',
        durations TEXT NOT NULL DEFAULT '{}',
        artifacts TEXT NOT NULL DEFAULT '[]',
        details TEXT NOT NULL DEFAULT '{}',
        error TEXT
      )`,
      `CREATE INDEX runs_by_kind ON runs (kind, seq)`,
      `CREATE TABLE artifacts (
        sha256 TEXT PRIMARY KEY,
        bytes BIGINT NOT NULL,
        content {blob} NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE models (
        name TEXT PRIMARY KEY,
        latest_version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE TABLE model_versions (
        name TEXT NOT NULL REFERENCES models (name),
        version INTEGER NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('champion', 'challenger', 'archived')),
        sha256 TEXT NOT NULL REFERENCES artifacts (sha256),
        bytes BIGINT NOT NULL,
        run_id TEXT,
        kind TEXT NOT NULL,
        task TEXT NOT NULL,
        metrics TEXT NOT NULL,
        description TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (name, version)
      )`,
      // The database itself guarantees one champion per name, whatever a racing writer does.
      `CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (name) WHERE stage = 'champion'`,
      `CREATE TABLE stage_changes (
        seq {serial},
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        from_stage TEXT,
        to_stage TEXT NOT NULL,
        action TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL
      )`,
      `CREATE INDEX stage_changes_by_name ON stage_changes (name, seq)`,
      `CREATE TABLE predictions (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        model TEXT NOT NULL,
        version INTEGER NOT NULL,
        inputs TEXT NOT NULL,
        outputs TEXT NOT NULL
      )`,
      `CREATE INDEX predictions_by_model ON predictions (model, at)`,
      `CREATE TABLE outcomes (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        labelled_at TEXT NOT NULL
      )`,
    ],
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the database up to SCHEMA_VERSION. Runs in one transaction (PostgreSQL also takes an advisory
 * lock), so that processes opening a new store at the same moment apply each migration once.
 */
export async function migrate(db: Database): Promise<void> {
  const types = TYPES[db.dialect];
  try {
    await db.transaction(async (connection) => {
      if (db.dialect === "postgres") await connection.run("SELECT pg_advisory_xact_lock(4242424242)");
      await connection.run(
        `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)`,
      );
      const row = await connection.get("SELECT MAX(version) AS version FROM schema_migrations");
      const current = row?.version === null || row?.version === undefined ? 0 : Number(row.version);
      if (current > SCHEMA_VERSION) {
        throw new StoreError(
          "schema",
          db.location,
          `the store's schema is version ${current}, newer than this learnloop ${LEARNLOOP_VERSION} knows (version ${SCHEMA_VERSION}); upgrade learnloop to use it`,
        );
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        for (const statement of migration.statements) {
          await connection.run(statement.replaceAll("{serial}", types.serial).replaceAll("{blob}", types.blob));
        }
        await connection.run("INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)", [
          migration.version,
          migration.description,
          new Date().toISOString(),
        ]);
      }
    });
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError("schema", db.location, `migration to schema version ${SCHEMA_VERSION} failed: ${(error as Error).message.split("\n")[0]}`);
  }
}
