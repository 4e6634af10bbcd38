import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { binCategoricalColumn, binNumericColumn, binNumericNaive, computeCategoryBins, computeNumericEdges, RADIX_SORT_MIN, sortFloats } from "./binning.js";

test("few distinct values: one bin each, edges at the midpoints, NaN in the missing bin", () => {
  const values = Float64Array.of(3, 1, NaN, 2, 1, 3, 10);
  const edges = computeNumericEdges(values, null, 255);
  assert.deepEqual(Array.from(edges), [1.5, 2.5, 6.5]);
  const out = new Uint8Array(values.length);
  binNumericColumn(values, null, values.length, edges, 4, out, 0);
  assert.deepEqual(Array.from(out), [2, 0, 4, 1, 0, 2, 3]);
});

test("many distinct values: at most maxBins bins of about equal size", () => {
  const rng = new Random(1);
  const values = Float64Array.from({ length: 10000 }, () => rng.next());
  const edges = computeNumericEdges(values, null, 16);
  assert.ok(edges.length <= 15 && edges.length >= 14);
  const out = new Uint8Array(values.length);
  binNumericColumn(values, null, values.length, edges, 16, out, 0);
  const counts = new Array(16).fill(0);
  for (const b of out) counts[b]++;
  for (let b = 0; b <= edges.length; b++) assert.ok(Math.abs(counts[b] - 10000 / 16) < 20, `bin ${b} has ${counts[b]} rows`);
});

test("a heavily repeated value takes one bin and edges stay strictly increasing", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : i));
  const edges = computeNumericEdges(values, null, 10);
  for (let i = 1; i < edges.length; i++) assert.ok(edges[i]! > edges[i - 1]!);
  assert.equal(edges[0], 0);
});

test("binary search binning agrees with the naive twin, and bin(x) <= b exactly when x <= edges[b]", () => {
  const rng = new Random(7);
  for (let trial = 0; trial < 20; trial++) {
    const n = 500;
    const values = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : Math.round(rng.next() * (trial + 2) * 10) / 10));
    const edges = computeNumericEdges(values, Int32Array.from({ length: 300 }, (_, i) => i), 8 + trial);
    const out = new Uint8Array(n);
    binNumericColumn(values, null, n, edges, edges.length + 1, out, 0);
    assert.deepEqual(out, binNumericNaive(values, edges, edges.length + 1));
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(values[i]!)) continue;
      for (let b = 0; b < edges.length; b++) assert.equal(out[i]! <= b, values[i]! <= edges[b]!);
    }
  }
});

test("binning a row subset writes those rows in order at the offset", () => {
  const values = Float64Array.of(5, 1, 3);
  const out = new Uint8Array(5);
  binNumericColumn(values, Int32Array.of(2, 0), 2, Float64Array.of(2, 4), 3, out, 3);
  assert.deepEqual(Array.from(out), [0, 0, 0, 1, 2]);
});

test("categories: most frequent first, the rarest lumped past maxBins, unseen and missing to the missing bin", () => {
  const codes = Int32Array.of(2, 2, 2, 0, 0, 3, 4, -1, 2, 0);
  const { codeToBin, nValueBins } = computeCategoryBins(codes, null, 6, 3);
  // counts: 2 -> 4, 0 -> 3, 3 -> 1, 4 -> 1; code 1 and 5 unseen
  assert.equal(nValueBins, 3);
  assert.deepEqual(Array.from(codeToBin), [1, -1, 0, 2, 2, -1]);
  const out = new Uint8Array(codes.length + 2);
  binCategoricalColumn(Int32Array.of(...codes, 5, 99), null, codes.length + 2, codeToBin, 3, out, 0);
  assert.deepEqual(Array.from(out), [0, 0, 0, 1, 1, 2, 2, 3, 0, 1, 3, 3]);
});

test("a constant or all-missing feature has no edges", () => {
  assert.equal(computeNumericEdges(Float64Array.of(4, 4, 4), null, 255).length, 0);
  assert.equal(computeNumericEdges(Float64Array.of(NaN, NaN), null, 255).length, 0);
});

test("the grid-narrowed search is exact on heavy tails, huge ranges and values on the edges", () => {
  const rng = new Random(9);
  const cases = [
    Float64Array.from({ length: 5000 }, () => Math.exp(rng.next() * 40 - 20)),
    Float64Array.from({ length: 5000 }, () => (rng.next() - 0.5) * 3e308),
    Float64Array.from({ length: 5000 }, () => (rng.next() < 0.5 ? -1e-300 * rng.next() : rng.int(3))),
    Float64Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? Infinity : i % 11 === 0 ? -Infinity : rng.next())),
    // Dense edges in the middle, sparse in the tails (the common case: the linear scan).
    Float64Array.from({ length: 50000 }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())),
  ];
  for (const values of cases) {
    const edges = computeNumericEdges(values, null, 255);
    const probe = Float64Array.from([...values, ...edges, ...edges.map((e) => e + Math.abs(e) * 1e-12)]);
    const out = new Uint8Array(probe.length);
    binNumericColumn(probe, null, probe.length, edges, 255, out, 0);
    assert.deepEqual(out, binNumericNaive(probe, edges, 255));
  }
});

test("edges sort negative, tiny and signed-zero values in numeric order", () => {
  const rng = new Random(12);
  const values = Float64Array.from({ length: 300 }, () => [-3, -1, -2, 0, -0, 2, 5e-324, -5e-324, -1e300, 1e300][rng.int(10)]!);
  const distinct = [-1e300, -3, -2, -1, -5e-324, 0, 5e-324, 2, 1e300];
  const expected = distinct.slice(1).map((b, i) => distinct[i]! + (b - distinct[i]!) / 2).map((mid, i) => (mid < distinct[i + 1]! ? mid : distinct[i]!));
  assert.deepEqual(Array.from(computeNumericEdges(values, null, 255)), expected);
  const many = Float64Array.from({ length: 5000 }, () => (rng.next() - 0.5) * 10 ** rng.int(10));
  const edges = computeNumericEdges(many, null, 64);
  const sorted = Array.from(many).sort((a, b) => a - b);
  for (let i = 1; i < 64; i++) {
    const q = sorted[Math.floor((i * 5000) / 64)]!;
    assert.ok(edges.includes(q) || q === sorted[4999], `quantile ${i} (${q}) is an edge`);
  }
});

test("sortFloats sorts like a numeric comparison sort, by radix past RADIX_SORT_MIN values and natively below", () => {
  const rng = new Random(21);
  const specials = [0, -0, 5e-324, -5e-324, -1e300, 1e300, Infinity, -Infinity, 1, -1, 2 ** -1074, 1.7976931348623157e308];
  for (const n of [0, 1, 1000, RADIX_SORT_MIN - 1, RADIX_SORT_MIN, 200003]) {
    // Mixed magnitudes and signs, repeats, specials; and a narrow range (most radix passes skipped).
    for (const narrow of [false, true]) {
      const values = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? specials[rng.int(specials.length)]! : narrow ? 1 + rng.int(1000) / 1024 : (rng.next() - 0.5) * 10 ** (rng.int(40) - 20)));
      const expected = Array.from(values).sort((a, b) => a - b || (Object.is(a, -0) ? -1 : Object.is(b, -0) ? 1 : 0));
      const sorted = sortFloats(values.slice());
      for (let i = 0; i < n; i++) if (!Object.is(sorted[i], expected[i])) assert.fail(`n ${n}${narrow ? " narrow" : ""}: at ${i}, ${sorted[i]} vs ${expected[i]}`);
    }
  }
});
