/**
 * The automatic leaf size (minSamplesLeaf null): 20 rows, or a tenth of the training rows below 200 rows, at
 * least 5; explicit values always win.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Dataset } from "../../core/types.js";
import { GradientBoosting, type DumpedNode } from "./index.js";
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

/** y = a step in x0 times a step in x1, plus noise: small trees need several leaves. */
function steps(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    x0[r] = rng.next();
    x1[r] = rng.next();
    y[r] = (x0[r]! > 0.5 ? 2 : 0) * (x1[r]! > 0.3 ? 1 : -1) + 0.3 * (rng.next() - 0.5);
  }
  return {
    nRows: n,
    features: [
      { kind: "numeric", name: "x0", values: x0 },
      { kind: "numeric", name: "x1", values: x1 },
    ],
    target: { name: "y", task: "regression", values: y },
    fingerprint: "test",
  };
}

test("a default fit on 125 rows grows leaves of at least 13 rows, records 13, and equals an explicit minSamplesLeaf 13", () => {
  const data = steps(125, 1);
  const auto = new GradientBoosting({ iterations: 20 }).fit(data);
  assert.equal(auto.params.minSamplesLeaf, 13);
  const probe = steps(50, 2);
  assert.deepEqual(auto.predict(probe), new GradientBoosting({ iterations: 20, minSamplesLeaf: 13 }).fit(data).predict(probe));
  assert.notDeepEqual(auto.predict(probe), new GradientBoosting({ iterations: 20, minSamplesLeaf: 20 }).fit(data).predict(probe));
  // Every leaf of every tree holds at least 13 training rows, and some hold fewer than 20.
  const counts: number[] = [];
  const leaves = (node: DumpedNode): void => void ("leaf" in node ? counts.push(node.count) : (leaves(node.left), leaves(node.right)));
  for (const tree of auto.dumpTrees()) leaves(tree);
  assert.ok(Math.min(...counts) >= 13 && Math.min(...counts) < 20, `smallest leaf ${Math.min(...counts)}`);
});

test("from 200 rows the default leaf size is 20; with early stopping the rows held out do not count", () => {
  assert.equal(new GradientBoosting({ iterations: 5 }).fit(steps(300, 3)).params.minSamplesLeaf, 20);
  // 150 rows, 10% held out for early stopping: 135 rows grow the trees, 135 / 10 = 13.5 -> 14.
  assert.equal(new GradientBoosting({ iterations: 5, earlyStopping: 5 }).fit(steps(150, 4)).params.minSamplesLeaf, 14);
  assert.equal(new GradientBoosting({ iterations: 5, minSamplesLeaf: 20 }).fit(steps(125, 1)).params.minSamplesLeaf, 20);
});
