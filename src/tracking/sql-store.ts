/**
 * The Store over SQL, written once for SQLite and PostgreSQL (./database.ts is the seam). JSON fields are
 * kept as text; times are ISO-8601 strings in UTC written by this code; order is kept by auto-increment
 * sequence columns, never by clocks, so that two runs started in the same millisecond still list in order.
 */
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { InvalidParameterError, StoreError } from "../core/errors.js";
import { LEARNLOOP_VERSION } from "../models/format.js";
import type { Connection, Database, Row } from "./database.js";
import { decodePredictionLines, encodePrediction, type PredictionColumns } from "./prediction-lines.js";
import type {
  LabelledPrediction,
  ModelVersion,
  NewModelVersion,
  NewRun,
  Outcome,
  PredictionRecord,
  RegisteredModel,
  Run,
  RunFilter,
  SettledPredictions,
  RunKind,
  RunResult,
  Stage,
  StageChange,
  StageOptions,
  Store,
} from "./types.js";

const RUN_KINDS: readonly RunKind[] = ["train", "tune", "evaluate"];

/** A run whose last heartbeat is older than this many of its heartbeat intervals reads "lost". */
export const LOST_AFTER_HEARTBEATS = 3;

/** This machine's name, as runs record it: the pid check applies only to runs of this host. */
const HOST = hostname();

/**
 * Rows of a multi-row INSERT into the prediction log: one statement binds this many records (SQLite),
 * measured best among 1, 16 and 64 on the writer thread (2.0 us a record against 2.4-2.6 one by one).
 */
const LOG_ROWS_PER_INSERT = 16;

/**
 * Model names appear in URLs (/v1/models/{name}/predict) and file names: letters, digits, ".", "_", "-",
 * starting with a letter or digit.
 */
export const MAX_MODEL_NAME_LENGTH = 128;
const MODEL_NAME = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${MAX_MODEL_NAME_LENGTH - 1}}$`);

/** What the stage log says a change was: the registry replays it to find the champion to roll back to. */
type StageAction = "register" | "promote" | "demote" | "rollback" | "stage";

/** Checks a model name before it is used (the CLI checks `train --register <name>` before training). */
export function checkModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new InvalidParameterError("name", `letters, digits, '.', '_' or '-' (starting with a letter or digit, at most ${MAX_MODEL_NAME_LENGTH})`, name, "model");
  }
}

/** SHA-256 of bytes, in hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Runs, artifacts, the registry and the prediction log over one SQL database. */
export class SqlStore implements Store {
  readonly backend: string;
  readonly location: string;
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    this.backend = db.dialect;
    this.location = db.location;
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  // ---- runs -------------------------------------------------------------------------------------

  async startRun(run: NewRun): Promise<Run> {
    if (!RUN_KINDS.includes(run.kind)) throw new InvalidParameterError("kind", `one of ${RUN_KINDS.join(", ")}`, run.kind, "startRun");
    const interval = run.heartbeatIntervalMs;
    if (interval !== undefined && !(Number.isInteger(interval) && interval > 0)) {
      throw new InvalidParameterError("heartbeatIntervalMs", "a whole number of milliseconds > 0", interval, "startRun");
    }
    const pid = run.pid ?? process.pid;
    if (!(Number.isInteger(pid) && pid > 0)) throw new InvalidParameterError("pid", "a process id (an integer > 0)", pid, "startRun");
    const id = randomBytes(6).toString("hex");
    const now = new Date().toISOString();
    await this.#db.run(
      `INSERT INTO runs (id, kind, status, command, params, data, started_at, learnloop_version, host, pid, heartbeat_at, heartbeat_ms)
       VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, run.kind, run.command ?? null, json(run.params ?? {}), run.data ? json(run.data) : null, now, LEARNLOOP_VERSION, HOST, pid, now, interval ?? null],
    );
    return (await this.getRun(id))!;
  }

  async heartbeat(id: string): Promise<void> {
    const changed = await this.#db.run("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'", [new Date().toISOString(), id]);
    if (changed > 0) return;
    const run = await this.getRun(id);
    if (!run) throw new StoreError("not_found", `run ${id}`, "no such run");
    throw new StoreError("conflict", `run ${id}`, `the run already ended (${run.status} at ${run.finishedAt})`);
  }

  async finishRun(id: string, result: RunResult): Promise<Run> {
    if (result.status !== "finished" && result.status !== "failed" && result.status !== "interrupted") {
      throw new InvalidParameterError("status", "finished, failed or interrupted", result.status, "finishRun");
    }
    const changed = await this.#db.run(
      `UPDATE runs SET status = ?, finished_at = ?, metrics = ?, folds = ?, durations = ?, artifacts = ?, details = ?, error = ?,
         data = COALESCE(?, data)
       WHERE id = ? AND status = 'running'`,
      [
        result.status,
        new Date().toISOString(),
        json(result.metrics ?? {}),
        json(result.folds ?? []),
        json(result.durations ?? {}),
        json(result.artifacts ?? []),
        json(result.details ?? {}),
        result.error ?? null,
        result.data ? json(result.data) : null,
        id,
      ],
    );
    const run = await this.getRun(id);
    if (!run) throw new StoreError("not_found", `run ${id}`, "no such run");
    if (changed === 0) throw new StoreError("conflict", `run ${id}`, `the run already ended (${run.status} at ${run.finishedAt})`);
    return run;
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = await this.#db.get("SELECT * FROM runs WHERE id = ?", [id]);
    return row ? runOf(row, Date.now()) : undefined;
  }

  async runsByIdPrefix(prefix: string, limit?: number): Promise<Run[]> {
    if (typeof prefix !== "string" || prefix === "") throw new InvalidParameterError("prefix", "the first characters of a run id", prefix, "runsByIdPrefix");
    // substr rather than LIKE: LIKE ignores case in SQLite and not in PostgreSQL, and would need its wildcards escaped.
    const rows = await this.#db.all("SELECT * FROM runs WHERE substr(id, 1, ?) = ? ORDER BY seq DESC LIMIT ?", [prefix.length, prefix, limitOf(limit, 50, "runsByIdPrefix")]);
    const now = Date.now();
    return rows.map((row) => runOf(row, now));
  }

  async listRuns(filter: RunFilter = {}): Promise<Run[]> {
    const limit = limitOf(filter.limit, 50, "listRuns");
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kind !== undefined) {
      where.push("kind = ?");
      params.push(filter.kind);
    }
    // "running" and "lost" are both stored as running and told apart when read: every running run is
    // read (there are few), then filtered and cut to the limit.
    const derived = filter.status === "running" || filter.status === "lost";
    if (filter.status !== undefined) {
      where.push("status = ?");
      params.push(derived ? "running" : filter.status);
    }
    const rows = await this.#db.all(
      `SELECT * FROM runs ${where.length > 0 ? "WHERE " + where.join(" AND ") : ""} ORDER BY seq DESC${derived ? "" : " LIMIT ?"}`,
      derived ? params : [...params, limit],
    );
    const now = Date.now();
    const runs = rows.map((row) => runOf(row, now));
    return derived ? runs.filter((run) => run.status === filter.status).slice(0, limit) : runs;
  }

  // ---- artifacts --------------------------------------------------------------------------------

  async putArtifact(bytes: Uint8Array): Promise<string> {
    return this.#putArtifact(this.#db, bytes);
  }

  async #putArtifact(connection: Connection, bytes: Uint8Array): Promise<string> {
    const sha256 = sha256Hex(bytes);
    // The same bytes again leave the row alone; a stored copy that no longer matches (a corrupted one)
    // is written over with these, whose checksum is the key: putting a file again repairs it.
    await connection.run(
      `INSERT INTO artifacts (sha256, bytes, content, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET content = excluded.content, bytes = excluded.bytes WHERE artifacts.content <> excluded.content`,
      [sha256, bytes.byteLength, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), new Date().toISOString()],
    );
    return sha256;
  }

  async getArtifact(sha256: string): Promise<Uint8Array> {
    const row = await this.#db.get("SELECT content FROM artifacts WHERE sha256 = ?", [sha256.toLowerCase()]);
    if (!row) throw new StoreError("not_found", `artifact ${sha256}`, "no such artifact in the store");
    const content = row.content as Buffer;
    const bytes = new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
    const actual = sha256Hex(bytes);
    if (actual !== sha256.toLowerCase()) {
      throw new StoreError("integrity", `artifact ${sha256}`, `the stored bytes do not match their checksum (they hash to ${actual}); the store is corrupted`);
    }
    return bytes;
  }

  // ---- registry ---------------------------------------------------------------------------------

  async registerModel(input: NewModelVersion): Promise<ModelVersion> {
    checkModelName(input.name);
    const actor = actorOf(input.actor);
    const version = await this.#db.transaction(async (tx) => {
      if (input.runId !== undefined && !(await tx.get("SELECT id FROM runs WHERE id = ?", [input.runId]))) {
        throw new StoreError("not_found", `run ${input.runId}`, "no such run to link the model version to");
      }
      // A name is what a service's clients call: a version answering another task (a value instead of
      // class probabilities) would break every one of them at the hot swap.
      const latest = await tx.get("SELECT version, task FROM model_versions WHERE name = ? ORDER BY version DESC LIMIT 1", [input.name]);
      if (latest && String(latest.task) !== input.task) {
        throw new StoreError(
          "conflict",
          `model "${input.name}"`,
          `a ${input.task} model cannot be its next version: version ${latest.version} is a ${latest.task} model, and the clients of a served name expect one kind of answer (register it under another name)`,
        );
      }
      const sha256 = await this.#putArtifact(tx, input.modelFile);
      const now = new Date().toISOString();
      // One statement creates the name or takes its next number; the row lock it holds serialises registrations.
      const numbered = await tx.get(
        `INSERT INTO models (name, latest_version, created_at, updated_at) VALUES (?, 1, ?, ?)
         ON CONFLICT (name) DO UPDATE SET latest_version = models.latest_version + 1, updated_at = excluded.updated_at
         RETURNING latest_version`,
        [input.name, now, now],
      );
      const version = Number(numbered!.latest_version);
      await tx.run(
        `INSERT INTO model_versions (name, version, stage, sha256, bytes, run_id, kind, task, metrics, description, created_at)
         VALUES (?, ?, 'challenger', ?, ?, ?, ?, ?, ?, ?, ?)`,
        [input.name, version, sha256, input.modelFile.byteLength, input.runId ?? null, input.kind, input.task, json(input.metrics ?? {}), input.description ?? null, now],
      );
      await logChange(tx, { name: input.name, version, from: null, to: "challenger", at: now, actor, reason: "registered" }, "register");
      return version;
    });
    return (await this.getVersion(input.name, version))!;
  }

  async listModels(): Promise<RegisteredModel[]> {
    const rows = await this.#db.all(
      `SELECT m.name, m.latest_version, m.created_at, m.updated_at, c.version AS champion_version
       FROM models m LEFT JOIN model_versions c ON c.name = m.name AND c.stage = 'champion'
       ORDER BY m.name`,
    );
    return rows.map((row) => ({
      name: String(row.name),
      latestVersion: Number(row.latest_version),
      ...(row.champion_version !== null && row.champion_version !== undefined ? { championVersion: Number(row.champion_version) } : {}),
      createdAt: String(row.created_at),
      updatedAt: String(row.updated_at),
    }));
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    const rows = await this.#db.all("SELECT * FROM model_versions WHERE name = ? ORDER BY version", [name]);
    if (rows.length === 0) throw unknownModel(name);
    return rows.map(versionOf);
  }

  async getVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const row = await this.#db.get("SELECT * FROM model_versions WHERE name = ? AND version = ?", [name, version]);
    return row ? versionOf(row) : undefined;
  }

  async champion(name: string): Promise<ModelVersion | undefined> {
    const row = await this.#db.get("SELECT * FROM model_versions WHERE name = ? AND stage = 'champion'", [name]);
    return row ? versionOf(row) : undefined;
  }

  async promote(name: string, version: number, options: StageOptions): Promise<StageChange> {
    const actor = actorOf(options.actor);
    return this.#changeStage(name, async (tx, now) => {
      const target = await tx.get("SELECT stage FROM model_versions WHERE name = ? AND version = ?", [name, version]);
      if (!target) throw unknownVersion(name, version);
      if (target.stage === "champion") throw new StoreError("conflict", `model "${name}" version ${version}`, "it is already the champion");
      return this.#crown(tx, name, version, target.stage as Stage, { actor, reason: options.reason, at: now }, "promote");
    });
  }

  async rollback(name: string, options: StageOptions): Promise<StageChange> {
    const actor = actorOf(options.actor);
    return this.#changeStage(name, async (tx, now) => {
      const current = await tx.get("SELECT version FROM model_versions WHERE name = ? AND stage = 'champion'", [name]);
      if (!current) throw new StoreError("conflict", `model "${name}"`, "it has no champion to roll back from");
      const line = await championLine(tx, name);
      const previous = line[line.length - 2];
      if (previous === undefined) {
        throw new StoreError("conflict", `model "${name}"`, `version ${current.version} is its first champion; there is no previous champion to roll back to`);
      }
      const target = await tx.get("SELECT stage FROM model_versions WHERE name = ? AND version = ?", [name, previous]);
      return this.#crown(tx, name, previous, target!.stage as Stage, { actor, reason: options.reason, at: now }, "rollback");
    });
  }

  async setStage(name: string, version: number, stage: Exclude<Stage, "champion">, options: StageOptions): Promise<StageChange> {
    if (stage !== "challenger" && stage !== "archived") {
      throw new InvalidParameterError("stage", "challenger or archived (use promote to make a champion)", stage, "setStage");
    }
    const actor = actorOf(options.actor);
    return this.#changeStage(name, async (tx, now) => {
      const row = await tx.get("SELECT stage FROM model_versions WHERE name = ? AND version = ?", [name, version]);
      if (!row) throw unknownVersion(name, version);
      const from = row.stage as Stage;
      if (from === "champion") {
        throw new StoreError("conflict", `model "${name}" version ${version}`, "it is the champion; promote another version or roll back first");
      }
      if (from === stage) throw new StoreError("conflict", `model "${name}" version ${version}`, `it is already ${stage}`);
      await tx.run("UPDATE model_versions SET stage = ? WHERE name = ? AND version = ?", [stage, name, version]);
      const change: StageChange = { name, version, from, to: stage, at: now, actor, reason: options.reason };
      await logChange(tx, change, "stage");
      return change;
    });
  }

  async stageHistory(name: string): Promise<StageChange[]> {
    const rows = await this.#db.all("SELECT * FROM stage_changes WHERE name = ? ORDER BY seq", [name]);
    if (rows.length === 0) throw unknownModel(name);
    return rows.map(changeOf);
  }

  /**
   * A stage change in one transaction that first locks the model's row: on PostgreSQL, concurrent changes
   * of one model wait for each other there (SQLite's write lock already serialises the transaction). Should
   * a racing writer slip past anyway, the one-champion index refuses the second champion: "conflict".
   */
  async #changeStage<T>(name: string, work: (tx: Connection, now: string) => Promise<T>): Promise<T> {
    try {
      return await this.#db.transaction(async (tx) => {
        const model = await tx.get(`SELECT name FROM models WHERE name = ?${this.#db.forUpdate}`, [name]);
        if (!model) throw unknownModel(name);
        const now = new Date().toISOString();
        const result = await work(tx, now);
        await tx.run("UPDATE models SET updated_at = ? WHERE name = ?", [now, name]);
        return result;
      });
    } catch (error) {
      if (this.#db.isUniqueViolation(error)) {
        throw new StoreError("conflict", `model "${name}"`, "another stage change of this model won the race; list its versions and try again");
      }
      throw error;
    }
  }

  /** Archives the current champion, if any, and makes `version` champion; both changes logged. */
  async #crown(tx: Connection, name: string, version: number, from: Stage, how: { actor: string; reason: string; at: string }, action: "promote" | "rollback"): Promise<StageChange> {
    // A champion whose stored file fails its checksum would be refused by every service that loads it,
    // while the registry named it champion: it is checked here, before anything changes.
    const stored = await tx.get(
      "SELECT v.sha256, a.content FROM model_versions v JOIN artifacts a ON a.sha256 = v.sha256 WHERE v.name = ? AND v.version = ?",
      [name, version],
    );
    const content = stored?.content as Buffer | undefined;
    const actual = content ? sha256Hex(new Uint8Array(content.buffer, content.byteOffset, content.byteLength)) : undefined;
    if (actual !== String(stored?.sha256)) {
      const why = actual === undefined ? "its model file is missing from the store" : `its stored model file does not match its checksum (it hashes to ${actual})`;
      throw new StoreError("integrity", `model "${name}" version ${version}`, `${why}; not ${action === "promote" ? "promoted" : "rolled back to"}: register the model file again`);
    }
    const current = await tx.get("SELECT version FROM model_versions WHERE name = ? AND stage = 'champion'", [name]);
    if (current) {
      const demoted = Number(current.version);
      await tx.run("UPDATE model_versions SET stage = 'archived' WHERE name = ? AND version = ?", [name, demoted]);
      await logChange(tx, { name, version: demoted, from: "champion", to: "archived", ...how }, "demote");
    }
    await tx.run("UPDATE model_versions SET stage = 'champion' WHERE name = ? AND version = ?", [name, version]);
    const change: StageChange = { name, version, from, to: "champion", ...how };
    await logChange(tx, change, action);
    return change;
  }

  // ---- prediction log ---------------------------------------------------------------------------

  async logPredictions(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.logPredictionLines(records.map(encodePrediction).join("\n"));
  }

  async logPredictionLines(lines: string): Promise<void> {
    const batch = decodePredictionLines(lines);
    const n = batch.ids.length;
    if (n === 0) return;
    try {
      if (this.#db.dialect === "postgres") {
        // One statement for the whole batch and its counts: arrays in, rows out (a multi-row VALUES would
        // need 6 placeholders a row).
        await this.#db.run(
          `WITH logged AS (
             INSERT INTO predictions (id, at, model, version, inputs, outputs)
             SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[])
             RETURNING model)
           INSERT INTO prediction_counts (model, predictions) SELECT model, COUNT(*) FROM logged GROUP BY model
           ON CONFLICT (model) DO UPDATE SET predictions = prediction_counts.predictions + excluded.predictions`,
          [batch.ids, batch.ats, batch.models, batch.versions, batch.inputs, batch.outputs],
        );
      } else {
        await this.#db.runBatch(sqliteLogSteps(batch));
      }
    } catch (error) {
      if (this.#db.isUniqueViolation(error)) {
        throw new StoreError("conflict", "prediction log", `a prediction id in the batch of ${n} is already logged (or repeated in the batch); nothing of the batch was logged`);
      }
      throw error;
    }
  }

  async stagePredictionLines(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    const block = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.#db.dialect === "postgres") return this.logPredictionLines(block.toString("utf8"));
    // No decoding, no row a record: one row, whatever it holds (settlePredictionLog reads it).
    await this.#db.run("INSERT INTO prediction_chunks (records) VALUES (?)", [block]);
  }

  async settlePredictionLog(options: { readonly maxBlocks?: number } = {}): Promise<SettledPredictions> {
    const settled = { records: 0, skipped: 0, bytes: 0, blocks: 0 };
    if (this.#db.dialect === "postgres") return settled;
    const maxBlocks = options.maxBlocks ?? Number.POSITIVE_INFINITY;
    // One transaction a block: another process's writes (or this service's writer) wait for one block
    // at most, never for the whole backlog. Looked for first without a transaction: a settle that finds
    // none (a quiet service's writer, every time it goes idle) takes no write lock.
    while (settled.blocks < maxBlocks && (await this.#anyStaged())) {
      const block = await this.#settleBlock();
      if (block === undefined) break;
      settled.blocks++;
      settled.records += block.records;
      settled.skipped += block.skipped;
      settled.bytes += block.bytes;
    }
    return settled;
  }

  /** Moves the oldest staged block into the log; undefined when none is left. */
  async #settleBlock(): Promise<{ records: number; skipped: number; bytes: number } | undefined> {
    try {
      return await this.#db.transaction(async (tx) => {
        const bytes = await takeOldestBlock(tx);
        if (bytes === undefined) return undefined;
        // A block that does not decode goes the record-by-record way below.
        const batch = decodePredictionLines(bytes.toString("utf8"));
        // sqliteLogSteps' INSERT OR ROLLBACK ends the transaction at a repeated id (the block stays staged).
        for (const step of sqliteLogSteps(batch)) await tx.run(step.sql, step.params);
        return { records: batch.ids.length, skipped: 0, bytes: bytes.length };
      });
    } catch (error) {
      if (!this.#db.isUniqueViolation(error) && !(error instanceof StoreError && error.code === "conflict")) throw error;
    }
    // A block with a repeated id or a line that is not a record: logged record by record, keeping what
    // can be kept (the first record of an id; a staged block has no caller left to refuse it to), and
    // the rest counted as skipped, so that one bad record never holds the log's backlog for good.
    return this.#db.transaction(async (tx) => {
      const bytes = await takeOldestBlock(tx);
      if (bytes === undefined) return undefined;
      const perModel = new Map<string, number>();
      let records = 0;
      let skipped = 0;
      for (const line of bytes.toString("utf8").split("\n")) {
        if (line === "") continue;
        let record: PredictionColumns;
        try {
          record = decodePredictionLines(line);
        } catch {
          skipped++;
          continue;
        }
        const added = await tx.run("INSERT OR IGNORE INTO predictions (id, at, model, version, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?)", [
          record.ids[0],
          record.ats[0],
          record.models[0],
          record.versions[0],
          record.inputs[0],
          record.outputs[0],
        ]);
        if (added === 0) {
          skipped++;
          continue;
        }
        records++;
        perModel.set(record.models[0]!, (perModel.get(record.models[0]!) ?? 0) + 1);
      }
      for (const step of countSteps(perModel)) await tx.run(step.sql, step.params);
      return { records, skipped, bytes: bytes.length };
    });
  }

  /**
   * Staged blocks are moved into the log before anything reads it, so that every logged prediction is
   * found. A store with none staged (PostgreSQL, or a quiet service's) pays one lookup.
   */
  async #settleBeforeReading(): Promise<void> {
    await this.settlePredictionLog();
  }

  async #anyStaged(): Promise<boolean> {
    const staged = await this.#db.get("SELECT EXISTS (SELECT 1 FROM prediction_chunks) AS staged");
    return Number(staged?.staged) === 1;
  }

  async recordOutcomes(model: string, outcomes: readonly Outcome[]): Promise<{ recorded: number; unknown: string[] }> {
    await this.#settleBeforeReading();
    // The latest label of an id wins, also within one batch.
    const latest = new Map<string, unknown>();
    for (const outcome of outcomes) {
      latest.delete(outcome.id);
      latest.set(outcome.id, outcome.label);
    }
    if (latest.size === 0) return { recorded: 0, unknown: [] };
    const now = new Date().toISOString();
    const ids = [...latest.keys()];
    if (this.#db.dialect === "postgres") {
      // One statement for the batch, as in logPredictions: a round trip per id costs 0.3 ms each.
      const rows = await this.#db.all(
        `INSERT INTO outcomes (id, label, labelled_at)
         SELECT u.id, u.label, ? FROM unnest(?::text[], ?::text[]) AS u (id, label)
         JOIN predictions p ON p.id = u.id AND p.model = ?
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, labelled_at = excluded.labelled_at
         RETURNING outcomes.id`,
        [now, ids, ids.map((id) => json(latest.get(id) ?? null)), model],
      );
      const found = new Set(rows.map((row) => String(row.id)));
      return { recorded: found.size, unknown: ids.filter((id) => !found.has(id)) };
    }
    const known = await this.#db.transaction(async (tx) => {
      const found = new Set<string>();
      for (const id of ids) {
        const changed = await tx.run(
          `INSERT INTO outcomes (id, label, labelled_at)
           SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM predictions WHERE id = ? AND model = ?)
           ON CONFLICT (id) DO UPDATE SET label = excluded.label, labelled_at = excluded.labelled_at`,
          [id, json(latest.get(id) ?? null), now, id, model],
        );
        if (changed > 0) found.add(id);
      }
      return found;
    });
    return { recorded: known.size, unknown: ids.filter((id) => !known.has(id)) };
  }

  async predictionVersions(model: string, ids: readonly string[]): Promise<Map<string, number>> {
    await this.#settleBeforeReading();
    const versions = new Map<string, number>();
    if (ids.length === 0) return versions;
    // The ids go in as one parameter, whatever their number (SQLite caps the placeholders of a statement),
    // and each is looked up by the log's primary key.
    const rows =
      this.#db.dialect === "postgres"
        ? await this.#db.all("SELECT id, version FROM predictions WHERE id = ANY(?::text[]) AND model = ?", [ids, model])
        : await this.#db.all("SELECT p.id, p.version FROM json_each(?) AS j CROSS JOIN predictions p ON p.id = j.value WHERE p.model = ?", [json(ids), model]);
    for (const row of rows) versions.set(String(row.id), Number(row.version));
    return versions;
  }

  async getPrediction(id: string): Promise<(PredictionRecord & { label?: unknown; labelledAt?: string }) | undefined> {
    await this.#settleBeforeReading();
    const row = await this.#db.get(
      "SELECT p.*, o.label, o.labelled_at FROM predictions p LEFT JOIN outcomes o ON o.id = p.id WHERE p.id = ?",
      [id],
    );
    if (!row) return undefined;
    return {
      ...predictionOf(row),
      ...(row.label !== null && row.label !== undefined ? { label: JSON.parse(String(row.label)), labelledAt: String(row.labelled_at) } : {}),
    };
  }

  async labelledPredictions(model: string, options: { readonly limit?: number } = {}): Promise<LabelledPrediction[]> {
    const limit = limitOf(options.limit, 1000, "labelledPredictions");
    const rows = await this.#db.all(
      `SELECT p.*, o.label, o.labelled_at FROM predictions p JOIN outcomes o ON o.id = p.id
       WHERE p.model = ? ORDER BY p.at DESC, p.id DESC LIMIT ?`,
      [model, limit],
    );
    return rows.map((row) => ({ ...predictionOf(row), label: JSON.parse(String(row.label)), labelledAt: String(row.labelled_at) }));
  }

  async predictionCounts(model: string): Promise<{ predictions: number; labelled: number }> {
    await this.#settleBeforeReading();
    // The log has no index by model (it would cost every insert): the count is kept beside it, and the
    // labelled ones are found from the outcomes, which are far fewer.
    const row = await this.#db.get(
      `SELECT (SELECT predictions FROM prediction_counts WHERE model = ?) AS predictions,
              (SELECT COUNT(*) FROM outcomes o JOIN predictions p ON p.id = o.id WHERE p.model = ?) AS labelled`,
      [model, model],
    );
    return { predictions: Number(row!.predictions ?? 0), labelled: Number(row!.labelled) };
  }
}

// ---- the prediction log's statements ------------------------------------------------------------

/** The SQLite statements that log a decoded batch and add it to the counts per model, in one transaction. */
function sqliteLogSteps(batch: PredictionColumns): { sql: string; params: unknown[] }[] {
  const n = batch.ids.length;
  const steps: { sql: string; params: unknown[] }[] = [];
  // OR ROLLBACK: a repeated id ends the whole transaction at once (nothing of the batch is logged, as
  // before), so SQLite keeps no statement journal for the multi-row INSERT; with one, each statement
  // first copied every page it touched to a temporary file (a 4 KiB write a record or so: 6.5-7.8
  // against 4.1 us of CPU a record in batches of 256, bench/serve/RESULTS.md). The rollback ends the
  // transaction the steps run in, so they run in one of their own: runBatch's, or #settleBlock's, whose
  // DELETE of the staged block it undoes too.
  const many = `INSERT OR ROLLBACK INTO predictions (id, at, model, version, inputs, outputs) VALUES ${Array(LOG_ROWS_PER_INSERT).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`;
  const one = "INSERT OR ROLLBACK INTO predictions (id, at, model, version, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?)";
  let i = 0;
  for (; i + LOG_ROWS_PER_INSERT <= n; i += LOG_ROWS_PER_INSERT) {
    const params: unknown[] = new Array(6 * LOG_ROWS_PER_INSERT);
    for (let j = 0, at = 0; j < LOG_ROWS_PER_INSERT; j++) {
      params[at++] = batch.ids[i + j];
      params[at++] = batch.ats[i + j];
      params[at++] = batch.models[i + j];
      params[at++] = batch.versions[i + j];
      params[at++] = batch.inputs[i + j];
      params[at++] = batch.outputs[i + j];
    }
    steps.push({ sql: many, params });
  }
  for (; i < n; i++) steps.push({ sql: one, params: [batch.ids[i], batch.ats[i], batch.models[i], batch.versions[i], batch.inputs[i], batch.outputs[i]] });
  // Rows per model, for the counts kept beside the log (predictionCounts reads them, not the log);
  // PostgreSQL counts them in its own statement.
  const perModel = new Map<string, number>();
  for (const model of batch.models) perModel.set(model, (perModel.get(model) ?? 0) + 1);
  steps.push(...countSteps(perModel));
  return steps;
}

/** The oldest staged block, deleted from the staged ones (a rollback of the transaction stages it again); undefined when none is left. */
async function takeOldestBlock(tx: Connection): Promise<Buffer | undefined> {
  const row = await tx.get("SELECT seq, records FROM prediction_chunks ORDER BY seq LIMIT 1");
  if (row === undefined) return undefined;
  await tx.run("DELETE FROM prediction_chunks WHERE seq = ?", [row.seq]);
  return row.records as Buffer;
}

function countSteps(perModel: ReadonlyMap<string, number>): { sql: string; params: unknown[] }[] {
  return [...perModel].map(([model, count]) => ({
    sql: `INSERT INTO prediction_counts (model, predictions) VALUES (?, ?)
          ON CONFLICT (model) DO UPDATE SET predictions = prediction_counts.predictions + excluded.predictions`,
    params: [model, count],
  }));
}

// ---- rows to objects ----------------------------------------------------------------------------

function json(value: unknown): string {
  return JSON.stringify(value);
}

/** Parses a JSON record of numbers; null (how JSON writes NaN and infinities) comes back as NaN. */
function numbers(text: unknown): Record<string, number> {
  const parsed = JSON.parse(String(text)) as Record<string, number | null>;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(parsed)) out[key] = value === null ? NaN : value;
  return out;
}

/** True when no process `pid` runs on this machine (a process of another user counts as running). */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Why a stored running run is lost at `now`, or undefined while it may still be running. A process seen
 * gone on this machine is said first: it is the sure evidence, and the heartbeat of a killed run is
 * overdue a moment later anyway (which made what `runs show` said depend on how soon it was asked).
 */
function lostReason(row: Row, now: number): string | undefined {
  const pid = row.pid === null || row.pid === undefined ? undefined : Number(row.pid);
  if (pid !== undefined && String(row.host) === HOST && processGone(pid)) return `its process (pid ${pid} on ${HOST}) is gone`;
  const beat = String(row.heartbeat_at ?? row.started_at);
  const interval = row.heartbeat_ms === null || row.heartbeat_ms === undefined ? undefined : Number(row.heartbeat_ms);
  if (interval !== undefined && now - Date.parse(beat) > LOST_AFTER_HEARTBEATS * interval) {
    return `no heartbeat since ${beat} (one was due every ${interval / 1000} s)`;
  }
  return undefined;
}

function runOf(row: Row, now: number): Run {
  const lost = row.status === "running" ? lostReason(row, now) : undefined;
  return {
    id: String(row.id),
    kind: row.kind as RunKind,
    status: lost !== undefined ? "lost" : (row.status as Run["status"]),
    ...(row.command !== null ? { command: String(row.command) } : {}),
    params: JSON.parse(String(row.params)),
    ...(row.data !== null ? { data: JSON.parse(String(row.data)) } : {}),
    startedAt: String(row.started_at),
    ...(row.finished_at !== null ? { finishedAt: String(row.finished_at) } : {}),
    learnloopVersion: String(row.learnloop_version),
    host: String(row.host),
    metrics: numbers(row.metrics),
    folds: (JSON.parse(String(row.folds)) as unknown[]).map((fold) => numbers(JSON.stringify(fold))),
    durations: numbers(row.durations),
    artifacts: JSON.parse(String(row.artifacts)),
    details: JSON.parse(String(row.details)),
    ...(row.error !== null ? { error: String(row.error) } : {}),
    ...(row.pid !== null && row.pid !== undefined ? { pid: Number(row.pid) } : {}),
    ...(row.heartbeat_at !== null && row.heartbeat_at !== undefined ? { heartbeatAt: String(row.heartbeat_at) } : {}),
    ...(row.heartbeat_ms !== null && row.heartbeat_ms !== undefined ? { heartbeatIntervalMs: Number(row.heartbeat_ms) } : {}),
    ...(lost !== undefined ? { lostReason: lost } : {}),
  };
}

function versionOf(row: Row): ModelVersion {
  return {
    name: String(row.name),
    version: Number(row.version),
    stage: row.stage as Stage,
    sha256: String(row.sha256),
    bytes: Number(row.bytes),
    ...(row.run_id !== null ? { runId: String(row.run_id) } : {}),
    kind: String(row.kind),
    task: String(row.task),
    metrics: numbers(row.metrics),
    ...(row.description !== null ? { description: String(row.description) } : {}),
    createdAt: String(row.created_at),
  };
}

function changeOf(row: Row): StageChange {
  return {
    name: String(row.name),
    version: Number(row.version),
    from: row.from_stage === null ? null : (row.from_stage as Stage),
    to: row.to_stage as Stage,
    at: String(row.at),
    actor: String(row.actor),
    reason: String(row.reason),
  };
}

function predictionOf(row: Row): PredictionRecord {
  return {
    id: String(row.id),
    at: String(row.at),
    model: String(row.model),
    version: Number(row.version),
    inputs: JSON.parse(String(row.inputs)),
    outputs: JSON.parse(String(row.outputs)),
  };
}

// ---- helpers ------------------------------------------------------------------------------------

async function logChange(tx: Connection, change: StageChange, action: StageAction): Promise<void> {
  await tx.run(
    "INSERT INTO stage_changes (name, version, from_stage, to_stage, action, at, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [change.name, change.version, change.from, change.to, action, change.at, change.actor, change.reason],
  );
}

/**
 * The line of champions as the stage log tells it: each promotion pushes a version, each rollback pops
 * the current one. Its last entry is the current champion, the one before it the champion to roll back
 * to, so repeated rollbacks walk back through earlier champions instead of flipping between two.
 */
async function championLine(tx: Connection, name: string): Promise<number[]> {
  const rows = await tx.all("SELECT version, action FROM stage_changes WHERE name = ? AND to_stage = 'champion' ORDER BY seq", [name]);
  const line: number[] = [];
  for (const row of rows) {
    if (row.action === "rollback") line.pop();
    else line.push(Number(row.version));
  }
  return line;
}

function actorOf(actor: string): string {
  if (typeof actor !== "string" || actor.trim() === "") throw new InvalidParameterError("actor", "a non-empty name (a user, \"autopilot\")", actor);
  return actor;
}

function limitOf(limit: number | undefined, fallback: number, owner: string): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidParameterError("limit", "an integer >= 1", limit, owner);
  return limit;
}

function unknownModel(name: string): StoreError {
  return new StoreError("not_found", `model "${name}"`, "no such model in the registry");
}

function unknownVersion(name: string, version: number): StoreError {
  return new StoreError("not_found", `model "${name}" version ${version}`, "no such version in the registry");
}
