/**
 * The automatic leaf size (minSamplesLeaf null): 20 rows, or a tenth of the training rows below 200 rows, at
 * least 5; explicit values always win.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_MIN_SAMPLES_LEAF, SMALLEST_AUTO_MIN_SAMPLES_LEAF, resolveMinSamplesLeaf } from "./params.js";

test("automatic leaf size: 20 from 200 rows up, a tenth of the rows below (rounded), never below 5", () => {
  assert.deepEqual([DEFAULT_MIN_SAMPLES_LEAF, SMALLEST_AUTO_MIN_SAMPLES_LEAF], [20, 5]);
  // Hand-worked: 125 / 10 = 12.5 -> 13 (mlbench Servo's 125 training rows); 156 -> 15.6 -> 16; 194 -> 19.4 -> 19.
  const cases: [number, number][] = [
    [1_000_000, 20],
    [200, 20],
    [195, 20],
    [194, 19],
    [156, 16],
    [125, 13],
    [72, 7],
    [55, 6],
    [54, 5],
    [12, 5],
    [2, 5],
  ];
  for (const [rows, expected] of cases) assert.equal(resolveMinSamplesLeaf(null, rows), expected, `${rows} rows`);
});

test("an explicit leaf size is kept whatever the number of rows", () => {
  assert.equal(resolveMinSamplesLeaf(20, 125), 20);
  assert.equal(resolveMinSamplesLeaf(1, 1_000_000), 1);
  assert.equal(resolveMinSamplesLeaf(50, 30), 50);
});
