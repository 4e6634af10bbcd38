import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { addHistogramRowsWasm, buildHistogramAllRows, buildHistogramAllRowsWasm, clearFeatures, buildHistogramNaive, buildHistogramOrdered, buildHistogramOrderedWasm, buildPackedAllRows, buildPackedNaive, buildPackedOrdered, gatherGradients, HIST_STRIDE, passWidth, Quantization, quantizationLevels, quantizeGradients, subtractHistograms, subtractPacked, unpackHistogram, wasmPassWidth } from "./histogram.js";
import { WasmArena } from "./wasm/arena.js";

function interleave(g: Float64Array, h: Float64Array): Float32Array {
  const gh = new Float32Array(2 * g.length);
  g.forEach((v, r) => ((gh[2 * r] = v), (gh[2 * r + 1] = h[r]!)));
  return gh;
}

function randomData(rng: Random, nRows: number, nBins: Int32Array) {
  const nFeatures = nBins.length;
  const featureOffset = new Int32Array(nFeatures);
  for (let f = 1; f < nFeatures; f++) featureOffset[f] = featureOffset[f - 1]! + nBins[f - 1]!;
  const bins = new Uint8Array(nFeatures * nRows);
  for (let f = 0; f < nFeatures; f++) for (let r = 0; r < nRows; r++) bins[f * nRows + r] = rng.int(nBins[f]!);
  // float32 values, so the float32 pairs hold them exactly.
  const g = Float64Array.from({ length: nRows }, () => Math.fround(rng.next() - 0.5));
  const h = Float64Array.from({ length: nRows }, () => Math.fround(rng.next()));
  const total = featureOffset[nFeatures - 1]! + nBins[nFeatures - 1]!;
  return { bins, featureOffset, g, h, gh: interleave(g, h), total, nFeatures };
}

function assertClose(actual: Float64Array, expected: Float64Array) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-9, `slot ${i}: ${actual[i]} vs ${expected[i]}`);
}

test("the root histogram, the ordered histogram and subtraction agree with the naive loop", () => {
  const rng = new Random(3);
  for (let trial = 0; trial < 17; trial++) {
    const nRows = 200 + trial * 37;
    // 1 + trial features: passes of every width from 1 to 8.
    const nBins = Int32Array.from({ length: 1 + trial }, () => 2 + rng.int(255));
    const { bins, featureOffset, g, h, gh, total, nFeatures } = randomData(rng, nRows, nBins);
    const features = Int32Array.from({ length: nFeatures }, (_, i) => i);
    const all = Array.from({ length: nRows }, (_, i) => i);
    const root = new Float64Array(total * HIST_STRIDE).fill(99); // stale content must be cleared
    buildHistogramAllRows(bins, nRows, features, nFeatures, featureOffset, nBins, gh, root);
    assertClose(root, buildHistogramNaive(bins, nRows, all, nFeatures, featureOffset, nBins, g, h));

    const rows = Int32Array.from(all.filter(() => rng.next() < 0.3));
    const ordered = new Float32Array(2 * nRows);
    gatherGradients(rows, 0, rows.length, gh, ordered);
    const child = new Float64Array(total * HIST_STRIDE).fill(-1);
    buildHistogramOrdered(bins, nRows, rows, 0, rows.length, features, nFeatures, featureOffset, nBins, ordered, child);
    assertClose(child, buildHistogramNaive(bins, nRows, rows, nFeatures, featureOffset, nBins, g, h));

    // A slice that starts past 0: the pairs are read aligned with rows.
    const offset = Math.floor(rows.length / 3);
    const tail = new Float64Array(total * HIST_STRIDE);
    buildHistogramOrdered(bins, nRows, rows, offset, rows.length - offset, features, nFeatures, featureOffset, nBins, ordered, tail);
    assertClose(tail, buildHistogramNaive(bins, nRows, rows.subarray(offset), nFeatures, featureOffset, nBins, g, h));

    const inChild = new Set(rows);
    subtractHistograms(root, child, features, nFeatures, featureOffset, nBins, root);
    assertClose(root, buildHistogramNaive(bins, nRows, all.filter((r) => !inChild.has(r)), nFeatures, featureOffset, nBins, g, h));
  }
});

test("passes over the rows: the fewest of at most eight features, of near-equal widths", () => {
  const plan = (n: number) => {
    const widths: number[] = [];
    for (let j = 0; j < n; j += widths[widths.length - 1]!) widths.push(passWidth(n - j));
    return widths;
  };
  assert.deepEqual(plan(7), [7]);
  assert.deepEqual(plan(8), [8]);
  assert.deepEqual(plan(9), [5, 4]);
  assert.deepEqual(plan(28), [7, 7, 7, 7]);
  assert.deepEqual(plan(17), [6, 6, 5]);
  assert.deepEqual(plan(1), [1]);
});

test("only the selected features are built; the others keep their content", () => {
  const rng = new Random(5);
  const nBins = Int32Array.of(4, 4, 4);
  const { bins, featureOffset, g, h, gh, total } = randomData(rng, 50, nBins);
  const out = new Float64Array(total * HIST_STRIDE).fill(7);
  buildHistogramAllRows(bins, 50, Int32Array.of(1), 1, featureOffset, nBins, gh, out);
  const naive = buildHistogramNaive(bins, 50, Array.from({ length: 50 }, (_, i) => i), 3, featureOffset, nBins, g, h);
  for (let k = 0; k < total * HIST_STRIDE; k++) {
    if (k >= 4 * HIST_STRIDE && k < 8 * HIST_STRIDE) assert.ok(Math.abs(out[k]! - naive[k]!) < 1e-9);
    else assert.equal(out[k], 7);
  }
});

test("a hand-worked histogram: two rows in bin 1, one in bin 0", () => {
  const out = new Float64Array(2 * HIST_STRIDE);
  buildHistogramAllRows(Uint8Array.of(1, 0, 1), 3, Int32Array.of(0), 1, Int32Array.of(0), Int32Array.of(2), Float32Array.of(1, 0.5, 2, 0.25, 3, 1), out);
  assert.deepEqual(Array.from(out), [2, 0.25, 4, 1.5]);
});

test("quantized gradients: levels keep sums exact; unbiased stochastic rounding; packed histograms agree with the naive sums exactly", () => {
  assert.equal(quantizationLevels(100), 127);
  assert.equal(quantizationLevels(800000), 59);
  assert.equal(quantizationLevels(2400000), 19);
  // The worst case of the bound: every row at +L or -L, every hessian at L.
  for (const n of [800000, 2400000, 30000000]) {
    const L = quantizationLevels(n);
    const shift = 2 ** Math.ceil(Math.log2(n * L + 1));
    assert.ok(n * L * shift + n * L < 2 ** 53, `n ${n}`);
  }
  const rng = new Random(8);
  const nRows = 3000;
  const nBins = Int32Array.from({ length: 11 }, () => 2 + rng.int(255));
  const { bins, featureOffset, gh, total, nFeatures } = randomData(rng, nRows, nBins);
  const levels = 7;
  const packed = new Float64Array(nRows);
  const q = new Quantization();
  quantizeGradients(gh, nRows, levels, 12345, packed, q);
  const gq = new Float64Array(nRows);
  const hq = new Float64Array(nRows);
  let biasG = 0;
  for (let r = 0; r < nRows; r++) {
    gq[r] = Math.floor(packed[r]! / q.shift);
    hq[r] = packed[r]! - gq[r]! * q.shift;
    assert.ok(Number.isInteger(gq[r]) && Math.abs(gq[r]!) <= levels && hq[r]! >= 0 && hq[r]! <= levels, `row ${r}`);
    // Stochastic rounding: the level is the floor or the ceiling of the scaled value.
    const x = gh[2 * r]! / q.gradientScale;
    assert.ok(gq[r] === Math.floor(x) || gq[r] === Math.ceil(x), `row ${r}: ${gq[r]} for ${x}`);
    biasG += gq[r]! - x;
  }
  assert.ok(Math.abs(biasG / nRows) < 0.03, `mean rounding error ${biasG / nRows}`);
  assert.equal(q.sumGradients, gq.reduce((a, b) => a + b, 0));
  const features = Int32Array.from({ length: nFeatures }, (_, i) => i);
  const all = Array.from({ length: nRows }, (_, i) => i);
  const root = new Float64Array(total).fill(5);
  buildPackedAllRows(bins, nRows, features, nFeatures, featureOffset, nBins, packed, root);
  const naiveRoot = buildPackedNaive(bins, nRows, all, nFeatures, featureOffset, nBins, gq, hq);
  const unpacked = new Float64Array(total * HIST_STRIDE);
  unpackHistogram(root, features, nFeatures, featureOffset, nBins, q, unpacked);
  for (let k = 0; k < total; k++) {
    assert.equal(unpacked[2 * k], naiveRoot.g[k]! * q.gradientScale);
    assert.equal(unpacked[2 * k + 1], naiveRoot.h[k]! * q.hessianScale);
  }
  const rows = Int32Array.from(all.filter(() => rng.next() < 0.4));
  const orderedPacked = Float64Array.from(rows, (r) => packed[r]!);
  const child = new Float64Array(total).fill(-3);
  buildPackedOrdered(bins, nRows, rows, 0, rows.length, features, nFeatures, featureOffset, nBins, orderedPacked, child);
  subtractPacked(root, child, features, nFeatures, featureOffset, nBins, root);
  const inChild = new Set(rows);
  const naiveRest = buildPackedNaive(bins, nRows, all.filter((r) => !inChild.has(r)), nFeatures, featureOffset, nBins, gq, hq);
  unpackHistogram(root, features, nFeatures, featureOffset, nBins, q, unpacked);
  for (let k = 0; k < total; k++) {
    assert.equal(unpacked[2 * k], naiveRest.g[k]! * q.gradientScale);
    assert.equal(unpacked[2 * k + 1], naiveRest.h[k]! * q.hessianScale);
  }
  // In place over the pairs' own memory, as the grower quantizes gathered pairs.
  const same = gh.slice();
  quantizeGradients(same, nRows, levels, 12345, new Float64Array(same.buffer), new Quantization());
  assert.deepEqual(new Float64Array(same.buffer), packed);
});

test("the WebAssembly histogram kernels give the JavaScript kernels' sums bit for bit (every pass width, slices)", () => {
  const rng = new Random(8);
  for (let trial = 0; trial < 10; trial++) {
    const nRows = 150 + trial * 53;
    // 1 + trial features: passes of 1 to 4 features and every mix of them (9 = 3 + 3 + 3, 10 = 4 + 3 + 3).
    const nBins = Int32Array.from({ length: 1 + trial }, () => 2 + rng.int(255));
    const { bins, featureOffset, g, h, gh, total, nFeatures } = randomData(rng, nRows, nBins);
    const arena = WasmArena.create([bins.length, gh.byteLength, 4 * nRows, 8 * nRows, 8 * 2 * total * HIST_STRIDE]);
    assert.ok(arena, "WebAssembly SIMD and shared memory are available");
    const wasmBins = arena.uint8(bins.length);
    wasmBins.set(bins);
    const wasmGh = arena.float32(gh.length);
    wasmGh.set(gh);
    const wasmRows = arena.int32(nRows);
    const wasmOrdered = arena.float32(2 * nRows);
    const out = arena.float64(total * HIST_STRIDE).fill(77); // stale content must be cleared
    // A feature list out of order, without feature 0 when there are several: the kernels follow the list.
    const features = Int32Array.from({ length: nFeatures }, (_, i) => nFeatures - 1 - i);
    const nSelected = nFeatures > 1 ? nFeatures - 1 : 1;
    const all = Array.from({ length: nRows }, (_, i) => i);
    // Features not selected keep their content in both.
    const expected = new Float64Array(total * HIST_STRIDE).fill(77);
    buildHistogramAllRows(bins, nRows, features, nSelected, featureOffset, nBins, gh, expected);
    buildHistogramAllRowsWasm(arena.kernels, wasmBins, nRows, features, nSelected, featureOffset, nBins, wasmGh, out);
    assert.deepEqual(Array.from(out), Array.from(expected));
    // In pieces: the same sums.
    clearFeatures(features, nSelected, featureOffset, nBins, out);
    const cut = [0, Math.floor(nRows / 3), Math.floor(nRows / 3) + 1, nRows];
    for (let p = 0; p + 1 < cut.length; p++) addHistogramRowsWasm(arena.kernels, wasmBins, nRows, cut[p]!, cut[p + 1]!, features, nSelected, featureOffset, nBins, wasmGh, out);
    assert.deepEqual(Array.from(out), Array.from(expected));
    // And against the naive loop, for the features built.
    const naive = buildHistogramNaive(bins, nRows, all, nFeatures, featureOffset, nBins, g, h);
    for (let j = 0; j < nSelected; j++) {
      const f = features[j]!;
      for (let k = featureOffset[f]! * HIST_STRIDE; k < (featureOffset[f]! + nBins[f]!) * HIST_STRIDE; k++) assert.ok(Math.abs(out[k]! - naive[k]!) < 1e-9, `feature ${f} slot ${k}`);
    }

    const rows = Int32Array.from(all.filter(() => rng.next() < 0.4));
    wasmRows.set(rows);
    const ordered = new Float32Array(2 * nRows);
    gatherGradients(rows, 0, rows.length, gh, ordered);
    wasmOrdered.set(ordered);
    // A slice that starts past 0 (the pairs are read aligned with the rows).
    const offset = Math.floor(rows.length / 4);
    buildHistogramOrdered(bins, nRows, rows, offset, rows.length - offset, features, nSelected, featureOffset, nBins, ordered, expected);
    buildHistogramOrderedWasm(arena.kernels, wasmBins, nRows, wasmRows, offset, rows.length - offset, features, nSelected, featureOffset, nBins, wasmOrdered, out);
    assert.deepEqual(Array.from(out), Array.from(expected));
    // An empty slice leaves zeroed bins.
    buildHistogramOrderedWasm(arena.kernels, wasmBins, nRows, wasmRows, 0, 0, features, nSelected, featureOffset, nBins, wasmOrdered, out);
    for (let j = 0; j < nSelected; j++) {
      const f = features[j]!;
      for (let k = featureOffset[f]! * HIST_STRIDE; k < (featureOffset[f]! + nBins[f]!) * HIST_STRIDE; k++) assert.equal(out[k], 0);
    }
  }
});

test("wasmPassWidth: passes of at most four features, of near-equal widths", () => {
  const passes = (n: number) => {
    const widths: number[] = [];
    for (let left = n; left > 0; left -= widths[widths.length - 1]!) widths.push(wasmPassWidth(left));
    return widths;
  };
  assert.deepEqual(passes(4), [4]);
  assert.deepEqual(passes(5), [3, 2]);
  assert.deepEqual(passes(7), [4, 3]);
  assert.deepEqual(passes(28), [4, 4, 4, 4, 4, 4, 4]);
  assert.deepEqual(passes(9), [3, 3, 3]);
});
