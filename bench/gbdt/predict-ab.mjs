// Two or more builds of learnloop predicting the same test set, side by side: one command.
//   node bench/gbdt/predict-ab.mjs --lib NAME=DIR --lib NAME=DIR [--data classification|flights] [--repeat 5] [--inner 3] [--threads 2] [--node-flags "..."]
// Each build runs in its own process (bench/gbdt/predict-learnloop.mjs with LEARNLOOP_LIB=DIR), --repeat
// processes each, interleaved (A B A B ...), each predicting --inner times with the model that
// bench/gbdt/predict.mjs trained; prints per build the median of each process's first (cold) prediction,
// the median of the later ones (wall and CPU seconds), and the mean P(1), which must be the same for all.
// A build is a directory holding index.js (npx tsc -p tsconfig.build.json --outDir DIR). A NAME may end in
// "@flags" to run that build's processes with node flags, e.g. --lib 'js=/tmp/build@--no-expose-wasm'.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const libs = args.flatMap((arg, i) => (arg === "--lib" ? [args[i + 1]] : [])).map((spec) => {
  const [name, rest] = spec.split(/=(.*)/s);
  const [dir, flags] = rest.split("@");
  return { name, dir, flags: flags ? flags.split(" ").filter(Boolean) : [] };
});
if (libs.length < 1) throw new Error("give at least one --lib NAME=DIR");
const dataName = option("data", "classification") === "flights" ? "flights" : "classification-1000000";
const repeat = Number(option("repeat", 5));
const inner = Number(option("inner", 3));
const threads = Number(option("threads", 2));
const dataDir = join(root, "bench", "data", dataName);
const model = join(root, "bench", "data", "models", `${dataName}.learnloop.model`);
if (!existsSync(model)) throw new Error(`${model} is missing: run node bench/gbdt/predict.mjs --data ${dataName === "flights" ? "flights" : "classification"} once`);

const results = libs.map(() => ({ first: [], later: [], firstCpu: [], laterCpu: [], meanP1: new Set() }));
const loadBefore = loadavg()[0];
for (let rep = 0; rep < repeat; rep++) {
  libs.forEach((lib, i) => {
    const child = spawnSync(process.execPath, [...lib.flags, join(here, "predict-learnloop.mjs"), dataDir, model, String(threads), String(inner)], {
      cwd: root,
      env: { ...process.env, LEARNLOOP_LIB: lib.dir },
      encoding: "utf8",
    });
    // The result is the last line on stdout (a process with --no-expose-wasm may fail after printing it).
    const line = child.stdout.trim().split("\n").pop();
    if (!line?.startsWith("{")) throw new Error(`${lib.name}: no result (exit ${child.status}): ${child.stderr}`);
    const r = JSON.parse(line);
    results[i].first.push(r.wall[0]);
    results[i].firstCpu.push(r.cpu[0]);
    results[i].later.push(...r.wall.slice(1));
    results[i].laterCpu.push(...r.cpu.slice(1));
    results[i].meanP1.add(r.meanP1);
    process.stderr.write(`  ${lib.name}: ${r.wall.map((x) => x.toFixed(3)).join(" ")} s (CPU ${r.cpu.map((x) => x.toFixed(3)).join(" ")})\n`);
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`learnloop builds side by side: ${dataName} test set, ${threads} thread(s); ${repeat} processes x ${inner} predictions each, interleaved`);
console.log(["build".padEnd(24), "first s".padStart(8), "first CPU".padStart(10), "later s".padStart(8), "later CPU".padStart(10), "mean P(1)".padStart(20)].join(" "));
libs.forEach((lib, i) => {
  const r = results[i];
  console.log([lib.name.padEnd(24), median(r.first).toFixed(3).padStart(8), median(r.firstCpu).toFixed(3).padStart(10), median(r.later).toFixed(3).padStart(8), median(r.laterCpu).toFixed(3).padStart(10), [...r.meanP1].join(",").padStart(20)].join(" "));
});
console.log(`all first / later wall seconds: ${JSON.stringify(libs.map((lib, i) => [lib.name, results[i].first.map((x) => Number(x.toFixed(3))), results[i].later.map((x) => Number(x.toFixed(3)))]))}`);
console.log(`load average: ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
