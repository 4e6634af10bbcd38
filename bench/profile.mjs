// Profiling benchmark: learnloop's profileFile on the 3M-row flights data (Parquet, and the CSV copy in
// bench/data/flights-3m.csv when present), with the project's flights task (target delayed = delay > 15),
// against a pandas anchor on the CSV that computes the same figures the pandas way.
//
//   node bench/profile.mjs [--repeats 3]
//
// Every measurement runs in a fresh child process (the CLI's situation: a cold DuckDB each time, and its
// own peak RSS); repeats are interleaved so a busy neighbour slows all alike; the table shows medians.
// "profile s" is profileFile alone (no process start or imports), "html s" rendering the report's charts
// with vega, "wall s" the whole child process including imports. Runs the TypeScript sources via tsx.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const parquet = join(root, "node_modules/vega-datasets/data/flights-3m.parquet");
const csv = join(root, "bench/data/flights-3m.csv");
const options = { target: "delayed", derive: [{ name: "delayed", expression: "delay > 15" }] };

const child = process.argv[2] === "--child" ? process.argv[3] : undefined;
if (child) {
  const { profileFile, renderProfileHtml } = await import(pathToFileURL(join(root, "src/evaluation/profile/index.ts")).href);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const profile = await profileFile(child, options);
  const profileMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const htmlStart = performance.now();
  const html = await renderProfileHtml(profile);
  const htmlMs = performance.now() - htmlStart;
  console.log(JSON.stringify({
    profileMs,
    cpuMs: (used.user + used.system) / 1000,
    htmlMs,
    htmlBytes: html.length,
    rows: profile.rows,
    flags: profile.flags.map((flag) => `${flag.code}:${flag.column ?? ""}`),
    maxRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
  }));
  process.exit(0);
}

// The pandas anchor: the same figures (missing, nunique, describe with the same quantiles, top values,
// duplicated rows, Pearson correlations, single-feature ROC AUC for the binary target) on the CSV.
const anchor = String.raw`
import json, resource, sys, time
import pandas as pd
from sklearn.metrics import roc_auc_score
start = time.perf_counter(); cpu0 = time.process_time()
df = pd.read_csv(sys.argv[1], parse_dates=["date"])
df["delayed"] = df["delay"] > 15
out = {"missing": df.isna().sum().to_dict(), "distinct": df.nunique().to_dict()}
num = df.select_dtypes("number")
out["describe"] = num.describe(percentiles=[i / 20 for i in range(1, 20)]).to_dict()
out["top"] = {c: df[c].value_counts().head(10).to_dict() for c in ["origin", "destination"]}
out["duplicates"] = int(df.duplicated().sum())
out["corr"] = num.corr().values.tolist()
out["auc"] = {c: roc_auc_score(df["delayed"], df[c]) for c in ["delay", "distance"]}
out["auc"]["date"] = roc_auc_score(df["delayed"], df["date"].astype("int64"))
elapsed = time.perf_counter() - start; cpu = time.process_time() - cpu0
print(json.dumps({"profileMs": elapsed * 1000, "cpuMs": cpu * 1000, "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, "duplicates": out["duplicates"]}))
`;

function run(command, args) {
  const start = performance.now();
  const out = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 22 });
  const wallMs = performance.now() - start;
  if (out.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${out.stderr}`);
  return { ...JSON.parse(out.stdout.trim().split("\n").pop()), wallMs };
}

function median(values) {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const repeatsAt = process.argv.indexOf("--repeats");
const repeats = repeatsAt > 0 ? Number(process.argv[repeatsAt + 1]) : 3;
const cases = [["learnloop profile, Parquet", () => run(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", parquet])]];
if (existsSync(csv)) {
  cases.push(["learnloop profile, CSV", () => run(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", csv])]);
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : undefined;
  if (python && spawnSync(python, ["-c", "import pandas, sklearn"]).status === 0) cases.push(["pandas + sklearn, CSV", () => run(python, ["-c", anchor, csv])]);
} else {
  console.error(`note: ${csv} not found; the CSV rows are skipped`);
}

const results = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < repeats; i++) for (const [name, measure] of cases) results.get(name).push(measure());

const fmt = (ms) => (ms === undefined ? "" : (ms / 1000).toFixed(2));
console.log(`${repeats} runs each, medians; ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 1e9)} GB, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC\n`);
console.log("| what | profile s | CPU s | html s | wall s | peak RSS MB |");
console.log("|---|---|---|---|---|---|");
for (const [name, runs] of results) {
  const m = (key) => median(runs.map((r) => r[key]));
  console.log(`| ${name} | ${fmt(m("profileMs"))} | ${fmt(m("cpuMs"))} | ${fmt(m("htmlMs"))} | ${fmt(m("wallMs"))} | ${Math.round(m("maxRssMB"))} |`);
}
const first = results.values().next().value[0];
if (first?.flags) console.log(`\nflags on flights: ${first.flags.join(", ")}`);
