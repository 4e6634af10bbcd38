import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../core/rng.js";
import { featureContributionStd, mixedAffineRows, mixedGemv, mixedGemvTransposed, mixedToDense, mixedWeightedGram } from "./mixed.js";

// A design with 3 dense columns and 2 categorical features (4 and 3 one-hot columns, some rows with no
// category), plus an intercept-like slot that is the same column for every row: 3 + 4 + 3 + 1 = 11.
const N_ROWS = 9;
const N_DENSE = 3;
const N_CODES = 3;
const N_COLUMNS = 11;

function makeDesign(seed: number): { dense: Float64Array; codes: Int32Array; naive: number[][] } {
  const rng = new Random(seed);
  const dense = new Float64Array(N_ROWS * N_DENSE).map(() => rng.next() * 2 - 1);
  dense[4] = 0; // a zero the kernels skip
  const codes = new Int32Array(N_ROWS * N_CODES);
  for (let i = 0; i < N_ROWS; i++) {
    codes[i * N_CODES] = rng.next() < 0.2 ? -1 : 3 + rng.int(4);
    codes[i * N_CODES + 1] = rng.next() < 0.2 ? -1 : 7 + rng.int(3);
    codes[i * N_CODES + 2] = 10;
  }
  // The naive twin of the layout: the dense matrix written out cell by cell.
  const naive = Array.from({ length: N_ROWS }, (_, i) => {
    const row = new Array<number>(N_COLUMNS).fill(0);
    for (let j = 0; j < N_DENSE; j++) row[j] = dense[i * N_DENSE + j]!;
    for (let f = 0; f < N_CODES; f++) if (codes[i * N_CODES + f]! >= 0) row[codes[i * N_CODES + f]!] = 1;
    return row;
  });
  return { dense, codes, naive };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-14, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test("mixedToDense writes the dense block and a 1 at each code", () => {
  const { dense, codes, naive } = makeDesign(1);
  const out = new Float64Array(N_ROWS * N_COLUMNS).fill(7);
  mixedToDense(dense, N_DENSE, codes, N_CODES, N_ROWS, N_COLUMNS, out);
  assert.deepEqual(Array.from(out), naive.flat());
});

test("mixedGemv agrees with the naive dense product", () => {
  const { dense, codes, naive } = makeDesign(2);
  const rng = new Random(20);
  const w = new Float64Array(N_COLUMNS).map(() => rng.next() - 0.5);
  const out = new Float64Array(N_ROWS);
  mixedGemv(dense, N_DENSE, codes, N_CODES, N_ROWS, w, out);
  assertClose(out, naive.map((row) => row.reduce((s, x, j) => s + x * w[j]!, 0)), "mixedGemv");
});

test("mixedGemvTransposed agrees with the naive X^T v", () => {
  const { dense, codes, naive } = makeDesign(3);
  const rng = new Random(30);
  const v = new Float64Array(N_ROWS).map(() => rng.next() - 0.5);
  v[2] = 0;
  const out = new Float64Array(N_COLUMNS).fill(5);
  mixedGemvTransposed(dense, N_DENSE, codes, N_CODES, N_ROWS, v, N_COLUMNS, out);
  assertClose(out, Array.from({ length: N_COLUMNS }, (_, j) => naive.reduce((s, row, i) => s + row[j]! * v[i]!, 0)), "mixedGemvTransposed");
});

test("mixedWeightedGram agrees with the naive X^T diag(h) X", () => {
  const { dense, codes, naive } = makeDesign(4);
  const rng = new Random(40);
  const h = new Float64Array(N_ROWS).map(() => rng.next());
  h[5] = 0;
  const out = new Float64Array(N_COLUMNS * N_COLUMNS).fill(3);
  mixedWeightedGram(dense, N_DENSE, codes, N_CODES, N_ROWS, h, N_COLUMNS, out);
  const expected: number[] = [];
  for (let j = 0; j < N_COLUMNS; j++) for (let l = 0; l < N_COLUMNS; l++) expected.push(naive.reduce((s, row, i) => s + h[i]! * row[j]! * row[l]!, 0));
  assertClose(out, expected, "mixedWeightedGram");
});

test("mixedAffineRows agrees with the naive X W^T + b", () => {
  const { dense, codes, naive } = makeDesign(5);
  const rng = new Random(50);
  const w = new Float64Array(2 * N_COLUMNS).map(() => rng.next() - 0.5);
  const b = new Float64Array([0.25, -1]);
  const out = new Float64Array(N_ROWS * 2);
  mixedAffineRows(dense, N_DENSE, codes, N_CODES, N_ROWS, N_COLUMNS, w, b, 2, out);
  const expected = naive.flatMap((row) => [0, 1].map((k) => row.reduce((s, x, j) => s + x * w[k * N_COLUMNS + j]!, 0) + b[k]!));
  assertClose(out, expected, "mixedAffineRows");
});

test("featureContributionStd agrees with the naive std of each feature's share of the margin", () => {
  const { dense, codes, naive } = makeDesign(5);
  // Features: dense columns 0 and 1 belong to feature 0 (a value and its missing indicator), column 2 to
  // feature 1; the first categorical block to feature 2, the second to feature 3, the intercept slot to 4.
  const columnFeature = Int32Array.of(0, 0, 1, 2, 2, 2, 2, 3, 3, 3, 4);
  const rng = new Random(50);
  const w = new Float64Array(N_COLUMNS).map(() => rng.next() * 4 - 2);
  const nFeatures = 5;
  const out = new Float64Array(nFeatures);
  const buffers = () => new Float64Array(nFeatures);
  featureContributionStd(dense, N_DENSE, codes, N_CODES, N_ROWS, columnFeature, nFeatures, w, buffers(), buffers(), buffers(), buffers(), out);
  const expected = Array.from({ length: nFeatures }, (_, f) => {
    const contributions = naive.map((row) => row.reduce((s, x, j) => s + (columnFeature[j] === f ? x * w[j]! : 0), 0));
    const mean = contributions.reduce((a, b) => a + b, 0) / contributions.length;
    return Math.sqrt(contributions.reduce((a, b) => a + (b - mean) ** 2, 0) / contributions.length);
  });
  assertClose(out, expected, "featureContributionStd");
  assert.equal(out[4], 0, "the intercept slot is the same for every row");
});
