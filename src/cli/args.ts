/**
 * Command-line parsing on top of node:util parseArgs, with errors as InvalidParameterError so they reach
 * the user as one line, and a help text built from the same option table.
 */
import { parseArgs } from "node:util";
import { InvalidParameterError } from "../core/errors.js";

/** One option of a command. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly doc: string;
  /** Placeholder shown in help, e.g. "<file>". */
  readonly value?: string;
  readonly short?: string;
  /** May be given more than once (values are collected). */
  readonly multiple?: boolean;
}

/** A command: its name, synopsis, options and an example. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  /** How many positional arguments it takes (min, max). */
  readonly positionals: readonly [number, number];
  readonly positionalNames: readonly string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: "boolean", doc: "print one JSON document on stdout (people read stderr)" },
  debug: { type: "boolean", doc: "print stack traces on errors" },
  help: { type: "boolean", short: "h", doc: "show this help" },
};

/** Parsed arguments of one command. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
}

/** Parses argv for a command; unknown options and wrong positional counts throw InvalidParameterError. */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const all = { ...COMMON_OPTIONS, ...spec.options };
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, option] of Object.entries(all)) {
    options[name] = { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeNumbers(argv, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      throw new InvalidParameterError("option", `one of the options of "learnloop ${spec.name}" (see learnloop ${spec.name} --help)`, unknown[1]!);
    }
    const missingValue = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(message);
    if (missingValue) throw new InvalidParameterError(missingValue[1]!, "followed by a value", undefined);
    // `--name -x`: a value starting with '-' reads as another option.
    const ambiguous = /Option '(?:-\w, )?(--[\w-]+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const at = argv.indexOf(ambiguous[1]!);
      throw new InvalidParameterError(ambiguous[1]!, `given as ${ambiguous[1]}=<value> when the value starts with '-'`, at >= 0 ? argv[at + 1] : undefined);
    }
    const switchWithValue = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
    if (switchWithValue) {
      const given = argv.find((arg) => arg.startsWith(`${switchWithValue[1]}=`));
      throw new InvalidParameterError(switchWithValue[1]!, "given without a value (it is a switch)", given?.slice(switchWithValue[1]!.length + 1));
    }
    throw new InvalidParameterError("arguments", `valid options for "learnloop ${spec.name}"`, message.split("\n")[0]);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (!values.help) {
    const [min, max] = spec.positionals;
    const n = parsed.positionals.length;
    if (n < min) {
      throw new InvalidParameterError(spec.positionalNames[n] ?? "argument", `given (usage: ${spec.usage})`, undefined);
    }
    if (n > max) {
      throw new InvalidParameterError("arguments", `at most ${max} positional argument${max === 1 ? "" : "s"} (usage: ${spec.usage})`, parsed.positionals.slice(max).join(" "));
    }
  }
  return { positionals: parsed.positionals, values };
}

/**
 * parseArgs refuses `--alpha -1` as ambiguous (the value looks like a flag); a negative number after a
 * string option is plainly its value, so pass it as `--alpha=-1`.
 */
function joinNegativeNumbers(argv: readonly string[], options: Record<string, { type: "string" | "boolean" }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith("--") && !arg.includes("=") && options[arg.slice(2)]?.type === "string" && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The help text of a command. */
export function helpText(spec: CommandSpec): string {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(all).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : "    "}--${name}${option.value ? " " + option.value : option.type === "string" ? " <value>" : ""}`;
    return [flag, option.doc] as const;
  });
  const width = Math.min(38, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  const lines = [
    `learnloop ${spec.name} — ${spec.summary}`,
    "",
    `Usage: ${spec.usage}`,
    "",
    "Options:",
    ...rows.map(([flag, doc]) => (flag.length + 2 > width ? `  ${flag}\n  ${" ".repeat(width)}${doc}` : `  ${flag.padEnd(width)}${doc}`)),
    "",
    "Examples:",
    ...spec.examples.map((example) => `  ${example}`),
  ];
  return lines.join("\n") + "\n";
}

/** Splits a comma-separated list option ("a,b" or repeated flags) into names. */
export function listOption(value: string | boolean | string[] | undefined): string[] {
  if (value === undefined || typeof value === "boolean") return [];
  const parts = Array.isArray(value) ? value : [value];
  return parts.flatMap((part) => part.split(",")).map((name) => name.trim()).filter((name) => name.length > 0);
}

/** Reads a number option, with a one-line error naming the flag. */
export function numberOption(values: ParsedArgs["values"], name: string, fallback: number, check: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" ? Number(raw) : NaN;
  const okRange =
    Number.isFinite(value) &&
    (!check.integer || Number.isInteger(value)) &&
    (check.min === undefined || (check.exclusiveMin ? value > check.min : value >= check.min)) &&
    (check.max === undefined || (check.exclusiveMax ? value < check.max : value <= check.max));
  if (typeof raw !== "string" || raw.trim() === "" || !okRange) {
    const parts: string[] = [];
    if (check.min !== undefined) parts.push(`${check.exclusiveMin ? ">" : ">="} ${check.min}`);
    if (check.max !== undefined) parts.push(`${check.exclusiveMax ? "<" : "<="} ${check.max}`);
    throw new InvalidParameterError(`--${name}`, `${check.integer ? "an integer" : "a number"}${parts.length ? " " + parts.join(" and ") : ""}`, raw);
  }
  return value;
}

/** Reads a string option that must be one of `choices`. */
export function choiceOption<T extends string>(values: ParsedArgs["values"], name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !(choices as readonly string[]).includes(raw)) {
    throw new InvalidParameterError(`--${name}`, `one of ${choices.join(", ")}`, raw);
  }
  return raw as T;
}
