/**
 * profileFile: a dataset's profile computed in DuckDB, before any training.
 *
 * The file is read once into a temporary DuckDB table, with every column normalised (numbers to DOUBLE
 * with NaN as NULL, text to VARCHAR, dates to TIMESTAMP in UTC), so that CSV is parsed once and a text
 * value far down a CSV column is met (and the column re-read as text, as readDataset does) in one place.
 * Then a handful of aggregate queries, each one scan of that table, return a few hundred values to JS:
 *   1. the summary: count, min / max / avg / stddev_samp per column;
 *   1b. 19 exact quantiles per numeric column (pandas' linear interpolation), which double as the bin
 *      edges for mutual information: the two order statistics around each, read off a running count
 *      over the column's distinct values (GROUP BY x, then sum(n) OVER (ORDER BY x)). DuckDB's
 *      quantile_cont with a list of 19 levels took 0.6-1.4 s per DOUBLE column on flights; sorting all
 *      rows (row_number() OVER (ORDER BY x)) 0.24-0.35 s per column; the running count 0.05-0.3 s;
 *   2. the 50 most frequent values per column (GROUP BY, UNION ALL of one branch per column), and the
 *      exact distinct count as the number of groups (`count(*) OVER ()`), for free. Exact rather than
 *      approx_count_distinct: a separate count(DISTINCT) pass cost ~110-350 ms on flights, and the
 *      approximate counts were 10% off;
 *   3. the target's classes, then feature x target cross-tabs for mutual information (GROUP BY key, class);
 *   4. single-feature ROC AUC for a binary target: per distinct feature value the positive and negative
 *      counts, a running sum of negatives below it, and AUC = sum(pos * (neg_below + neg / 2)) / (P * N),
 *      which is the Mann-Whitney statistic with average ranks for ties, i.e. scikit-learn's roc_auc_score;
 *   5. corr() for every pair of numeric columns in one pass, and corr(feature, target) for regression;
 *   6. duplicated rows: rows - count(DISTINCT hash(all columns)). A 64-bit hash collision would hide one
 *      duplicate; with n rows the chance of any is about n^2 / 2^65 (3e-7 for 3M rows). It beat
 *      GROUP BY hash(row) and GROUP BY every column (0.75 / 0.97 / 1.06 s on flights, loaded machine);
 *   7. equal-width histograms of numeric and datetime columns for the report.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { DataValidationError, InvalidParameterError, describeValue } from "../../core/errors.js";
import type { Task } from "../../core/types.js";
import { compareCodePoints } from "../../data/dictionary.js";
import { openConnection, sqlName, sqlString } from "../../data/duckdb.js";
import { ColumnIsText, mapDuckDBError } from "../../data/engine-errors.js";
import { formatOf } from "../../data/formats.js";
import { unknownColumn } from "../../data/plan.js";
import { checkFile } from "../../data/read.js";
import { DuckDBFile, caseRenameNote } from "../../data/source-duckdb.js";
import { maxInferredClasses } from "../../data/target.js";
import { FLAG_THRESHOLDS, columnFlags, tableFlags } from "./flags.js";
import { entropyBits, mutualInformationBits, type CrossTabCell } from "./information.js";
import type { Association, ColumnProfile, DataProfile, HistogramBin, NumericSummary, ProfileColumnType, TargetProfile, ValueCount } from "./types.js";

/** How to profile a file; the names mean what they mean for readDataset. */
export interface ProfileOptions {
  /** The column to predict: its distribution, each feature's association with it, leakage and imbalance flags. */
  target?: string;
  /** The task, when the inferred one (the rules of readDataset) is not wanted. */
  task?: Task;
  /** Columns left out of the profile. */
  ignore?: string[];
  /** Columns counted by value whatever their type (numbers become their text). */
  categorical?: string[];
  /** New columns defined by DuckDB SQL expressions over the file's columns. */
  derive?: { name: string; expression: string }[];
  /** Called with one line for each thing worth knowing that is not an error. */
  onWarning?: (message: string) => void;
}

/** Most frequent values kept per column for mutual information; the rest are merged into one key. */
const maxKeys = 50;
/** Quantile bins of numeric features (and of a regression target) for mutual information. */
const nBins = 20;
/** Top values shown per column. */
const nTop = 10;
/** Features with at most this many distinct values are grouped by value in DuckDB and keyed in JS. */
const maxRawKeys = 10_000;
/** Numeric columns with at most this many distinct values are shown as bars of their values. */
const maxBarValues = 20;
/** Numeric columns in the correlation matrix: k columns cost k(k-1)/2 aggregates in one pass. */
const maxCorrelationColumns = 60;

const cutLevels = Array.from({ length: nBins - 1 }, (_, i) => (i + 1) / nBins);
const otherKey = "(other)";
const missingKey = "(missing)";
let tableCounter = 0;

/** Raw column facts before anything is computed. */
interface Col {
  readonly index: number;
  readonly name: string;
  readonly sqlType: string;
  readonly type: ProfileColumnType;
  /** The column in the temporary table. */
  readonly ref: string;
  /**
   * A numeric column of the table for bins, AUC and correlations: the column itself, or for a datetime
   * a companion column of epoch seconds, materialised because `epoch(x)` repeated in the 19 WHENs of a
   * bin CASE cost ~0.5 s on flights.
   */
  readonly num?: string;
}

/**
 * Profiles a CSV, TSV, Parquet or JSON file: per column type, missing share, distinct count, numeric
 * summary or top values; with a target, its distribution and each feature's association with it; the
 * correlations of numeric columns; and flags (constant, id-like, mostly missing, duplicates, leakage
 * suspects, class imbalance). Bad files throw the DataValidationError readDataset would.
 *
 * @example
 * const profile = await profileFile("flights.parquet", { target: "delayed", derive: [{ name: "delayed", expression: "delay > 15" }] });
 * profile.flags.map(formatFlag);
 */
export async function profileFile(file: string, options: ProfileOptions = {}): Promise<DataProfile> {
  const started = performance.now();
  const format = formatOf(file);
  checkFile(file);
  if (format === "arrow") {
    throw new InvalidParameterError("<data>", "a CSV, TSV, Parquet or JSON file (profiles run in DuckDB, which does not read Arrow IPC; convert it to Parquet)", file);
  }
  const derive = (options.derive ?? []).map(({ name, expression }) => ({ name, expression }));
  const textColumns = new Set<string>();
  for (;;) {
    const source = await DuckDBFile.open(file, format, derive, textColumns);
    for (const rename of source.renames) options.onWarning?.(caseRenameNote(file, rename));
    const relation = source.relation;
    source.close();
    const connection = await openConnection();
    const table = `ll_profile_${++tableCounter}`;
    try {
      const profile = await profileRelation(connection, file, relation, table, options);
      return { ...profile, seconds: Math.round(performance.now() - started) / 1000 };
    } catch (error) {
      const mapped = mapDuckDBError(error, { file, declaredNumeric: new Set() });
      if (mapped instanceof ColumnIsText && !textColumns.has(mapped.column)) {
        textColumns.add(mapped.column);
        options.onWarning?.(`${file}: column "${mapped.column}" is read as text: line ${mapped.line} holds ${describeValue(mapped.value)}, not a ${mapped.detectedType} like the rows before it`);
        continue;
      }
      throw mapped;
    } finally {
      await connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      connection.closeSync();
    }
  }
}

async function rowsOf(connection: DuckDBConnection, sql: string): Promise<unknown[][]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowsJS() as unknown[][];
}

/** Per-column queries a UNION ALL joins at most: DuckDB plans one of 751 columns far slower than 12 of 64. */
const unionChunk = 64;

/** The rows of the per-column queries `parts`, run as UNION ALLs of at most unionChunk of them. */
async function unionRowsOf(connection: DuckDBConnection, parts: readonly string[]): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for (let start = 0; start < parts.length; start += unionChunk) rows.push(...(await rowsOf(connection, parts.slice(start, start + unionChunk).join(" UNION ALL "))));
  return rows;
}

function num(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : value === null || value === undefined ? NaN : Number(value);
}

function typeOf(sqlType: string, categorical: boolean): ProfileColumnType {
  const type = sqlType.toUpperCase();
  if (/[[\]]|^(STRUCT|MAP|UNION|LIST|BLOB|BIT|ARRAY|VARIANT|GEOMETRY)/.test(type)) return "nested";
  if (categorical) return "categorical";
  if (type === "BOOLEAN") return "boolean";
  if (type === "DATE" || type.startsWith("TIMESTAMP") || type === "DATETIME") return "datetime";
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|REAL|DOUBLE|DECIMAL.*|NUMERIC.*)$/.test(type)) return "numeric";
  return "categorical";
}

/** How a column is stored in the temporary table: one normalised type per profile type. */
function normalised(name: string, type: ProfileColumnType): string {
  const x = sqlName(name);
  switch (type) {
    case "numeric":
      return `CASE WHEN isnan(CAST(${x} AS DOUBLE)) THEN NULL ELSE CAST(${x} AS DOUBLE) END`;
    case "categorical":
      return `CAST(${x} AS VARCHAR)`;
    case "datetime":
      return `CAST(${x} AS TIMESTAMP)`;
    default:
      return x;
  }
}

function sqlValue(value: unknown): string {
  if (typeof value === "string") return sqlString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return `CAST(${String(num(value))} AS DOUBLE)`;
}

function summaryOf(min: unknown, max: unknown, mean: unknown, std: unknown, q: readonly number[], integer: unknown): NumericSummary {
  const at = (level: number) => q[Math.round(level * nBins) - 1]!;
  return {
    min: num(min),
    max: num(max),
    mean: num(mean),
    std: std === null ? null : num(std),
    integer: integer === true,
    quantiles: { p05: at(0.05), p25: at(0.25), p50: at(0.5), p75: at(0.75), p95: at(0.95) },
  };
}

/**
 * The 19 quantiles (levels 0.05 .. 0.95) of each column, exactly as pandas (and quantile_cont) define
 * them: at h = (n - 1) q between the order statistics floor(h) and ceil(h), linearly interpolated the
 * way numpy does it (from the nearer end, so a tie gives its value exactly).
 */
async function quantilesOf(connection: DuckDBConnection, table: string, cols: readonly Col[], present: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (cols.length === 0) return out;
  const ranks = (n: number) => [...new Set(cutLevels.flatMap((q) => [Math.floor((n - 1) * q) + 1, Math.ceil((n - 1) * q) + 1]))];
  const rankLists = new Map(cols.map((c) => [c.index, ranks(present[c.index]!)]));
  // The value of rank r is the smallest x whose running count reaches r. GROUP BY and ORDER BY name
  // their keys by position everywhere in this file: DuckDB binds a name to a column of the table before
  // an alias, so `GROUP BY x` would group by a file's own column called x (or X).
  const sql = cols
    .map(
      (c) =>
        `SELECT ${c.index} AS f, [${rankLists.get(c.index)!.map((r) => `min(x) FILTER (WHERE below >= ${r})`).join(", ")}] FROM (` +
        `SELECT x, sum(n) OVER (ORDER BY x) AS below FROM (SELECT ${c.num} AS x, count(*) AS n FROM ${table} WHERE ${c.num} IS NOT NULL GROUP BY 1))`,
    );
  const values = new Map<number, Map<number, number>>();
  for (const row of await unionRowsOf(connection, sql)) {
    const f = num(row[0]);
    const list = (row[1] as unknown[]).map(num);
    values.set(f, new Map(rankLists.get(f)!.map((r, i) => [r, list[i]!])));
  }
  for (const c of cols) {
    const at = values.get(c.index)!;
    const n = present[c.index]!;
    out.set(
      c.index,
      cutLevels.map((q) => {
        const h = (n - 1) * q;
        const lo = Math.floor(h);
        const t = h - lo;
        const a = at.get(lo + 1)!;
        const b = at.get(Math.ceil(h) + 1)!;
        return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
      }),
    );
  }
  return out;
}

/** Bin edges from quantile cuts: ties (a value holding many quantiles) collapse into one edge. */
function binEdges(cuts: readonly number[]): number[] {
  return [...new Set(cuts.filter(Number.isFinite))].sort((a, b) => a - b);
}

/** The bin of x: how many edges are <= x (the same rule as `binCase`). */
function binIndex(x: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `CASE` that maps x to its bin index (as `binIndex`), NULL when x is NULL. Integers group fastest. */
function binCase(x: string, edges: readonly number[]): string {
  if (edges.length === 0) return `CASE WHEN ${x} IS NULL THEN NULL ELSE 0 END`;
  return `CASE WHEN ${x} IS NULL THEN NULL ${edges.map((edge, i) => `WHEN ${x} < ${edge} THEN ${i}`).join(" ")} ELSE ${edges.length} END`;
}

function labelOf(value: unknown): string {
  return typeof value === "bigint" ? value.toString() : String(value);
}

function classOrder(a: { raw: unknown; value: string }, b: { raw: unknown; value: string }): number {
  if (typeof a.raw === "number" && typeof b.raw === "number") return a.raw - b.raw;
  if (typeof a.raw === "boolean") return Number(a.raw) - Number(b.raw);
  return compareCodePoints(a.value, b.value);
}

async function profileRelation(
  connection: DuckDBConnection,
  file: string,
  relation: string,
  table: string,
  options: ProfileOptions,
): Promise<Omit<DataProfile, "seconds">> {
  const described = await rowsOf(connection, `DESCRIBE SELECT * FROM (${relation})`);
  const names = described.map((row) => String(row[0]));
  for (const name of [...(options.ignore ?? []), ...(options.categorical ?? []), ...(options.target !== undefined ? [options.target] : [])]) {
    if (!names.includes(name)) throw unknownColumn(file, name, names);
  }
  const ignore = new Set(options.ignore ?? []);
  const categorical = new Set(options.categorical ?? []);
  if (options.target !== undefined && ignore.has(options.target)) {
    throw new InvalidParameterError("--target", "a column that is not ignored", options.target);
  }

  const cols: Col[] = [];
  for (const row of described) {
    const name = String(row[0]);
    if (ignore.has(name)) continue;
    const sqlType = String(row[1]);
    const type = typeOf(sqlType, categorical.has(name));
    const ref = sqlName(name);
    const index = cols.length;
    cols.push({ index, name, sqlType, type, ref, ...(type === "numeric" ? { num: ref } : type === "datetime" ? { num: sqlName(`__learnloop_epoch_${index}`) } : {}) });
  }
  if (cols.length === 0) throw new InvalidParameterError("--ignore", "leaving at least one column to profile", [...ignore].join(","));
  const epochs = cols.filter((c) => c.type === "datetime").map((c) => `epoch(${c.ref}) AS ${c.num}`);
  await connection.run(
    `CREATE TEMP TABLE ${table} AS SELECT *${epochs.length > 0 ? `, ${epochs.join(", ")}` : ""} FROM (SELECT ${cols.map((c) => `${normalised(c.name, c.type)} AS ${c.ref}`).join(", ")} FROM (${relation}))`,
  );

  // 1. Summary.
  const select: string[] = ["count(*)"];
  const at = cols.map((c) => {
    const first = select.length;
    select.push(`count(${c.ref})`);
    if (c.type === "numeric") {
      select.push(`min(${c.ref})`, `max(${c.ref})`, `avg(${c.ref})`, `stddev_samp(${c.ref})`, `bool_and(${c.ref} = round(${c.ref}))`);
    } else if (c.type === "datetime") {
      const iso = (agg: string) => `replace(CAST(${agg}(${c.ref}) AS VARCHAR), ' ', 'T') || 'Z'`;
      select.push(iso("min"), iso("max"), `min(${c.num})`, `max(${c.num})`);
    }
    return first;
  });
  const summary = (await rowsOf(connection, `SELECT ${select.join(", ")} FROM ${table}`))[0]!;
  const rows = num(summary[0]);
  if (rows === 0) throw new DataValidationError({ code: "no_rows", file });
  const present = cols.map((c) => num(summary[at[c.index]!]));
  // Exact distinct counts come with the most frequent values (section 2): the GROUP BY there counts them.
  const distinct = cols.map(() => 0);
  const quantiles = await quantilesOf(connection, table, cols.filter((c) => c.num && present[c.index]! > 0), present);
  const numeric = new Map<number, NumericSummary>();
  const cutsOf = new Map<number, number[]>();
  const range = new Map<number, [number, number]>();
  const datetimes = new Map<number, { min: string; max: string }>();
  for (const c of cols) {
    const i = at[c.index]! + 1;
    if (present[c.index] === 0) continue;
    if (c.type === "numeric") {
      const cuts = quantiles.get(c.index)!;
      const s = summaryOf(summary[i], summary[i + 1], summary[i + 2], summary[i + 3], cuts, summary[i + 4]);
      numeric.set(c.index, s);
      cutsOf.set(c.index, cuts);
      range.set(c.index, [s.min, s.max]);
    } else if (c.type === "datetime") {
      datetimes.set(c.index, { min: String(summary[i]), max: String(summary[i + 1]) });
      range.set(c.index, [num(summary[i + 2]), num(summary[i + 3])]);
      cutsOf.set(c.index, quantiles.get(c.index)!);
    }
  }

  // 2. Most frequent values.
  const counted = cols.filter((c) => c.type !== "nested" && present[c.index]! > 0);
  const topValues = new Map<number, { value: string; count: number }[]>();
  if (counted.length > 0) {
    // One result column holds every column's values, so they travel as text.
    const textSql = counted
      .map(
        (c) =>
          `SELECT * FROM (SELECT ${c.index} AS f, CAST(${c.ref} AS VARCHAR) AS v, count(*) AS n, count(*) OVER () AS groups FROM ${table} ` +
          `WHERE ${c.ref} IS NOT NULL GROUP BY ${c.ref} ORDER BY 3 DESC, 2 LIMIT ${maxKeys})`,
      );
    for (const row of await unionRowsOf(connection, textSql)) {
      const f = num(row[0]);
      const list = topValues.get(f) ?? [];
      list.push({ value: String(row[1]), count: num(row[2]) });
      topValues.set(f, list);
      distinct[f] = num(row[3]);
    }
  }

  // 3. The target.
  const targetCol = options.target !== undefined ? cols.find((c) => c.name === options.target)! : undefined;
  let target: TargetProfile | undefined;
  let targetKey = "";
  let targetFilter = "";
  let positive: string | undefined;
  let classEntropy = 0;
  let targetValues = 0;
  if (targetCol) {
    const t = targetCol;
    const tPresent = present[t.index]!;
    if (tPresent === 0) throw new DataValidationError({ code: "target_all_missing", file, column: t.name, detail: `${rows} row${rows === 1 ? "" : "s"}` });
    if (t.type === "nested" || t.type === "datetime") {
      throw new DataValidationError({ code: "invalid_value", file, column: t.name, expected: "a target of numbers, booleans or text", received: t.type === "nested" ? "nested values" : "datetimes" });
    }
    const nDistinct = distinct[t.index]!;
    const summaryT = numeric.get(t.index);
    let task: Task;
    if (options.task) {
      task = options.task;
      if (task === "regression" && t.type !== "numeric") {
        throw new InvalidParameterError("--task", `binary or multiclass for the text target "${t.name}"`, task);
      }
    } else if (t.type !== "numeric") task = nDistinct === 2 ? "binary" : "multiclass";
    else if (nDistinct === 2) task = "binary";
    else if (summaryT?.integer && nDistinct >= 3 && nDistinct <= maxInferredClasses) task = "multiclass";
    else task = "regression";
    if (nDistinct === 1) {
      throw new DataValidationError({ code: "single_class", file, column: t.name, expected: "2 or more classes", received: `only ${describeValue(topValues.get(t.index)?.[0]?.value ?? "")}` });
    }
    if (task === "binary" && nDistinct !== 2) {
      throw new DataValidationError({ code: "invalid_value", file, column: t.name, expected: "2 classes for a binary task", received: `${nDistinct} classes` });
    }
    targetFilter = `${t.ref} IS NOT NULL`;
    if (task === "regression") {
      targetKey = binCase(t.ref, binEdges(cutsOf.get(t.index)!));
      const bins = await rowsOf(connection, `SELECT ${targetKey} AS k, count(*) FROM ${table} WHERE ${targetFilter} GROUP BY 1`);
      classEntropy = entropyBits(bins.map((row) => num(row[1])));
      targetValues = bins.length;
      target = { name: t.name, task, missing: rows - tPresent, entropy: classEntropy, numeric: summaryT! };
    } else {
      const classRows = await rowsOf(connection, `SELECT ${t.ref}, count(*) FROM ${table} WHERE ${targetFilter} GROUP BY 1`);
      const classes = classRows.map((row) => ({ raw: row[0], value: labelOf(row[0]), count: num(row[1]) })).sort(classOrder);
      targetKey = t.ref;
      classEntropy = entropyBits(classes.map((c) => c.count));
      targetValues = classes.length;
      if (task === "binary") positive = sqlValue(classes[1]!.raw);
      target = {
        name: t.name,
        task,
        missing: rows - tPresent,
        classes: classes.map((c) => ({ value: c.value, count: c.count, share: c.count / rows })),
        ...(task === "binary" ? { positiveClass: classes[1]!.value } : {}),
        entropy: classEntropy,
      };
    }
  }

  // 4. Associations with the target.
  const associations = new Map<number, { mi: number; bias: number; rocAuc?: number; correlation?: number; r2?: number }>();
  if (targetCol && target) {
    const features = counted.filter((c) => c !== targetCol);
    const regression = target.task === "regression";
    const y = targetCol.ref;
    const cells = new Map<number, CrossTabCell[]>();
    const moments = new Map<number, Map<string, [number, number, number]>>();
    const yKey = (value: unknown): string => (regression ? String(value) : labelOf(value));
    for (const c of features) {
      // Few distinct values: grouped as they are and keyed in JS (a GROUP BY of raw values took 40 ms on
      // flights where the CASE of 19 bin edges took 150 ms and an IN list of 50 categories 270 ms).
      const binned = c.num !== undefined && distinct[c.index]! > maxBarValues;
      const edges = binned ? binEdges(cutsOf.get(c.index)!) : [];
      const raw = distinct[c.index]! <= maxRawKeys;
      const kept = new Set((topValues.get(c.index) ?? []).map((v) => v.value));
      let expression: string;
      let keyOf: (value: unknown) => string;
      if (raw) {
        expression = binned ? c.num! : c.ref;
        keyOf = binned ? (value) => String(binIndex(num(value), edges)) : distinct[c.index]! <= maxKeys ? (value) => String(value) : (value) => (kept.has(String(value)) ? String(value) : otherKey);
      } else {
        expression = binned ? binCase(c.num!, edges) : `CASE WHEN ${c.ref} IS NULL THEN NULL WHEN CAST(${c.ref} AS VARCHAR) IN (${[...kept].map(sqlString).join(", ")}) THEN CAST(${c.ref} AS VARCHAR) ELSE ${sqlString(otherKey)} END`;
        keyOf = (value) => String(value);
      }
      const extra = regression ? `, sum(${y}), sum(${y} * ${y})` : "";
      const list: CrossTabCell[] = [];
      const byKey = new Map<string, [number, number, number]>();
      for (const row of await rowsOf(connection, `SELECT ${expression} AS k, ${targetKey} AS y, count(*) AS n${extra} FROM ${table} WHERE ${targetFilter} GROUP BY 1, 2`)) {
        const key = row[0] === null ? missingKey : keyOf(row[0]);
        const n = num(row[2]);
        list.push({ key, target: yKey(row[1]), count: n });
        if (regression) {
          const m = byKey.get(key) ?? [0, 0, 0];
          byKey.set(key, [m[0] + n, m[1] + num(row[3]), m[2] + num(row[4])]);
        }
      }
      cells.set(c.index, list);
      moments.set(c.index, byKey);
    }
    if (features.length > 0) {
      for (const c of features) {
        const list = cells.get(c.index) ?? [];
        const n = list.reduce((sum, cell) => sum + cell.count, 0);
        const keys = new Set(list.map((cell) => cell.key)).size;
        const bias = n > 0 ? ((keys - 1) * (targetValues - 1)) / (2 * n * Math.LN2) : 0;
        const entry: { mi: number; bias: number; rocAuc?: number; correlation?: number; r2?: number } = { mi: mutualInformationBits(list), bias };
        if (regression && !c.num) entry.r2 = correlationRatio(moments.get(c.index));
        associations.set(c.index, entry);
      }
      const numericFeatures = features.filter((c) => c.num);
      if (target.task === "binary" && numericFeatures.length > 0) {
        const aucSql = numericFeatures
          .map(
            (c) =>
              `SELECT ${c.index} AS f, sum(pos * (coalesce(below, 0) + 0.5 * neg)) / (sum(pos) * sum(neg)) FROM (` +
              `SELECT pos, neg, sum(neg) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS below FROM (` +
              `SELECT ${c.num} AS x, CAST(count(*) FILTER (WHERE ${y} = ${positive}) AS DOUBLE) AS pos, CAST(count(*) FILTER (WHERE ${y} <> ${positive}) AS DOUBLE) AS neg ` +
              `FROM ${table} WHERE ${c.ref} IS NOT NULL AND ${targetFilter} GROUP BY 1))`,
          );
        for (const row of await unionRowsOf(connection, aucSql)) {
          const value = num(row[1]);
          if (Number.isFinite(value)) associations.get(num(row[0]))!.rocAuc = value;
        }
      }
      if (regression && numericFeatures.length > 0) {
        const corrRow = (await rowsOf(connection, `SELECT ${numericFeatures.map((c) => `corr(${c.num}, ${y})`).join(", ")} FROM ${table}`))[0]!;
        numericFeatures.forEach((c, j) => {
          const r = num(corrRow[j]);
          if (Number.isFinite(r)) Object.assign(associations.get(c.index)!, { correlation: r, r2: r * r });
        });
      }
    }
  }

  // 5. Correlations of numeric columns.
  let corrCols = cols.filter((c) => c.type === "numeric" && present[c.index]! > 0);
  if (corrCols.length > maxCorrelationColumns) {
    options.onWarning?.(`${file}: ${corrCols.length} numeric columns; correlations are computed for the first ${maxCorrelationColumns}`);
    corrCols = corrCols.slice(0, maxCorrelationColumns);
  }
  const matrix: (number | null)[][] = corrCols.map((_, i) => corrCols.map((__, j) => (i === j ? 1 : null)));
  const pairs: [number, number][] = [];
  for (let i = 0; i < corrCols.length; i++) for (let j = i + 1; j < corrCols.length; j++) pairs.push([i, j]);
  if (pairs.length > 0) {
    const row = (await rowsOf(connection, `SELECT ${pairs.map(([i, j]) => `corr(${corrCols[i]!.ref}, ${corrCols[j]!.ref})`).join(", ")} FROM ${table}`))[0]!;
    pairs.forEach(([i, j], k) => {
      const r = num(row[k]);
      matrix[i]![j] = matrix[j]![i] = Number.isFinite(r) ? r : null;
    });
  }
  // A constant column has no correlation, not even with itself.
  corrCols.forEach((c, i) => {
    if (distinct[c.index]! < 2) matrix[i]![i] = null;
  });

  // 6. Duplicated rows.
  const duplicateRows = num((await rowsOf(connection, `SELECT count(*) - count(DISTINCT hash(${cols.map((c) => c.ref).join(", ")})) FROM ${table}`))[0]![0]);

  // 7. Histograms.
  const histograms = new Map<number, HistogramBin[]>();
  const binned = cols.filter((c) => c.num && range.has(c.index) && (c.type === "datetime" || distinct[c.index]! > maxBarValues));
  if (binned.length > 0) {
    const sql = binned
      .map((c) => {
        const [lo, hi] = range.get(c.index)!;
        const width = (hi - lo) / nBins;
        const bin = width > 0 ? `least(CAST(floor((${c.num} - ${lo}) / ${width}) AS INTEGER), ${nBins - 1})` : "0";
        return `SELECT ${c.index} AS f, ${bin} AS b, count(*) AS n FROM ${table} WHERE ${c.ref} IS NOT NULL GROUP BY 2`;
      });
    const counts = new Map<number, Float64Array>();
    for (const row of await unionRowsOf(connection, sql)) {
      const f = num(row[0]);
      const list = counts.get(f) ?? counts.set(f, new Float64Array(nBins)).get(f)!;
      list[num(row[1])] += num(row[2]);
    }
    for (const c of binned) {
      const [lo, hi] = range.get(c.index)!;
      const width = (hi - lo) / nBins;
      const list = counts.get(c.index)!;
      const bins = width > 0 ? Array.from(list, (count, b) => ({ start: lo + b * width, end: b === nBins - 1 ? hi : lo + (b + 1) * width, count })) : [{ start: lo, end: hi, count: list[0]! }];
      histograms.set(c.index, bins);
    }
  }

  // Assemble.
  const tableWide = tableFlags(rows, duplicateRows, target);
  const flags = [...tableWide];
  const columns: ColumnProfile[] = cols.map((c) => {
    const missing = rows - present[c.index]!;
    const top: ValueCount[] = (topValues.get(c.index) ?? []).slice(0, nTop).map((v) => ({ value: v.value, count: v.count, share: v.count / rows }));
    const a = associations.get(c.index);
    const association: Association | undefined = a && {
      mutualInformation: a.mi,
      mutualInformationBias: a.bias,
      normalizedMutualInformation: classEntropy > 0 ? Math.min(1, a.mi / classEntropy) : 0,
      ...(a.rocAuc !== undefined ? { rocAuc: a.rocAuc } : {}),
      ...(a.correlation !== undefined ? { correlation: a.correlation } : {}),
      ...(a.r2 !== undefined ? { r2: a.r2 } : {}),
    };
    const draft = {
      name: c.name,
      type: c.type,
      sqlType: c.sqlType,
      missing,
      missingShare: missing / rows,
      distinct: distinct[c.index]!,
      ...(numeric.has(c.index) ? { numeric: numeric.get(c.index)! } : {}),
      ...(datetimes.has(c.index) ? { datetime: datetimes.get(c.index)! } : {}),
      top,
      ...(histograms.has(c.index) ? { histogram: histograms.get(c.index)! } : {}),
      ...(association ? { association } : {}),
    };
    const raised = columnFlags(draft, rows, target);
    flags.push(...raised);
    // The target's imbalance is a table-wide finding, shown on the target's row too.
    const own = c === targetCol ? tableWide.filter((flag) => flag.column === c.name) : [];
    return { ...draft, flags: [...raised, ...own].map((flag) => flag.code) };
  });
  return {
    file,
    rows,
    duplicateRows,
    ...(target ? { target } : {}),
    columns,
    correlations: { columns: corrCols.map((c) => c.name), matrix },
    flags,
    thresholds: { ...FLAG_THRESHOLDS },
  };
}

/** eta^2: the share of the target's variance explained by its mean per key. */
function correlationRatio(byKey: Map<string, [number, number, number]> | undefined): number | undefined {
  if (!byKey) return undefined;
  let n = 0;
  let sum = 0;
  let sumSquares = 0;
  let between = 0;
  for (const [count, s, ss] of byKey.values()) {
    n += count;
    sum += s;
    sumSquares += ss;
    between += (s * s) / count;
  }
  const total = sumSquares - (sum * sum) / n;
  return total > 0 ? Math.max(0, Math.min(1, (between - (sum * sum) / n) / total)) : undefined;
}
