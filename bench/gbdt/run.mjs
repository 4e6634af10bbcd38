// The GBDT benchmark, one command: node bench/gbdt/run.mjs [--rows 1000000] [--rounds 100] [--threads 2] [--repeat 1]
//   [--data classification|flights]   (flights: bench/data/flights-3m.csv, with two categorical features)
// Generates make_classification (28 features, 14 informative, random_state=0) once into bench/data/ with
// /usr/bin/python3, then trains learnloop and XGBoost 1.7 hist (depthwise depth 5, lossguide 31 leaves) on
// the same 80/20 split, each in its own process (so peak RSS is its own), one after the other, and prints
// fit seconds, test-set prediction seconds, test ROC AUC, peak RSS and the ratios to learnloop. learnloop and XGBoost lossguide run on
// --threads threads and on 1 thread (the per-core reference); learnloop also with quantizedGradients on --threads threads. With --repeat N every run is repeated N times,
// interleaved, and the fastest fit is kept: on a shared machine the minimum is the least disturbed run.
// Uses the built library (dist/, `npx tsc -p tsconfig.build.json`) when present, else the sources via tsx.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const i = args.indexOf("--data");
const dataset = i >= 0 ? args[i + 1] : "classification";
const rows = option("rows", 1_000_000);
const rounds = option("rounds", 100);
const threads = option("threads", 2);
const repeat = option("repeat", 1);
const python = "/usr/bin/python3";
const dataDir = join(root, "bench", "data", dataset === "flights" ? "flights" : `classification-${rows}`);

if (!existsSync(join(dataDir, "meta.json"))) {
  process.stderr.write(`preparing ${dataDir}...\n`);
  if (dataset === "flights") execFileSync(python, [join(here, "flights.py"), join(root, "bench", "data", "flights-3m.csv"), dataDir], { stdio: "inherit" });
  else execFileSync(python, [join(here, "data.py"), dataDir, String(rows)], { stdio: "inherit" });
}

const run = (command, commandArgs, env = {}) => {
  const out = execFileSync(command, commandArgs, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop());
};

const useDist = existsSync(join(root, "dist", "models", "gbdt", "index.js"));
// LEARNLOOP_LIB=<dir> (read by learnloop.mjs) benchmarks another build, e.g. one made with --outDir.
process.stderr.write(`learnloop from ${process.env.LEARNLOOP_LIB ?? (useDist ? "dist/" : "src/ (tsx)")}\n`);
const learnloop = (nThreads, quantized = false) => () => (useDist || process.env.LEARNLOOP_LIB
  ? run(process.execPath, [join(here, "learnloop.mjs"), dataDir, String(rounds), String(nThreads)], { LEARNLOOP_QUANTIZED: quantized ? "1" : "0" })
  : run(process.execPath, ["--import", "tsx", join(here, "learnloop.mjs"), dataDir, String(rounds), String(nThreads)], { LEARNLOOP_SRC: "1", LEARNLOOP_QUANTIZED: quantized ? "1" : "0" }));
const runs = [
  learnloop(threads),
  learnloop(1),
  learnloop(threads, true),
  ...["depthwise", "lossguide"].map((policy) => () => run(python, [join(here, "xgb.py"), dataDir, policy, String(rounds), String(threads)])),
  () => ({ ...run(python, [join(here, "xgb.py"), dataDir, "lossguide", String(rounds), "1"]), threads: 1 }),
];
const results = [];
const allFits = runs.map(() => []);
const allPredicts = runs.map(() => []);
const allCpu = runs.map(() => []);
for (let rep = 0; rep < repeat; rep++) {
  runs.forEach((runOne, i) => {
    const result = runOne();
    if (result.threads === 1 && !result.name.includes("thread")) result.name += " (1 thread)";
    process.stderr.write(`  ${result.name}: ${result.fitSeconds.toFixed(2)} s\n`);
    allFits[i].push(result.fitSeconds);
    allPredicts[i].push(result.predictSeconds);
    allCpu[i].push(result.fitCpuSeconds);
    if (!results[i] || result.fitSeconds < results[i].fitSeconds) results[i] = result;
  });
}

const base = results[0];
const what = dataset === "flights" ? "flights 3M (delay > 15; 5 numeric, origin and destination categorical)" : `make_classification ${rows} x 28`;
console.log(`GBDT benchmark: ${what}, 80/20 split, ${rounds} rounds, lr 0.1; ${threads} threads unless noted${repeat > 1 ? `; fastest of ${repeat}` : ""}`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const medians = allFits.map(median);
const predictMedians = allPredicts.map(median);
const cpuMedians = allCpu.map(median);
console.log(["library".padEnd(44), "fit s".padStart(8), "median s".padStart(9), "AUC".padStart(8), "RSS MB".padStart(8), "fit / learnloop".padStart(16), "median / learnloop".padStart(19), "predict s".padStart(10), "fit CPU s".padStart(10)].join(" "));
results.forEach((r, i) => {
  console.log([r.name.padEnd(44), r.fitSeconds.toFixed(2).padStart(8), medians[i].toFixed(2).padStart(9), r.auc.toFixed(4).padStart(8), r.peakRssMB.toFixed(0).padStart(8), (r.fitSeconds / base.fitSeconds).toFixed(2).padStart(16), (medians[i] / medians[0]).toFixed(2).padStart(19), predictMedians[i].toFixed(3).padStart(10), cpuMedians[i].toFixed(2).padStart(10)].join(" "));
});
console.log("predict s: median seconds to predict the whole test set (XGBoost: its DMatrix included; learnloop: from the columns).");
console.log("fit CPU s: median CPU seconds of the fit, all threads (steadier than wall time on a shared machine; with threads it includes their waiting).");
console.log(`all fit seconds: ${JSON.stringify(results.map((r, i) => [r.name, allFits[i].map((x) => Number(x.toFixed(2)))]))}`);
console.log(`all predict seconds: ${JSON.stringify(results.map((r, i) => [r.name, allPredicts[i].map((x) => Number(x.toFixed(3)))]))}`);
console.log(`load average at the end: ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")}`);
for (const r of results.slice(0, 3)) {
  if (r.phases) console.log(`${r.name} phases (s): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v == null ? "-" : v.toFixed(2)}`).join(", ")}`);
}
