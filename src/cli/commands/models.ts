import { InvalidParameterError, StoreError } from "../../core/errors.js";
import { decodeModelFile } from "../../models/format.js";
import { readModelFile } from "../../models/registry.js";
import { liveReport, type LiveReport } from "../../serving/live.js";
import { storedOutcomeLabels } from "../../serving/models.js";
import { RowReader } from "../../serving/rows.js";
import { sha256Hex } from "../../tracking/index.js";
import type { ModelVersion, RegisteredModel, Run, StageChange, Store } from "../../tracking/types.js";
import type { CommandSpec, ParsedArgs } from "../args.js";
import { formatNumber, formatTable, type Console } from "../output.js";
import { actorFrom, openStoreFrom, STORE_OPTIONS } from "../tracking.js";
import { findRun, oneLine } from "./runs.js";

export const modelsCommand: CommandSpec = {
  name: "models",
  summary: "the model registry: register model files as numbered versions, promote a champion, roll back",
  usage:
    "learnloop models register <model file> --name <name> [--description ..] [--run <id>] | ls | show <name> [<version>] | promote <name> <version> [--reason ..] | rollback <name> [--reason ..] | archive <name> <version>",
  positionals: [1, 3],
  positionalNames: ["<register|ls|show|promote|rollback|archive>", "<argument>", "<argument>"],
  options: {
    name: { type: "string", value: "<name>", doc: "register: the model's name (letters, digits, '.', '_', '-')" },
    description: { type: "string", value: "<text>", doc: "register: what this version is" },
    run: { type: "string", value: "<id>", doc: "register: the recorded run that made the model file" },
    reason: { type: "string", value: "<text>", doc: "promote, rollback, archive: why, for the stage log" },
    actor: { type: "string", value: "<name>", doc: "who does it, for the stage log (default: the OS user name)" },
    ...STORE_OPTIONS,
  },
  examples: [
    "learnloop models register flights.model --name flights --description \"gbdt, 3M rows\"",
    "learnloop models promote flights 2 --reason \"better AUC on March\"",
    "learnloop models show flights",
    "learnloop models rollback flights --reason \"v2 mislabels night flights\"",
  ],
};

/** The `--json` document of `learnloop models`, by subcommand. */
export type ModelsResult =
  | ModelVersion
  | { models: RegisteredModel[] }
  | { model: RegisteredModel; versions: ModelVersion[]; history: StageChange[]; predictions: { logged: number; labelled: number }; live?: LiveReport }
  | { version: ModelVersion; run?: Run; file: StoredFileCheck }
  | StageChange;

/** What `models show <name> <version>` found when it read the version's file from the store and checked its SHA-256. */
export interface StoredFileCheck {
  /** True when the stored bytes are there and hash to the version's checksum: a service can load them. */
  readonly verified: boolean;
  /** Why not, in words. */
  readonly problem?: string;
}

/** How many positional arguments each subcommand takes after its name. */
const ARITY = { register: [1, 1], ls: [0, 0], show: [1, 2], promote: [2, 2], rollback: [1, 1], archive: [2, 2] } as const;
type Subcommand = keyof typeof ARITY;

/** Which flags each subcommand takes (besides --db, --json, --debug). */
const FLAGS: Record<Subcommand, readonly string[]> = {
  register: ["name", "description", "run", "actor"],
  ls: [],
  show: [],
  promote: ["reason", "actor"],
  rollback: ["reason", "actor"],
  archive: ["reason", "actor"],
};

/** `learnloop models register | ls | show | promote | rollback | archive`: one line or a table on stderr, JSON with --json. */
export async function runModels(args: ParsedArgs, console: Console): Promise<ModelsResult> {
  const [subcommand, ...rest] = args.positionals as [string, ...string[]];
  if (!(subcommand in ARITY)) throw new InvalidParameterError("subcommand", `one of ${Object.keys(ARITY).join(", ")} (usage: learnloop models --help)`, subcommand);
  const sub = subcommand as Subcommand;
  const [min, max] = ARITY[sub];
  if (rest.length < min || rest.length > max) {
    throw new InvalidParameterError(`models ${sub}`, `${min === max ? min : `${min} or ${max}`} argument${max === 1 ? "" : "s"} (usage: ${usageOf(sub)})`, rest.join(" ") || undefined);
  }
  for (const flag of ["name", "description", "run", "reason", "actor"]) {
    if (args.values[flag] !== undefined && !FLAGS[sub].includes(flag)) throw new InvalidParameterError(`--${flag}`, `left out of models ${sub}`, args.values[flag]);
  }
  const values = args.values;
  if (sub === "register" && typeof values.name !== "string") throw new InvalidParameterError("--name", "the name to register the model under", undefined);
  const version = sub === "promote" || sub === "archive" || (sub === "show" && rest[1] !== undefined) ? versionNumber(rest[1]!) : undefined;
  const options = { actor: actorFrom(values), reason: typeof values.reason === "string" ? values.reason : "no reason given" };
  // Read and check the model file before touching the store, so a bad file is its own one-line error.
  const file = sub === "register" ? await readCheckedModelFile(rest[0]!) : undefined;

  // Only register adds to a store that does not exist yet; the others read it, or fail on a name it lacks.
  const store = await openStoreFrom(values, { mustExist: sub !== "register" });
  try {
    switch (sub) {
      case "register": {
        // --run takes what runs show takes: the whole id or a start of it only one run has.
        const runId = typeof values.run === "string" ? await findLinkedRun(store, values.run) : undefined;
        const checksum = sha256Hex(file!.bytes);
        const earlier = (await store.listVersions(String(values.name)).catch(() => [])).filter((v) => v.sha256 === checksum).map((v) => v.version);
        const registered = await store.registerModel({
          name: String(values.name),
          modelFile: file!.bytes,
          kind: file!.kind,
          task: file!.task,
          metrics: file!.metrics,
          ...(runId !== undefined ? { runId } : {}),
          ...(typeof values.description === "string" ? { description: values.description } : {}),
          actor: options.actor,
        });
        console.err(
          `registered ${registered.name} version ${registered.version} (${registered.stage}) from ${rest[0]}: ${registered.kind} ${registered.task}, ` +
            `${registered.bytes.toLocaleString("en-US")} bytes, sha256 ${registered.sha256}${registered.runId ? `, run ${registered.runId}` : ""}\n`,
        );
        if (earlier.length > 0) {
          // Kept once in the artifact store all the same; the note is for a model registered twice by mistake.
          console.err(`note: the same file (same SHA-256) is already version${earlier.length > 1 ? "s" : ""} ${earlier.join(", ")} of ${registered.name}\n`);
        }
        return registered;
      }
      case "ls": {
        const models = await store.listModels();
        console.err(
          models.length === 0
            ? `no models registered in ${store.location}\n`
            : formatTable(["name", "versions", "champion", "updated (UTC)"], models.map((m) => [m.name, m.latestVersion, m.championVersion === undefined ? "-" : String(m.championVersion), when(m.updatedAt)])),
        );
        return { models };
      }
      case "show":
        return version === undefined ? await showModel(store, rest[0]!, console) : await showVersion(store, rest[0]!, version, console);
      case "promote": {
        const change = await store.promote(rest[0]!, version!, options);
        const previous = await archivedBy(store, change);
        console.err(`${change.name} version ${change.version} is the champion${previous ? ` (version ${previous.version} archived)` : ""}\n`);
        console.err(await newFieldsNote(store, change.name, previous, change.version));
        return change;
      }
      case "rollback": {
        const change = await store.rollback(rest[0]!, options);
        const current = await archivedBy(store, change);
        console.err(`${change.name} rolled back to version ${change.version}${current ? ` (version ${current.version} archived)` : ""}\n`);
        console.err(await newFieldsNote(store, change.name, current, change.version));
        return change;
      }
      case "archive": {
        const change = await store.setStage(rest[0]!, version!, "archived", options);
        console.err(`${change.name} version ${change.version} archived (was ${change.from})\n`);
        return change;
      }
    }
  } finally {
    await store.close();
  }
}

/**
 * The champion that `change` (a promotion or rollback) archived, read from the stage log: the store logs
 * the demotion just before the crowning, in the same transaction, with the same time, actor and reason.
 * Reading the champion before the change instead could name a version another process had already
 * replaced in between.
 */
async function archivedBy(store: Store, change: StageChange): Promise<ModelVersion | undefined> {
  const history = await store.stageHistory(change.name);
  const same = (c: StageChange) => c.at === change.at && c.actor === change.actor && c.reason === change.reason;
  for (let i = history.length - 1; i > 0; i--) {
    const entry = history[i]!;
    if (entry.version !== change.version || entry.to !== "champion" || !same(entry)) continue;
    const before = history[i - 1]!;
    return before.from === "champion" && before.to === "archived" && same(before) ? await store.getVersion(change.name, before.version) : undefined;
  }
  return undefined;
}

/**
 * A note when the new champion needs request fields the one it replaces did not: a service hot-swaps to
 * it, and from then on refuses rows without them (fields it no longer needs are ignored). Empty when
 * there is nothing to say, or the files cannot be read (a note never fails the change).
 */
async function newFieldsNote(store: Store, name: string, previous: ModelVersion | undefined, version: number): Promise<string> {
  if (!previous || previous.version === version) return "";
  try {
    const fieldsOf = async (sha256: string) => new RowReader(decodeModelFile(await store.getArtifact(sha256)).header.schema).fields;
    const next = await store.getVersion(name, version);
    if (!next) return "";
    const before = new Set(await fieldsOf(previous.sha256));
    const added = (await fieldsOf(next.sha256)).filter((field) => !before.has(field));
    if (added.length === 0) return "";
    const shown = added.slice(0, 8).map((field) => JSON.stringify(field)).join(", ") + (added.length > 8 ? `, ... (${added.length} in all)` : "");
    return `note: version ${version} needs fields version ${previous.version} did not (${shown}): a service's clients must send them, or their rows are refused (400) once it swaps\n`;
  } catch {
    return "";
  }
}

/** The id of the run --run names; an unknown id keeps the registry's words, an ambiguous start is refused as runs show refuses it. */
async function findLinkedRun(store: Store, id: string): Promise<string> {
  try {
    return (await findRun(store, id)).id;
  } catch (error) {
    if (error instanceof StoreError && error.code === "not_found") return id;
    throw error;
  }
}

function usageOf(sub: Subcommand): string {
  return modelsCommand.usage.split(" | ").find((part) => part.includes(` ${sub}`) || part.startsWith(sub)) ?? modelsCommand.usage;
}

function versionNumber(raw: string): number {
  const version = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(version) || version < 1) throw new InvalidParameterError("<version>", "a version number (1, 2, 3...)", raw);
  return version;
}

/** The model file's bytes, checked the way a loader checks them, with its kind, task and saved metrics. */
async function readCheckedModelFile(file: string): Promise<{ bytes: Uint8Array; kind: string; task: string; metrics: Record<string, number> }> {
  const { header, bytes } = await readModelFile(file);
  return { bytes, kind: header.kind, task: header.task, metrics: { ...(header.metrics ?? {}) } };
}

function when(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "");
}

function headline(metrics: Readonly<Record<string, number>>): string {
  const [name, value] = Object.entries(metrics)[0] ?? [];
  return name === undefined ? "-" : `${name} ${formatNumber(value!)}`;
}

async function showModel(store: Store, name: string, console: Console): Promise<ModelsResult> {
  const versions = await store.listVersions(name);
  const model = (await store.listModels()).find((candidate) => candidate.name === name)!;
  const history = await store.stageHistory(name);
  // What services logged under the name (every version): an operator sees that the log and the outcomes
  // sent as feedback are there, e.g. after a restart.
  const counts = await store.predictionCounts(name);
  const predictions = { logged: counts.predictions, labelled: counts.labelled };
  // How each version does on the outcomes observed since (the latest 1,000 labelled), as GET /v1/models/{name}/live says.
  const live = counts.labelled > 0 ? await liveReport(name, await store.labelledPredictions(name, { limit: 1000 }), (version) => storedOutcomeLabels(store, name, version)) : undefined;
  const liveLines = (live?.versions ?? []).map(
    (v) =>
      `live (version ${v.version}, last ${v.labelled.toLocaleString("en-US")} labelled): ` +
      (Object.entries(v.metrics).map(([metric, value]) => `${metric} ${value.toFixed(4)}`).join(", ") || "no metric") +
      (v.notes ? ` (${v.notes.join("; ")})` : "") +
      "\n",
  );
  console.err(
    `${name}: ${versions.length} version${versions.length === 1 ? "" : "s"}, champion ${model.championVersion ?? "none"}\n` +
      `prediction log: ${predictions.logged.toLocaleString("en-US")} prediction${predictions.logged === 1 ? "" : "s"}, ${predictions.labelled.toLocaleString("en-US")} with an observed outcome\n` +
      liveLines.join("") +
      "\n" +
      formatTable(
        ["version", "stage", "model", "metric", "run", "created (UTC)", "description"],
        versions.map((v) => [v.version, v.stage, `${v.kind} ${v.task}`, headline(v.metrics), v.runId ?? "-", when(v.createdAt), oneLine(v.description ?? "")]),
      ) +
      "\nstage log (latest 10)\n" +
      formatTable(["at (UTC)", "version", "change", "actor", "reason"], history.slice(-10).map((c) => [when(c.at), c.version, `${c.from ?? "new"} -> ${c.to}`, oneLine(c.actor), oneLine(c.reason)])),
  );
  return { model, versions, history, predictions, ...(live ? { live } : {}) };
}

async function showVersion(store: Store, name: string, version: number, console: Console): Promise<ModelsResult> {
  const found = await store.getVersion(name, version);
  if (!found) {
    const versions = await store.listVersions(name);
    throw new StoreError("not_found", `model "${name}" version ${version}`, `no such version (it has versions 1 to ${versions[versions.length - 1]!.version})`);
  }
  const run = found.runId ? await store.getRun(found.runId) : undefined;
  // The check a service makes when it loads the version: an operator sees a damaged file before promoting it.
  const file: StoredFileCheck = await store.getArtifact(found.sha256).then(
    () => ({ verified: true }),
    (error: unknown) => {
      if (error instanceof StoreError && (error.code === "integrity" || error.code === "not_found")) {
        return { verified: false, problem: error.code === "not_found" ? "the model file is missing from the store" : error.detail };
      }
      throw error;
    },
  );
  console.err(
    [
      `${name} version ${version}: ${found.stage}`,
      `model      ${found.kind} ${found.task}, ${found.bytes.toLocaleString("en-US")} bytes, sha256 ${found.sha256}`,
      `file       ${file.verified ? "stored, checksum verified" : `NOT USABLE: ${file.problem}; register the model file again`}`,
      `created    ${when(found.createdAt)} UTC`,
      ...(found.description ? [`about      ${oneLine(found.description)}`] : []),
      ...(run ? [`run        ${run.id} (${run.kind}, ${run.status}, ${when(run.startedAt)} UTC${run.data?.file ? `, data ${run.data.file}` : ""})`] : []),
    ].join("\n") +
      "\n" +
      (Object.keys(found.metrics).length > 0 ? "\n" + formatTable(["metric", "value"], Object.entries(found.metrics)) : ""),
  );
  return { version: found, ...(run ? { run } : {}), file };
}
