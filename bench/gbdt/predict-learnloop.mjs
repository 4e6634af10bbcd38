// Predicts the whole test set with a saved learnloop model and prints one JSON line: the wall and CPU
// seconds of each of REPEAT predictions (predictProba from the columns, as bench/gbdt/learnloop.mjs times it).
// usage: node bench/gbdt/predict-learnloop.mjs DATA_DIR MODEL_FILE THREADS [REPEAT]   (the built library, dist/)
//        LEARNLOOP_SRC=1 node --import tsx bench/gbdt/predict-learnloop.mjs ...          (the sources)
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dataDir, modelFile, threadsText, repeatText] = process.argv.slice(2);
const threads = Number(threadsText);
const repeat = Number(repeatText ?? 3);
const lib = process.env.LEARNLOOP_LIB ? `${process.env.LEARNLOOP_LIB}/index.js` : process.env.LEARNLOOP_SRC ? "../../src/index.js" : "../../dist/index.js";
const { loadModel } = await import(lib);

const meta = JSON.parse(readFileSync(join(dataDir, "meta.json"), "utf8"));
const nRows = meta.nTest;
const bytesOf = (file) => readFileSync(join(dataDir, file));
const specs = meta.features ?? Array.from({ length: meta.nFeatures }, (_, f) => ({ name: `f${f}`, kind: "numeric" }));
const xBytes = bytesOf("X_test.f64");
const X = new Float64Array(xBytes.buffer, xBytes.byteOffset, xBytes.byteLength / 8);
const cBytes = specs.some((s) => s.kind === "categorical") ? bytesOf("C_test.i32") : null;
const C = cBytes ? new Int32Array(cBytes.buffer, cBytes.byteOffset, cBytes.byteLength / 4) : null;
let nNumeric = 0;
let nCategorical = 0;
// Columns copied into their own arrays, as a data reader would hand them over.
const features = specs.map((spec) =>
  spec.kind === "numeric"
    ? { kind: "numeric", name: spec.name, values: X.slice(nNumeric * nRows, ++nNumeric * nRows) }
    : { kind: "categorical", name: spec.name, codes: C.slice(nCategorical * nRows, ++nCategorical * nRows), categories: spec.categories });
const data = { nRows, features, fingerprint: "test" };
const model = loadModel(new Uint8Array(readFileSync(modelFile)));
const wall = [];
const cpu = [];
let checksum = 0;
for (let i = 0; i < repeat; i++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const proba = model.predictProba(data, { threads });
  const used = process.cpuUsage(cpuStart);
  wall.push((performance.now() - start) / 1000);
  cpu.push((used.user + used.system) / 1e6);
  checksum = 0;
  for (let r = 0; r < nRows; r++) checksum += proba.data[2 * r + 1];
}
console.log(JSON.stringify({ name: `learnloop gbdt (31 leaves), ${threads} thread${threads > 1 ? "s" : ""}`, wall, cpu, meanP1: checksum / nRows }));
