// One-row prediction of a 100-tree random forest: ForestModel.predictRow against the path the service took
// before it (the row as a one-row Dataset through predictProba), one command:
//   node --import tsx bench/forest/row-path.mjs [--passes 9] [--calls 20000]
// Sets (vega-datasets, in node_modules): penguins, binary (Adelie or not) on beak length and depth,
// flipper length, body mass (numeric, NaN where missing), island (categorical) and sex (1/0/NaN); and
// seattle-weather, multiclass (5 weather classes) on precipitation, temp_max, temp_min, wind and the
// month. Each fits RandomForest({ nTrees: 100, seed: 0, threads: 1 }) on all its rows, then predicts its
// rows one at a time, cycling through them for --calls calls per pass: us per row, median of --passes
// passes after two warm-up passes (V8 optimises the compiled trees only after some thousands of calls).
// "predictRow" is the compiled trees when they are within the limits ForestModel gives tree-compile
// (120,000 nodes; "nodes" is the nodes predictRow walks), else findLeaf's walk; the
// column "predictRow, findLeaf" is the same run in a child process started with
// --disallow-code-generation-from-strings, where compileRowPredictor gives up and findLeaf walks. Every
// predictRow answer is checked against the one-row Dataset path, bit for bit (the "same" column).
// In a tight loop the rows and trees stay in cache, unlike a server's requests, between which the HTTP
// stack evicts them: the "evicted" columns read 8 MiB of other data before each row (not timed), for
// --calls / 10 calls per pass.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RandomForest } from "../../src/models/forest/index.js";
import { decodeModelFile } from "../../src/models/format.js";

const here = dirname(fileURLToPath(import.meta.url));
const VEGA = join(here, "..", "..", "node_modules", "vega-datasets", "data");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const passes = Number(option("passes", "9"));
const calls = Number(option("calls", "20000"));

const numeric = (name, values) => ({ kind: "numeric", name, values: Float64Array.from(values) });

function penguins() {
  const records = JSON.parse(readFileSync(join(VEGA, "penguins.json"), "utf8"));
  const islands = ["Biscoe", "Dream", "Torgersen"];
  const num = (v) => (v === null || v === undefined || v === "" ? NaN : Number(v));
  const features = [
    numeric("beak_length", records.map((p) => num(p["Beak Length (mm)"]))),
    numeric("beak_depth", records.map((p) => num(p["Beak Depth (mm)"]))),
    numeric("flipper_length", records.map((p) => num(p["Flipper Length (mm)"]))),
    numeric("body_mass", records.map((p) => num(p["Body Mass (g)"]))),
    { kind: "categorical", name: "island", codes: Int32Array.from(records, (p) => islands.indexOf(p.Island)), categories: islands },
    numeric("sex", records.map((p) => (p.Sex === "MALE" ? 1 : p.Sex === "FEMALE" ? 0 : NaN))),
  ];
  const y = Float64Array.from(records, (p) => (p.Species === "Adelie" ? 1 : 0));
  return { nRows: records.length, features, target: { name: "adelie", task: "binary", values: y, classes: ["other", "Adelie"] }, fingerprint: "penguins-binary" };
}

function seattleWeather() {
  const lines = readFileSync(join(VEGA, "seattle-weather.csv"), "utf8").trim().split("\n").slice(1).map((line) => line.split(","));
  const classes = [...new Set(lines.map((l) => l[5]))].sort();
  const column = (i, parse = Number) => lines.map((l) => parse(l[i]));
  const features = [numeric("precipitation", column(1)), numeric("temp_max", column(2)), numeric("temp_min", column(3)), numeric("wind", column(4)), numeric("month", column(0, (d) => Number(d.slice(5, 7))))];
  const y = Float64Array.from(lines, (l) => classes.indexOf(l[5]));
  return { nRows: lines.length, features, target: { name: "weather", task: "multiclass", values: y, classes }, fingerprint: "seattle-weather" };
}

const rowOf = (data, r) => Float64Array.from(data.features, (c) => (c.kind === "numeric" ? c.values[r] : c.codes[r]));
const oneRow = (data, r) => ({
  nRows: 1,
  features: data.features.map((c) => (c.kind === "numeric" ? { ...c, values: c.values.slice(r, r + 1) } : { ...c, codes: c.codes.slice(r, r + 1) })),
  fingerprint: "one-row",
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const other = new Float64Array(1 << 20);
let otherSum = 0;
/** Reads 8 MiB (a cache line at a time): the caches hold this instead of the model afterwards. */
const evictCaches = () => {
  for (let i = 0; i < other.length; i += 8) otherSum += other[i];
};

/** As `time`, with the caches evicted before each call and only the calls timed. */
function timeEvicted(nRows, predict) {
  const n = Math.max(1, Math.floor(calls / 10));
  const times = [];
  for (let p = 0; p < passes + 1; p++) {
    let total = 0n;
    for (let i = 0; i < n; i++) {
      evictCaches();
      const start = process.hrtime.bigint();
      predict(i % nRows);
      total += process.hrtime.bigint() - start;
    }
    if (p >= 1) times.push(Number(total) / 1000 / n);
  }
  return median(times);
}

/** us per call of `predict(i)` for calls cycling over nRows rows: median over passes after two warm-ups. */
function time(nRows, predict) {
  const times = [];
  for (let p = 0; p < passes + 2; p++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) predict(i % nRows);
    const us = Number(process.hrtime.bigint() - start) / 1000 / calls;
    if (p >= 2) times.push(us);
  }
  return median(times);
}

function measure(name, data, rowPathOnly) {
  const model = new RandomForest({ nTrees: 100, seed: 0, threads: 1 }).fit(data);
  const rows = Array.from({ length: data.nRows }, (_, r) => rowOf(data, r));
  const width = data.target.task === "binary" ? 2 : model.state.nOutputs;
  const out = new Float64Array(width);
  const rowPath = time(data.nRows, (r) => model.predictRow(rows[r], out));
  const rowPathEvicted = timeEvicted(data.nRows, (r) => model.predictRow(rows[r], out));
  if (rowPathOnly) return { rowPath, rowPathEvicted };
  const datasets = Array.from({ length: data.nRows }, (_, r) => oneRow(data, r));
  let same = 0;
  for (let r = 0; r < data.nRows; r++) {
    const expected = model.predictProba(datasets[r]).data;
    model.predictRow(rows[r], out);
    if (out.every((v, k) => Object.is(v, expected[k]))) same++;
  }
  const dataset = time(data.nRows, (r) => model.predictProba(datasets[r]));
  const datasetEvicted = timeEvicted(data.nRows, (r) => model.predictProba(datasets[r]));
  const nodes = decodeModelFile(model.toBytes()).arrays.nodeFeature.length;
  return { set: name, rows: data.nRows, trees: model.nTrees, layout: model.state.multiclassTrees ?? data.target.task, nodes, dataset, rowPath, datasetEvicted, rowPathEvicted, same: `${same}/${data.nRows}` };
}

const SETS = { penguins, "seattle-weather": seattleWeather };
if (args[0] === "--child") {
  const results = Object.entries(SETS).map(([name, load]) => measure(name, load(), true));
  console.log(JSON.stringify(results));
  if (otherSum !== 0) console.error("(other data was not zero)");
} else {
  const results = Object.entries(SETS).map(([name, load]) => measure(name, load(), false));
  const child = JSON.parse(
    execFileSync(process.execPath, ["--disallow-code-generation-from-strings", "--import", "tsx", fileURLToPath(import.meta.url), "--child", "--passes", String(passes), "--calls", String(calls)], { encoding: "utf8" }),
  );
  console.log(`node ${process.version}, ${passes} passes of ${calls} calls (median us per row), ${new Date().toISOString()}`);
  console.log("| set | rows | trees (layout) | nodes | one-row Dataset predictProba | predictRow | predictRow, findLeaf | Dataset / predictRow | evicted: Dataset | evicted: predictRow | evicted: findLeaf | evicted: Dataset / predictRow | same |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  const us = (x) => x.toFixed(2);
  results.forEach((r, i) => {
    const walk = child[i];
    console.log(
      `| ${r.set} | ${r.rows} | ${r.trees} (${r.layout}) | ${r.nodes} | ${us(r.dataset)} | ${us(r.rowPath)} | ${us(walk.rowPath)} | ${(r.dataset / r.rowPath).toFixed(1)}x | ${us(r.datasetEvicted)} | ${us(r.rowPathEvicted)} | ${us(walk.rowPathEvicted)} | ${(r.datasetEvicted / r.rowPathEvicted).toFixed(1)}x | ${r.same} |`,
    );
  });
  if (otherSum !== 0) console.log("(other data was not zero)");
}
