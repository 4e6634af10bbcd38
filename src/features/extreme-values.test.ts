/**
 * Fitting the linear models' transforms on columns that hold extreme but finite values: a sum of 1e308
 * and the largest double overflows, and so does the square of any deviation above 1.3e154. Means and
 * standard deviations must stay finite and right (checked against hand-worked values), so that a model
 * trained on such a column still predicts and saves (a model file refuses an infinite mean or scale).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../core/rng.js";
import type { Dataset } from "../core/types.js";
import { LogisticRegression } from "../models/linear/index.js";
import { loadModel } from "../models/registry.js";
import { MeanImputer } from "./imputer.js";
import { Standardizer, finiteMean } from "./standardizer.js";

const BIG = 1.7976931348623157e308;

test("finiteMean: the plain mean when the sum is finite, the exactly scaled one when it overflows", () => {
  // (1e308 + BIG) / 2 rounded once is 1e308 / 2 + BIG / 2 (halving is exact).
  assert.equal(finiteMean(new Float64Array([1e308, BIG])), 1e308 / 2 + BIG / 2);
  assert.equal(finiteMean(new Float64Array([-BIG, -BIG, -BIG])), -BIG);
  // -BIG + BIG cancels exactly; the plain sum does not overflow: 1 / 4.
  assert.equal(finiteMean(new Float64Array([-BIG, BIG, 0, 1])), 0.25);
  // Overflow then the rest: 4 * 1e308 + 2 * -1e308, divided by 6.
  assert.equal(finiteMean(new Float64Array([1e308, 1e308, 1e308, 1e308, -1e308, -1e308])), 1e308 / 3);
  const ordinary = new Float64Array([0.1, 0.2, 0.3]);
  assert.equal(finiteMean(ordinary), (0.1 + 0.2 + 0.3) / 3);
});

test("Standardizer.fit on the largest doubles: a finite mean and the population std, by hand", () => {
  // Deviations +-(BIG - 0.25), -0.25 and 0.75: variance = (2 (BIG - 0.25)^2 + 0.625) / 4, so the std is
  // BIG / sqrt(2) to the last digit (0.25 and 0.625 vanish next to BIG^2).
  const wide = Standardizer.fit(new Float64Array([-BIG, BIG, 0, 1]));
  assert.equal(wide.mean, 0.25);
  assert.ok(Math.abs(wide.scale - BIG / Math.SQRT2) <= BIG * 1e-15, `${wide.scale}`);
  // The deviation squared overflows above 1.3e154: 1e200 and -1e200 have std exactly 1e200.
  assert.deepEqual(Standardizer.fit(new Float64Array([1e200, -1e200])).toJSON(), { mean: 0, scale: 1e200 });
  // 1e308 four times and the largest double once: the mean overflows as a plain sum.
  const high = Standardizer.fit(new Float64Array([1e308, 1e308, 1e308, 1e308, BIG]));
  const mean = 1e308 + (BIG - 1e308) / 5;
  assert.ok(Math.abs(high.mean - mean) <= mean * 1e-15, `${high.mean}`);
  // Deviations -d/5 (four times) and 4d/5, d = BIG - 1e308: std = 2d/5.
  assert.ok(Math.abs(high.scale - (2 * (BIG - 1e308)) / 5) <= 1e-15 * BIG, `${high.scale}`);
  // Unchanged where nothing overflows: the two-pass formula, the same digits.
  const ordinary = Standardizer.fit(new Float64Array([1, 2, 3]));
  assert.deepEqual(ordinary.toJSON(), { mean: 2, scale: Math.sqrt(2 / 3) });
});

test("Standardizer.transformInPlace: a difference from the mean that overflows is taken in halves; a standardized value beyond the range is Infinity", () => {
  const standardizer = new Standardizer({ mean: 1e306, scale: 2.5e307 });
  const out = new Float64Array([-BIG, BIG, 3.5e307]);
  standardizer.transformInPlace(out, 3, 0, 1);
  // -BIG - 1e306 is beyond the range; the quotient, -(BIG + 1e306) / 2.5e307, is not.
  const expected = -(BIG / 2.5e307 + 1e306 / 2.5e307);
  assert.ok(Math.abs(out[0]! - expected) <= 1e-15 * Math.abs(expected), `${out[0]} vs ${expected}`);
  assert.equal(out[1], (BIG - 1e306) / 2.5e307);
  assert.equal(out[2], (3.5e307 - 1e306) / 2.5e307);
  const narrow = new Standardizer({ mean: 0.25, scale: 0.5 });
  const big = new Float64Array([1e308, -BIG, 5e-324, -0]);
  narrow.transformInPlace(big, 4, 0, 1);
  assert.deepEqual(Array.from(big), [Infinity, -Infinity, -0.5, -0.5]);
});

test("MeanImputer.fit: the mean of the present values without overflow", () => {
  const imputer = MeanImputer.fit(new Float64Array([1e308, Number.NaN, BIG]));
  assert.deepEqual(imputer.toJSON(), { mean: 1e308 / 2 + BIG / 2, indicator: true });
  assert.deepEqual(MeanImputer.fit(new Float64Array([1, 2, Number.NaN])).toJSON(), { mean: 1.5, indicator: true });
  assert.deepEqual(MeanImputer.fit(new Float64Array([Number.NaN])).toJSON(), { mean: 0, indicator: true });
});

test("a logistic regression trained on a column holding 1e308 and the largest doubles saves, loads and predicts finite probabilities", () => {
  const rng = new Random(8);
  const n = 100;
  const x = new Float64Array(n);
  const z = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    z[i] = rng.next() * 2 - 1;
    x[i] = i === 0 ? 1e308 : i === 1 ? BIG : i === 2 ? -BIG : i === 3 ? Number.NaN : rng.next();
    y[i] = z[i]! + 0.3 * (rng.next() - 0.5) > 0 ? 1 : 0;
  }
  const train: Dataset = {
    nRows: n,
    features: [
      { kind: "numeric", name: "x", values: x },
      { kind: "numeric", name: "z", values: z },
    ],
    target: { name: "y", task: "binary", values: y, classes: ["no", "yes"] },
    fingerprint: "extreme-training",
  };
  const model = loadModel(new LogisticRegression({}).fit(train).toBytes());
  const proba = model.predictProba(train);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = proba.data[2 * i + 1]!;
    assert.ok(Number.isFinite(p) && p >= 0 && p <= 1 && Math.abs(proba.data[2 * i]! + p - 1) <= 1e-12, `row ${i}: ${p}`);
    if ((p > 0.5 ? 1 : 0) === y[i]) correct++;
  }
  // z carries the signal; x's outliers must not have swamped it.
  assert.ok(correct >= 85, `${correct} of ${n} right`);
});
