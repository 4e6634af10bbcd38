// CPU time per request over real HTTP, per thread of the server: a server process (the bare handler or
// learnloop's service, as bench/serve/run.mjs starts them) driven by autocannon on loopback; the CPU
// time of each of its threads is read from /proc before and after the measured run (Linux only) and
// divided by the requests answered: the main thread, the busiest other one (learnloop's prediction
// log writer) and the rest. Unlike requests/s this hardly depends on what else runs on the
// machine, so it can be measured outside a quiet slot (under nice).
//   node bench/serve/threads.mjs [--duration 5] [--connections 32] [--rounds 3] [--node-options "..."] <lib> [<lib> ...]
// <lib>: a compiled library (a build of src/) or src itself (then served under tsx). The bare handler is
// always measured first; the servers run one at a time, interleaved, --rounds times; medians.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const duration = Number(take("duration", 5));
const connections = Number(take("connections", 32));
const rounds = Number(take("rounds", 3));
const serverFlags = take("node-options", "").split(" ").filter(Boolean);
const libs = args.length > 0 ? args : ["src"];
const body = JSON.stringify({ rows: [{ distance: 1452, time: 14.5 }] });

/** CPU microseconds of each thread of `pid` by thread id ("main" for the main thread), at 100 ticks a second. */
function threadCpu(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      const name = tid === String(pid) ? "main" : tid;
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const drive = (port, seconds) =>
  autocannon({ url: `http://127.0.0.1:${port}/v1/models/flights/predict`, method: "POST", headers: { "content-type": "application/json" }, body, connections, duration: seconds });

async function measure(command) {
  const { child, port } = await startServer([...serverFlags, ...command]);
  await drive(port, 2);
  const before = threadCpu(child.pid);
  const result = await drive(port, duration);
  // Let the prediction log write its last batches, so that their cost is counted.
  await new Promise((r) => setTimeout(r, 300));
  const after = threadCpu(child.pid);
  await stopServer(child);
  const n = result.requests.total;
  // Per request: the main thread, the busiest other thread (learnloop's prediction log writer; Node's
  // threads are all named "node"), and the rest (V8's GC and compiler helpers, libuv's).
  const used = [...after].map(([name, us]) => [name, (us - (before.get(name) ?? 0)) / n]);
  const others = used.filter(([name]) => name !== "main").sort((a, b) => b[1] - a[1]);
  const perThread = new Map([
    ["main", used.find(([name]) => name === "main")?.[1] ?? 0],
    ["busiest other", others[0]?.[1] ?? 0],
    ["rest", others.slice(1).reduce((sum, [, us]) => sum + us, 0)],
  ]);
  return { rps: result.requests.average, errors: result.errors + result.non2xx + result.timeouts, perThread };
}

const homes = [];
try {
  const servers = [{ label: "bare", command: [join(here, "bare.mjs")] }];
  for (const lib of libs) {
    const home = mkdtempSync(join(tmpdir(), "learnloop-bench-threads-"));
    homes.push(home);
    const runner = resolve(lib).endsWith("src") ? ["--import", "tsx"] : [];
    process.stderr.write(`training the flights model (100 trees) with ${lib}...\n`);
    execFileSync(process.execPath, [...runner, join(here, "learnloop.mjs"), resolve(lib), "prepare", home], { cwd: root, encoding: "utf8" });
    servers.push({ label: `learnloop ${lib}`, command: [...runner, join(here, "learnloop.mjs"), resolve(lib), "serve", home] });
  }
  const samples = new Map(servers.map((s) => [s.label, []]));
  for (let r = 0; r < rounds; r++) for (const server of servers) samples.get(server.label).push(await measure(server.command));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`CPU us per request over HTTP by thread (median of ${rounds} interleaved runs of ${duration} s, ${connections} connections); node options: ${serverFlags.join(" ") || "none"}`);
  for (const server of servers) {
    const runs = samples.get(server.label);
    const names = [...new Set(runs.flatMap((run) => [...run.perThread.keys()]))];
    const total = median(runs.map((run) => [...run.perThread.values()].reduce((a, b) => a + b, 0)));
    const parts = names.map((name) => [name, median(runs.map((run) => run.perThread.get(name) ?? 0))]).filter(([, us]) => us >= 0.05).sort((a, b) => b[1] - a[1]);
    console.log(`  ${server.label.padEnd(28)} total ${total.toFixed(1).padStart(5)}  ${parts.map(([name, us]) => `${name} ${us.toFixed(1)}`).join(", ")}; rps ${runs.map((run) => Math.round(run.rps)).join(" / ")}; errors ${runs.reduce((a, run) => a + run.errors, 0)}`);
  }
} finally {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
