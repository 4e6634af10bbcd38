import { InvalidParameterError, StoreError } from "../../core/errors.js";
import type { Run, RunFilter, RunKind, RunStatus, Store } from "../../tracking/types.js";
import { choiceOption, numberOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { formatNumber, formatSeconds, formatTable, type Console } from "../output.js";
import { openStoreFrom, STORE_OPTIONS } from "../tracking.js";

export const runsCommand: CommandSpec = {
  name: "runs",
  summary: "list, show and compare the recorded train, tune and evaluate runs",
  usage: "learnloop runs ls [--kind train] [--limit N] | show <id> | compare <id> <id>",
  positionals: [1, 3],
  positionalNames: ["<ls|show|compare>", "<id>", "<id>"],
  options: {
    kind: { type: "string", value: "<kind>", doc: "ls: only runs of this kind: train, tune or evaluate" },
    status: { type: "string", value: "<status>", doc: "ls: only running, finished, failed, interrupted or lost runs (lost: still running in the store, but its heartbeat stopped or its process is gone)" },
    limit: { type: "string", value: "<n>", doc: "ls: at most n runs, newest first (default 20)" },
    ...STORE_OPTIONS,
  },
  examples: ["learnloop runs ls --kind train --limit 5", "learnloop runs show 3f9a1c0b7e2d", "learnloop runs compare 3f9a 7c1d --json   # a start of an id (4+ characters) that only one run has will do"],
};

/** One metric or parameter side by side in `runs compare`; a side is absent when that run does not have it. */
export interface RunDifference {
  name: string;
  a?: unknown;
  b?: unknown;
}

/** The `--json` document of `learnloop runs`: the runs listed, the run shown, or the comparison. */
export type RunsResult =
  | { runs: Run[] }
  | { run: Run }
  | {
      a: Run;
      b: Run;
      /** Every metric of either run; `diff` is b - a when both have it. */
      metrics: (RunDifference & { diff: number | null })[];
      /** The parameters whose values differ. */
      params: RunDifference[];
      /** Whether both runs read data with the same fingerprint; null when one of them recorded none. */
      sameData: boolean | null;
      /** Whether both runs are of one task (binary, multiclass, regression); null when one of them recorded none. */
      sameTask: boolean | null;
    };

const SUBCOMMANDS = ["ls", "show", "compare"] as const;

/** `learnloop runs ls | show <id> | compare <id> <id>`: tables on stderr, the runs as JSON with --json. */
export async function runRuns(args: ParsedArgs, console: Console): Promise<RunsResult> {
  const [subcommand, ...ids] = args.positionals as [string, ...string[]];
  const wanted = { ls: 0, show: 1, compare: 2 }[subcommand as (typeof SUBCOMMANDS)[number]];
  if (wanted === undefined) throw new InvalidParameterError("subcommand", `one of ${SUBCOMMANDS.join(", ")} (usage: ${runsCommand.usage})`, subcommand);
  if (ids.length !== wanted) {
    throw new InvalidParameterError(`runs ${subcommand}`, `${wanted === 0 ? "no" : wanted} run id${wanted === 1 ? "" : "s"} (usage: ${runsCommand.usage})`, ids.join(" ") || undefined);
  }
  if (subcommand !== "ls") {
    for (const flag of ["kind", "status", "limit"]) {
      if (args.values[flag] !== undefined) throw new InvalidParameterError(`--${flag}`, "used with runs ls", args.values[flag]);
    }
  }
  const filter: RunFilter = {
    ...(args.values.kind !== undefined ? { kind: choiceOption<RunKind>(args.values, "kind", ["train", "tune", "evaluate"])! } : {}),
    ...(args.values.status !== undefined ? { status: choiceOption<RunStatus>(args.values, "status", ["running", "finished", "failed", "interrupted", "lost"])! } : {}),
    limit: numberOption(args.values, "limit", 20, { integer: true, min: 1, max: 100000 }),
  };
  // Reading only: a store that does not exist yet is not created (a mistyped --db leaves nothing behind).
  const store = await openStoreFrom(args.values, { mustExist: true });
  try {
    if (subcommand === "ls") {
      const runs = await store.listRuns(filter);
      console.err(runs.length === 0 ? `${noRunsLine(filter)} in ${store.location}\n` : formatTable(["id", "kind", "status", "started (UTC)", "took", "model", "data", "headline"], runs.map(runRow)));
      return { runs };
    }
    if (subcommand === "show") {
      const run = await findRun(store, ids[0]!);
      console.err(describeRun(run));
      return { run };
    }
    const [a, b] = [await findRun(store, ids[0]!), await findRun(store, ids[1]!)];
    const comparison = compareRuns(a, b);
    console.err(describeComparison(comparison));
    return comparison;
  } finally {
    await store.close();
  }
}

/** What `runs ls` says when it lists nothing: that the store is empty, or that no run matches the filter. */
function noRunsLine(filter: RunFilter): string {
  if (filter.kind === undefined && filter.status === undefined) return "no runs recorded";
  return `no ${[filter.status, filter.kind].filter((word) => word !== undefined).join(" ")} runs`;
}

/** The shortest start of an id that `runs show` and `compare` look a run up by, as git does with commits. */
const MIN_ID_PREFIX = 4;

/** The run with this id, or the one run whose id starts with it; an unknown or ambiguous id is one StoreError. */
export async function findRun(store: Store, id: string): Promise<Run> {
  if (id.trim() === "") throw new InvalidParameterError("<id>", "a run id (learnloop runs ls lists them)", id);
  const run = await store.getRun(id);
  if (run) return run;
  const matches = id.length >= MIN_ID_PREFIX ? await store.runsByIdPrefix(id, 6) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const shown = matches.slice(0, 5).map((match) => `${match.id} (${match.kind}, ${when(match.startedAt)})`).join(", ");
    throw new StoreError("conflict", `run ${id}`, `ambiguous: ${matches.length > 5 ? "more than 5" : matches.length} runs start with it: ${shown}; give more of the id`);
  }
  throw new StoreError("not_found", `run ${id}`, `no such run in ${store.location} (learnloop runs ls lists them)`);
}

/**
 * Text a person typed (a reason, a description), for one cell of a table: line breaks, tabs and other
 * control characters written as escapes, so that a multi-line reason does not break the stage log's rows.
 * --json keeps the text as it was given.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => ({ "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function when(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "");
}

function took(run: Run): string {
  const total = run.durations.total ?? (run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : undefined);
  return total === undefined ? "-" : formatSeconds(total / 1000);
}

function headline(run: Run): string {
  const details = run.details as { headline?: { metric?: string } };
  const name = details.headline?.metric ?? Object.keys(run.metrics)[0];
  if (name === undefined || run.metrics[name] === undefined) return run.status === "failed" ? (run.error ?? "").slice(0, 60) : "-";
  return `${name} ${formatNumber(run.metrics[name]!)}`;
}

function modelOf(run: Run): string {
  const details = run.details as { model?: { kind?: string } };
  return String(run.params.model && run.kind !== "evaluate" ? run.params.model : (details.model?.kind ?? "-"));
}

function dataName(run: Run): string {
  return run.data?.file ? run.data.file.replace(/\\/g, "/").split("/").pop()! : "-";
}

function runRow(run: Run): string[] {
  return [run.id, run.kind, run.status, when(run.startedAt), took(run), modelOf(run), dataName(run), headline(run)];
}

function show(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function describeRun(run: Run): string {
  const data = run.data;
  const schema = data?.schema as { features?: unknown[]; target?: { name?: string; task?: string } } | undefined;
  const lines = [
    `run ${run.id}: ${run.kind}, ${run.status}`,
    ...(run.command ? [`command    ${oneLine(run.command)}`] : []),
    `started    ${when(run.startedAt)} UTC${run.finishedAt ? `, took ${took(run)}` : ""}`,
    `learnloop  ${run.learnloopVersion} on ${run.host}${run.pid !== undefined ? `, pid ${run.pid}` : ""}`,
    ...(run.status === "running" || run.status === "lost"
      ? run.heartbeatAt !== undefined
        ? [`heartbeat  ${when(run.heartbeatAt)} UTC${run.heartbeatIntervalMs !== undefined ? ` (one every ${formatSeconds(run.heartbeatIntervalMs / 1000)})` : ""}`]
        : []
      : []),
    ...(run.lostReason ? [`lost       ${run.lostReason}`] : []),
    ...(data?.file
      ? [
          `data       ${data.file}` +
            (data.rows !== undefined ? `: ${data.rows.toLocaleString("en-US")} rows` : "") +
            (schema?.features ? `, ${schema.features.length} features` : "") +
            (schema?.target?.name ? `, target "${schema.target.name}" (${schema.target.task})` : "") +
            (data.fingerprint ? `, fingerprint ${data.fingerprint}` : ""),
        ]
      : []),
    ...(run.error ? [`error      ${run.error}`] : []),
  ];
  let text = lines.join("\n") + "\n";
  if (Object.keys(run.metrics).length > 0) text += "\n" + formatTable(["metric", "value"], Object.entries(run.metrics));
  if (run.folds.length > 0) {
    const names = Object.keys(run.folds[0]!);
    text += "\n" + formatTable(["fold", ...names], run.folds.map((fold, i) => [i, ...names.map((name) => fold[name] ?? NaN)]));
  }
  if (Object.keys(run.params).length > 0) text += "\n" + formatTable(["parameter", "value"], Object.entries(run.params).map(([name, value]) => [name, show(value)]));
  if (Object.keys(run.durations).length > 0) {
    text += "\n" + formatTable(["phase", "seconds"], Object.entries(run.durations).map(([phase, ms]) => [phase, ms / 1000]));
  }
  if (run.artifacts.length > 0) {
    text += "\n" + formatTable(["artifact", "path", "bytes", "sha256"], run.artifacts.map((artifact) => [artifact.role, artifact.path ?? "-", artifact.bytes ?? "-", artifact.sha256 ?? "(not kept)"]));
  }
  return text;
}

/** Flattens nested parameter objects to dotted names ("decision.costFp") so they compare one by one. */
function flatten(record: Readonly<Record<string, unknown>>, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, innerValue] of flatten(value as Record<string, unknown>, `${prefix}${key}.`)) out.set(inner, innerValue);
    } else out.set(prefix + key, value);
  }
  return out;
}

function compareRuns(a: Run, b: Run): Extract<RunsResult, { a: Run }> {
  const metricNames = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])];
  const metrics = metricNames.map((name) => {
    const [x, y] = [a.metrics[name], b.metrics[name]];
    return { name, ...(x !== undefined ? { a: x } : {}), ...(y !== undefined ? { b: y } : {}), diff: x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) ? y - x : null };
  });
  const [pa, pb] = [flatten({ kind: a.kind, ...a.params }), flatten({ kind: b.kind, ...b.params })];
  const params: RunDifference[] = [];
  for (const name of new Set([...pa.keys(), ...pb.keys()])) {
    const [x, y] = [pa.get(name), pb.get(name)];
    if (JSON.stringify(x) !== JSON.stringify(y)) params.push({ name, ...(pa.has(name) ? { a: x } : {}), ...(pb.has(name) ? { b: y } : {}) });
  }
  const [fa, fb] = [a.data?.fingerprint, b.data?.fingerprint];
  const sameData = fa === undefined || fb === undefined ? null : fa === fb;
  const [ta, tb] = [taskOf(a), taskOf(b)];
  const sameTask = ta === undefined || tb === undefined ? null : ta === tb;
  return { a, b, metrics, params, sameData, sameTask };
}

/** The task a run learned or measured, from what it recorded. */
function taskOf(run: Run): string | undefined {
  const details = run.details as { task?: unknown; model?: { task?: unknown } };
  const schema = run.data?.schema as { target?: { task?: unknown } } | undefined;
  const task = details.task ?? details.model?.task ?? schema?.target?.task;
  return typeof task === "string" ? task : undefined;
}

/** What a run's metrics were measured on, in words: held-out rows, the mean over CV folds, every row of the data. */
function measuredOn(run: Run): string {
  const details = run.details as { cv?: { folds?: number }; rows?: { test?: number } };
  if (run.kind === "train" && details.cv?.folds !== undefined) return `mean of ${details.cv.folds} CV folds`;
  if (run.kind === "train" && details.rows?.test !== undefined) return `${details.rows.test.toLocaleString("en-US")} held-out rows`;
  if (run.kind === "tune" && run.folds.length > 0) return `best trial, mean of ${run.folds.length} CV folds`;
  if (run.kind === "evaluate" && run.data?.rows !== undefined) return `${run.data.rows.toLocaleString("en-US")} rows`;
  return "-";
}

function describeComparison(comparison: Extract<RunsResult, { a: Run }>): string {
  const { a, b } = comparison;
  const cell = (value: unknown) => (value === undefined ? "-" : show(value));
  let text = formatTable(["", `a: ${a.id}`, `b: ${b.id}`], [
    ["kind", a.kind, b.kind],
    ["task", taskOf(a) ?? "-", taskOf(b) ?? "-"],
    ["status", a.status, b.status],
    ["started (UTC)", when(a.startedAt), when(b.startedAt)],
    ["data", dataName(a), dataName(b)],
    ["measured on", measuredOn(a), measuredOn(b)],
  ]);
  if (comparison.sameTask === false) {
    const shared = comparison.metrics.filter((m) => m.diff !== null).length;
    text += `different tasks (${taskOf(a)} and ${taskOf(b)}): ${shared === 0 ? "no metric in common" : "their metrics do not measure the same thing"}\n`;
  }
  const unfingerprinted = [a, b].filter((run) => run.data?.fingerprint === undefined).map((run) => run.id);
  text +=
    comparison.sameData === null
      ? `data not compared: run${unfingerprinted.length > 1 ? "s" : ""} ${unfingerprinted.join(" and ")} recorded no data fingerprint\n`
      : comparison.sameData
        ? `same data (fingerprint ${a.data!.fingerprint})\n`
        : `different data (fingerprints ${a.data!.fingerprint} and ${b.data!.fingerprint})\n`;
  if (comparison.metrics.length > 0) {
    text += "\n" + formatTable(["metric", "a", "b", "b - a"], comparison.metrics.map((m) => [m.name, cell(m.a), cell(m.b), m.diff === null ? "-" : (m.diff > 0 ? "+" : "") + formatNumber(m.diff)]));
  }
  text += comparison.params.length > 0
    ? "\n" + formatTable(["parameter (differs)", "a", "b"], comparison.params.map((p) => [p.name, cell(p.a), cell(p.b)]))
    : "\nsame parameters\n";
  return text;
}
