// CPU time per request, in-process (no sockets, so the machine's load matters far less than for wall
// times): `app.inject` drives single-row predictions at the bare handler (bench/serve/bare.mjs's route)
// and at learnloop's service built from one or more library folders, interleaved, rounds of --requests
// requests with 32 in flight; the CPU time of the whole process (the prediction log's writer thread
// included) over the requests, median of --rounds. Then the 10,000-row request's CPU time, and its
// parts.
//   node --import tsx bench/serve/cpu.mjs [--requests 20000] [--rounds 5] [--batches 5] <lib> [<lib> ...]
// <lib>: src (under tsx), a build of src/, or an older checkout's src/ to compare with.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Fastify from "fastify";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  return value;
};
const requests = option("requests", 20_000);
const rounds = option("rounds", 5);
const batches = option("batches", 5);
const libs = args.length > 0 ? args : ["src"];
const inFlight = 32;

const payload = JSON.stringify({ rows: [{ distance: 1452, time: 14.5 }] });
const headers = { "content-type": "application/json" };
const url = "/v1/models/flights/predict";

function bareApp() {
  const body = {
    model: { name: "flights", version: 1 },
    predictions: [{ id: "0b6d5e2a-8f3c-4c7e-9d1a-2f4b6c8d0e1f", prediction: "false", probabilities: { false: 0.8234, true: 0.1766 } }],
  };
  const response = {
    type: "object",
    properties: {
      model: { type: "object", properties: { name: { type: "string" }, version: { type: "integer" } } },
      predictions: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            prediction: { type: ["string", "number"] },
            probabilities: { type: "object", additionalProperties: { type: "number" } },
            decision: { type: "string" },
          },
        },
      },
    },
  };
  const app = Fastify({ logger: false });
  app.post("/v1/models/:name/predict", { schema: { response: { 200: response } } }, () => body);
  return app;
}

/** CPU time of the main thread in microseconds (Linux: /proc; clock ticks of 10 ms, so use long rounds). */
function mainThreadCpu() {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime + stime, at 100 ticks a second
}

/** CPU microseconds per request over `n` single-row requests, `inFlight` at a time: [whole process, main thread]. */
async function cpuPerRequest(app, n) {
  const mainStarted = mainThreadCpu();
  const started = process.cpuUsage();
  for (let done = 0; done < n; done += inFlight) {
    const wave = [];
    for (let j = 0; j < inFlight; j++) wave.push(app.inject({ method: "POST", url, headers, payload }));
    const answers = await Promise.all(wave);
    if (answers[0].statusCode !== 200) throw new Error(`status ${answers[0].statusCode}: ${answers[0].body}`);
  }
  // Let the prediction log hand its last records over, so their cost is counted.
  await new Promise((r) => setTimeout(r, 150));
  const used = process.cpuUsage(started);
  return [(used.user + used.system) / n, (mainThreadCpu() - mainStarted) / n];
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const cpuMs = (f) => {
  const started = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(started);
  return [(used.user + used.system) / 1000, value];
};

const homes = [];
try {
  const servers = [{ label: "bare", app: bareApp() }];
  const stores = [];
  for (const lib of libs) {
    // A store per library: libraries of different schema versions cannot share one.
    const home = mkdtempSync(join(tmpdir(), "learnloop-bench-cpu-"));
    homes.push(home);
    process.stderr.write(`training the flights model (100 trees) with ${lib}...\n`);
    execFileSync(process.execPath, ["--import", "tsx", join(here, "learnloop.mjs"), resolve(lib), "prepare", home], { cwd: root, encoding: "utf8" });
    const load = (path) => import(pathToFileURL(join(resolve(lib), path)).href);
    const { openStore } = await load("tracking/index.js");
    const { createService } = await load("serving/app.js");
    const store = await openStore({ home });
    stores.push(store);
    const app = await createService({ store, token: "bench", maxBatch: 10_000, pollIntervalMs: 1000 });
    await app.learnloop.loaded;
    servers.push({ label: `learnloop ${lib}`, app });
  }
  for (const server of servers) await cpuPerRequest(server.app, 5_000); // warm-up
  const samples = new Map(servers.map((s) => [s.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const server of servers) samples.get(server.label).push(await cpuPerRequest(server.app, requests));
  }
  console.log(`CPU per single-row request, us (median of ${rounds} interleaved rounds of ${requests}, ${inFlight} in flight): whole process (threads included), main thread`);
  for (const server of servers) {
    const whole = samples.get(server.label).map((v) => v[0]);
    const main = samples.get(server.label).map((v) => v[1]);
    console.log(`  ${server.label.padEnd(40)} ${median(whole).toFixed(1).padStart(6)} ${median(main).toFixed(1).padStart(6)}   (${whole.map((v) => v.toFixed(1)).join(" / ")}; main ${main.map((v) => v.toFixed(1)).join(" / ")})`);
  }

  const rows = JSON.parse(readFileSync(join(root, "node_modules/vega-datasets/data/flights-200k.json"), "utf8"))
    .slice(0, 10_000)
    .map(({ distance, time }) => ({ distance, time }));
  const big = JSON.stringify({ rows });
  console.log(`10,000-row request (${(big.length / 1e6).toFixed(2)} MB), CPU ms of all threads (median of ${batches}): until the answer, and until its records are logged; then parts of it alone:`);
  for (const server of servers.slice(1)) {
    const whole = [];
    const toAnswer = [];
    const wall = [];
    for (let b = 0; b < batches + 1; b++) {
      const started = process.cpuUsage();
      const startedAt = performance.now();
      const answer = await server.app.inject({ method: "POST", url, headers, payload: big });
      if (answer.statusCode !== 200) throw new Error(`status ${answer.statusCode}`);
      const answered = process.cpuUsage(started);
      const answeredAt = performance.now();
      await new Promise((r) => setTimeout(r, 300));
      const used = process.cpuUsage(started);
      if (b > 0) {
        whole.push((used.user + used.system) / 1000);
        toAnswer.push((answered.user + answered.system) / 1000);
        wall.push(answeredAt - startedAt);
      }
    }
    const served = server.app.learnloop.host.get("flights");
    const parse = [], read = [], proba = [];
    for (let b = 0; b < batches; b++) {
      const [ms, parsed] = cpuMs(() => JSON.parse(big));
      parse.push(ms);
      const [readMs, data] = cpuMs(() => served.reader.toDataset(parsed.rows));
      read.push(readMs);
      proba.push(cpuMs(() => served.model.predictProba(data))[0]);
    }
    console.log(`  ${server.label.padEnd(40)} to the answer ${median(toAnswer).toFixed(1)} (wall ${median(wall).toFixed(1)} ms), with logging ${median(whole).toFixed(1)}; JSON.parse ${median(parse).toFixed(1)}, rows to a Dataset ${median(read).toFixed(1)}, predictProba ${median(proba).toFixed(1)}`);
  }
  for (const server of servers) await server.app.close();
  for (const store of stores) await store.close();
} finally {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
