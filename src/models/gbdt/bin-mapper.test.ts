import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Column } from "../../core/types.js";
import { BinMapper } from "./bin-mapper.js";

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
