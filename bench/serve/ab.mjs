// Interleaved A/B of service builds against the bare handler, in short rounds: for trying a change in a
// quiet slot before the full benchmark (bench/serve/run.mjs). Each round starts the bare handler, then
// each variant, one at a time, and drives each as run.mjs does (autocannon on loopback, single-row
// POST /v1/models/flights/predict, a warm-up, then the measured run); every start of a variant serves a
// fresh copy of its store, so every run begins with the same prediction log. Per variant it prints the
// median over rounds of: requests/s and its ratio to the bare handler's in the same round, p99 in 10 us
// buckets and its ratio to bare's in the same round, the CPU time per request of the server's main
// thread and of its other threads, and the time its main thread waited runnable for a core (from /proc,
// Linux: what other threads and processes cost it), errors; and the load average before and after.
//   node bench/serve/ab.mjs [--rounds 5] [--duration 5] [--warmup 2] [--connections 32] "label=<lib>[ node options...]" ...
// <lib>: a compiled library (npx tsc -p tsconfig.build.json --outDir <lib>); the node options apply to
// that variant's server only (e.g. "semi8=/tmp/build --max-semi-space-size=8").
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startServer, stopServer } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const take = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  return value;
};
const rounds = take("rounds", 5);
const duration = take("duration", 5);
const warmup = take("warmup", 2);
const connections = take("connections", 32);
if (args.length === 0) throw new Error('usage: ab.mjs [--rounds 5] [--duration 5] "label=<lib>[ node options]" ...');
const body = JSON.stringify({ rows: [{ distance: 1452, time: 14.5 }] });

/** CPU microseconds of `pid`'s threads: [main thread, the others], at 100 ticks a second. */
function threadCpu(pid) {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      const us = (Number(fields[11]) + Number(fields[12])) * 10_000;
      if (tid === String(pid)) main += us;
      else others += us;
    } catch {
      // the thread ended meanwhile
    }
  }
  return [main, others];
}

/** Nanoseconds the main thread of `pid` waited, runnable, for a core (/proc schedstat's second field): the scheduler's share of latency. */
function mainRunDelay(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[1]);
  } catch {
    return NaN;
  }
}

/** Runs autocannon against `port`; with `fine`, also collects 2xx latencies in 10 us buckets (as run.mjs). */
async function drive(port, seconds, fine) {
  const buckets = new Float64Array(100_001);
  let n = 0;
  const instance = autocannon({ url: `http://127.0.0.1:${port}/v1/models/flights/predict`, method: "POST", headers: { "content-type": "application/json" }, body, connections, duration: seconds });
  if (fine) {
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status < 200 || status >= 300) return;
      buckets[Math.min(100_000, Math.floor(ms * 100))]++;
      n++;
    });
  }
  const result = await instance;
  let p99 = NaN;
  const rank = Math.ceil(0.99 * n);
  for (let b = 0, seen = 0; b < buckets.length && fine; b++) {
    seen += buckets[b];
    if (seen >= rank) {
      p99 = (b + 1) / 100;
      break;
    }
  }
  return { rps: result.requests.average, total: result.requests.total, errors: result.errors + result.timeouts + result.non2xx, p99 };
}

async function measure(command) {
  const { child, port } = await startServer(command);
  await drive(port, warmup, false);
  const before = threadCpu(child.pid);
  const waitedBefore = mainRunDelay(child.pid);
  const run = await drive(port, duration, true);
  const after = threadCpu(child.pid);
  const waited = mainRunDelay(child.pid) - waitedBefore;
  await stopServer(child);
  return { ...run, mainUs: (after[0] - before[0]) / run.total, otherUs: (after[1] - before[1]) / run.total, waitUs: waited / 1000 / run.total };
}

const homes = [];
try {
  const variants = [{ label: "bare", command: [join(here, "bare.mjs")] }];
  for (const spec of args) {
    const [label, rest] = [spec.slice(0, spec.indexOf("=")), spec.slice(spec.indexOf("=") + 1)];
    const [lib, ...flags] = rest.split(" ").filter(Boolean);
    const home = mkdtempSync(join(tmpdir(), "learnloop-bench-ab-"));
    homes.push(home);
    process.stderr.write(`${label}: training the flights model (100 trees) with ${lib}...\n`);
    execFileSync(process.execPath, [join(here, "learnloop.mjs"), resolve(lib), "prepare", home], { cwd: root, encoding: "utf8" });
    variants.push({ label, lib: resolve(lib), flags, home });
  }
  const loadBefore = loadavg()[0];
  const samples = new Map(variants.map((v) => [v.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const variant of variants) {
      let command = variant.command;
      let copy;
      if (!command) {
        copy = mkdtempSync(join(tmpdir(), "learnloop-bench-ab-run-"));
        cpSync(variant.home, copy, { recursive: true });
        command = [...variant.flags, join(here, "learnloop.mjs"), variant.lib, "serve", copy];
      }
      try {
        samples.get(variant.label).push(await measure(command));
      } finally {
        if (copy) rmSync(copy, { recursive: true, force: true });
      }
    }
    process.stderr.write(`round ${r + 1} of ${rounds} done\n${table(samples, variants, r + 1).join("\n")}\n`);
  }
  console.log(`A/B: ${rounds} interleaved rounds, ${warmup} s warm-up + ${duration} s each, ${connections} connections; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`);
  console.log(table(samples, variants, rounds).join("\n"));
} finally {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}

/** The table of medians over the first `done` rounds. */
function table(samples, variants, done) {
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const bare = samples.get("bare");
  const lines = ["variant               rps (median)  rps / bare  p99 ms  p99 / bare  main us/req  other us/req  main waited us/req  errors  rps each round"];
  for (const variant of variants) {
    const runs = samples.get(variant.label).slice(0, done);
    const rpsRatio = median(runs.map((run, r) => run.rps / bare[r].rps));
    const p99Ratio = median(runs.map((run, r) => run.p99 / bare[r].p99));
    lines.push(
      `${variant.label.padEnd(20)}  ${median(runs.map((r) => r.rps)).toFixed(0).padStart(12)}  ${rpsRatio.toFixed(3).padStart(10)}  ${median(runs.map((r) => r.p99)).toFixed(2).padStart(6)}  ${p99Ratio.toFixed(2).padStart(10)}  ${median(runs.map((r) => r.mainUs)).toFixed(1).padStart(11)}  ${median(runs.map((r) => r.otherUs)).toFixed(1).padStart(12)}  ${median(runs.map((r) => r.waitUs)).toFixed(2).padStart(18)}  ${String(runs.reduce((sum, r) => sum + r.errors, 0)).padStart(6)}  ${runs.map((r) => Math.round(r.rps)).join(" / ")}`,
    );
  }
  return lines;
}
