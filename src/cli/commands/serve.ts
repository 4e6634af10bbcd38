import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { InvalidParameterError, StoreError } from "../../core/errors.js";
import type { Schema } from "../../core/types.js";
import { createService } from "../../serving/app.js";
import type { ServedModel } from "../../serving/models.js";
import { openStore, storeTarget } from "../../tracking/index.js";
import type { Store } from "../../tracking/types.js";
import { listOption, numberOption, type CommandSpec, type ParsedArgs } from "../args.js";
import type { Console } from "../output.js";

export const serveCommand: CommandSpec = {
  name: "serve",
  summary: "serve the registry's champion models over HTTP (predict, feedback, metrics, hot swap)",
  usage: "learnloop serve [--port 8080] [--host 127.0.0.1] [--models a,b] [--max-batch N] [--poll-interval ms] [--db url]",
  positionals: [0, 0],
  positionalNames: [],
  options: {
    port: { type: "string", value: "<n>", doc: "TCP port (default 8080; 0 picks a free one)" },
    host: { type: "string", value: "<addr>", doc: "address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)" },
    models: { type: "string", value: "<a,b>", doc: "models to serve by name (default: every model with a champion)", multiple: true },
    "max-batch": { type: "string", value: "<n>", doc: "most rows in one predict request (default 10000)" },
    "max-body": { type: "string", value: "<MiB>", doc: "largest request body in MiB (default 64)" },
    timeout: { type: "string", value: "<ms>", doc: "longest a request may take before a 503 (default 10000)" },
    "poll-interval": { type: "string", value: "<ms>", doc: "how often to check the registry for a new champion (default 1000; 0: only on POST /v1/admin/reload)" },
    "log-interval": { type: "string", value: "<ms>", doc: "how often queued predictions are written to the store (default 100 with SQLite, written from a thread; 1000 with PostgreSQL)" },
    unknown: { type: "string", value: "<policy>", doc: "an unknown category in a row: error (a 400, default) or missing (read as a missing value)" },
    db: { type: "string", value: "<url>", doc: "the store: postgres://... or a SQLite file (default: LEARNLOOP_DB, else .learnloop/learnloop.db or LEARNLOOP_HOME)" },
  },
  examples: ["learnloop serve --port 8080", "LEARNLOOP_TOKEN=secret learnloop serve --models flights --host 0.0.0.0 --db postgres://learnloop@db/learnloop"],
};

/** The `--json` document of `learnloop serve`, printed when it stops. */
export interface ServeResult {
  url: string;
  models: { name: string; version: number }[];
  predictionsLogged: number;
  predictionsDropped: number;
}

/**
 * Runs the service until SIGTERM, SIGINT or SIGHUP: then it stops accepting connections, lets requests in
 * flight finish, writes the queued prediction log, closes the store and resolves (exit status 0); when queued
 * predictions could not be written (the store unreachable at shutdown), it throws a StoreError (exit 5).
 */
export async function runServe(args: ParsedArgs, console: Console): Promise<ServeResult> {
  const values = args.values;
  const port = numberOption(values, "port", 8080, { min: 0, max: 65535, integer: true });
  const host = typeof values.host === "string" ? values.host : "127.0.0.1";
  const maxBatch = numberOption(values, "max-batch", 10_000, { min: 1, integer: true });
  const maxBodyMiB = numberOption(values, "max-body", 64, { min: 0, exclusiveMin: true });
  const timeout = numberOption(values, "timeout", 10_000, { min: 1, integer: true });
  const pollInterval = numberOption(values, "poll-interval", 1000, { min: 0, integer: true });
  const logInterval = values["log-interval"] === undefined ? undefined : numberOption(values, "log-interval", 1000, { min: 1, integer: true });
  const unknown = values.unknown ?? "error";
  if (unknown !== "error" && unknown !== "missing") throw new InvalidParameterError("--unknown", "error or missing", unknown);
  const names = listOption(values.models);
  if (values.models !== undefined && names.length === 0) {
    throw new InvalidParameterError("--models", "model names separated by commas", [values.models].flat().join(","));
  }

  let token = process.env.LEARNLOOP_TOKEN?.trim() ?? "";
  const generated = token === "";
  if (generated) token = randomBytes(24).toString("base64url");

  const storeOptions = typeof values.db === "string" ? { url: values.db } : {};
  // A SQLite file that does not exist holds no champion: said at once, without creating it.
  const target = storeTarget(storeOptions);
  if (target.backend === "sqlite" && !existsSync(target.where)) {
    throw new StoreError("not_found", target.where, "nothing to serve: there is no store here (check --db, LEARNLOOP_DB or LEARNLOOP_HOME; train --register or models register makes one)");
  }
  const store = await openStore(storeOptions);
  const say = (line: string): void => console.err(`${new Date().toISOString()} ${line}\n`);
  let app;
  try {
    app = await createService({
      store,
      token,
      models: names,
      maxBatch,
      bodyLimit: Math.round(maxBodyMiB * 1024 * 1024),
      requestTimeoutMs: timeout,
      pollIntervalMs: pollInterval,
      unknownCategories: unknown,
      ...(logInterval !== undefined ? { predictionLog: { flushIntervalMs: logInterval } } : {}),
      onEvent: say,
    });
    const checks = await app.learnloop.loaded;
    const served = app.learnloop.host.all();
    const missing = names.filter((name) => !app!.learnloop.host.get(name));
    if (missing.length > 0 || served.length === 0) {
      // Without --models, the registry's champions were all refused (a model without one is not asked for).
      const check = checks.find((c) => (missing.length > 0 ? c.name === missing[0] : c.status === "refused"));
      if (check?.status === "refused") {
        // A champion that failed to load has a fix of its own: a rollback, or its file registered again.
        const fix = `\`learnloop models rollback ${check.name}\` or \`learnloop models promote ${check.name} <version>\` makes another version the champion; registering version ${check.refusedVersion}'s model file again repairs a damaged stored copy`;
        throw new StoreError("not_found", `model "${check.name}"`, `nothing to serve: its champion (version ${check.refusedVersion}) failed to load: ${check.error} (${fix})`);
      }
      throw new StoreError("not_found", missing.length > 0 ? `model "${missing[0]}"` : store.location, `nothing to serve: ${await whyNoChampion(store, missing[0])}`);
    }
    await app.listen({ port, host }).catch((error: unknown) => {
      throw listenError(error, host, port);
    });
  } catch (error) {
    await app?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }

  const address = app.server.address();
  const actualPort = address && typeof address === "object" ? address.port : port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${actualPort}`;
  const lines = [`listening on ${url} (store: ${store.backend} ${store.location})`];
  if (generated) lines.push(`LEARNLOOP_TOKEN is not set: feedback and admin routes take this generated token (shown once): ${token}`);
  for (const served of app.learnloop.host.all()) lines.push("", ...curlExample(url, served));
  console.err(lines.join("\n") + "\n\n");

  // SIGHUP drains as SIGTERM does: it comes when the terminal closes or the session ends, and Node's
  // default for it ends the process at once, losing the queued predictions. (nohup does not shield a Node
  // process from it: Node sets every signal back to its default action when it starts.)
  const first = await new Promise<StopSignal>((resolve) => {
    const stop = (signal: StopSignal): void => {
      for (const [name, listener] of listeners) process.off(name, listener);
      // The terminal that sent SIGHUP may be gone: the lines said from now on may find stderr closed.
      keepGoingWithoutStderr();
      say(`${signal}: draining requests in flight and writing the prediction log`);
      resolve(signal);
    };
    const listeners = STOP_SIGNALS.map((signal) => [signal, () => stop(signal)] as const);
    for (const [name, listener] of listeners) process.once(name, listener);
  });
  const models = app.learnloop.host.all().map((served) => ({ name: served.name, version: served.version }));
  // A second signal while requests in flight hold the drain (a slow upload may, up to --timeout): an
  // operator who presses Ctrl-C again, or a supervisor that signals again, wants the process gone, but
  // the queued predictions are not theirs to lose. So it closes the connections of the requests still in
  // flight and lets the log be written; only a third signal (of any of the three) ends the process at
  // once (Node's default).
  const server = app.server;
  const force = (signal: StopSignal): void => {
    for (const [name, listener] of secondListeners) process.off(name, listener);
    const open = app!.learnloop.inFlight;
    const which = signal === first ? `second ${signal}` : `${signal} after ${first}`;
    const third = signal === first ? `a third ${signal}` : "a third signal";
    say(`${which}: closing the connections of the ${open} request${open === 1 ? "" : "s"} still in flight, then writing the prediction log (${third} ends the process at once)`);
    server.closeAllConnections();
  };
  const secondListeners = STOP_SIGNALS.map((signal) => [signal, () => force(signal)] as const);
  for (const [name, listener] of secondListeners) process.once(name, listener);
  // The service answers requests in flight with Connection: close and refuses new ones (src/serving/app.ts),
  // so a keep-alive client does not hold this for its 72 s keep-alive timeout.
  await app.close();
  for (const [name, listener] of secondListeners) process.off(name, listener);
  const counts = app.learnloop.log.counts;
  // Records still queued once the service is closed could not be written (the store was unreachable at
  // shutdown, and the service said why): they are lost, which the exit status says too.
  const lost = app.learnloop.log.pending;
  await store.close();
  const dropped = counts.dropped > 0 ? `, ${counts.dropped.toLocaleString("en-US")} dropped` : "";
  say(`stopped: ${plural(counts.written, "prediction")} logged${dropped}${lost > 0 ? `, ${lost.toLocaleString("en-US")} lost (the store could not be reached to write them)` : ""}`);
  if (lost > 0) throw new StoreError("unavailable", store.location, `${plural(lost, "prediction")} could not be written to the prediction log at shutdown; they are lost`);
  return { url, models, predictionsLogged: counts.written, predictionsDropped: counts.dropped };
}

/** The signals that drain the service: a supervisor's stop, Ctrl-C, and the terminal or session closing. */
const STOP_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

let ignoringClosedStderr = false;

/**
 * Once the service is stopping, a write to a stderr that is gone (the terminal closed: EIO; the pipe to a
 * log reader closed: EPIPE; every write after that: ERR_STREAM_DESTROYED) is let go: Node would throw it
 * from the stream's "error" event and end the process with status 1 before the prediction log is
 * written. The lines are lost, the predictions not.
 * Installed once per process: the process ends with the service.
 */
function keepGoingWithoutStderr(): void {
  if (ignoringClosedStderr) return;
  ignoringClosedStderr = true;
  process.stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "EIO" || error.code === "ERR_STREAM_DESTROYED") return;
    throw error;
  });
}

/**
 * Why there is no champion to serve, with the fix that applies: promoting the latest version of a
 * registered model (the operator has registered one), or registering a file when there is none;
 * `name` (from --models) may also be one the registry does not hold (a typo).
 */
async function whyNoChampion(store: Store, name: string | undefined): Promise<string> {
  const register = "register a model file with `learnloop models register <file> --name <name>`, then `learnloop models promote <name> <version>`";
  const models = await store.listModels();
  if (name !== undefined) {
    if (!models.some((model) => model.name === name)) {
      const names = models.map((model) => model.name);
      return `the registry holds no model of that name (${names.length > 0 ? `it holds: ${names.slice(0, 8).join(", ")}${names.length > 8 ? ", ..." : ""}` : register})`;
    }
    const latest = await promoteLatest(store, name);
    return `it has no champion in the registry (it has ${latest.versions}: ${latest.fix})`;
  }
  const first = models[0];
  if (first === undefined) return `the registry has no champion model (${register})`;
  const latest = await promoteLatest(store, first.name);
  return `the registry has no champion model (${first.name} has ${latest.versions} and no champion: ${latest.fix})`;
}

/** A registered model's versions ("3 versions") and the command that makes its latest the champion. */
async function promoteLatest(store: Store, name: string): Promise<{ versions: string; fix: string }> {
  const versions = await store.listVersions(name);
  return { versions: plural(versions.length, "version"), fix: `\`learnloop models promote ${name} ${versions.at(-1)!.version}\` makes its latest the champion` };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** Node's listen errors an operator can fix with a flag, as the flag's one-line error. */
function listenError(error: unknown, host: string, port: number): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return new InvalidParameterError("--port", `a port free on ${host} (another process listens on ${host}:${port})`, String(port));
    case "EACCES":
      return new InvalidParameterError("--port", `a port this user may listen on (ports below 1024 need privileges)`, String(port));
    case "EADDRNOTAVAIL":
      return new InvalidParameterError("--host", "an address of this machine (or 0.0.0.0 for every interface)", host);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      // The name was looked up (getaddrinfo) and found nothing, or no resolver answered.
      return new InvalidParameterError("--host", "an address of this machine or a host name that resolves to one (0.0.0.0 for every interface)", host);
    default:
      return error;
  }
}

/**
 * A ready-to-paste curl command for one model: a row with every field it needs. Both bodies are quoted
 * for a POSIX shell, so a category or class label with an apostrophe ("Cooper's hawk") pastes as is.
 */
export function curlExample(url: string, served: ServedModel): string[] {
  const quoted = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  const body = JSON.stringify({ rows: [exampleRow(served.model.schema)] });
  const label = served.classes?.[0] !== undefined ? JSON.stringify(served.classes[0]) : "0";
  return [
    `${served.name} version ${served.version} (${served.model.kind}, ${served.model.task}, target "${served.model.schema.target.name}"):`,
    `  curl -s ${url}/v1/models/${encodeURIComponent(served.name)}/predict -H 'content-type: application/json' -d ${quoted(body)}`,
    `  curl -s ${url}/v1/models/${encodeURIComponent(served.name)}/feedback -H 'content-type: application/json' -H "authorization: Bearer $LEARNLOOP_TOKEN" -d ${quoted(`{"outcomes": [{"id": "<id from the answer>", "label": ${label}}]}`)}`,
  ];
}

/**
 * A row the model accepts: the first category of a categorical feature, 0 for a number, today's date for
 * a date column. A model file keeps no medians, so the numbers are placeholders to edit.
 */
export function exampleRow(schema: Schema): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const today = new Date().toISOString().slice(0, 10);
  for (const spec of schema.features) {
    if (spec.derivedFrom) row[spec.derivedFrom.column] = `${today}T12:00:00Z`;
    else if (spec.kind === "categorical") row[spec.name] = spec.categories?.[0] ?? null;
    else row[spec.name] = 0;
  }
  return row;
}
