// A/B of learnloop's RandomForest against another copy of the library on the long, narrow benchmark sets
// of bench/gbdt (bench/data/classification-200000, classification-1000000, flights: numeric columns in
// X_*.f64, categorical ones in C_*.i32, binary target), where scikit-learn's fully grown forests take too
// long to run side by side. The two copies fit in turn (A, B, A, B, ...), one thread, the same seed;
// prints the median fit seconds of each (wall clock, and CPU time, which other processes on the machine
// disturb less), their ratios and the test ROC AUC.
// usage: node --import tsx bench/forest/ab.mjs --old DIR [--new DIR (default src/)] [--sets classification-200000,flights]
//          [--rows N (the first N training rows)] [--trees 10] [--rounds 3] [--max-features sqrt]
//   DIR: the other copy's src/ (git archive COMMIT src | tar -x -C /tmp/old; link node_modules)
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { rocAucScore } from "../../src/metrics/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const old = option("old", null);
if (!old) throw new Error("--old DIR: the src/ of the library to compare with");
const sets = option("sets", "classification-200000,flights").split(",");
const maxRows = Number(option("rows", "0")) || Infinity;
const nTrees = Number(option("trees", "10"));
const rounds = Number(option("rounds", "3"));
const maxFeaturesText = option("max-features", "sqrt");
const maxFeatures = /^[0-9.]+$/.test(maxFeaturesText) ? Number(maxFeaturesText) : maxFeaturesText;
const libraries = { new: option("new", join(root, "src")), old };
const forests = {};
for (const [name, dir] of Object.entries(libraries)) forests[name] = (await import(join(dir, "models", "forest", "index.js"))).RandomForest;

function load(dataDir, part, nRowsAll, nRows) {
  const meta = JSON.parse(readFileSync(join(dataDir, "meta.json"), "utf8"));
  const read = (file, Type) => {
    const bytes = readFileSync(join(dataDir, file));
    return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
  };
  const specs = meta.features ?? Array.from({ length: meta.nFeatures }, (_, f) => ({ name: `f${f}`, kind: "numeric" }));
  const X = read(`X_${part}.f64`, Float64Array);
  const C = specs.some((s) => s.kind === "categorical") ? read(`C_${part}.i32`, Int32Array) : null;
  let nNumeric = 0;
  let nCategorical = 0;
  const features = specs.map((spec) => {
    if (spec.kind === "numeric") return { kind: "numeric", name: spec.name, values: X.subarray(nNumeric * nRowsAll, nNumeric++ * nRowsAll + nRows) };
    return { kind: "categorical", name: spec.name, codes: C.subarray(nCategorical * nRowsAll, nCategorical++ * nRowsAll + nRows), categories: spec.categories };
  });
  return { nRows, features, target: { name: "y", task: "binary", values: read(`y_${part}.f64`, Float64Array).subarray(0, nRows), classes: ["0", "1"] }, fingerprint: `${part}-${nRows}` };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`RandomForest A/B: ${nTrees} trees, maxFeatures ${maxFeaturesText}, 1 thread, ${rounds} rounds (new = ${libraries.new}, old = ${old})`);
console.log("| set | rows x features | fit s new | fit s old | new / old | CPU s new | CPU s old | new / old | ROC AUC new | ROC AUC old |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const set of sets) {
  const dataDir = join(root, "bench", "data", set);
  const meta = JSON.parse(readFileSync(join(dataDir, "meta.json"), "utf8"));
  const nTrain = Math.min(meta.nTrain, maxRows);
  const train = load(dataDir, "train", meta.nTrain, nTrain);
  const test = load(dataDir, "test", meta.nTest, meta.nTest);
  const seconds = { new: [], old: [] };
  const cpu = { new: [], old: [] };
  const auc = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ["old", "new"] : ["new", "old"]) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const model = new forests[name]({ nTrees, maxFeatures, seed: 1, threads: 1 }).fit(train);
      seconds[name].push((performance.now() - start) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu[name].push((used.user + used.system) / 1e6);
      const p = model.predictProba(test).data;
      auc[name] = rocAucScore(test.target.values, Float64Array.from({ length: test.nRows }, (_, r) => p[2 * r + 1]));
      process.stderr.write(`  ${set} ${name}: ${seconds[name].at(-1).toFixed(2)} s, CPU ${cpu[name].at(-1).toFixed(2)} s\n`);
    }
  }
  const a = median(seconds.new);
  const b = median(seconds.old);
  const c = median(cpu.new);
  const d = median(cpu.old);
  console.log(`| ${set} | ${nTrain} x ${train.features.length} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(2)} | ${c.toFixed(2)} | ${d.toFixed(2)} | ${(c / d).toFixed(2)} | ${auc.new.toFixed(4)} | ${auc.old.toFixed(4)} |`);
}
