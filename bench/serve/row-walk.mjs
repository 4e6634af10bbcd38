// The single-row tree walk alone, three ways: findLeaf over the six parallel node arrays (what
// GbdtModel.predictRow walked until the trees were compiled), the packed trees of the batch path walked
// one row at a time (predictPackedRaw with one row: a 16-byte node record plus the threshold or leaf
// value, children adjacent, branch-free step, trees contiguous), and the trees compiled to code
// (src/kernels/tree-compile.ts, what predictRow runs now), on the same 100-tree, 31-leaf binary model
// (two numeric features, like the service benchmark's flights model). Two conditions: a tight loop
// (the model stays in L1/L2), and "evicted", where 4 MiB of other memory is read between two rows, as
// the HTTP work between two requests would. Interleaved rounds, medians.
//   node --import tsx bench/serve/row-walk.mjs [--rows 20000] [--rounds 7]
import { cpuUsage } from "node:process";
import { Random } from "../../src/core/rng.js";
import { compileRowPredictor } from "../../src/kernels/tree-compile.js";
import { findLeaf, packTrees, predictPackedRaw } from "../../src/kernels/tree-predict.js";
import { decodeModelFile } from "../../src/models/format.js";
import { GradientBoosting } from "../../src/models/gbdt/index.js";

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const nRows = Math.min(option("rows", 20_000), 20_000);
const rounds = option("rounds", 7);

const rng = new Random(1);
const n = 20_000;
const distance = Float64Array.from({ length: n }, () => 100 + rng.next() * 2500);
const time = Float64Array.from({ length: n }, () => rng.next() * 24);
const y = Float64Array.from({ length: n }, (_, r) => (rng.next() < 1 / (1 + Math.exp(-(Math.sin(distance[r] / 300) + (time[r] > 17 ? 1 : -0.5)))) ? 1 : 0));
const data = {
  nRows: n,
  features: [{ kind: "numeric", name: "distance", values: distance }, { kind: "numeric", name: "time", values: time }],
  target: { name: "y", task: "binary", values: y, classes: ["false", "true"] },
  fingerprint: "bench",
};
const model = new GradientBoosting({ iterations: 100, maxLeaves: 31, learningRate: 0.1, earlyStopping: 0 }).fit(data);
const trees = decodeModelFile(model.toBytes()).arrays;
const packed = packTrees(trees);
const rows = Array.from({ length: n }, (_, r) => Float64Array.of(distance[r], time[r]));
const base = model.state.baseScores[0];

function arraysWalk(row) {
  let single = base;
  for (let t = 0; t < trees.treeRoot.length; t++) single += trees.nodeValue[findLeaf(trees, trees.treeRoot[t], row, 0)];
  return single;
}
const score = new Float64Array(1);
function packedWalk(row) {
  score[0] = base;
  predictPackedRaw(packed, row, 1, 2, 1, score);
  return score[0];
}
const compiled = compileRowPredictor(trees);
function compiledWalk(row) {
  score[0] = base;
  compiled(row, score);
  return score[0];
}
for (const row of rows.slice(0, 2000)) if (arraysWalk(row) !== packedWalk(row) || arraysWalk(row) !== compiledWalk(row)) throw new Error("the walks disagree");

const other = new Float64Array((4 << 20) / 8).fill(1);
let sink = 0;
function evict() {
  for (let i = 0; i < other.length; i += 8) sink += other[i];
}
/** Tight: CPU time of a loop over nRows distinct rows, per row. */
function tight(walk) {
  const start = cpuUsage();
  for (let r = 0; r < nRows; r++) sink += walk(rows[r]);
  const d = cpuUsage(start);
  return (d.user + d.system) / nRows;
}
/** Evicted: each walk alone timed by hrtime (too short for CPU-time clocks), after evicting; median, us. */
function evicted(walk) {
  const each = [];
  for (let r = 0; r < 1000; r++) {
    evict();
    const start = process.hrtime.bigint();
    sink += walk(rows[r]);
    each.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return median(each);
}
const median = (v) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
const results = { "arrays tight": [], "packed tight": [], "compiled tight": [], "arrays evicted": [], "packed evicted": [], "compiled evicted": [] };
for (let i = 0; i < 2; i++) tight(arraysWalk), tight(packedWalk), tight(compiledWalk); // warm-up
for (let round = 0; round < rounds; round++) {
  results["arrays tight"].push(tight(arraysWalk));
  results["packed tight"].push(tight(packedWalk));
  results["compiled tight"].push(tight(compiledWalk));
  results["arrays evicted"].push(evicted(arraysWalk));
  results["packed evicted"].push(evicted(packedWalk));
  results["compiled evicted"].push(evicted(compiledWalk));
}
console.log(`100 trees x 31 leaves, ${model.nTrees} trees, ${rounds} interleaved rounds, us per row (median of rounds; min-max): tight = CPU time of a loop over 20,000 distinct rows, evicted = wall time of one walk after reading 4 MiB, median of 1,000`);
for (const [label, v] of Object.entries(results)) console.log(`  ${label.padEnd(16)} ${median(v).toFixed(2)} (${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)})`);
const ratio = (a, b, how) => (median(results[`${a} ${how}`]) / median(results[`${b} ${how}`])).toFixed(2);
console.log(`  packed / arrays: tight ${ratio("packed", "arrays", "tight")}, evicted ${ratio("packed", "arrays", "evicted")}; compiled / arrays: tight ${ratio("compiled", "arrays", "tight")}, evicted ${ratio("compiled", "arrays", "evicted")}${sink === 0.5 ? " " : ""}`);
