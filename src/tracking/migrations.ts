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
  /**
   * Statements, with {serial} (an auto-increment key) and {blob} (bytes) to fill in per dialect; or one
   * list per dialect where the SQL itself differs (SQLite cannot alter a CHECK constraint, PostgreSQL
   * has no WITHOUT ROWID tables).
   */
  readonly statements: readonly string[] | { readonly sqlite: readonly string[]; readonly postgres: readonly string[] };
}

/** The run status values a version-2 store allows ("lost" is never stored: it is how a stale running run reads). */
const RUN_STATUS_CHECK = "CHECK (status IN ('running', 'finished', 'failed', 'interrupted'))";

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
  {
    version: 2,
    description: "runs record their pid and a heartbeat and may end interrupted; a leaner prediction log with a count per model",
    statements: {
      sqlite: [
        // A CHECK constraint cannot be altered in SQLite: the table is rebuilt with its rows (seq kept).
        `CREATE TABLE runs_v2 (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL,
          status TEXT NOT NULL ${RUN_STATUS_CHECK},
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
          error TEXT,
          pid INTEGER,
          heartbeat_at TEXT,
          heartbeat_ms INTEGER
        )`,
        `INSERT INTO runs_v2 (seq, id, kind, status, command, params, data, started_at, finished_at, learnloop_version, host, metrics, folds, durations, artifacts, details, error)
         SELECT seq, id, kind, status, command, params, data, started_at, finished_at, learnloop_version, host, metrics, folds, durations, artifacts, details, error FROM runs`,
        `DROP TABLE runs`,
        `ALTER TABLE runs_v2 RENAME TO runs`,
        `CREATE INDEX runs_by_kind ON runs (kind, seq)`,
        // The prediction log keyed by its id alone: one B-tree per record instead of three (the rowid
        // table, the id's unique index, the (model, at) index). Measured on the writer thread: 3.2-3.4 us
        // a record before, 2.0-2.4 us (bench/serve/RESULTS.md). Reads by model go through the outcomes
        // (labelledPredictions) or the counts kept beside it (predictionCounts).
        `CREATE TABLE predictions_v2 (
          id TEXT PRIMARY KEY,
          at TEXT NOT NULL,
          model TEXT NOT NULL,
          version INTEGER NOT NULL,
          inputs TEXT NOT NULL,
          outputs TEXT NOT NULL
        ) WITHOUT ROWID`,
        `INSERT INTO predictions_v2 (id, at, model, version, inputs, outputs) SELECT id, at, model, version, inputs, outputs FROM predictions`,
        `DROP TABLE predictions`,
        `ALTER TABLE predictions_v2 RENAME TO predictions`,
        `CREATE TABLE prediction_counts (model TEXT PRIMARY KEY, predictions BIGINT NOT NULL)`,
        `INSERT INTO prediction_counts (model, predictions) SELECT model, COUNT(*) FROM predictions GROUP BY model`,
      ],
      postgres: [
        `ALTER TABLE runs DROP CONSTRAINT runs_status_check`,
        `ALTER TABLE runs ADD CONSTRAINT runs_status_check ${RUN_STATUS_CHECK}`,
        `ALTER TABLE runs ADD COLUMN pid INTEGER, ADD COLUMN heartbeat_at TEXT, ADD COLUMN heartbeat_ms INTEGER`,
        `DROP INDEX predictions_by_model`,
        `CREATE TABLE prediction_counts (model TEXT PRIMARY KEY, predictions BIGINT NOT NULL)`,
        `INSERT INTO prediction_counts (model, predictions) SELECT model, COUNT(*) FROM predictions GROUP BY model`,
      ],
    },
  },
  {
    version: 3,
    description: "staged blocks of prediction records, written whole under load and moved into the prediction log later",
    statements: {
      // A block is a batch of records as logPredictionLines takes them (UTF-8 lines), kept as it came:
      // one row instead of one a record (sql-store.ts, stagePredictionLines). PostgreSQL stores never
      // stage (they log at once); the table is there so that both dialects have one schema.
      sqlite: [`CREATE TABLE prediction_chunks (seq INTEGER PRIMARY KEY, records BLOB NOT NULL)`],
      postgres: [`CREATE TABLE prediction_chunks (seq BIGSERIAL PRIMARY KEY, records BYTEA NOT NULL)`],
    },
  },
];

/**
 * Refuses a database that holds tables but no `schema_migrations`: it belongs to something else (another
 * application's SQLite file named by a mistyped --db, a team database in use), and learnloop creating
 * its runs, models and predictions tables among them would mix two applications' data. Every learnloop
 * store has had `schema_migrations` since version 1.
 */
export function refuseForeignDatabase(location: string, tables: readonly string[]): void {
  const own = tables.filter((table) => !table.startsWith("sqlite_"));
  if (own.length === 0 || own.includes("schema_migrations")) return;
  const shown = own.slice(0, 5).join(", ") + (own.length > 5 ? `, ... (${own.length} in all)` : "");
  throw new StoreError(
    "schema",
    location,
    `not a learnloop store: the database holds other tables (${shown}) and no schema_migrations; learnloop leaves it alone (give it a new file, or a database of its own)`,
  );
}

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the database up to SCHEMA_VERSION (or `target`, for tests that build an older store). Runs in one transaction (PostgreSQL also takes an advisory
 * lock), so that processes opening a new store at the same moment apply each migration once.
 */
export async function migrate(db: Database, target: number = SCHEMA_VERSION): Promise<void> {
  const types = TYPES[db.dialect];
  try {
    await db.transaction(async (connection) => {
      if (db.dialect === "postgres") await connection.run("SELECT pg_advisory_xact_lock(4242424242)");
      if (db.dialect === "postgres") {
        // Tables this connection would see unqualified: its search path's first schema (SQLite's are checked when it opens).
        const tables = await connection.all("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
        refuseForeignDatabase(db.location, tables.map((row) => String(row.table_name)));
      }
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
        if (migration.version <= current || migration.version > target) continue;
        const statements = Array.isArray(migration.statements) ? migration.statements : (migration.statements as Record<string, readonly string[]>)[db.dialect]!;
        for (const statement of statements) {
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
