// Trains learnloop's GradientBoosting on the benchmark data and prints one JSON line: fit seconds (binning
// included), prediction seconds of the test set, test ROC AUC, peak RSS, and the phase timings of the fit.
// usage: node bench/gbdt/learnloop.mjs DATA_DIR ROUNDS [THREADS]            (the built library, dist/)
//        LEARNLOOP_SRC=1 node --import tsx bench/gbdt/learnloop.mjs DATA_DIR ROUNDS [THREADS]   (the sources)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dataDir, roundsText, threadsText] = process.argv.slice(2);
const threads = threadsText ? Number(threadsText) : null;
// LEARNLOOP_LIB: another build of the library (a directory like dist/), to compare variants side by side.
const lib = process.env.LEARNLOOP_LIB ? `${process.env.LEARNLOOP_LIB}/models/gbdt/index.js` : process.env.LEARNLOOP_SRC ? "../../src/models/gbdt/index.js" : "../../dist/models/gbdt/index.js";
const { GradientBoosting } = await import(lib);

const meta = JSON.parse(readFileSync(join(dataDir, "meta.json"), "utf8"));
function readF64(file) {
  const bytes = readFileSync(join(dataDir, file));
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}
function readI32(file) {
  const bytes = readFileSync(join(dataDir, file));
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
/** Numeric features from X_*.f64 and categorical ones from C_*.i32, both column-major, in meta order. */
function load(name, nRows) {
  const specs = meta.features ?? Array.from({ length: meta.nFeatures }, (_, f) => ({ name: `f${f}`, kind: "numeric" }));
  const X = readF64(`X_${name}.f64`);
  const C = specs.some((s) => s.kind === "categorical") ? readI32(`C_${name}.i32`) : null;
  let nNumeric = 0;
  let nCategorical = 0;
  const features = specs.map((spec) =>
    spec.kind === "numeric"
      ? { kind: "numeric", name: spec.name, values: X.subarray(nNumeric * nRows, ++nNumeric * nRows) }
      : { kind: "categorical", name: spec.name, codes: C.subarray(nCategorical * nRows, ++nCategorical * nRows), categories: spec.categories });
  return { nRows, features, target: { name: "y", task: "binary", values: readF64(`y_${name}.f64`), classes: ["0", "1"] }, fingerprint: name };
}

/** ROC AUC by ranks (ties get their average rank), as scikit-learn's roc_auc_score. */
function rocAuc(y, score) {
  const order = Array.from(score.keys()).sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && score[order[j]] === score[order[i]]) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (y[order[k]] === 1) {
      nPos++;
      rankSum += rank;
    }
    i = j;
  }
  const nNeg = y.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

const train = load("train", meta.nTrain);
const test = load("test", meta.nTest);
const start = performance.now();
const cpuStart = process.cpuUsage();
// LEARNLOOP_QUANTIZED=1: quantized gradients (quantizedGradients: true).
const quantizedGradients = process.env.LEARNLOOP_QUANTIZED === "1";
const model = new GradientBoosting({ iterations: Number(roundsText ?? 100), maxLeaves: 31, maxBins: 255, learningRate: 0.1, earlyStopping: 0, threads, ...(quantizedGradients ? { quantizedGradients } : {}) }).fit(train);
const fitSeconds = (performance.now() - start) / 1000;
// LEARNLOOP_SAVE_MODEL=<file>: keep the fitted model for the prediction benchmark (bench/gbdt/predict.mjs).
if (process.env.LEARNLOOP_SAVE_MODEL) writeFileSync(process.env.LEARNLOOP_SAVE_MODEL, model.toBytes());
const cpu = process.cpuUsage(cpuStart);
// CPU seconds of the fit (every thread of the process): the steadier measure of work on a shared machine.
const fitCpuSeconds = (cpu.user + cpu.system) / 1e6;
const predictStart = performance.now();
const proba = model.predictProba(test);
const predictSeconds = (performance.now() - predictStart) / 1000;
const p1 = new Float64Array(test.nRows);
for (let r = 0; r < test.nRows; r++) p1[r] = proba.data[2 * r + 1];
const info = model.fitInfo;
console.log(JSON.stringify({
  name: `learnloop gbdt (31 leaves${quantizedGradients ? ", quantized" : ""}, ${model.fitInfo.threads} thread${model.fitInfo.threads > 1 ? "s" : ""})`,
  threads: model.fitInfo.threads,
  parallelHistograms: model.fitInfo.parallelHistograms,
  parallelPartitions: model.fitInfo.parallelPartitions,
  streamedRoots: model.fitInfo.streamedRoots,
  kernels: model.fitInfo.kernels,
  fitSeconds,
  fitCpuSeconds,
  predictSeconds,
  auc: rocAuc(test.target.values, p1),
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  phases: { binning: info.binningMs / 1000, gradients: info.gradientsMs / 1000, scores: info.scoresMs / 1000, histogram: info.histogramMs / 1000, rootHistogram: info.rootHistogramMs / 1000, split: info.splitMs / 1000, partition: info.partitionMs / 1000, boosting: info.boostingMs / 1000 },
  nsPerPartitionedRow: (info.partitionMs * 1e6) / info.partitionedRows,
  partitionedRowsPerRowPerTree: info.partitionedRows / (meta.nTrain * info.roundsRun),
  nsPerHistogramUpdate: (info.histogramMs * 1e6) / info.histogramUpdates,
  histogramUpdatesPerRowPerTree: info.histogramUpdates / (meta.nTrain * meta.nFeatures * info.roundsRun),
}));
