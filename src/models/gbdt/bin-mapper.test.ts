import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Column } from "../../core/types.js";
import { BinMapper, MIN_PARALLEL_BINNING_ROWS } from "./bin-mapper.js";
import { HistogramThreads, toShared } from "./histogram-threads.js";

test("bin edges are sampled among the given training rows only", () => {
  // Rows 0..1499 are held out and hold huge values; the sample of 1000 must come from rows 1500..2999.
  const values = Float64Array.from({ length: 3000 }, (_, r) => (r < 1500 ? 1e9 + r : r));
  const rows = Int32Array.from({ length: 1500 }, (_, i) => 1500 + i);
  const features: Column[] = [{ kind: "numeric", name: "x", values }];
  const mapper = BinMapper.fit(features, rows, 3000, 255, 1000, new Random(1));
  const edges = mapper.edges[0]!;
  assert.ok(edges.length > 200);
  assert.ok(edges[0]! >= 1500 && edges[edges.length - 1]! < 3000, `edges span ${edges[0]}..${edges[edges.length - 1]}`);
});

test("the mapper lays features side by side and bins rows in the order given", () => {
  const features: Column[] = [
    { kind: "numeric", name: "x", values: Float64Array.of(3, 1, 2, NaN) },
    { kind: "categorical", name: "c", codes: Int32Array.of(1, 1, 0, -1), categories: ["a", "b", "z"] },
  ];
  const mapper = BinMapper.fit(features, null, 4, 255, 1000, new Random(1));
  assert.deepEqual(Array.from(mapper.nBins), [4, 3]);
  assert.deepEqual(Array.from(mapper.featureOffset), [0, 4]);
  assert.equal(mapper.totalBins, 7);
  assert.deepEqual(Array.from(mapper.transform(features, Int32Array.of(3, 0), 4)), [3, 2, 2, 0]);
});

test("binning on a worker thread gives the same edges and bins as on one thread (held-out rows, NaNs, categoricals)", () => {
  const threads = HistogramThreads.acquire(2);
  assert.ok(threads, "workers start");
  const rng = new Random(5);
  const nRows = MIN_PARALLEL_BINNING_ROWS + 20011;
  const features: Column[] = [];
  for (let f = 0; f < 5; f++) {
    // A view into a larger buffer, as columns read from a file are.
    const big = new Float64Array(nRows + 7);
    const values = big.subarray(3, 3 + nRows);
    for (let r = 0; r < nRows; r++) values[r] = rng.next() < 0.05 ? NaN : f === 2 ? rng.int(30) : rng.next() * 10 ** f;
    features.push({ kind: "numeric", name: `x${f}`, values });
    if (f === 1) features.push({ kind: "categorical", name: "c", codes: Int32Array.from({ length: nRows }, () => rng.int(12) - 1), categories: Array.from({ length: 11 }, (_, i) => `k${i}`) });
  }
  for (const rows of [null, Int32Array.from({ length: nRows }, (_, r) => r).filter((r) => r % 5 !== 0)]) {
    const one = BinMapper.fit(features, rows, nRows, 255, 20000, new Random(9));
    const oneBins = one.transform(features, rows, nRows);
    const { mapper, bins, workerColumns } = BinMapper.fitTransform(features, rows, nRows, 255, 20000, new Random(9), threads);
    assert.equal(workerColumns, 2, "the worker binned every other numeric column");
    assert.ok(bins.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(mapper.edges, one.edges);
    assert.deepEqual(mapper.codeToBin, one.codeToBin);
    assert.deepEqual(mapper.nBins, one.nBins);
    assert.deepEqual(mapper.featureOffset, one.featureOffset);
    assert.deepEqual(bins, toShared(oneBins));
    // The columns are left as they were.
    assert.equal(features.length, 6);
  }
});
