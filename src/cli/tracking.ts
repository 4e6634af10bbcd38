/**
 * How commands use the tracking store: the --db flag, the actor, and recording a run (started before the
 * work, finished with its results, or failed with its one-line error). Recording never stands in the way
 * of the work: when the store cannot be opened or written, the command prints one warning and goes on.
 *
 * While a run is recorded, a thread sends its heartbeat (every 10 s, LEARNLOOP_HEARTBEAT_MS), so that a
 * run whose process was killed reads "lost" (Store.getRun); SIGINT and SIGTERM record it "interrupted"
 * and then exit with the usual status (130, 143). A signal is handled when the main thread is free: a
 * long synchronous step (fitting a model) finishes first; a second signal ends the process at once (the
 * run then reads lost).
 */
import { constants, userInfo } from "node:os";
import { resolve } from "node:path";
import { InvalidParameterError } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import type { Schema } from "../core/types.js";
import { startHeartbeat, type Heartbeat } from "../tracking/heartbeat.js";
import { openStore, redactedUrl, storeTarget, type StoreOptions } from "../tracking/index.js";
import type { NewRun, RunResult, Store } from "../tracking/types.js";
import type { OptionSpec, ParsedArgs } from "./args.js";
import type { Console } from "./output.js";

/** The store flag of every command that reads or writes the store. */
export const STORE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  db: {
    type: "string",
    value: "<url>",
    doc: "the store: postgres://user:pass@host/db or a SQLite file (default: env LEARNLOOP_DB, else $LEARNLOOP_HOME/learnloop.db, else ./.learnloop/learnloop.db)",
  },
};

/** Flags of commands whose runs are recorded. */
export const TRACKING_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...STORE_OPTIONS,
  "no-track": { type: "boolean", doc: "do not record this run in the store" },
};

/**
 * Opens the store named by --db (or the environment's default). Errors are StoreErrors, for commands whose job is
 * the store. `mustExist`: a command that only reads (runs ls, models promote) refuses a store that is not there
 * rather than creating an empty one at a mistyped path.
 */
export function openStoreFrom(values: ParsedArgs["values"], how: { readonly mustExist?: boolean } = {}): Promise<Store> {
  return openStore({ ...storeOptionsFrom(values), ...(how.mustExist ? { createIfMissing: false } : {}) });
}

function storeOptionsFrom(values: ParsedArgs["values"]): StoreOptions {
  if (typeof values.db !== "string") return {};
  // An empty --db is most often an unset shell variable ("--db $STORE"): refused rather than read as "the default store".
  if (values.db.trim() === "") throw new InvalidParameterError("--db", "a PostgreSQL URL or a SQLite file (leave --db out for the default store)", values.db);
  return { url: values.db };
}

/**
 * A file path as the run records it: absolute, so that `runs show` run from another folder still says
 * where the data and the model file are. URLs (s3://, https://) are kept as they are.
 */
function recordedPath(path: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? path : resolve(path);
}

function recordedData<T extends { readonly file?: string } | undefined>(data: T): T {
  return data?.file !== undefined ? { ...data, file: recordedPath(data.file) } : data;
}

/** Who does it: --actor, else the OS user name. */
export function actorFrom(values: ParsedArgs["values"]): string {
  if (typeof values.actor === "string" && values.actor.trim() !== "") return values.actor.trim();
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

/** The command line as a person would type it again, rebuilt from the parsed arguments (a --db password hidden). */
export function commandLine(command: string, args: ParsedArgs): string {
  const quote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  const parts = ["learnloop", command, ...args.positionals.map(quote)];
  for (const [name, value] of Object.entries(args.values)) {
    if (value === undefined || value === false) continue;
    if (value === true) parts.push(`--${name}`);
    else for (const item of Array.isArray(value) ? value : [value]) parts.push(`--${name}`, quote(name === "db" ? redactedUrl(item) : item));
  }
  return parts.join(" ");
}

/** A run being recorded (or not: then `runId` and `store` are undefined and finishing is a no-op). */
export interface RunTracking {
  /** The recorded run's id; undefined with --no-track or when the store could not be opened. */
  readonly runId: string | undefined;
  /** The open store while the run is recorded, to register what it made. */
  readonly store: Store | undefined;
  /** Keeps bytes (a model file) in the store's artifact store; their SHA-256, or undefined (with a warning) when not kept. */
  keep(bytes: Uint8Array): Promise<string | undefined>;
  /** Records the run as finished with its results, and closes the store (unless the caller gave it). */
  finish(result: Omit<RunResult, "status" | "error">): Promise<void>;
  /** Records the run as failed with the error's one line (and what is known), and closes the store. */
  fail(error: unknown, partial?: Omit<RunResult, "status" | "error">): Promise<void>;
  /**
   * A point between steps where a Ctrl-C or SIGTERM takes effect: lets a signal that arrived during a
   * synchronous step (a fit) be handled, and then never returns if one did (the run is being recorded as
   * interrupted and the process ends), so an interrupted run prints no results and writes no file after it.
   */
  checkpoint(): Promise<void>;
}

/**
 * Starts recording a run of a command, unless --no-track. When the store cannot be opened or the run
 * cannot be started, prints one warning on stderr and returns a tracking that records nothing. With
 * `store`, records into that open store (which the caller keeps and closes) instead of opening one.
 *
 * @example
 * const tracking = await startTracking(args.values, console, { kind: "tune", command: commandLine("tune", args), params });
 * try { ...; await tracking.finish({ metrics, durations }); } catch (error) { await tracking.fail(error); throw error; }
 */
export async function startTracking(values: ParsedArgs["values"], console: Console, run: NewRun, store?: Store): Promise<RunTracking> {
  if (values["no-track"]) return untracked;
  const owned = store === undefined;
  try {
    store ??= await openStoreFrom(values);
    const intervalMs = heartbeatInterval(console);
    const started = await store.startRun({ ...run, ...(run.data ? { data: recordedData(run.data) } : {}), heartbeatIntervalMs: intervalMs });
    const where = storeTarget(storeOptionsFrom(values)).where;
    return tracking(store, started.id, console, owned, startHeartbeat(where, started.id, intervalMs));
  } catch (error) {
    if (owned) await store?.close().catch(() => undefined);
    console.err(`warning: this run is not recorded: ${formatError(error)} (--no-track to skip recording)\n`);
    return untracked;
  }
}

/**
 * Runs `work` as a recorded run: started before, finished with the results `work` returns, or failed
 * with the error it throws (which is then rethrown). The helper `train`, `evaluate` and `tune` share.
 *
 * @example
 * return recordRun(args.values, console, { kind: "evaluate", command, params }, async (tracking) => {
 *   const report = await evaluate();
 *   return { value: { ...report, run: tracking.runId }, result: { metrics: report.metrics } };
 * });
 */
export async function recordRun<T>(
  values: ParsedArgs["values"],
  console: Console,
  run: NewRun,
  work: (tracking: RunTracking) => Promise<{ value: T; result: Omit<RunResult, "status" | "error"> }>,
): Promise<T> {
  const recording = await startTracking(values, console, run);
  let outcome: { value: T; result: Omit<RunResult, "status" | "error"> };
  try {
    outcome = await work(recording);
  } catch (error) {
    await recording.fail(error);
    throw error;
  }
  await recording.finish(outcome.result);
  return outcome.value;
}

const untracked: RunTracking = {
  runId: undefined,
  store: undefined,
  keep: async () => undefined,
  finish: async () => undefined,
  fail: async () => undefined,
  // Untracked, no handler is installed: a signal ends the process as Node's default does.
  checkpoint: async () => undefined,
};

/** The heartbeat interval of recorded runs: LEARNLOOP_HEARTBEAT_MS, default 10 s. */
export const DEFAULT_HEARTBEAT_MS = 10_000;

function heartbeatInterval(console: Console): number {
  const given = process.env.LEARNLOOP_HEARTBEAT_MS?.trim();
  if (given === undefined || given === "") return DEFAULT_HEARTBEAT_MS;
  const ms = Number(given);
  if (Number.isInteger(ms) && ms >= 10) return ms;
  console.err(`warning: LEARNLOOP_HEARTBEAT_MS must be a whole number of milliseconds >= 10, got ${JSON.stringify(given)}; using ${DEFAULT_HEARTBEAT_MS}\n`);
  return DEFAULT_HEARTBEAT_MS;
}

function tracking(store: Store, runId: string, console: Console, owned: boolean, heartbeat: Heartbeat): RunTracking {
  let open = true;
  const startedAt = performance.now();
  // SIGINT / SIGTERM while the run is recorded: record it interrupted, then exit as the signal would
  // have (128 + its number). The handlers are removed first, so a second signal ends the process at once.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled = true;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    void end({ status: "interrupted", error: `interrupted by ${signal}`, durations: { total: performance.now() - startedAt } }).finally(() => {
      console.err(`run ${runId} recorded as interrupted (${signal})\n`);
      process.exit(128 + constants.signals[signal]);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const end = async (result: RunResult) => {
    if (!open) return;
    open = false;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await heartbeat.stop();
    try {
      await store.finishRun(runId, {
        ...result,
        ...(result.data ? { data: recordedData(result.data) } : {}),
        ...(result.artifacts ? { artifacts: result.artifacts.map((artifact) => (artifact.path !== undefined ? { ...artifact, path: recordedPath(artifact.path) } : artifact)) } : {}),
      });
    } catch (error) {
      console.err(`warning: run ${runId} could not be recorded as ${result.status}: ${formatError(error)}\n`);
    } finally {
      if (owned) await store.close().catch(() => undefined);
    }
  };
  return {
    runId,
    store,
    keep: async (bytes) => {
      try {
        return await store.putArtifact(bytes);
      } catch (error) {
        console.err(`warning: run ${runId}: the model file is not kept in the store: ${formatError(error)}\n`);
        return undefined;
      }
    },
    finish: (result) => end({ ...result, status: "finished" }),
    fail: (error, partial = {}) => end({ ...partial, status: "failed", error: formatError(error) }),
    checkpoint: async () => {
      // A signal that came during a synchronous step is handled once the event loop polls: after this.
      await new Promise((resolve) => setImmediate(resolve));
      if (signalled) await new Promise<never>(() => undefined);
    },
  };
}

/** A data schema small enough to keep with every run: categorical features give their number of categories, not the dictionary. */
export function compactSchema(schema: Schema): Record<string, unknown> {
  return {
    features: schema.features.map((feature) => ({
      name: feature.name,
      kind: feature.kind,
      ...(feature.categories ? { nCategories: feature.categories.length } : {}),
      ...(feature.derivedFrom ? { derivedFrom: feature.derivedFrom } : {}),
    })),
    target: schema.target,
    ...(schema.derived ? { derived: schema.derived } : {}),
  };
}
