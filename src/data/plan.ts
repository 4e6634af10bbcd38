/**
 * Deciding what each column of a file becomes, before any data is read: features (numeric, categorical,
 * date parts), the target, extras, or nothing. Both readers (DuckDB and Arrow) describe their columns in
 * the coarse types below and then execute the same plan, so the rules live here once.
 *
 * The rules, when no schema is given:
 * - numbers are numeric, booleans numeric 0/1, text categorical;
 * - a date becomes `<col>_year, <col>_month, <col>_day, <col>_dayofweek` (0 = Monday), a timestamp also
 *   `<col>_hour`, all in UTC;
 * - `categorical` forces a column categorical (numbers are read as their text); `numeric` forces numeric
 *   (text must parse as numbers, else `not_numeric`; a date becomes seconds since 1970 UTC);
 * - nested values (lists, objects) cannot be features: such a column is left out with a warning;
 * - `id` columns are carried as extras, `ignore` columns dropped; `ignore` may also name one part of a date
 *   (`date_year`: a year that never changes in the data), which drops that part alone;
 * - an `id` column listed in `idDateParts` that is a date or timestamp is also a feature through its parts
 *   (train --time: the column orders the rows and its hour, weekday, month... still describe them).
 * With a schema (prediction or evaluation time), the schema alone decides the features and their order.
 */
import { DataValidationError, InvalidParameterError } from "../core/errors.js";
import type { DatePart, Schema, Task } from "../core/types.js";
import { datePartName, dateParts, timestampParts } from "./dates.js";

/** The coarse type of a source column, as a reader sees it. */
export type SourceType = "number" | "boolean" | "string" | "date" | "timestamp" | "nested";

/** One column of the file, after derived columns are added. */
export interface SourceColumn {
  readonly name: string;
  readonly type: SourceType;
}

/** How an output column is made from its source column. */
export type OutputRead =
  | { readonly kind: "number" }
  | { readonly kind: "category"; readonly categories?: readonly string[] }
  | { readonly kind: "datepart"; readonly part: DatePart };

/** One output column (a feature or an extra). */
export interface OutputPlan {
  readonly name: string;
  readonly source: string;
  readonly sourceType: SourceType;
  readonly read: OutputRead;
}

/** How the target is read. `classes` is fixed when a schema gives them. */
export interface TargetPlan {
  readonly name: string;
  readonly sourceType: SourceType;
  readonly read: "number" | "category";
  readonly task?: Task;
  /** Forced classification (the target was listed in `categorical`). */
  readonly classification?: boolean;
  readonly classes?: readonly string[];
  /** A single class is accepted rather than refused (scoring, not training). */
  readonly acceptSingleClass?: boolean;
}

/** Everything a reader must produce. */
export interface ReadPlan {
  readonly features: readonly OutputPlan[];
  readonly extras: readonly OutputPlan[];
  readonly target?: TargetPlan;
  /** Training and evaluation drop rows whose target is missing; prediction keeps every row. */
  readonly dropMissingTarget: boolean;
  /**
   * Columns that must hold numbers because the user (`numeric`) or the schema says so: text there is
   * an error. Elsewhere a CSV column that turns out to hold text is read again as text.
   */
  readonly declaredNumeric: ReadonlySet<string>;
}

/** The options planning needs (a subset of ReadOptions). */
export interface PlanOptions {
  target?: string;
  task?: Task;
  categorical?: string[];
  numeric?: string[];
  ignore?: string[];
  id?: string[];
  idDateParts?: string[];
  schema?: Schema;
  requireTarget?: boolean;
  acceptSingleClass?: boolean;
}

const tasks: readonly Task[] = ["binary", "multiclass", "regression"];

/** An `unknown_column` issue that lists a few of the columns the file does have. */
export function unknownColumn(file: string, column: string, available: readonly string[]): DataValidationError {
  const shown = available.slice(0, 8).join(", ");
  const more = available.length > 8 ? ` and ${available.length - 8} more` : "";
  // "species" for "Species", or a header name with a stray space (" y"), is hard to spot in the list.
  const key = (name: string): string => name.trim().toLowerCase();
  // First a column DuckDB renamed from this name ("Y" read as "Y_1" beside "y"), then a near name.
  const near =
    available.find((name) => name.startsWith(`${column}_`) && /^\d+$/.test(name.slice(column.length + 1))) ??
    available.find((name) => key(name) === key(column));
  const hint = near !== undefined ? `did you mean ${JSON.stringify(near)}? ` : "";
  return new DataValidationError({ code: "unknown_column", file, column, detail: `${hint}available columns: ${shown}${more}` });
}

/** Decides every column's role and reading; throws for unknown names and contradictory options. */
export function planRead(
  file: string,
  columns: readonly SourceColumn[],
  options: PlanOptions,
  warn: (message: string) => void,
): ReadPlan {
  if (options.task !== undefined && !tasks.includes(options.task)) {
    throw new InvalidParameterError("task", `one of ${tasks.join(", ")}`, options.task, "readDataset");
  }
  const byName = new Map(columns.map((column) => [column.name, column]));
  const names = columns.map((column) => column.name);
  const find = (name: string): SourceColumn => {
    const column = byName.get(name);
    if (!column) throw unknownColumn(file, name, names);
    return column;
  };
  const categorical = new Set(options.categorical ?? []);
  const numeric = new Set(options.numeric ?? []);
  const ignore = new Set(options.ignore ?? []);
  const id = new Set(options.id ?? []);
  const idDateParts = new Set(options.idDateParts ?? []);
  const isDatePart = (name: string): boolean =>
    columns.some((column) => (column.type === "date" ? dateParts : column.type === "timestamp" ? timestampParts : []).some((part) => datePartName(column.name, part) === name));
  for (const list of [categorical, numeric, ignore, id]) for (const name of list) if (!(list === ignore && !byName.has(name) && isDatePart(name))) find(name);
  for (const name of categorical) {
    if (numeric.has(name)) {
      throw new InvalidParameterError("categorical", `disjoint from numeric (column "${name}" is in both)`, name, "readDataset");
    }
  }

  const extras = [...id].filter((name) => !ignore.has(name)).map((name) => extraPlan(find(name), categorical));
  if (options.schema) return planFromSchema(file, options.schema, find, byName, names, extras, options);

  let target: TargetPlan | undefined;
  if (options.target !== undefined) {
    const column = find(options.target);
    if (ignore.has(column.name) || id.has(column.name)) {
      throw new InvalidParameterError("target", "a column that is neither ignored nor an id", column.name, "readDataset");
    }
    target = targetPlan(file, column, options.task, categorical.has(column.name), numeric.has(column.name));
    if (options.acceptSingleClass) target = { ...target, acceptSingleClass: true };
  } else if (options.task !== undefined) {
    throw new InvalidParameterError("task", "given only together with a target", options.task, "readDataset");
  }

  const features: OutputPlan[] = [];
  for (const column of columns) {
    const name = column.name;
    const dated = column.type === "date" || column.type === "timestamp";
    if (name === target?.name || ignore.has(name) || (id.has(name) && !(dated && idDateParts.has(name)))) continue;
    if (categorical.has(name)) features.push(output(name, column, { kind: "category" }));
    else if (numeric.has(name)) features.push(output(name, column, { kind: "number" }));
    else if (column.type === "nested") {
      warn(`${file}: column "${name}" holds nested values (lists or objects) and is not used as a feature; ignore it or flatten it`);
    } else if (column.type === "date" || column.type === "timestamp") {
      for (const part of column.type === "date" ? dateParts : timestampParts) {
        if (ignore.has(datePartName(name, part))) continue;
        features.push(output(datePartName(name, part), column, { kind: "datepart", part }));
      }
    } else if (column.type === "string") features.push(output(name, column, { kind: "category" }));
    else features.push(output(name, column, { kind: "number" }));
  }
  checkDuplicates(file, [...features, ...extras].map((plan) => plan.name));
  return { features, extras, target, dropMissingTarget: true, declaredNumeric: numeric };
}

function output(name: string, column: SourceColumn, read: OutputRead): OutputPlan {
  if (column.type === "nested") {
    throw new InvalidParameterError(read.kind === "number" ? "numeric" : "categorical", "a column of plain values", column.name, "readDataset");
  }
  return { name, source: column.name, sourceType: column.type, read };
}

function extraPlan(column: SourceColumn, categorical: ReadonlySet<string>): OutputPlan {
  // Ids are carried to outputs as they are: numbers stay numbers, anything else (true / false too, not
  // 0 / 1) is kept as its text, so a boolean label copied beside the predictions reads as they name it.
  const asNumber = !categorical.has(column.name) && column.type === "number";
  return output(column.name, column, asNumber ? { kind: "number" } : { kind: "category" });
}

function targetPlan(
  file: string,
  column: SourceColumn,
  task: Task | undefined,
  classification: boolean,
  numeric: boolean,
): TargetPlan {
  const { name, type } = column;
  if (type === "date" || type === "timestamp" || type === "nested") {
    throw new DataValidationError({
      code: "invalid_value",
      file,
      column: name,
      expected: "a target of numbers, booleans or text",
      received: type === "nested" ? "nested values" : `${type}s`,
    });
  }
  if (classification && task === "regression") {
    throw new InvalidParameterError("task", "binary or multiclass for a target listed as categorical", task, "readDataset");
  }
  const read = type === "string" && !numeric ? "category" : "number";
  if (read === "category" && task === "regression") {
    throw new InvalidParameterError("task", `binary or multiclass for the text target "${name}" (or list it in numeric)`, task, "readDataset", "regression_on_text_target");
  }
  return { name, sourceType: type, read, task, classification: classification || undefined };
}

function planFromSchema(
  file: string,
  schema: Schema,
  find: (name: string) => SourceColumn,
  byName: ReadonlyMap<string, SourceColumn>,
  names: readonly string[],
  extras: OutputPlan[],
  options: PlanOptions,
): ReadPlan {
  const features: OutputPlan[] = [];
  for (const spec of schema.features) {
    const sourceName = spec.derivedFrom?.column ?? spec.name;
    const column = byName.get(sourceName);
    if (!column) {
      throw new DataValidationError({
        code: "missing_feature",
        file,
        column: sourceName,
        detail: spec.derivedFrom ? `the model derives "${spec.name}" from it` : `available columns: ${names.slice(0, 8).join(", ")}${names.length > 8 ? ` and ${names.length - 8} more` : ""}`,
      });
    }
    if (spec.derivedFrom) {
      if (column.type === "number" || column.type === "boolean" || column.type === "nested") {
        throw new DataValidationError({ code: "invalid_value", file, column: sourceName, expected: "dates or timestamps", received: `${column.type}s` });
      }
      features.push(output(spec.name, column, { kind: "datepart", part: spec.derivedFrom.part }));
    } else if (spec.kind === "categorical") {
      features.push(output(spec.name, column, { kind: "category", categories: spec.categories ?? [] }));
    } else {
      features.push(output(spec.name, column, { kind: "number" }));
    }
  }
  if (options.target !== undefined && options.target !== schema.target.name) {
    throw new InvalidParameterError("target", `the model's target "${schema.target.name}"`, options.target, "readDataset");
  }
  let target: TargetPlan | undefined;
  const targetColumn = byName.get(schema.target.name);
  if (targetColumn) {
    const spec = schema.target;
    const plan = targetPlan(file, targetColumn, spec.task, false, spec.task === "regression" && targetColumn.type === "string");
    target = { ...plan, classes: spec.classes };
  } else if (options.requireTarget) {
    find(schema.target.name);
  }
  const declaredNumeric = new Set(features.filter((f) => f.read.kind === "number").map((f) => f.source));
  if (target?.read === "number" && target.task === "regression") declaredNumeric.add(target.name);
  return { features, extras, target, dropMissingTarget: options.requireTarget === true, declaredNumeric };
}

function checkDuplicates(file: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DataValidationError({ code: "duplicate_column", file, column: name, detail: "a date part's name is also a column's name" });
    seen.add(name);
  }
}
