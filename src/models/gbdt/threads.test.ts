import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { InvalidParameterError } from "../../core/errors.js";
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { buildHistogramAllRows, buildHistogramOrdered, HIST_STRIDE } from "../../kernels/histogram.js";
import { WasmArena } from "../../kernels/wasm/arena.js";
import { TreeGrower } from "./grower.js";
import { HistogramThreads, MIN_PARALLEL_UPDATES, toShared } from "./histogram-threads.js";
import { GradientBoosting } from "./index.js";
import { logLoss } from "./loss.js";

/** Binary target from 7 numeric features with 10% NaN and a 30-level categorical with missing codes. */
function mixed(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const features: Column[] = [];
  for (let f = 0; f < 7; f++) {
    const values = new Float64Array(n);
    for (let r = 0; r < n; r++) values[r] = rng.next() < 0.1 ? NaN : rng.next() * 2 - 1;
    features.push({ kind: "numeric", name: `x${f}`, values });
  }
  const codes = new Int32Array(n);
  for (let r = 0; r < n; r++) codes[r] = rng.next() < 0.05 ? -1 : rng.int(30);
  features.push({ kind: "categorical", name: "c", codes, categories: Array.from({ length: 30 }, (_, i) => `c${i}`) });
  const x = (f: number, r: number) => (features[f] as Extract<Column, { kind: "numeric" }>).values[r]!;
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const x0 = Number.isNaN(x(0, r)) ? 0.8 : x(0, r);
    const z = Math.sin(3 * x0) + x(1, r) * (x(2, r) || 0) + ((codes[r]! % 4) - 1.5) * 0.5;
    y[r] = rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
  }
  return { nRows: n, features, target: { name: "y", task: "binary", values: y, classes: ["no", "yes"] }, fingerprint: "mixed" };
}

for (const quantizedGradients of [false, true]) {
  test(`threads 1, 2 and 3 give bit-identical models (NaNs, categoricals, row and column subsampling${quantizedGradients ? ", quantized gradients" : ""})`, () => {
    const data = mixed(100000, 7);
    const fit = (threads: number) => new GradientBoosting({ iterations: 15, threads, subsample: 0.8, colsample: 0.9, seed: 3, earlyStopping: 5, quantizedGradients }).fit(data);
    const one = fit(1);
    assert.equal(one.fitInfo.threads, 1);
    const oneRaw = one.predictRaw(data);
    for (const threads of [2, 3]) {
      const many = fit(threads);
      // The threaded path really ran: workers built the big nodes.
      assert.equal(many.fitInfo.threads, threads);
      assert.ok(many.fitInfo.parallelHistograms > 10, `parallel histograms: ${many.fitInfo.parallelHistograms}`);
      // Exact gradients run the WebAssembly kernels, whose big leaves are partitioned on the threads too.
      if (!quantizedGradients) {
        assert.equal(many.fitInfo.kernels, "webassembly");
        assert.ok(many.fitInfo.parallelPartitions > 10, `parallel partitions: ${many.fitInfo.parallelPartitions}`);
      }
      assert.deepEqual(many.dumpTrees(), one.dumpTrees());
      assert.deepEqual(Buffer.from(many.predictRaw(data).buffer), Buffer.from(oneRaw.buffer));
      assert.deepEqual(many.state, one.state);
    }
  });
}

test("threads 1, 2 and 3 give bit-identical models when every row is used (gradients streamed into the root histogram)", () => {
  const data = mixed(90000, 8);
  for (const loss of ["log_loss", "squared_error"] as const) {
    // squared_error: a regression on the same 0/1 target.
    const target = loss === "log_loss" ? data.target! : { name: "y", task: "regression" as const, values: data.target!.values };
    const fit = (threads: number) => new GradientBoosting({ iterations: 8, threads, seed: 4, earlyStopping: 0, loss }).fit({ ...data, target });
    const one = fit(1);
    for (const threads of [2, 3]) {
      const many = fit(threads);
      assert.equal(many.fitInfo.streamedRoots, 8, "every root was built while its gradients were computed");
      assert.deepEqual(many.dumpTrees(), one.dumpTrees());
      assert.deepEqual(many.state, one.state);
    }
  }
});

test("threads 1 and 2 give bit-identical models for multiclass (one tree per class, scores on threads) and absolute error (leaves refitted from segments)", () => {
  const data = mixed(70000, 9);
  const x0 = (data.features[0] as Extract<Column, { kind: "numeric" }>).values;
  const classes = { name: "k", task: "multiclass" as const, values: Float64Array.from(x0, (v, r) => (Number.isNaN(v) ? 2 : v > 0.2 ? 1 : r % 3 === 0 ? 2 : 0)), classes: ["a", "b", "c"] };
  const regression = { name: "z", task: "regression" as const, values: Float64Array.from(x0, (v, r) => (Number.isNaN(v) ? 1 : 3 * v) + (r % 7) / 7) };
  for (const [target, loss] of [[classes, "auto"], [regression, "absolute_error"]] as const) {
    const fit = (threads: number) => new GradientBoosting({ iterations: 4, threads, seed: 5, earlyStopping: 0, loss }).fit({ ...data, target });
    const one = fit(1);
    const two = fit(2);
    assert.ok(two.fitInfo.parallelPartitions > 0, `parallel partitions: ${two.fitInfo.parallelPartitions}`);
    assert.deepEqual(two.dumpTrees(), one.dumpTrees());
    assert.deepEqual(two.state, one.state);
  }
});

test("a gradient source that fails mid-stream fails the tree, and the workers take the next one", () => {
  const rng = new Random(2);
  const nRows = 100000;
  const nFeatures = 6;
  const nBins = new Int32Array(nFeatures).fill(17);
  const featureOffset = Int32Array.from({ length: nFeatures }, (_, f) => 17 * f);
  const bins = toShared(Uint8Array.from({ length: nRows * nFeatures }, () => rng.int(16)));
  const data = { bins, nRows, nFeatures, nBins, featureOffset, isCategorical: new Uint8Array(nFeatures), totalBins: 17 * nFeatures };
  const settings = { maxLeaves: 15, maxDepth: Infinity, minSamplesLeaf: 20, minChildWeight: 1e-3, l2: 1, minSplitGain: 0, maxCatThreshold: 32, catSmooth: 10, minCategoryCount: 10 };
  const gh = new Float32Array(2 * nRows);
  for (let r = 0; r < nRows; r++) {
    gh[2 * r] = (bins[r]! > 7 ? 1 : -1) + (bins[nRows + r]! > 3 ? 0.5 : 0) + rng.next() - 0.5;
    gh[2 * r + 1] = 1;
  }
  const source = (begin: number, end: number, out: Float32Array, sums: Float64Array) => {
    out.set(gh.subarray(2 * begin, 2 * end), 2 * begin);
    for (let r = begin; r < end; r++) {
      sums[0] += gh[2 * r]!;
      sums[1] += gh[2 * r + 1]!;
    }
  };
  const features = Int32Array.from({ length: nFeatures }, (_, f) => f);
  const threads = HistogramThreads.acquire(2);
  assert.ok(threads);
  const grower = new TreeGrower(data, settings, threads, 2);
  const reset = (g: TreeGrower) => {
    for (let r = 0; r < nRows; r++) g.rows[r] = r;
  };
  reset(grower);
  const failing = (begin: number, end: number, out: Float32Array, sums: Float64Array) => {
    if (begin > nRows / 2) throw new RangeError("gradients failed");
    source(begin, end, out, sums);
  };
  assert.throws(() => grower.grow(gh, nRows, true, features, nFeatures, 0.1, null, 0, failing), /gradients failed/);
  reset(grower);
  grower.grow(gh, nRows, true, features, nFeatures, 0.1, null, 0, source);
  assert.equal(threads.streamedRoots, 2);
  const one = new TreeGrower(data, settings);
  reset(one);
  one.grow(gh, nRows, true, features, nFeatures, 0.1);
  assert.deepEqual(Array.from(grower.nodeFeature.subarray(0, grower.nNodes)), Array.from(one.nodeFeature.subarray(0, one.nNodes)));
  assert.deepEqual(Array.from(grower.nodeValue.subarray(0, grower.nNodes)), Array.from(one.nodeValue.subarray(0, one.nNodes)));
  assert.ok(grower.nLeaves > 5);
  threads.release();
});

test("log loss gradients from the grower's WebAssembly kernel grow loss.ts's trees bit for bit, streamed on 2 threads and on 1", () => {
  const rng = new Random(5);
  const nRows = 100001;
  const nFeatures = 6;
  const nBins = new Int32Array(nFeatures).fill(17);
  const featureOffset = Int32Array.from({ length: nFeatures }, (_, f) => 17 * f);
  const bins = toShared(Uint8Array.from({ length: nRows * nFeatures }, () => rng.int(16)));
  const data = { bins, nRows, nFeatures, nBins, featureOffset, isCategorical: new Uint8Array(nFeatures), totalBins: 17 * nFeatures };
  const settings = { maxLeaves: 15, maxDepth: Infinity, minSamplesLeaf: 20, minChildWeight: 1e-3, l2: 1, minSplitGain: 0, maxCatThreshold: 32, catSmooth: 10, minCategoryCount: 10 };
  const y = Float64Array.from({ length: nRows }, (_, r) => (bins[r]! > 7 !== rng.next() < 0.2 ? 1 : 0));
  // Scores as after some rounds, a few past the kernel's range (|raw| >= 704: JavaScript's Math.exp).
  const raw = Float64Array.from({ length: nRows }, (_, r) => (r % 9973 === 0 ? 800 * (rng.next() - 0.5) : (bins[nRows + r]! - 8) / 3 + rng.next()));
  const weights = Float64Array.from({ length: nRows }, () => rng.next() * 2);
  const features = Int32Array.from({ length: nFeatures }, (_, f) => f);
  const tree = (g: TreeGrower) => [g.nodeFeature, g.nodeBin, g.nodeValue, g.nodeGain, g.nodeCount].map((a) => Array.from(a.subarray(0, g.nNodes)));
  for (const w of [null, weights]) {
    const gh = new Float32Array(2 * nRows);
    logLoss.gradients(y, w, raw, nRows, 1, gh);
    const reference = new TreeGrower(data, settings, null, 1, "javascript");
    for (let r = 0; r < nRows; r++) reference.rows[r] = r;
    reference.grow(gh, nRows, true, features, nFeatures, 0.1);
    assert.ok(reference.nLeaves > 5);
    for (const nThreads of [1, 2]) {
      const threads = HistogramThreads.acquire(nThreads);
      const grower = new TreeGrower(data, { ...settings, logLossTargets: { y, weights: w } }, threads, nThreads);
      assert.ok(grower.logLossScores && grower.logLossGradients, "the scores live in the grower's WebAssembly memory");
      grower.logLossScores.set(raw);
      for (let r = 0; r < nRows; r++) grower.rows[r] = r;
      grower.grow(new Float32Array(0), nRows, true, features, nFeatures, 0.1, null, 0, grower.logLossGradients);
      if (threads) assert.equal(threads.streamedRoots, 1);
      threads?.release();
      assert.deepEqual(tree(grower), tree(reference), `${nThreads} thread(s), ${w ? "weighted" : "unweighted"}`);
    }
  }
});

for (const kernels of ["javascript", "webassembly"] as const) {
  test(`threaded histograms equal the one-thread kernels bit for bit (${kernels} kernels)`, () => {
    const rng = new Random(1);
    const nRows = 60000;
    const nFeatures = 11;
    const nBins = Int32Array.from({ length: nFeatures }, (_, f) => 3 + ((f * 37) % 250));
    const featureOffset = new Int32Array(nFeatures);
    for (let f = 1; f < nFeatures; f++) featureOffset[f] = featureOffset[f - 1]! + nBins[f - 1]!;
    const totalBins = featureOffset[nFeatures - 1]! + nBins[nFeatures - 1]!;
    const slotLength = totalBins * HIST_STRIDE;
    // The WebAssembly kernels need every array in their memory; the JavaScript ones in SharedArrayBuffers.
    const arena = kernels === "webassembly" ? WasmArena.create([nFeatures * nRows, 4 * nRows, 8 * nRows, 4 * nFeatures, 8 * 2 * slotLength]) : null;
    if (kernels === "webassembly") assert.ok(arena, "WebAssembly SIMD and shared memory are available");
    const shared = (bytes: number) => new SharedArrayBuffer(bytes);
    const bins = arena ? arena.uint8(nFeatures * nRows) : toShared(new Uint8Array(nFeatures * nRows));
    for (let f = 0; f < nFeatures; f++) for (let r = 0; r < nRows; r++) bins[f * nRows + r] = rng.int(nBins[f]!);
    const rows = arena ? arena.int32(nRows) : new Int32Array(shared(4 * nRows));
    const ordered = arena ? arena.float32(2 * nRows) : new Float32Array(shared(8 * nRows));
    let n = 0;
    for (let r = 0; r < nRows; r++) if (rng.next() < 0.7) rows[n++] = r;
    for (let i = 0; i < 2 * nRows; i++) ordered[i] = (rng.next() - 0.5) * 3;
    const features = arena ? arena.int32(nFeatures) : new Int32Array(shared(4 * nFeatures));
    features.set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const nSelected = 10;
    const histograms = arena ? arena.float64(2 * slotLength) : new Float64Array(shared(8 * 2 * slotLength));
    const threads = HistogramThreads.acquire(3);
    assert.ok(threads, "workers start");
    const orderedWords = new Float64Array(ordered.buffer, ordered.byteOffset, nRows);
    threads.bind({ bins, nRows, rows, ordered, features, featureOffset, nBins, histograms, slotLength, packed: false, orderedWords, wasm: arena ? { module: arena.module, memory: arena.memory } : null, segments: 1, leafBegin: new Int32Array(1), leafCount: new Int32Array(1), segmentLeft: new Int32Array(1), goLeft: new Uint8Array(256), scratch: new Int32Array(0), scratchPairs: new Float64Array(0) }, 3, arena?.kernels ?? null);
    assert.ok(n * nSelected >= MIN_PARALLEL_UPDATES);
    // The expected sums from the JavaScript kernels on one thread, in ordinary memory.
    const expected = new Float64Array(slotLength);
    buildHistogramOrdered(bins, nRows, rows, 5, n - 5, features, nSelected, featureOffset, nBins, ordered, expected);
    threads.build(false, 1, 5, n - 5, nSelected);
    assert.deepEqual(histograms.subarray(slotLength), expected);
    buildHistogramAllRows(bins, nRows, features, nSelected, featureOffset, nBins, ordered, expected);
    threads.build(true, 0, 0, nRows, nSelected);
    assert.deepEqual(histograms.subarray(0, slotLength), expected);
    assert.equal(threads.parallelNodes, 2);
    threads.release();
  });
}

test("threads must be an integer >= 1 or null", () => {
  assert.throws(() => new GradientBoosting({ threads: 0 }), InvalidParameterError);
  assert.throws(() => new GradientBoosting({ threads: 1.5 }), InvalidParameterError);
  assert.equal(new GradientBoosting({}).params.threads, null);
});

test("a process that fitted on threads exits by itself (the workers hold no handle)", () => {
  const index = fileURLToPath(new URL("./index.ts", import.meta.url));
  const script = `
    import { GradientBoosting } from ${JSON.stringify(index)};
    const n = 150000;
    const values = Float64Array.from({ length: n }, (_, r) => (r * 7919) % 1000);
    const y = Float64Array.from(values, (v) => (v > 500 ? 1 : 0));
    const data = { nRows: n, features: [{ kind: "numeric", name: "x", values }, { kind: "numeric", name: "z", values: values.map((v) => v % 37) }], target: { name: "y", task: "binary", values: y, classes: ["a", "b"] }, fingerprint: "x" };
    const model = new GradientBoosting({ iterations: 3, threads: 2, earlyStopping: 0 }).fit(data);
    console.log(model.fitInfo.threads, model.fitInfo.parallelHistograms > 0);
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60000 });
  assert.equal(child.error, undefined, "the process exited before the timeout");
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), "2 true");
});
