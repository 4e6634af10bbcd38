import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { categoricalGoLeft, numericGoLeft, partitionNaive, partitionRows, partitionRowsWithPairs, partitionRowsWithPairsWasm } from "./partition.js";
import { WasmArena } from "./wasm/arena.js";

test("the branch-free partition agrees with filter, keeps order, and leaves the rest of the buffer alone", () => {
  const rng = new Random(11);
  for (let trial = 0; trial < 20; trial++) {
    const nRows = 300;
    const bins = Uint8Array.from({ length: nRows * 2 }, () => rng.int(10));
    const goLeft = new Uint8Array(256);
    numericGoLeft(rng.int(9), 10, rng.next() < 0.5, goLeft);
    const rows = Int32Array.from({ length: nRows }, (_, i) => i);
    const begin = rng.int(100);
    const count = rng.int(nRows - begin);
    const before = rows.slice();
    const expected = partitionNaive(rows.subarray(begin, begin + count), bins, nRows, goLeft);
    const nLeft = partitionRows(rows, begin, count, bins, nRows, goLeft, new Int32Array(nRows));
    assert.equal(nLeft, expected.left.length);
    assert.deepEqual(Array.from(rows.subarray(begin, begin + count)), [...expected.left, ...expected.right]);
    assert.deepEqual(rows.subarray(0, begin), before.subarray(0, begin));
    assert.deepEqual(rows.subarray(begin + count), before.subarray(begin + count));
  }
});

test("goLeft tables: numeric threshold with the missing bin last; categorical bitset", () => {
  const t = new Uint8Array(256);
  numericGoLeft(1, 5, true, t);
  assert.deepEqual(Array.from(t.subarray(0, 6)), [1, 1, 0, 0, 1, 0]);
  categoricalGoLeft(Uint32Array.of(0b1010, 0, 0, 0, 0, 0, 0, 0), 5, false, t);
  assert.deepEqual(Array.from(t.subarray(0, 6)), [0, 1, 0, 1, 0, 0]);
});

test("partitioning with pairs moves each row's gradient pair along with it, bit for bit", () => {
  const rng = new Random(12);
  const nRows = 400;
  const bins = Uint8Array.from({ length: nRows }, () => rng.int(6));
  const rows = Int32Array.from({ length: nRows }, (_, i) => i).reverse();
  const pairs = new Float32Array(2 * nRows);
  // Gradients of every kind a loss gives (signs, zero, subnormal, huge) beside finite hessians.
  const gradient = (r: number) => [r + 0.25, -r, 0, -0, 1e-45, -3.4e38][r % 6]!;
  const hessian = (r: number) => [r, 1e-40, 0, 0.25, 3e38, 1][r % 6]!;
  rows.forEach((r, i) => ((pairs[2 * i] = gradient(r)), (pairs[2 * i + 1] = hessian(r))));
  const words = new Float64Array(pairs.buffer);
  const goLeft = new Uint8Array(256);
  categoricalGoLeft(Uint32Array.of(0b100101, 0, 0, 0, 0, 0, 0, 0), 7, false, goLeft);
  const expected = partitionNaive(rows.subarray(50, 350), bins, 0, goLeft);
  const nLeft = partitionRowsWithPairs(rows, words, 50, 300, bins, 0, goLeft, new Int32Array(nRows), new Float64Array(nRows));
  assert.equal(nLeft, expected.left.length);
  assert.deepEqual(Array.from(rows.subarray(50, 350)), [...expected.left, ...expected.right]);
  rows.forEach((r, i) => assert.ok(Object.is(pairs[2 * i], Math.fround(gradient(r))) && pairs[2 * i + 1] === Math.fround(hessian(r)), `pair of row ${r}`));
});

test("the WebAssembly partition gives the JavaScript partition's rows, pairs and count, and touches nothing else", () => {
  const rng = new Random(13);
  for (let trial = 0; trial < 12; trial++) {
    const nRows = 500;
    const nFeatures = 3;
    const arena = WasmArena.create([nRows * nFeatures, 4 * nRows, 8 * nRows, 4 * nRows, 8 * nRows, 256]);
    assert.ok(arena, "WebAssembly SIMD and shared memory are available");
    const bins = arena.uint8(nRows * nFeatures);
    for (let i = 0; i < bins.length; i++) bins[i] = rng.int(12);
    const rows = arena.int32(nRows);
    const words = arena.float64(nRows);
    const scratch = arena.int32(nRows);
    const scratchWords = arena.float64(nRows);
    const goLeft = arena.uint8(256);
    // Rows in a shuffled order (a child's rows are any subset), pairs of every kind a loss gives.
    const order = Array.from({ length: nRows }, (_, i) => i);
    rng.shuffle(order);
    rows.set(order);
    const pairs = new Float32Array(words.buffer, words.byteOffset, 2 * nRows);
    for (let i = 0; i < nRows; i++) {
      pairs[2 * i] = [rows[i]! + 0.5, -0, 1e-45, -3.4e38][i % 4]!;
      pairs[2 * i + 1] = [rows[i]!, 1e-40, 0, 3e38][i % 4]!;
    }
    if (trial % 2) numericGoLeft(rng.int(11), 12, rng.next() < 0.5, goLeft);
    else categoricalGoLeft(Uint32Array.of(rng.int(4096), 0, 0, 0, 0, 0, 0, 0), 12, rng.next() < 0.5, goLeft);
    const begin = rng.int(100);
    const count = trial === 0 ? 0 : rng.int(nRows - begin);
    const colStart = rng.int(nFeatures) * nRows;
    const jsRows = rows.slice();
    const jsWords = words.slice();
    const expected = partitionRowsWithPairs(jsRows, jsWords, begin, count, bins, colStart, goLeft, new Int32Array(nRows), new Float64Array(nRows));
    const naive = partitionNaive(rows.subarray(begin, begin + count), bins, colStart, goLeft);
    const nLeft = partitionRowsWithPairsWasm(arena.kernels, rows, words, begin, count, bins, colStart, goLeft, scratch, scratchWords);
    assert.equal(nLeft, expected);
    assert.equal(nLeft, naive.left.length);
    assert.deepEqual(Array.from(rows.subarray(begin, begin + count)), [...naive.left, ...naive.right]);
    assert.deepEqual(rows, jsRows);
    // The pairs compared as bytes: -0 and subnormals arrive bit for bit.
    assert.deepEqual(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), new Uint8Array(jsWords.buffer));
  }
});
