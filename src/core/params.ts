/**
 * Hyperparameter schemas. Each estimator declares its parameters once (type, default, range, one line of
 * doc); the library, the CLI (kebab-case flags) and later the HTTP API and the autopilot all validate
 * against that one declaration.
 */
import { InvalidParameterError } from "./errors.js";

/** A number parameter. `nullable` allows null (meaning "no limit" or "automatic"). */
export interface NumberParam {
  readonly type: "number";
  readonly default: number | null;
  readonly doc: string;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** When true, `min` itself is not allowed. */
  readonly exclusiveMin?: boolean;
  readonly nullable?: boolean;
  /** Words it also takes in place of a number (scikit-learn's max_features="sqrt"). */
  readonly keywords?: readonly string[];
}

/** A parameter that takes one of a fixed set of strings. */
export interface EnumParam {
  readonly type: "enum";
  readonly values: readonly string[];
  readonly default: string;
  readonly doc: string;
}

/** A true/false parameter. */
export interface BooleanParam {
  readonly type: "boolean";
  readonly default: boolean;
  readonly doc: string;
}

/** One parameter's declaration. */
export type ParamSpec = NumberParam | EnumParam | BooleanParam;

/** The parameters of one estimator, by camelCase name. */
export type ParamSchema = Readonly<Record<string, ParamSpec>>;

/** The resolved values of a schema. */
export type ParamValues<S extends ParamSchema> = {
  readonly [K in keyof S]: S[K] extends NumberParam
    ? number | (S[K]["nullable"] extends true ? null : never) | (S[K] extends { readonly keywords: readonly (infer W)[] } ? W : never)
    : S[K] extends EnumParam ? string
    : S[K] extends BooleanParam ? boolean
    : never;
};

function describeRange(spec: NumberParam): string {
  const kind = spec.integer ? "an integer" : "a number";
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? ">" : ">="} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  const range = parts.length ? ` ${parts.join(" and ")}` : "";
  const quoted = (spec.keywords ?? []).map((word) => JSON.stringify(word));
  const words = quoted.length === 0 ? "" : quoted.length === 1 ? ` or ${quoted[0]}` : `, ${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
  return `${kind}${range}${words}${spec.nullable ? " (or null)" : ""}`;
}

/** Checks one value against its declaration; throws InvalidParameterError naming the parameter. */
export function validateParam(owner: string, name: string, spec: ParamSpec, value: unknown): unknown {
  switch (spec.type) {
    case "number": {
      if (value === null && spec.nullable) return null;
      if (typeof value === "string" && spec.keywords?.includes(value)) return value;
      const ok =
        typeof value === "number" &&
        Number.isFinite(value) &&
        (!spec.integer || Number.isInteger(value)) &&
        (spec.min === undefined || (spec.exclusiveMin ? value > spec.min : value >= spec.min)) &&
        (spec.max === undefined || value <= spec.max);
      if (!ok) throw new InvalidParameterError(name, describeRange(spec), value, owner);
      return value;
    }
    case "enum":
      if (typeof value !== "string" || !spec.values.includes(value)) {
        throw new InvalidParameterError(name, `one of ${spec.values.map((v) => JSON.stringify(v)).join(", ")}`, value, owner);
      }
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw new InvalidParameterError(name, "true or false", value, owner);
      return value;
  }
}

/**
 * Resolves user-given parameters against a schema: unknown names are refused, missing ones take their
 * default, every value is checked. Returns a frozen object.
 *
 * @example
 * const params = validateParams("LinearModel", LINEAR_PARAMS, { alpha: 0.1 });
 */
export function validateParams<S extends ParamSchema>(owner: string, schema: S, input: Readonly<Record<string, unknown>> = {}): ParamValues<S> {
  for (const name of Object.keys(input)) {
    if (!(name in schema)) {
      throw new InvalidParameterError(name, `one of the known parameters (${Object.keys(schema).join(", ")})`, input[name], owner);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const value = input[name] === undefined ? spec.default : input[name];
    out[name] = validateParam(owner, name, spec, value);
  }
  return Object.freeze(out) as ParamValues<S>;
}

/** camelCase -> kebab-case, for CLI flags: `learningRate` -> `learning-rate`. */
export function toKebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** Parses a command-line string into a value of the parameter's type (validation comes after). */
export function parseParamText(spec: ParamSpec, text: string): unknown {
  switch (spec.type) {
    case "number": {
      if (spec.nullable && (text === "null" || text === "none" || text === "")) return null;
      if (spec.keywords?.includes(text)) return text;
      const value = Number(text);
      return text.trim() === "" || Number.isNaN(value) ? text : value;
    }
    case "boolean":
      if (text === "true" || text === "1" || text === "yes") return true;
      if (text === "false" || text === "0" || text === "no") return false;
      return text;
    case "enum":
      return text;
  }
}
