// Data loading benchmark: learnloop's readDataset against DuckDB's own scan (the floor for anything
// built on DuckDB) and pandas.read_csv, on the 3M-row flights data, as Parquet and as CSV.
//
//   npm run build && node bench/load.mjs [--repeats 5] [--baseline path/to/dist/data/index.js]
//
// --baseline adds another build of the data layer (e.g. the last commit's, built elsewhere) as extra
// rows, measured in the same interleaved rounds, so that before/after ratios share their conditions.
//
// Every measurement runs in a fresh child process (so peak RSS is its own), repeats are interleaved
// (so a busy neighbour slows all of them alike), and the table shows medians. Times exclude process
// start and imports; learnloop first reads a tiny CSV so that the DuckDB instance exists, as the
// floor's does. Uses the built library (dist/).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const parquet = join(root, "node_modules/vega-datasets/data/flights-3m.parquet");
const csv = join(root, "bench/data/flights-3m.csv");
const small = join(root, "test/fixtures/data/small.csv");
const libraryPath = join(root, "dist/data/index.js");
const library = pathToFileURL(libraryPath).href;
// The flights task of the project's `npm start`: delayed = delay > 15, delay itself left out.
const readOptions = { target: "delayed", derive: [{ name: "delayed", expression: "delay > 15" }], ignore: ["delay"] };

const child = process.argv[2] === "--child" ? process.argv.slice(3) : undefined;
if (child) {
  const [what, file, libraryUrl] = child;
  const result = what === "floor" ? await floor(file) : await learnloop(file, libraryUrl ?? library);
  // maxRSS is in KiB; every size in this benchmark is in MB (10^6 bytes), the Dataset's included.
  console.log(JSON.stringify({ ...result, maxRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6 }));
  process.exit(0);
}

/** DuckDB scanning every value of every column once, in one aggregate query. */
async function floor(file) {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  const reader = file.endsWith(".csv") ? `read_csv('${file}')` : `read_parquet('${file}')`;
  const columns = ["date", "delay", "distance", "origin", "destination"];
  // hash() touches each value: sum(length(origin)) on Parquet would be computed once per dictionary entry.
  const sql = `SELECT count(*), ${columns.map((c) => `sum(hash(${c}))`).join(", ")} FROM ${reader}`;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await connection.run(sql);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/** readDataset into a Dataset; its size counts every buffer the columns hold. */
async function learnloop(file, libraryUrl) {
  const { readDataset } = await import(libraryUrl);
  await readDataset(small, { target: "label" }); // creates the DuckDB instance, warms the code
  const cpu = process.cpuUsage();
  const start = performance.now();
  const data = await readDataset(file, readOptions);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const fingerprintStart = performance.now();
  const fingerprint = data.fingerprint; // computed on first access
  const fingerprintMs = performance.now() - fingerprintStart;
  const buffers = new Set();
  for (const column of [...data.features, ...(data.extras ?? [])]) buffers.add(column.kind === "numeric" ? column.values.buffer : column.codes.buffer);
  if (data.target) buffers.add(data.target.values.buffer);
  let bytes = 0;
  for (const buffer of buffers) bytes += buffer.byteLength;
  return { ms, cpuMs: (used.user + used.system) / 1000, fingerprintMs, fingerprint, bytes, rows: data.nRows };
}

function run(command, args) {
  const out = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop());
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const repeatsIndex = process.argv.indexOf("--repeats");
const repeats = repeatsIndex > 0 ? Number(process.argv[repeatsIndex + 1]) : 5;
const baselineIndex = process.argv.indexOf("--baseline");
const baseline = baselineIndex > 0 ? pathToFileURL(process.argv[baselineIndex + 1]).href : undefined;

if (!existsSync(libraryPath)) {
  console.error("dist/data/index.js is missing: run `npm run build` first");
  process.exit(1);
}
if (!existsSync(csv)) {
  console.error("making bench/data/flights-3m.csv from the Parquet file (once)...");
  mkdirSync(dirname(csv), { recursive: true });
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const connection = await (await DuckDBInstance.create(":memory:")).connect();
  await connection.run(`COPY (SELECT * FROM read_parquet('${parquet}')) TO '${csv}' (HEADER, DELIMITER ',')`);
}
let python = "/usr/bin/python3";
let pandasNote = "";
try {
  execFileSync(python, ["-c", "import pandas"], { stdio: "ignore" });
} catch {
  python = "";
  pandasNote = "pandas not measured: /usr/bin/python3 cannot import pandas";
}

const self = fileURLToPath(import.meta.url);
const cases = [
  { key: "floor-parquet", label: "DuckDB aggregate scan (floor), Parquet", run: () => run(process.execPath, [self, "--child", "floor", parquet]) },
  { key: "learnloop-parquet", label: "learnloop readDataset, Parquet", run: () => run(process.execPath, [self, "--child", "learnloop", parquet]) },
  { key: "floor-csv", label: "DuckDB aggregate scan (floor), CSV", run: () => run(process.execPath, [self, "--child", "floor", csv]) },
  { key: "learnloop-csv", label: "learnloop readDataset, CSV", run: () => run(process.execPath, [self, "--child", "learnloop", csv]) },
];
if (baseline) {
  cases.push(
    { key: "baseline-parquet", label: "baseline readDataset, Parquet", run: () => run(process.execPath, [self, "--child", "learnloop", parquet, baseline]) },
    { key: "baseline-csv", label: "baseline readDataset, CSV", run: () => run(process.execPath, [self, "--child", "learnloop", csv, baseline]) },
  );
}
if (python) cases.push({ key: "pandas-csv", label: "pandas.read_csv, CSV", run: () => run(python, [join(root, "bench/load-anchor.py"), csv]) });

const results = Object.fromEntries(cases.map((c) => [c.key, []]));
const loadBefore = loadavg()[0];
for (let r = 0; r < repeats; r++) {
  for (const c of cases) {
    const result = c.run();
    results[c.key].push(result);
    console.error(`  ${c.key} #${r + 1}: ${result.ms.toFixed(0)} ms, ${result.maxRssMB.toFixed(0)} MB`);
  }
}

const med = (key, field) => median(results[key].map((result) => result[field]));
const fingerprinted = ["learnloop-parquet", "learnloop-csv", ...(baseline ? ["baseline-parquet", "baseline-csv"] : [])];
const fingerprints = new Set(fingerprinted.flatMap((key) => results[key].map((result) => result.fingerprint)));
const datasetMB = med("learnloop-csv", "bytes") / 1e6;
const row = (c) => {
  const ms = med(c.key, "ms");
  const format = c.key.endsWith("csv") ? "csv" : "parquet";
  const vsFloor = ms / med(`floor-${format}`, "ms");
  const vsPandas = python && format === "csv" ? (ms / med("pandas-csv", "ms")).toFixed(2) : "";
  const rss = med(c.key, "maxRssMB");
  const rssRatio = c.key.startsWith("learnloop") || c.key.startsWith("baseline") ? (rss / datasetMB).toFixed(2) : "";
  return `| ${c.label} | ${ms.toFixed(0)} | ${med(c.key, "cpuMs").toFixed(0)} | ${vsFloor.toFixed(2)} | ${vsPandas} | ${rss.toFixed(0)} | ${rssRatio} |`;
};
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`flights 3M rows (${repeats} repeats each, medians), ${new Date().toISOString()}, ${cpus().length} cores, ${process.arch}, ${cpu}, Node ${process.version}, load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
console.log("");
console.log("| what | wall ms | CPU ms | x floor | x pandas | peak RSS MB | RSS / Dataset |");
console.log("|---|---|---|---|---|---|---|");
for (const c of cases) console.log(row(c));
console.log("");
console.log(`Dataset: ${med("learnloop-csv", "rows")} rows, ${datasetMB.toFixed(0)} MB of column buffers (8 features + target); fingerprint on first access: ${med("learnloop-csv", "fingerprintMs").toFixed(0)} ms (CSV), ${med("learnloop-parquet", "fingerprintMs").toFixed(0)} ms (Parquet); ${fingerprints.size === 1 ? `same fingerprint from both files${baseline ? " and both builds" : ""}` : "FINGERPRINTS DIFFER between runs, files or builds"}.`);
if (pandasNote) console.log(pandasNote);
