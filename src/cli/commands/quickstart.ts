/**
 * `learnloop quickstart`: the README's first command. It serves a model of the bundled flights data:
 * when the registry has no champion under the name yet, it first trains one on the 3 million flights
 * of vega-datasets (delayed by more than 15 minutes; evaluated on the latest fifth of the flights by
 * date, --time date), registers it and promotes it; then it runs
 * `learnloop serve` for it until SIGTERM or Ctrl-C. A second start skips the training.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InvalidParameterError } from "../../core/errors.js";
import { parseCommandArgs, type CommandSpec, type ParsedArgs } from "../args.js";
import type { Console } from "../output.js";
import { openStoreFrom, STORE_OPTIONS } from "../tracking.js";
import { runServe, serveCommand, type ServeResult } from "./serve.js";
import { runTrain, trainCommand, type TrainResult } from "./train.js";

export const quickstartCommand: CommandSpec = {
  name: "quickstart",
  summary: "train on the bundled flights data (once), register and promote the model, and serve it",
  usage: "learnloop quickstart [--name flights-delays] [--port 8080] [--retrain] [--db url]",
  positionals: [0, 0],
  positionalNames: [],
  options: {
    name: { type: "string", value: "<name>", doc: "the registry name of the model (default flights-delays)" },
    port: { type: "string", value: "<n>", doc: "TCP port of the service (default 8080; 0 picks a free one)" },
    host: { type: "string", value: "<addr>", doc: "address to listen on (default 127.0.0.1)" },
    retrain: { type: "boolean", doc: "train, register and promote a new version even if the name has a champion" },
    out: { type: "string", value: "<file>", doc: "where to also write the trained model file (default flights.model)" },
    ...STORE_OPTIONS,
  },
  examples: ["learnloop quickstart", "learnloop quickstart --port 9000 --retrain"],
};

/** What `--json` prints when the service stops: the training (when it ran) and the service. */
export interface QuickstartResult {
  trained: TrainResult | null;
  served: ServeResult;
}

/**
 * What the quickstart model learns and how it is evaluated: whether a flight is delayed by more than 15
 * minutes, tested on the latest fifth of the flights by date (a model is used on later flights; a random
 * split scores it on days it has seen). The year is 2001 in every row, so that part of the date is left
 * out rather than reported as a constant feature.
 */
export const QUICKSTART_TRAIN_FLAGS: readonly string[] = ["--target", "delayed", "--derive", "delayed=delay > 15", "--ignore", "delay,date_year", "--time", "date"];

/** The bundled data set: vega-datasets' 3M flights, resolved from the installed package. */
export function bundledFlightsFile(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve("vega-datasets");
  } catch {
    throw new InvalidParameterError("the package vega-datasets", "installed (npm install)", "nothing");
  }
  // The package exports only its script entry (build/index.js); its data folder sits beside package.json.
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "data"))) {
      const file = join(dir, "data", "flights-3m.parquet");
      if (!existsSync(file)) break;
      return file;
    }
  }
  throw new InvalidParameterError("the package vega-datasets", "a version that ships data/flights-3m.parquet (3.2.1)", entry);
}

export async function runQuickstart(args: ParsedArgs, console: Console): Promise<QuickstartResult> {
  const values = args.values;
  const name = typeof values.name === "string" ? values.name : "flights-delays";
  const db = typeof values.db === "string" ? ["--db", values.db] : [];

  const store = await openStoreFrom(values);
  let champion;
  try {
    champion = await store.champion(name);
  } finally {
    await store.close();
  }

  let trained: TrainResult | null = null;
  if (champion && !values.retrain) {
    console.err(`${name}: version ${champion.version} is the champion in ${store.backend} ${store.location}; serving it (--retrain to train a new one)\n`);
  } else {
    console.err(`${name}: ${champion ? "--retrain" : "no champion yet"}: training on the bundled 3M flights (delayed by more than 15 minutes)\n`);
    const trainArgv = [
      bundledFlightsFile(),
      ...QUICKSTART_TRAIN_FLAGS,
      "--out", typeof values.out === "string" ? values.out : "flights.model",
      "--register", name,
      "--promote",
      "--description", "trained by learnloop quickstart on vega-datasets flights-3m",
      ...db,
    ];
    trained = await runTrain(parseCommandArgs(trainCommand, trainArgv), console);
  }

  const serveArgv = ["--models", name, ...db];
  if (typeof values.port === "string") serveArgv.push("--port", values.port);
  if (typeof values.host === "string") serveArgv.push("--host", values.host);
  const served = await runServe(parseCommandArgs(serveCommand, serveArgv), console);
  return { trained, served };
}
