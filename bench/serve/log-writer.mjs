// The prediction log's writer alone: CPU time per record of Store.logPredictionLines on a SQLite store,
// in batches of 256 records of the serving benchmark's shape (a two-feature row and a binary answer),
// ids from newPredictionId in the order they were made ("in order") or shuffled within their batches'
// milliseconds as ids random within a millisecond were ("random in their ms"), interleaved, --rounds
// rounds of --batches batches each, user and system time apart. Then the same batches (in order) staged
// as the writer thread stages them under load (Store.stagePredictionLines: one row a batch), and the
// CPU time of moving them into the log afterwards (settlePredictionLog), both per record.
//   node --import tsx bench/serve/log-writer.mjs [--batches 400] [--rounds 3] [<lib>]   (lib: a build of src/, or src, the default)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const take = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  args.splice(i, 2);
  return value;
};
const batches = take("batches", 400);
const rounds = take("rounds", 3);
const lib = resolve(args[0] ?? join(import.meta.dirname, "..", "..", "src"));
const ext = lib.endsWith("src") ? "ts" : "js";
const load = (path) => import(pathToFileURL(join(lib, `${path}.${ext}`)).href);
const { openStore } = await load("tracking/index");
const { newPredictionId } = await load("serving/ids");
const { predictionLine } = await load("tracking/prediction-lines");

const SIZE = 256;
const line = (id, at) => predictionLine(id, at, "flights", 1, '{"distance":1452,"time":14.5}', '{"prediction":"false","probabilities":{"false":0.8234123,"true":0.1765877}}');
function makeBatches(shuffled) {
  const at = new Date().toISOString();
  const ids = Array.from({ length: batches * SIZE }, () => newPredictionId());
  if (shuffled) {
    // Ids random within their millisecond: sorted by (millisecond, random key).
    const keyed = ids.map((id) => [id.slice(0, 13), Math.random(), id]);
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    keyed.forEach((entry, i) => (ids[i] = entry[2]));
  }
  return Array.from({ length: batches }, (_, b) => ids.slice(b * SIZE, (b + 1) * SIZE).map((id) => line(id, at)).join("\n"));
}

const results = { "in order": [], "random in their ms": [], "staged (in order)": [], "settling the staged": [] };
const cpu = (used) => [(used.user + used.system) / (batches * SIZE), used.user / (batches * SIZE), used.system / (batches * SIZE)];
const homes = [];
try {
  for (let r = 0; r < rounds; r++) {
    for (const kind of ["in order", "random in their ms", "staged (in order)"]) {
      const home = mkdtempSync(join(tmpdir(), "learnloop-log-writer-"));
      homes.push(home);
      const store = await openStore({ home });
      const texts = makeBatches(kind === "random in their ms");
      if (kind.startsWith("staged")) {
        // As the thread has them: the bytes of the chunk the service handed over.
        const blocks = texts.map((text) => Buffer.from(text));
        let started = process.cpuUsage();
        for (const block of blocks) await store.stagePredictionLines(block);
        results[kind].push(cpu(process.cpuUsage(started)));
        started = process.cpuUsage();
        const settled = await store.settlePredictionLog();
        results["settling the staged"].push(cpu(process.cpuUsage(started)));
        if (settled.records !== batches * SIZE) throw new Error(`settled ${settled.records} records of ${batches * SIZE}`);
      } else {
        const started = process.cpuUsage();
        for (const text of texts) await store.logPredictionLines(text);
        results[kind].push(cpu(process.cpuUsage(started)));
      }
      await store.close();
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`Store.logPredictionLines (and stagePredictionLines), SQLite, ${batches} batches of ${SIZE}, CPU us a record (median of ${rounds} interleaved rounds; user / system)`);
  for (const [kind, runs] of Object.entries(results)) {
    console.log(`  ${kind.padEnd(20)} ${median(runs.map((r) => r[0])).toFixed(2)}  (${median(runs.map((r) => r[1])).toFixed(2)} / ${median(runs.map((r) => r[2])).toFixed(2)}; each ${runs.map((r) => r[0].toFixed(2)).join(" / ")})`);
  }
} finally {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}
