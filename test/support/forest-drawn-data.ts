/**
 * The data of test/forest-drawn-histograms.test.ts and of its fixture (bench/forest/make-drawn-fixture.ts):
 * a wide binary set, on which a forest's nodes draw 6 of 40 features (drawn-only histograms), and a narrow
 * regression set with missing values and a categorical column, on which every node searches every feature.
 */
import { Random } from "../../src/core/rng.js";
import type { Column, Dataset } from "../../src/core/types.js";

/** 400 rows x 40 numeric features (values on a grid of 0.01, a tenth missing in 5 of them); y from 6 of them. */
export function wideBinary(seed: number, nRows = 400): Dataset {
  const rng = new Random(seed);
  const x = Array.from({ length: 40 }, (_, f) => Float64Array.from({ length: nRows }, () => (f % 8 === 3 && rng.next() < 0.1 ? NaN : Math.round(rng.next() * 200) / 100 - 1)));
  const y = Float64Array.from({ length: nRows }, (_, r) => {
    const v = (j: number) => (Number.isNaN(x[j]![r]!) ? 0 : x[j]![r]!);
    const z = 2 * v(0) - v(7) + v(13) * v(21) + (v(30) > 0.2 ? 1 : -0.5) + 0.5 * v(39);
    return rng.next() < 1 / (1 + Math.exp(-3 * z)) ? 1 : 0;
  });
  const features: Column[] = x.map((values, f) => ({ kind: "numeric", name: `x${f}`, values }));
  return { nRows, features, target: { name: "y", task: "binary", values: y, classes: ["no", "yes"] }, fingerprint: `wide-${seed}` };
}

/** 300 rows x 4 features (3 numeric, one with missing values; one categorical of 5 levels); y numeric. */
export function narrowRegression(seed: number, nRows = 300): Dataset {
  const rng = new Random(seed);
  const a = Float64Array.from({ length: nRows }, () => Math.round(rng.next() * 1000) / 100);
  const b = Float64Array.from({ length: nRows }, () => (rng.next() < 0.15 ? NaN : Math.round(rng.next() * 100) / 10));
  const c = Float64Array.from({ length: nRows }, () => rng.int(20));
  const codes = Int32Array.from({ length: nRows }, () => rng.int(5));
  const y = Float64Array.from({ length: nRows }, (_, r) => 3 * Math.sin(a[r]!) + (Number.isNaN(b[r]!) ? 2 : b[r]! / 3) + [0, 4, -2, 1, 0.5][codes[r]!]! + rng.next());
  const features: Column[] = [
    { kind: "numeric", name: "a", values: a },
    { kind: "numeric", name: "b", values: b },
    { kind: "numeric", name: "c", values: c },
    { kind: "categorical", name: "kind", codes, categories: ["p", "q", "r", "s", "t"] },
  ];
  return { nRows, features, target: { name: "y", task: "regression", values: y }, fingerprint: `narrow-${seed}` };
}
