/**
 * Search spaces: for each hyperparameter a distribution to draw from (uniform, log-uniform, integer,
 * log-integer, a list of choices, or a fixed value), a sensible default space per model family, and the
 * parser of a user's space file (JSON or YAML), checked against the family's parameter schema so a bad
 * key or range is one line naming the file and the key.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { DataValidationError, InvalidParameterError } from "../../core/errors.js";
import { toKebabCase, validateParam, type ParamSchema } from "../../core/params.js";
import type { Random } from "../../core/rng.js";

/** A parameter's value as a space holds it (the schemas' value types). */
export type ParamValue = number | string | boolean | null;

/** Where one hyperparameter is drawn from. Ranges are inclusive. */
export type Distribution =
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  /** Uniform in log space: as many draws in [0.01, 0.1] as in [0.1, 1]. low > 0. */
  | { readonly kind: "log_uniform"; readonly low: number; readonly high: number }
  /** A uniform integer in [low, high]. */
  | { readonly kind: "int"; readonly low: number; readonly high: number }
  /** An integer in [low, high], uniform in log space (8..16 as likely as 64..128). low >= 1. */
  | { readonly kind: "log_int"; readonly low: number; readonly high: number }
  /** One of the values, each equally likely. */
  | { readonly kind: "choice"; readonly values: readonly ParamValue[] }
  /** Always this value (a parameter pinned in a space file). */
  | { readonly kind: "fixed"; readonly value: ParamValue };

/** A search space: a distribution per camelCase parameter name, drawn in key order. */
export type SearchSpace = Readonly<Record<string, Distribution>>;

/**
 * What successive halving spends on a family: the parameter that counts boosting rounds or trees, its
 * default full budget, and the smallest budget worth scoring. Linear models have none: they are tuned by
 * plain random search (a fit is one solve; there are no rounds to cut short).
 */
export interface BudgetSpec {
  /** The parameter set to each rung's budget ("iterations", "nTrees"). */
  readonly param: string;
  /** The full budget when the user gives none. */
  readonly defaultMax: number;
  /** The smallest rung budget: fewer rounds or trees rank configurations by noise. */
  readonly min: number;
  /** What the budget counts, for tables ("rounds", "trees"). */
  readonly unit: string;
}

/** The halving budget of each family that has one. */
export const BUDGETS: Readonly<Record<string, BudgetSpec>> = {
  // 300 rounds with early stopping (patience 20) rather than the estimator's 100: a tuned learning rate
  // below 0.1 needs more rounds, and early stopping ends the others sooner.
  gbdt: { param: "iterations", defaultMax: 300, min: 10, unit: "rounds" },
  forest: { param: "nTrees", defaultMax: 100, min: 5, unit: "trees" },
};

/**
 * Parameters a space may not set: the budget (the halving sets it per rung), the seed (each trial's seed
 * derives from the run's seed and the trial's number) and threads (each trial runs on one thread).
 */
const RESERVED: Readonly<Record<string, string>> = {
  seed: "left out (each trial's seed derives from --seed and the trial's number)",
  threads: "left out (each trial runs on one thread; use --parallel)",
};

/**
 * The default search space of a family: the parameters that matter most, over ranges that cover what
 * practitioners tune (LightGBM's and XGBoost's tuning guides, Optuna's LightGBM tuner).
 */
export function defaultSpace(kind: string): SearchSpace {
  switch (kind) {
    case "gbdt":
      return {
        learningRate: { kind: "log_uniform", low: 0.01, high: 0.3 },
        maxLeaves: { kind: "log_int", low: 8, high: 128 },
        minSamplesLeaf: { kind: "log_int", low: 5, high: 100 },
        l2: { kind: "log_uniform", low: 1e-3, high: 10 },
        subsample: { kind: "uniform", low: 0.5, high: 1 },
        colsample: { kind: "uniform", low: 0.5, high: 1 },
      };
    case "forest":
      return {
        maxLeaves: { kind: "choice", values: [null, 64, 256, 1024] },
        minSamplesLeaf: { kind: "log_int", low: 1, high: 32 },
        maxFeatures: { kind: "uniform", low: 0.3, high: 1 },
      };
    case "linear":
      return {
        alpha: { kind: "log_uniform", low: 1e-6, high: 10 },
        l1Ratio: { kind: "uniform", low: 0, high: 1 },
      };
    default:
      throw new InvalidParameterError("model", "gbdt, forest or linear", kind, "defaultSpace");
  }
}

/**
 * The space with the default minSamplesLeaf range narrowed to what a trial's rows can hold: at most a
 * quarter of the rows a trial fits on (a fold's training rows, less gbdt's early-stopping slice), so that
 * every value drawn leaves room for a tree of 4 leaves. On small data the default ranges (gbdt 5..100,
 * forest 1..32) drew leaves no fold could split: 60 rows, 3 folds, every trial a constant model. A range
 * the user set is left as it is.
 */
export function spaceForRows(space: SearchSpace, kind: string, trialRows: number): SearchSpace {
  const given = space.minSamplesLeaf;
  const standard = kind === "gbdt" || kind === "forest" ? defaultSpace(kind).minSamplesLeaf : undefined;
  if (!given || !standard || given.kind !== "log_int" || standard.kind !== "log_int" || given.low !== standard.low || given.high !== standard.high) return space;
  const high = Math.max(1, Math.min(standard.high, Math.floor(trialRows / 4)));
  if (high === standard.high) return space;
  return { ...space, minSamplesLeaf: { kind: "log_int", low: Math.min(standard.low, high), high } };
}

/**
 * Draws one configuration: one uniform number per parameter, in the space's key order, whatever the
 * distribution (a fixed value draws too), so pinning or changing one parameter leaves the others' draws
 * unchanged.
 *
 * @example
 * sampleConfig({ learningRate: { kind: "log_uniform", low: 0.01, high: 0.3 } }, new Random(42)); // { learningRate: 0.0473... }
 */
export function sampleConfig(space: SearchSpace, rng: Random): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, dist] of Object.entries(space)) out[name] = drawFrom(dist, rng.next());
  return out;
}

/** The value of `dist` at the uniform draw `u` in [0, 1). */
export function drawFrom(dist: Distribution, u: number): ParamValue {
  switch (dist.kind) {
    case "uniform":
      return dist.low + u * (dist.high - dist.low);
    case "log_uniform": {
      // low * ratio^u rather than exp(log(low) + ...): exp(log(0.01)) is 0.010000000000000005.
      const value = dist.low * Math.pow(dist.high / dist.low, u);
      return Math.min(Math.max(value, dist.low), dist.high);
    }
    case "int":
      return dist.low + Math.min(Math.floor(u * (dist.high - dist.low + 1)), dist.high - dist.low);
    case "log_int": {
      // Uniform in log over [low, high + 1), floored: each integer k gets log((k + 1) / k) of the mass.
      const value = Math.floor(Math.exp(Math.log(dist.low) + u * (Math.log(dist.high + 1) - Math.log(dist.low))));
      return Math.min(Math.max(value, dist.low), dist.high);
    }
    case "choice":
      return dist.values[Math.min(Math.floor(u * dist.values.length), dist.values.length - 1)]!;
    case "fixed":
      return dist.value;
  }
}

/** A distribution in the words of a space file: `{"log_uniform": [0.01, 0.3]}`, `[0, 1, 10]`, `0.5`. */
export function describeDistribution(dist: Distribution): string {
  switch (dist.kind) {
    case "choice":
      return `one of ${dist.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "fixed":
      return JSON.stringify(dist.value);
    default:
      return `${dist.kind} [${dist.low}, ${dist.high}]`;
  }
}

const RANGE_KINDS = ["uniform", "log_uniform", "int", "log_int"] as const;
const FORMS = '{"uniform": [low, high]}, {"log_uniform": [low, high]}, {"int": [low, high]}, {"log_int": [low, high]}, a list of choices or a single value';

/**
 * Checks a space given as data (a parsed JSON or YAML object) against a family's schema and returns it
 * merged over the family's default space: a key the file names replaces the default's, a key it pins to
 * one value is fixed, the defaults it does not name stay. Keys may be camelCase or kebab-case. `source`
 * (the file) names every error: `space.yaml: subsample must be a number > 0 and <= 1, got 1.5`.
 *
 * @example
 * parseSpace({ "learning-rate": { log_uniform: [0.01, 0.3] }, l2: [0, 1, 10] }, "gbdt", GBDT_PARAMS, "space.json");
 */
export function parseSpace(input: unknown, kind: string, schema: ParamSchema, source: string): SearchSpace {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new DataValidationError({
      code: "invalid_value",
      file: source,
      expected: "a mapping of hyperparameter names to distributions",
      received: input === null || input === undefined ? "nothing" : Array.isArray(input) ? "a list" : `a ${typeof input}`,
    });
  }
  const camelOf = new Map<string, string>();
  for (const name of Object.keys(schema)) {
    camelOf.set(name, name);
    camelOf.set(toKebabCase(name), name);
  }
  const budget = BUDGETS[kind];
  const space: Record<string, Distribution> = { ...defaultSpace(kind) };
  for (const [key, value] of Object.entries(input)) {
    const name = camelOf.get(key);
    if (!name) throw new InvalidParameterError(key, `a parameter of model "${kind}" (${Object.keys(schema).join(", ")})`, value, source);
    if (budget && name === budget.param) {
      throw new InvalidParameterError(key, `left out (it is the successive-halving budget: set the full budget with --iterations)`, value, source);
    }
    const reserved = RESERVED[name];
    if (reserved) throw new InvalidParameterError(key, reserved, value, source);
    space[name] = parseDistribution(key, value, schema[name]!, source);
  }
  return space;
}

function parseDistribution(key: string, value: unknown, spec: ParamSchema[string], source: string): Distribution {
  const check = (item: unknown) => validateParam(source, key, spec, item) as ParamValue;
  if (Array.isArray(value)) {
    if (value.length === 0) throw new InvalidParameterError(key, "a non-empty list of choices", value, source);
    return { kind: "choice", values: value.map(check) };
  }
  if (typeof value !== "object" || value === null) {
    return { kind: "fixed", value: check(value) };
  }
  const entries = Object.entries(value);
  const [form, range] = entries[0] ?? [];
  if (entries.length !== 1 || !(RANGE_KINDS as readonly string[]).includes(form!)) {
    throw new InvalidParameterError(key, FORMS, value, source);
  }
  const kind = form as (typeof RANGE_KINDS)[number];
  if (spec.type !== "number") throw new InvalidParameterError(key, `a list of choices or a single value (${spec.type === "enum" ? "an enum" : "a boolean"} parameter)`, value, source);
  if (!Array.isArray(range) || range.length !== 2 || typeof range[0] !== "number" || typeof range[1] !== "number") {
    throw new InvalidParameterError(key, `{"${kind}": [low, high]} with two numbers`, value, source);
  }
  const [low, high] = range as [number, number];
  if (spec.integer && (kind === "uniform" || kind === "log_uniform")) {
    throw new InvalidParameterError(key, `an int or log_int range (an integer parameter)`, value, source);
  }
  if ((kind === "int" || kind === "log_int") && (!Number.isInteger(low) || !Number.isInteger(high))) {
    throw new InvalidParameterError(key, `{"${kind}": [low, high]} with two integers`, value, source);
  }
  check(low);
  check(high);
  if (!(low < high)) throw new InvalidParameterError(key, `a range [low, high] with low < high`, value, source);
  if (kind === "log_uniform" && low <= 0) throw new InvalidParameterError(key, `a log_uniform range with low > 0`, value, source);
  if (kind === "log_int" && low < 1) throw new InvalidParameterError(key, `a log_int range with low >= 1`, value, source);
  return { kind, low, high };
}

/**
 * Reads a space file: `.json`, or `.yaml` / `.yml`. A missing file, a syntax error, or an entry that does
 * not fit the family's schema is one line naming the file (and the key).
 */
export async function readSpaceFile(file: string, kind: string, schema: ParamSchema): Promise<SearchSpace> {
  const extension = extname(file).toLowerCase();
  if (extension !== ".json" && extension !== ".yaml" && extension !== ".yml") {
    throw new DataValidationError({ code: "unsupported_file_type", file, expected: "a .json, .yaml or .yml search space", received: extension || "no extension" });
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DataValidationError({ code: "file_not_found", file });
    throw new DataValidationError({ code: "unreadable_file", file, detail: (error as Error).message.split("\n")[0] });
  }
  let input: unknown;
  try {
    input = extension === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const format = extension === ".json" ? "JSON" : "YAML";
    throw new DataValidationError({ code: "unreadable_file", file, expected: `a ${format} search space`, detail: (error as Error).message.split("\n")[0]!.replace(/:$/, "") });
  }
  return parseSpace(input, kind, schema, file);
}
