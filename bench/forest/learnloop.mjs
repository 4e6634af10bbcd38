// The learnloop side of the forest benchmark (bench/forest/run.mjs): RandomForest on every split of every
// set prepared by anchor.py, with scikit-learn's settings (100 trees, bootstrap, minSamplesLeaf 1, sqrt of
// the features per split for classification, all of them for regression), one thread. Writes
// { set: [{ seed, fitSeconds, prediction }] } to OUT.json: probabilities row-major, or regression values.
// usage: [LEARNLOOP_LIB=DIR] node --import tsx bench/forest/learnloop.mjs DATA_DIR OUT.json
//   DIR: the library to load, src/ by default (a build such as dist/, or another commit's src/)
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dataDir, outPath] = process.argv.slice(2);
const lib = process.env.LEARNLOOP_LIB ? `${process.env.LEARNLOOP_LIB}/models/forest/index.js` : "../../src/models/forest/index.js";
const { RandomForest } = await import(lib);

/** The rows `rows` of the prepared set as a Dataset of numeric columns. */
function subset(doc, rows, tag) {
  const take = (values) => Float64Array.from(rows, (r) => values[r]);
  return {
    nRows: rows.length,
    features: doc.features.map((name, f) => ({ kind: "numeric", name, values: take(doc.columns[f]) })),
    target: { name: "target", task: doc.task, values: take(doc.y), ...(doc.classes ? { classes: doc.classes } : {}) },
    fingerprint: `${doc.name}-${tag}`,
  };
}

const out = {};
const sets = readdirSync(dataDir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(dataDir, f), "utf8")));
for (const doc of sets) {
  const runs = [];
  for (const split of doc.splits) {
    const train = subset(doc, split.train, `train-${split.seed}`);
    const test = subset(doc, split.test, `test-${split.seed}`);
    const regression = doc.task === "regression";
    const estimator = new RandomForest({ nTrees: 100, bootstrap: true, minSamplesLeaf: 1, maxFeatures: regression ? 1 : "sqrt", seed: split.seed, threads: 1 });
    const start = performance.now();
    const model = estimator.fit(train);
    const fitSeconds = (performance.now() - start) / 1000;
    const prediction = regression ? model.predict(test) : model.predictProba(test).data;
    runs.push({ seed: split.seed, fitSeconds, prediction: Array.from(prediction) });
  }
  out[doc.name] = runs;
  const times = runs.map((r) => r.fitSeconds).sort((a, b) => a - b);
  process.stderr.write(`  learnloop ${doc.name}: ${times[times.length >> 1].toFixed(3)} s\n`);
}
writeFileSync(outPath, JSON.stringify(out));
