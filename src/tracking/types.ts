/**
 * The tracking contracts: runs, content-addressed artifacts, the model registry and the prediction log.
 * One interface per concern (DESIGN.md); a Store is all four over one database. Every implementation
 * (SQLite, the embedded default; PostgreSQL, the shared team store) passes one conformance suite
 * (test/tracking/conformance.ts). All methods are async so that a networked store fits the same shape.
 *
 * Times are ISO-8601 strings in UTC. Ids are opaque strings. Failures are StoreError (src/core/errors.ts).
 */

/** What kind of run: a CLI command that learns or measures. */
export type RunKind = "train" | "tune" | "evaluate";

/**
 * "interrupted": ended by SIGINT or SIGTERM. "lost": how a run that is still "running" in the store reads
 * once there is evidence its process is gone: its heartbeat is older than LOST_AFTER_HEARTBEATS of its
 * intervals, or its pid is no longer alive on this same host. "lost" is never stored: it is decided when
 * the run is read, so a run that was only stalled (a suspended laptop) reads "running" again at its next
 * heartbeat, and may still finish.
 */
export type RunStatus = "running" | "finished" | "failed" | "interrupted" | "lost";

/** A file a run made (model file, report, out-of-fold predictions). */
export interface RunArtifact {
  /** What it is: "model", "report", "oof", "predictions". */
  readonly role: string;
  /** Where the run wrote it (the CLI records an absolute path). */
  readonly path?: string;
  /** SHA-256 of its bytes (hex), when it is kept in the artifact store. */
  readonly sha256?: string;
  readonly bytes?: number;
}

/** What is known when a run starts. */
export interface NewRun {
  readonly kind: RunKind;
  /** The command line, for a person to read ("learnloop train flights.parquet --target delayed"). */
  readonly command?: string;
  /** Model family and hyperparameters, CLI options: JSON values only. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The data it read: file (the CLI records an absolute path or a URL), fingerprint, rows, schema (JSON). */
  readonly data?: {
    readonly file?: string;
    readonly fingerprint?: string;
    readonly rows?: number;
    readonly schema?: unknown;
  };
  /** The process doing the work (default: this process's pid). */
  readonly pid?: number;
  /**
   * How often the run promises a heartbeat (Store.heartbeat), in ms; without it only the pid check on
   * the same host can find the run lost. The CLI sends one from a thread every 10 s
   * (LEARNLOOP_HEARTBEAT_MS), see startHeartbeat.
   */
  readonly heartbeatIntervalMs?: number;
}

/** What is known when a run ends. */
export interface RunResult {
  readonly status: "finished" | "failed" | "interrupted";
  /** Headline metrics by name (on held-out rows, or the CV mean). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Per-fold metrics of a cross-validated run, in fold order. */
  readonly folds?: readonly Readonly<Record<string, number>>[];
  /** Durations in milliseconds by phase (load, fit, evaluate, total...). */
  readonly durations?: Readonly<Record<string, number>>;
  readonly artifacts?: readonly RunArtifact[];
  /** Anything else worth keeping (audit findings, decision rule, the tuning leaderboard): JSON only. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The one-line error of a failed run. */
  readonly error?: string;
  /** The data it read, when only known once the run has read it (fingerprint, rows, schema); replaces NewRun.data. */
  readonly data?: NewRun["data"];
}

/** A recorded run. */
export interface Run extends NewRun {
  readonly id: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly learnloopVersion: string;
  readonly host: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly folds: readonly Readonly<Record<string, number>>[];
  readonly durations: Readonly<Record<string, number>>;
  readonly artifacts: readonly RunArtifact[];
  readonly details: Readonly<Record<string, unknown>>;
  readonly error?: string;
  /** When the run last said it was alive (its start, before its first heartbeat). */
  readonly heartbeatAt?: string;
  /** Why a "lost" run reads lost, in words. */
  readonly lostReason?: string;
}

export interface RunFilter {
  readonly kind?: RunKind;
  readonly status?: RunStatus;
  /** Newest first; at most this many (default 50). */
  readonly limit?: number;
}

export interface RunStore {
  startRun(run: NewRun): Promise<Run>;
  /** Ends a running run (also one that reads "lost"). A StoreError "not_found" for an unknown id, "conflict" if it already ended. */
  finishRun(id: string, result: RunResult): Promise<Run>;
  /** Says the run is still alive now. A StoreError "not_found" for an unknown id, "conflict" if it already ended. */
  heartbeat(id: string): Promise<void>;
  getRun(id: string): Promise<Run | undefined>;
  /** Runs whose id starts with `prefix` (case as given), newest first, at most `limit` (default 50): to find a run by the start of its id. */
  runsByIdPrefix(prefix: string, limit?: number): Promise<Run[]>;
  /** Newest first. */
  listRuns(filter?: RunFilter): Promise<Run[]>;
}

/** Bytes kept by their SHA-256; identical bytes are stored once. */
export interface ArtifactStore {
  /** Stores the bytes (a no-op when already there); resolves to their SHA-256 in hex. */
  putArtifact(bytes: Uint8Array): Promise<string>;
  /**
   * The bytes, checked against their checksum on the way out: StoreError "integrity" when they do not
   * match, "not_found" when there is no such artifact.
   */
  getArtifact(sha256: string): Promise<Uint8Array>;
}

export type Stage = "champion" | "challenger" | "archived";

/** One numbered version of a named model. */
export interface ModelVersion {
  readonly name: string;
  /** 1, 2, 3... per name. */
  readonly version: number;
  readonly stage: Stage;
  /** The model file's bytes in the artifact store. */
  readonly sha256: string;
  readonly bytes: number;
  /** The run that made it, when known. */
  readonly runId?: string;
  /** From the model file: family ("gbdt"), task, and the metrics saved with it. */
  readonly kind: string;
  readonly task: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly description?: string;
  readonly createdAt: string;
}

/** A logged stage change. */
export interface StageChange {
  readonly name: string;
  readonly version: number;
  readonly from: Stage | null;
  readonly to: Stage;
  readonly at: string;
  readonly actor: string;
  readonly reason: string;
}

/** A named model and where it stands. */
export interface RegisteredModel {
  readonly name: string;
  readonly latestVersion: number;
  /** Undefined when no version is champion. */
  readonly championVersion?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewModelVersion {
  readonly name: string;
  /** The model file's bytes; stored in the artifact store in the same call. */
  readonly modelFile: Uint8Array;
  readonly kind: string;
  readonly task: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly runId?: string;
  readonly description?: string;
  /** Who registers it (a user name, "autopilot"); logged with the first stage. */
  readonly actor: string;
}

export interface StageOptions {
  readonly actor: string;
  readonly reason: string;
}

export interface Registry {
  /** Adds the next version of `name` (created on first use) as a challenger. */
  registerModel(input: NewModelVersion): Promise<ModelVersion>;
  listModels(): Promise<RegisteredModel[]>;
  /** Oldest first. A StoreError "not_found" for an unknown name. */
  listVersions(name: string): Promise<ModelVersion[]>;
  getVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  champion(name: string): Promise<ModelVersion | undefined>;
  /**
   * Makes `version` the champion and archives the previous one, atomically: of two concurrent
   * promotions one wins and neither leaves two champions. Logged with time, actor and reason.
   */
  promote(name: string, version: number, options: StageOptions): Promise<StageChange>;
  /** Makes the previous champion (from the stage log) champion again, archiving the current one. */
  rollback(name: string, options: StageOptions): Promise<StageChange>;
  /** Moves a non-champion version to "challenger" or "archived". */
  setStage(name: string, version: number, stage: Exclude<Stage, "champion">, options: StageOptions): Promise<StageChange>;
  /** Stage changes of one model, oldest first. */
  stageHistory(name: string): Promise<StageChange[]>;
}

/** One served prediction, as logged. */
export interface PredictionRecord {
  readonly id: string;
  readonly at: string;
  readonly model: string;
  readonly version: number;
  /** The request's row, as received. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** What was answered: prediction, probabilities, decision. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** An observed outcome for a prediction id. */
export interface Outcome {
  readonly id: string;
  readonly label: unknown;
}

/** What settlePredictionLog moved: records logged, records skipped (repeated ids, lines that are not records), the blocks and their bytes. */
export interface SettledPredictions {
  readonly records: number;
  readonly skipped: number;
  readonly blocks: number;
  readonly bytes: number;
}

export interface LabelledPrediction extends PredictionRecord {
  readonly label: unknown;
  readonly labelledAt: string;
}

export interface PredictionLog {
  /** Appends a batch in one transaction. Ids are unique; a repeated id is a StoreError "conflict". */
  logPredictions(records: readonly PredictionRecord[]): Promise<void>;
  /**
   * The same for records already written as text, one `predictionLine` each, joined by "\n": the service
   * writes a record's JSON while it answers and hands a whole batch to its writer as one string.
   */
  logPredictionLines(lines: string): Promise<void>;
  /**
   * Keeps a batch of records (the bytes of `predictionLine`s, UTF-8, joined by "\n") as one block, to be
   * moved into the log later by settlePredictionLog: one write instead of one a record, for a service
   * under load (its writer thread, src/serving/log-thread.ts). Every read of the log (recordOutcomes,
   * predictionVersions, getPrediction, predictionCounts) settles the staged blocks first, so a staged
   * record is found as a logged one is. Nothing is checked before it settles: a repeated id or a line
   * that is not a record is then skipped and counted, and the block's other records are logged.
   * PostgreSQL stores log the batch at once (and refuse a bad one as logPredictionLines does).
   */
  stagePredictionLines(bytes: Uint8Array): Promise<void>;
  /** Moves staged blocks into the log, oldest first, one transaction each (all of them, or `maxBlocks`). */
  settlePredictionLog(options?: { readonly maxBlocks?: number }): Promise<SettledPredictions>;
  /**
   * Records outcomes of logged predictions of `model` (the latest label of an id wins). Ids with no
   * logged prediction of that model are not recorded and come back in `unknown`.
   */
  recordOutcomes(model: string, outcomes: readonly Outcome[]): Promise<{ recorded: number; unknown: string[] }>;
  /**
   * The version of `model` that made each of the logged predictions `ids`, in one query (the service
   * checks an outcome against the classes of the version that made its prediction). Ids with no logged
   * prediction of `model` are absent from the map.
   */
  predictionVersions(model: string, ids: readonly string[]): Promise<Map<string, number>>;
  getPrediction(id: string): Promise<(PredictionRecord & { label?: unknown; labelledAt?: string }) | undefined>;
  /** Predictions of `model` that have an outcome, newest first (default limit 1000). */
  labelledPredictions(model: string, options?: { readonly limit?: number }): Promise<LabelledPrediction[]>;
  /** Counts of logged predictions and of those with an outcome. */
  predictionCounts(model: string): Promise<{ predictions: number; labelled: number }>;
}

/** Runs, artifacts, registry and prediction log over one database. */
export interface Store extends RunStore, ArtifactStore, Registry, PredictionLog {
  /** "sqlite" or "postgres". */
  readonly backend: string;
  /** Where it is, for messages (a file path, or the PostgreSQL URL without its password). */
  readonly location: string;
  close(): Promise<void>;
}
