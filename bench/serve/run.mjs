// The serving benchmark, one command: npm run bench -- serve [--duration 10] [--connections 32] [--batches 7] [--repeat 5]
//   [--node-options "--max-semi-space-size=64"] (Node/V8 options of both server processes alike)
//   [--learnloop-node-options "..."] (Node/V8 options of learnloop's server only, to try some)
//   [--lib <compiled library folder>] (default: src/ compiled into bench/data/serve-dist)
// On loopback, autocannon (in this process) drives single-row POST /v1/models/flights/predict requests at
//   (a) a bare Fastify handler answering a constant JSON body of the same shape (bench/serve/bare.mjs) and
//   (b) learnloop's service (createService over a SQLite store) with a 100-tree GBDT model trained on
//       flights-200k.json (bench/serve/learnloop.mjs), compiled from src/ into bench/data/serve-dist/
//       first (as it ships; the sources under tsx when the build fails),
// each server in its own process, one after the other in the same run (a warm-up, then the measured
// run), the pair repeated --repeat times interleaved (the machine is shared: medians of the repeats, and
// the median of each pair's own ratios, which a machine getting busier or quieter between pairs moves less);
// then times 10,000-row batch requests to learnloop (median of --batches). Prints requests/s, p50 / p99
// latency (autocannon measures whole milliseconds), errors, the ratios learnloop / bare, and the load
// average and the busiest other processes, to say what else ran.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startServer, stopServer } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const duration = option("duration", 10);
const connections = option("connections", 32);
const batches = option("batches", 7);
const repeat = option("repeat", 5);
const tsx = ["--import", "tsx"];
// Node/V8 options for both server processes alike, e.g. --node-options "--max-semi-space-size=64".
const nodeOptionsAt = args.indexOf("--node-options");
const serverFlags = nodeOptionsAt >= 0 ? args[nodeOptionsAt + 1].split(" ").filter(Boolean) : [];

const row = { distance: 1452, time: 14.5 };
const body = JSON.stringify({ rows: [row] });

/**
 * Latencies of 2xx answers in 10-microsecond buckets up to 1 s (the last bucket holds the rest), as
 * autocannon measures each response (hrtime, fractional milliseconds): autocannon's own histogram keeps
 * whole milliseconds, which turns a p99 of 1.0 and of 1.9 ms into 1 ms.
 */
function fineLatencies(instance) {
  const buckets = new Float64Array(100_001);
  let n = 0;
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status < 200 || status >= 300) return;
    buckets[Math.min(100_000, Math.floor(ms * 100))]++;
    n++;
  });
  return {
    /** The q-quantile in ms (the upper edge of its 10 us bucket). */
    quantile(q) {
      const rank = Math.ceil(q * n);
      let seen = 0;
      for (let b = 0; b < buckets.length; b++) {
        seen += buckets[b];
        if (seen >= rank) return (b + 1) / 100;
      }
      return NaN;
    },
  };
}

function drive(port, seconds, fine) {
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/v1/models/flights/predict`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: seconds,
  });
  if (fine) fine.latencies = fineLatencies(instance);
  return instance;
}

async function measure(label, command, commandArgs, ownFlags = []) {
  const { child, port } = await startServer([...serverFlags, ...ownFlags, ...command, ...commandArgs]);
  await drive(port, 2); // warm-up: JIT, connection set-up
  const fine = {};
  const result = await drive(port, duration, fine);
  let batch = null;
  if (label === "learnloop") batch = await timeBatches(port);
  await stopServer(child);
  const errors = result.errors + result.timeouts + result.non2xx;
  return { label, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, p50us: fine.latencies.quantile(0.5), p99us: fine.latencies.quantile(0.99), errors, total: result.requests.total, batch };
}

async function timeBatches(port) {
  // 10,000 distinct rows of the flights data itself.
  const rows = JSON.parse(readFileSync(join(root, "node_modules/vega-datasets/data/flights-200k.json"), "utf8"))
    .slice(0, 10_000)
    .map(({ distance, time }) => ({ distance, time }));
  const payload = JSON.stringify({ rows });
  const times = [];
  for (let i = 0; i < batches + 1; i++) {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/v1/models/flights/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: payload });
    const answer = await response.json();
    if (response.status !== 200 || answer.predictions.length !== 10_000) throw new Error(`batch request failed: ${response.status}`);
    if (i > 0) times.push(performance.now() - started); // the first is a warm-up
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], bytes: payload.length };
}

const home = mkdtempSync(join(tmpdir(), "learnloop-bench-serve-"));
// --lib <folder>: an already compiled library to benchmark instead of a build of src/ (an older checkout's).
const libAt = args.indexOf("--lib");
let lib = libAt >= 0 ? args[libAt + 1] : join(root, "bench", "data", "serve-dist");
let runner = [];
if (libAt < 0) {
  const started = Date.now();
  try {
    process.stderr.write("compiling src/ into bench/data/serve-dist...\n");
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", lib, "--sourceMap", "false", "--declaration", "false", "--declarationMap", "false"], { cwd: root, stdio: "inherit" });
  } catch {
    // tsc writes its output despite type errors (another engineer's file in progress, say): use it when
    // it was written now; otherwise run the sources.
    let emitted = false;
    try {
      emitted = statSync(join(lib, "serving", "app.js")).mtimeMs >= started - 1000;
    } catch {
      emitted = false;
    }
    if (emitted) process.stderr.write("tsc reported type errors (above); benchmarking the JavaScript it wrote\n");
    else {
      process.stderr.write("the build failed: running the sources under tsx\n");
      lib = join(root, "src");
      runner = tsx;
    }
  }
}
const ownAt = args.indexOf("--learnloop-node-options");
const learnloopFlags = ownAt >= 0 ? args[ownAt + 1].split(" ").filter(Boolean) : [];
const learnloopScript = join(here, "learnloop.mjs");
try {
  process.stderr.write("training the flights model (100 trees)...\n");
  const prepared = JSON.parse(execFileSync(process.execPath, [...runner, learnloopScript, lib, "prepare", home], { cwd: root, encoding: "utf8" }).trim().split("\n").pop());
  process.stderr.write(`trained on ${prepared.rows} rows, features ${prepared.features.join(", ")}, ${prepared.trees} trees\n`);
  process.stderr.write(`driving each server for ${duration} s with ${connections} connections...\n`);
  const busy = execFileSync("ps", ["-eo", "pcpu,args", "--sort=-pcpu"], { encoding: "utf8" }).split("\n").slice(1, 5).map((l) => l.trim().slice(0, 90)).filter(Boolean);
  const loadBefore = loadavg()[0];
  const runs = { bare: [], learnloop: [] };
  for (let r = 0; r < repeat; r++) {
    runs.bare.push(await measure("bare", [], [join(here, "bare.mjs")]));
    runs.learnloop.push(await measure("learnloop", runner, [learnloopScript, lib, "serve", home], learnloopFlags));
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = (label) => ({
    label,
    rps: median(runs[label].map((r) => r.rps)),
    p50: median(runs[label].map((r) => r.p50)),
    p99: median(runs[label].map((r) => r.p99)),
    p50us: median(runs[label].map((r) => r.p50us)),
    p99us: median(runs[label].map((r) => r.p99us)),
    errors: runs[label].reduce((sum, r) => sum + r.errors, 0),
    total: runs[label].reduce((sum, r) => sum + r.total, 0),
    each: runs[label].map((r) => Math.round(r.rps)).join(" / "),
    batch: runs[label].at(-1).batch,
  });
  const bare = summary("bare");
  const learnloop = summary("learnloop");
  // Each pair's own ratios: a bare run and the learnloop run right after it saw the same machine.
  const pairs = runs.bare.map((b, i) => ({ rps: runs.learnloop[i].rps / b.rps, p99: runs.learnloop[i].p99us / b.p99us }));
  const pairRps = median(pairs.map((p) => p.rps));
  const pairP99 = median(pairs.map((p) => p.p99));

  const fmt = (n, digits = 2) => n.toFixed(digits);
  const lines = [
    `learnloop from ${libAt >= 0 ? lib : lib === join(root, "src") ? "the sources (tsx)" : "a build of src/"}`,
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}; ${connections} connections, ${duration} s each, ${repeat} interleaved runs per server, single-row POST /v1/models/flights/predict`,
    `node options of both servers: ${serverFlags.length > 0 ? serverFlags.join(" ") : "none"}; of learnloop's alone: ${learnloopFlags.length > 0 ? learnloopFlags.join(" ") : "none"}`,
    `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; busiest processes at the start: ${busy.join("; ")}`,
    "",
    "server       requests/s (median)  each run               p50 ms  p99 ms  p50 / p99 ms (10 us)  errors  requests",
    "-----------  -------------------  ---------------------  ------  ------  --------------------  ------  --------",
    ...[bare, learnloop].map((r) => `${r.label.padEnd(11)}  ${fmt(r.rps, 0).padStart(19)}  ${r.each.padEnd(21)}  ${fmt(r.p50).padStart(6)}  ${fmt(r.p99).padStart(6)}  ${`${fmt(r.p50us)} / ${fmt(r.p99us)}`.padStart(20)}  ${String(r.errors).padStart(6)}  ${String(r.total).padStart(8)}`),
    "",
    `learnloop / bare, medians of each server's runs: requests/s ${fmt(learnloop.rps / bare.rps)}, p99 ${fmt(learnloop.p99 / bare.p99)} in autocannon's whole ms, ${fmt(learnloop.p99us / bare.p99us)} in 10 us buckets`,
    `learnloop / bare, each pair (bare, then learnloop): requests/s ${pairs.map((p) => fmt(p.rps)).join(" / ")}; p99 (10 us) ${pairs.map((p) => fmt(p.p99)).join(" / ")}`,
    `verdict (medians of the pairs' ratios): requests/s ${fmt(pairRps)} (target >= 0.70: ${pairRps >= 0.7 ? "met" : "NOT met"}), p99 ${fmt(pairP99)}x (target <= 1.5: ${pairP99 <= 1.5 ? "met" : "NOT met"}), errors ${learnloop.errors} (target 0: ${learnloop.errors === 0 ? "met" : "NOT met"})`,
    `10,000-row batch (${(learnloop.batch.bytes / 1e6).toFixed(2)} MB of JSON): median ${fmt(learnloop.batch.median, 1)} ms over ${batches} requests (min ${fmt(learnloop.batch.min, 1)}, max ${fmt(learnloop.batch.max, 1)}; target < 100 ms: ${learnloop.batch.median < 100 ? "met" : "NOT met"})`,
  ];
  console.log(lines.join("\n"));
} finally {
  rmSync(home, { recursive: true, force: true });
}
