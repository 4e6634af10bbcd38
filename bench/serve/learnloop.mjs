// The learnloop side of the serving benchmark, run by bench/serve/run.mjs:
//   node bench/serve/learnloop.mjs <lib> prepare <home>
//       trains GBDT (100 trees) on flights-200k.json ("delayed" = delay > 15, features distance and
//       time), registers and promotes it as "flights" in the SQLite store in <home>; prints one JSON line
//   node bench/serve/learnloop.mjs <lib> serve <home>
//       runs the service on a free loopback port; prints {"port": n}; on SIGTERM closes (drains, writes
//       the prediction log) and prints what was logged on stderr
// <lib> is the compiled library (a build of src/) or src/ itself under `node --import tsx`.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [lib, mode, home] = process.argv.slice(2);
if (!lib || !home) throw new Error("usage: learnloop.mjs <lib> prepare|serve <home>");
const load = (path) => import(pathToFileURL(join(resolve(lib), path)).href);
const root = join(import.meta.dirname, "..", "..");
const { openStore } = await load("tracking/index.js");

if (mode === "prepare") {
  const { GradientBoosting, readDataset } = await load("index.js");
  const data = await readDataset(join(root, "node_modules/vega-datasets/data/flights-200k.json"), {
    target: "delayed",
    derive: [{ name: "delayed", expression: "delay > 15" }],
    ignore: ["delay"],
  });
  const model = new GradientBoosting({ iterations: 100 }).fit(data);
  const store = await openStore({ home });
  const version = await store.registerModel({ name: "flights", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "bench" });
  await store.promote("flights", version.version, { actor: "bench", reason: "benchmark" });
  await store.close();
  console.log(JSON.stringify({ rows: data.nRows, features: model.schema.features.map((f) => f.name), trees: model.nTrees }));
} else if (mode === "serve") {
  const { createService } = await load("serving/app.js");
  const store = await openStore({ home });
  const app = await createService({ store, token: "bench", maxBatch: 10_000 });
  await app.learnloop.loaded;
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(JSON.stringify({ port: app.server.address().port }));
  process.once("SIGTERM", async () => {
    await app.close();
    const counts = app.learnloop.log.counts;
    await store.close();
    process.stderr.write(`learnloop: ${counts.written} predictions logged, ${counts.dropped} dropped\n`);
    process.exit(0);
  });
}
