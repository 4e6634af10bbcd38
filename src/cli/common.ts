/**
 * Pieces several commands share: data-reading options, hyperparameter flags built from the model
 * families' schemas, and atomic file writes.
 */
import { existsSync } from "node:fs";
import { readFile, rename, writeFile, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { InvalidParameterError, DataValidationError } from "../core/errors.js";
import { parseParamText, toKebabCase, type ParamSpec } from "../core/params.js";
import type { Dataset, Task } from "../core/types.js";
import { readDataset, type ReadOptions } from "../data/index.js";
import { writeFailure } from "../data/write.js";
import { MODEL_FAMILIES, type ModelFamily } from "../models/registry.js";
import type { Model } from "../models/types.js";
import { listOption, type OptionSpec, type ParsedArgs } from "./args.js";

/** Options that say how to read a data file. */
export const DATA_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  target: { type: "string", value: "<col>", doc: "the column to predict" },
  task: { type: "string", value: "<task>", doc: "binary, multiclass or regression (default: inferred from the target)" },
  categorical: { type: "string", value: "<a,b>", doc: "treat these columns as categorical", multiple: true },
  numeric: { type: "string", value: "<a,b>", doc: "treat these columns as numeric (a text value is an error)", multiple: true },
  ignore: { type: "string", value: "<a,b>", doc: "do not use these columns", multiple: true },
  derive: { type: "string", value: "<name=expr>", doc: "define a column with a SQL expression over the others, e.g. \"delayed=delay > 15\"", multiple: true },
  id: { type: "string", value: "<a,b>", doc: "key columns, copied to predictions and not used as features", multiple: true },
};

const TASKS: readonly Task[] = ["binary", "multiclass", "regression"];

/** Builds ReadOptions from a command's parsed flags. */
export function readOptionsFrom(values: ParsedArgs["values"], onWarning: (message: string) => void): ReadOptions {
  const task = values.task;
  if (task !== undefined && (typeof task !== "string" || !(TASKS as readonly string[]).includes(task))) {
    throw new InvalidParameterError("--task", `one of ${TASKS.join(", ")}`, task);
  }
  const derive = listDerive(values.derive);
  return {
    ...(typeof values.target === "string" ? { target: values.target } : {}),
    ...(task ? { task: task as Task } : {}),
    categorical: listOption(values.categorical),
    numeric: listOption(values.numeric),
    ignore: listOption(values.ignore),
    id: listOption(values.id),
    derive,
    onWarning,
  };
}

/**
 * The library names a reading option as its field (`target`, `categorical`, `derive "x"`), owned by
 * `readDataset`; a command's user typed a flag: the same error, named by the flag.
 */
export function asFlagError(error: unknown): unknown {
  if (!(error instanceof InvalidParameterError)) return error;
  const flag = FLAG_OF_FIELD[`${error.owner}.${error.parameter}`];
  if (flag) return new InvalidParameterError(flag, error.expected, error.received, undefined, error.code);
  if (error.owner !== "readDataset") return error;
  const [field, ...rest] = error.parameter.split(" ");
  return new InvalidParameterError([`--${toKebabCase(field!)}`, ...rest].join(" "), error.expected, error.received, undefined, error.code);
}

/** Library fields a command's flag sets directly, by `owner.field`. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  "holdoutSplit.testSize": "--test-size",
  "crossValidate.folds": "--cv",
};

/** `readDataset` for a command: its option errors name the command's flags (see asFlagError). */
export async function readDataFor(file: string, options: ReadOptions): Promise<Dataset> {
  try {
    return await readDataset(file, options);
  } catch (error) {
    throw asFlagError(error);
  }
}

/** The target as the "read ..." line shows it: `multiclass: a, b, c`, at most 10 classes listed. */
export function describeTarget(target: { readonly task: string; readonly classes?: readonly string[] }): string {
  const classes = target.classes;
  if (!classes) return target.task;
  const shown = classes.length > 10 ? `${classes.slice(0, 10).join(", ")} and ${classes.length - 10} more` : classes.join(", ");
  return `${target.task}: ${shown}`;
}

function listDerive(value: ParsedArgs["values"][string]): { name: string; expression: string }[] {
  if (value === undefined || typeof value === "boolean") return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const at = item.indexOf("=");
    const name = at > 0 ? item.slice(0, at).trim() : "";
    const expression = at > 0 ? item.slice(at + 1).trim() : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || expression === "") {
      throw new InvalidParameterError("--derive", 'name=expression, with a plain column name (e.g. "delayed=delay > 15")', item);
    }
    return { name, expression };
  });
}

/**
 * Flags that are the command's own and also a hyperparameter of some families: `--seed` seeds the split
 * and, for a family that has a seed, the model too; a family without one simply does not take it.
 */
const SHARED_FLAGS: ReadonlySet<string> = new Set(["seed"]);

/** Every hyperparameter flag of every model family, in kebab-case, for the option table. */
export function hyperparameterOptions(): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = {};
  for (const family of Object.values(MODEL_FAMILIES)) {
    for (const [name, spec] of Object.entries(family.params)) {
      const flag = toKebabCase(name);
      if (options[flag] || SHARED_FLAGS.has(flag)) continue;
      options[flag] = { type: "string", value: valuePlaceholder(spec), doc: `${spec.doc} [${family.kind}; default ${String(spec.default)}]` };
    }
  }
  return options;
}

function valuePlaceholder(spec: ParamSpec): string {
  if (spec.type === "enum") return `<${spec.values.join("|")}>`;
  if (spec.type === "boolean") return "<true|false>";
  return spec.integer ? "<int>" : "<num>";
}

/**
 * The hyperparameters a user gave for `family`: from `--params file.json` first, then flags (which win).
 * A flag that belongs to another family is refused by name.
 */
export async function hyperparametersFrom(values: ParsedArgs["values"], family: ModelFamily): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  const camelOf = new Map(Object.keys(family.params).map((name) => [toKebabCase(name), name] as const));
  for (const name of Object.keys(family.params)) camelOf.set(name, name);
  if (typeof values.params === "string") {
    const file = values.params;
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DataValidationError({ code: "file_not_found", file });
      throw new DataValidationError({ code: "unreadable_file", file, expected: "a JSON object of hyperparameters", detail: (error as Error).message.split("\n")[0] });
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new DataValidationError({ code: "invalid_value", file, expected: "a JSON object of hyperparameters", received: Array.isArray(json) ? "an array" : typeof json });
    }
    for (const [key, value] of Object.entries(json)) {
      const name = camelOf.get(key);
      if (!name) throw new InvalidParameterError(key, `a parameter of model "${family.kind}" (${Object.keys(family.params).join(", ")})`, value, file);
      params[name] = value;
    }
  }
  for (const other of Object.values(MODEL_FAMILIES)) {
    for (const [name, spec] of Object.entries(other.params)) {
      const flag = toKebabCase(name);
      const raw = values[flag];
      if (typeof raw !== "string") continue;
      if (!(name in family.params)) {
        if (SHARED_FLAGS.has(flag)) continue;
        throw new InvalidParameterError(`--${flag}`, `a parameter of model "${family.kind}"; it belongs to "${other.kind}"`, raw);
      }
      params[name] = parseParamText(family.params[name] ?? spec, raw);
    }
  }
  return params;
}

/** Refuses an output path whose directory does not exist, before hours of training are spent on it. */
export function checkOutputDirectory(flag: string, file: string): void {
  const directory = dirname(file);
  if (!existsSync(directory)) throw new InvalidParameterError(flag, `a path in an existing directory (${directory} does not exist)`, file);
}

/**
 * `family.create(hyperparameters)`, its parameter errors named as the user gave the value: by the
 * flag (`--learning-rate must be ...`) or by the key in the --params file.
 */
export function createEstimator(family: ModelFamily, hyperparameters: Record<string, unknown>, values: ParsedArgs["values"]): ReturnType<ModelFamily["create"]> {
  try {
    return family.create(hyperparameters);
  } catch (error) {
    if (!(error instanceof InvalidParameterError) || !(error.parameter in family.params)) throw error;
    const flag = toKebabCase(error.parameter);
    if (typeof values[flag] === "string") throw new InvalidParameterError(`--${flag}`, error.expected, error.received);
    if (typeof values.params === "string") throw new InvalidParameterError(`${error.parameter} in ${values.params}`, error.expected, error.received);
    throw error;
  }
}

/** Writes a file atomically: to a temporary name beside it, then renamed, so a crash never leaves half a file. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new DataValidationError({ code: "unwritable_file", file, detail: writeFailure(error, file) });
  }
}

/**
 * A tree model that never split predicts a constant (the prior or the mean) whatever the features:
 * usually too few rows for the leaf size (24 rows cannot give two leaves of 20). LightGBM warns of it;
 * scikit-learn does not, and the metrics alone (equal to the baseline) leave the user guessing why.
 */
export function noSplitWarning(model: Model, trainRows: number, tuned = false): string | undefined {
  if (model.kind === "linear") return undefined;
  const importance = model.importance();
  if (importance.length === 0 || importance.some((entry) => entry.importance > 0)) return undefined;
  const minSamplesLeaf = Number(model.params.minSamplesLeaf);
  const suggestion = Math.max(1, Math.floor(trainRows / 4));
  const why = !(Number.isFinite(minSamplesLeaf) && trainRows < 2 * minSamplesLeaf)
    ? ": no split met the limits (--min-samples-leaf, --min-child-weight, --min-split-gain)"
    : tuned
      ? `: ${trainRows} rows cannot make two leaves of minSamplesLeaf ${minSamplesLeaf} rows; give the search space smaller values (e.g. "minSamplesLeaf": [1, ${suggestion}])`
      : `: ${trainRows} training rows cannot make two leaves of --min-samples-leaf ${minSamplesLeaf} rows; lower it (e.g. --min-samples-leaf ${suggestion})`;
  return `the model made no split, so it predicts the same for every row${why}`;
}

/** Rounds figures for JSON output without losing meaningful precision. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** The warning for figures measured on the data a model was trained on (its fingerprint, in the model file). */
export function trainedOnWarning(dataFile: string): string {
  return `${dataFile} is the data the model was trained on (same fingerprint): most of its rows were training rows, so these figures overstate how the model does on rows it has not seen`;
}
