/**
 * Extreme but valid numbers through every model's predictions: ±1e308, ±1.7976931348623157e308 (the
 * largest double), 5e-324 (the smallest) and -0. Probabilities must be finite, in [0, 1] and sum to 1;
 * an overwhelming margin gives exactly 1 and 0; a regression whose true value overflows says so with
 * ±Infinity. The linear models are checked against scikit-learn's predict_proba on the same
 * coefficients (fixtures/extreme-proba.json, from make_extreme_fixture.py) and against hand-worked
 * margins; the trees against the ordinary values on the same side of every threshold.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Random } from "../core/rng.js";
import type { Column, Dataset, Schema, Task } from "../core/types.js";
import { DesignTransform } from "../features/design.js";
import { RandomForest } from "./forest/index.js";
import { GradientBoosting, type GbdtModel } from "./gbdt/index.js";
import { LinearModel, LinearRegression, LogisticRegression, type LinearLink } from "./linear/index.js";
import { loadModel } from "./registry.js";
import type { Model } from "./types.js";

const BIG = 1.7976931348623157e308;

interface ExtremeFixture {
  readonly means: [number, number];
  readonly scales: [number, number];
  readonly bImputed: number;
  readonly rows: [number, number | null, string | null][];
  readonly models: {
    readonly binary: { readonly coef: number[][]; readonly intercept: number[] };
    readonly multiclass: { readonly coef: number[][]; readonly intercept: number[] };
    readonly regression: { readonly coef: number[]; readonly intercept: number };
  };
  readonly answers: {
    readonly binary: (number | null)[][];
    readonly multiclass: (number | null)[][];
    readonly regression: (number | string | null)[];
  };
}

const fixture = JSON.parse(readFileSync(new URL("./linear/fixtures/extreme-proba.json", import.meta.url), "utf8")) as ExtremeFixture;

const CATEGORIES = ["u", "v", "w"];

/** The fixture's rows as a dataset: numeric a and b (null missing), categorical c over u, v, w. */
function fixtureRows(): Dataset {
  const rows = fixture.rows;
  return {
    nRows: rows.length,
    features: [
      { kind: "numeric", name: "a", values: Float64Array.from(rows, (r) => r[0]) },
      { kind: "numeric", name: "b", values: Float64Array.from(rows, (r) => r[1] ?? Number.NaN) },
      { kind: "categorical", name: "c", codes: Int32Array.from(rows, (r) => (r[2] === null ? -1 : CATEGORIES.indexOf(r[2]))), categories: CATEGORIES },
    ],
    fingerprint: "extreme-rows",
  };
}

/**
 * The fixture's hand-written model as a learnloop LinearModel: a and b standardized with the fixture's
 * means and scales, b's missing indicator, one-hot columns for c = u and c = v (w has none).
 */
function fixtureModel(task: Task): LinearModel {
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["low", "mid", "high"] : undefined;
  const schema: Schema = {
    features: [
      { name: "a", kind: "numeric" },
      { name: "b", kind: "numeric" },
      { name: "c", kind: "categorical", categories: CATEGORIES },
    ],
    target: { name: "t", task, ...(classes ? { classes } : {}) },
  };
  const { means, scales, bImputed } = fixture;
  const design = DesignTransform.fromJSON({
    standardize: true,
    features: [
      { kind: "numeric", name: "a", imputer: { mean: means[0], indicator: false }, standardizer: { mean: means[0], scale: scales[0] } },
      { kind: "numeric", name: "b", imputer: { mean: bImputed, indicator: true }, standardizer: { mean: means[1], scale: scales[1] } },
      { kind: "categorical", name: "c", encoder: { codes: [0, 1], labels: ["u", "v"] } },
    ],
  });
  const spec = task === "regression" ? { coef: [fixture.models.regression.coef], intercept: [fixture.models.regression.intercept] } : fixture.models[task];
  const link: LinearLink = task === "regression" ? "identity" : task === "binary" ? "logit" : "softmax";
  const state = {
    estimator: "LinearEstimator",
    link,
    nOutputs: spec.intercept.length,
    design: design.toJSON(),
    fit: { solver: "by hand", nIter: 0, converged: true, violation: 0, objective: 0, l1: 0, l2: 0 },
    importance: [1, 1, 1],
  };
  const model = new LinearModel(schema, {}, state, design, Float64Array.from(spec.coef.flat()), Float64Array.from(spec.intercept));
  // Through a model file and back: what `learnloop predict` and the service load.
  return loadModel(model.toBytes()) as LinearModel;
}

/** Every row of a probability matrix finite, in [0, 1], summing to 1 within 1e-12. */
function assertProbabilities(proba: { nRows: number; nCols: number; data: Float64Array }, what: string): void {
  for (let i = 0; i < proba.nRows; i++) {
    let sum = 0;
    for (let k = 0; k < proba.nCols; k++) {
      const p = proba.data[i * proba.nCols + k]!;
      assert.ok(Number.isFinite(p) && p >= 0 && p <= 1, `${what}: row ${i} class ${k}: ${p}`);
      sum += p;
    }
    assert.ok(Math.abs(sum - 1) <= 1e-12, `${what}: row ${i} sums to ${sum}`);
  }
}

function rowOf(proba: { nCols: number; data: Float64Array }, i: number): number[] {
  return Array.from(proba.data.subarray(i * proba.nCols, (i + 1) * proba.nCols));
}

test("linear binary: scikit-learn's predict_proba on the same coefficients, row by row, including overwhelming margins' exact 1 and 0", () => {
  const model = fixtureModel("binary");
  const proba = model.predictProba(fixtureRows());
  assertProbabilities(proba, "binary");
  fixture.answers.binary.forEach((expected, i) => {
    expected.forEach((p, k) => {
      assert.ok(p !== null, "scikit-learn's binary answers are all finite here");
      const ours = proba.data[i * 2 + k]!;
      // Exact where the margin is overwhelming (scikit-learn's 0 and 1), 1e-12 where it is ordinary.
      if (p === 0 || p === 1) assert.equal(ours, p, `row ${i} class ${k}`);
      else assert.ok(Math.abs(ours - p) <= 1e-12, `row ${i} class ${k}: ${ours} vs scikit-learn ${p}`);
    });
  });
  // By hand, margin = 0.25 (a - 0.25) / 0.5 - 3 (b - 3) / 2 + 0.3 [b missing] + 0.4 [u] - 1.2 [v] + 0.1.
  // Row 6 (1e308, 1e308, u): 0.25 * 2e308 = 5e307 but (1e308 - 0.25) / 0.5 alone overflows; with
  // -1.5e308 from b the margin is -1e308: P(yes) = 0, where the standardized design's Infinity answered 1.
  // Row 10 (1.5e308, 1e308, u): 7.5e307 - 1.5e308: 0 again. Row 11 (BIG, BIG, v): 9e307 - 2.7e308
  // overflows to -Infinity: 0, where Infinity + -Infinity answered NaN.
  for (const i of [6, 10, 11]) assert.deepEqual(rowOf(proba, i), [1, 0], `row ${i}`);
  assert.deepEqual(Array.from(model.predict(fixtureRows())), [1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0]);
});

test("linear multiclass: the limits where scikit-learn's softmax gives NaN, its probabilities elsewhere", () => {
  const model = fixtureModel("multiclass");
  const data = fixtureRows();
  const proba = model.predictProba(data);
  assertProbabilities(proba, "multiclass");
  // Hand-worked margins (a_s = 2a - 0.5, b_s = (b - 3) / 2): row 0, a = 1e308: low 1.5 * 2e308 overflows
  // to +Infinity, mid -2 * 2e308 to -Infinity, high is 0.25: all of the probability on low. Row 1 the
  // mirror: mid. Row 2 (BIG, -BIG, w): low 5.4e308, mid -7.6e308, high 2.25e307: low by ~5e308. Row 3
  // (-BIG, BIG, missing): mid. Row 6 (1e308, 1e308, u): low 3e308 against high -1.25e307. Row 10
  // (1.5e308, 1e308, u): low 4.5e308. Row 11 (BIG, BIG, v): low 5.4e308, high -2.25e307.
  const handWorked: Record<number, number[]> = { 0: [1, 0, 0], 1: [0, 1, 0], 2: [1, 0, 0], 3: [0, 1, 0], 6: [1, 0, 0], 10: [1, 0, 0], 11: [1, 0, 0] };
  fixture.answers.multiclass.forEach((expected, i) => {
    if (expected.every((p) => p === null)) {
      // scikit-learn: Infinity - Infinity inside its softmax.
      assert.deepEqual(rowOf(proba, i), handWorked[i], `row ${i}`);
      return;
    }
    assert.equal(handWorked[i], undefined, `row ${i}: scikit-learn answered; the hand-worked list should not cover it`);
    expected.forEach((p, k) => {
      const ours = proba.data[i * 3 + k]!;
      if (p === 0 || p === 1) assert.equal(ours, p, `row ${i} class ${k}`);
      else assert.ok(Math.abs(ours - p!) <= 1e-12, `row ${i} class ${k}: ${ours} vs scikit-learn ${p}`);
    });
  });
  assert.deepEqual(Object.keys(handWorked).length, fixture.answers.multiclass.filter((row) => row.every((p) => p === null)).length);
  assert.deepEqual(Array.from(model.predict(data)), [0, 1, 0, 1, 2, 2, 0, 0, 0, 1, 0, 0]);
  // The margins themselves: ±Infinity where the margin exceeds the double range, the exact
  // finite value where it does not (row 0, high: -0.25 * (1 - 3) / 2 = 0.25; the 0 coefficient of a
  // times 1e308 / 0.5 = Infinity is 0, not NaN).
  const margins = model.decisionFunction(data);
  assert.deepEqual(rowOf(margins, 0), [Infinity, -Infinity, 0.25]);
  for (const x of margins.data) assert.ok(!Number.isNaN(x), "no NaN margin");
});

test("linear regression: scikit-learn's ±Infinity where the prediction overflows, finite values elsewhere, never NaN", () => {
  const model = fixtureModel("regression");
  const predicted = model.predict(fixtureRows());
  fixture.answers.regression.forEach((expected, i) => {
    assert.ok(expected !== null, "scikit-learn's regression answers are all numbers here");
    const value = expected === "Infinity" ? Infinity : expected === "-Infinity" ? -Infinity : (expected as number);
    if (Number.isFinite(value)) assert.ok(Math.abs(predicted[i]! - value) <= 1e-12 * Math.max(1, Math.abs(value)), `row ${i}: ${predicted[i]} vs scikit-learn ${value}`);
    else assert.equal(predicted[i], value, `row ${i}`);
  });
  // Row 4: a = 5e-324, b = -0, c = u: 1.25 (5e-324 - 0.25) / 0.5 - 0.5 (0 - 3) / 2 + 0.3 + 10, by hand.
  assert.equal(predicted[4], 1.25 * -0.5 + 0.75 + 0.3 + 10);
});

/** 120 rows: x uniform in [-1, 1], z uniform in [0, 0.2] (scale 0.058: standardizing 1e308 overflows). */
function linearData(task: Task, seed: number): Dataset {
  const rng = new Random(seed);
  const n = 120;
  const x = new Float64Array(n);
  const z = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.next() * 2 - 1;
    z[i] = rng.next() * 0.2;
    const score = 2 * x[i]! - 10 * (z[i]! - 0.1) + (rng.next() - 0.5);
    y[i] = task === "regression" ? 5 + score : task === "binary" ? (score > 0 ? 1 : 0) : score < -0.7 ? 0 : score < 0.7 ? 1 : 2;
  }
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["a", "b", "c"] : undefined;
  return {
    nRows: n,
    features: [
      { kind: "numeric", name: "x", values: x },
      { kind: "numeric", name: "z", values: z },
    ],
    target: { name: "y", task, values: y, ...(classes ? { classes } : {}) },
    fingerprint: `extreme-${task}`,
  };
}

/** The extreme rows every fitted model is asked about, each with x and z set to the same value. */
const EXTREMES = [1e308, -1e308, BIG, -BIG, 5e-324, -5e-324, -0];

function rowsOf(pairs: readonly (readonly [number, number])[]): Dataset {
  return {
    nRows: pairs.length,
    features: [
      { kind: "numeric", name: "x", values: Float64Array.from(pairs, (p) => p[0]) },
      { kind: "numeric", name: "z", values: Float64Array.from(pairs, (p) => p[1]) },
    ],
    fingerprint: "extreme-pairs",
  };
}

/** x extreme with z ordinary, z extreme with x ordinary, both extreme. */
const EXTREME_PAIRS: readonly (readonly [number, number])[] = EXTREMES.flatMap((v) => [[v, 0.1], [0.2, v], [v, v]] as const);

test("fitted linear classifiers: extreme rows get finite probabilities; a dominant value's class gets exactly 1", () => {
  for (const task of ["binary", "multiclass"] as const) {
    const model = new LogisticRegression({}).fit(linearData(task, 3));
    const proba = model.predictProba(rowsOf(EXTREME_PAIRS));
    assertProbabilities(proba, `LogisticRegression ${task}`);
    const { weights } = model.coefficients();
    // One extreme feature, the other ordinary: the margins are weight * value plus a bounded rest, so
    // the class whose weight on that feature is largest (times the value's sign) takes probability 1.
    EXTREME_PAIRS.forEach(([x, z], i) => {
      const extremeFeature = Math.abs(x) >= 1e308 && Math.abs(z) < 1 ? 0 : Math.abs(z) >= 1e308 && Math.abs(x) < 1 ? 1 : -1;
      if (extremeFeature < 0) return;
      const value = extremeFeature === 0 ? x : z;
      const expected = new Array<number>(proba.nCols).fill(0);
      if (task === "binary") expected[weights[0]![extremeFeature]! * value > 0 ? 1 : 0] = 1;
      else {
        const scores = weights.map((row) => row[extremeFeature]! * Math.sign(value));
        expected[scores.indexOf(Math.max(...scores))] = 1;
      }
      assert.deepEqual(rowOf(proba, i), expected, `${task}: x ${x}, z ${z}`);
    });
    // 5e-324, -5e-324 and -0 are 0 to the model: the same probabilities as x = z = 0 would give, bit for bit.
    const tiny = model.predictProba(rowsOf([[5e-324, 5e-324], [-5e-324, -0], [-0, -0], [0, 0]]));
    for (let i = 0; i < 3; i++) assert.deepEqual(rowOf(tiny, i), rowOf(tiny, 3), `${task}: tiny row ${i}`);
  }
});

test("fitted linear regression: extreme rows give the exact finite value or a correctly signed Infinity", () => {
  const model = new LinearRegression({}).fit(linearData("regression", 4));
  const { weights, intercepts } = model.coefficients();
  const predicted = model.predict(rowsOf(EXTREME_PAIRS));
  EXTREME_PAIRS.forEach(([x, z], i) => {
    const value = predicted[i]!;
    assert.ok(!Number.isNaN(value), `x ${x}, z ${z}: NaN`);
    // In raw units the prediction is intercept + wx x + wz z; with |x| or |z| >= 1e308 and weights of
    // size ~2 and ~-10 (see linearData), it overflows, signed as the larger term.
    if (Math.abs(x) >= 1e308 || Math.abs(z) >= 1e308) {
      const xTerm = weights[0]![0]! * (x / 1e300);
      const zTerm = weights[0]![1]! * (z / 1e300);
      assert.equal(value, Math.sign(xTerm + zTerm) * Infinity, `x ${x}, z ${z}`);
    } else {
      assert.ok(Math.abs(value - (intercepts[0]! + weights[0]![0]! * x + weights[0]![1]! * z)) <= 1e-12, `x ${x}, z ${z}: ${value}`);
    }
  });
});

/**
 * Tree data: x takes -1, 0, 5e-324 and 1 (20 rows each), so the split between 0 and 5e-324 has threshold
 * 0 + (5e-324 - 0) / 2 = 0 (the half rounds to even): x <= 0 goes left. z is noise. Classes: x < 0 "a",
 * x = 0 "b", x > 0 "c"; regression: -10, 0, 10 plus noise.
 */
function treeData(task: Task): Dataset {
  const rng = new Random(9);
  const levels = [-1, 0, 5e-324, 1];
  const n = 80;
  const x = Float64Array.from({ length: n }, (_, i) => levels[i % 4]!);
  const z = Float64Array.from({ length: n }, () => rng.next());
  const group = (v: number): number => (v < 0 ? 0 : v === 0 ? 1 : 2);
  const y = Float64Array.from(x, (v) => (task === "regression" ? 10 * (group(v) - 1) + rng.next() - 0.5 : task === "binary" ? (v > 0 ? 1 : 0) : group(v)));
  const classes = task === "binary" ? ["no", "yes"] : task === "multiclass" ? ["a", "b", "c"] : undefined;
  const features: Column[] = [
    { kind: "numeric", name: "x", values: x },
    { kind: "numeric", name: "z", values: z },
  ];
  return { nRows: n, features, target: { name: "y", task, values: y, ...(classes ? { classes } : {}) }, fingerprint: `trees-${task}` };
}

/** Each extreme x with the ordinary x whose side of every threshold it must share (z fixed at 0.5). */
const TREE_CASES: readonly (readonly [number, number])[] = [
  [1e308, 1],
  [BIG, 1],
  [-1e308, -1],
  [-BIG, -1],
  [-0, 0],
  [-5e-324, -1e-9],
];

function outputsOf(model: Model, data: Dataset): Float64Array {
  return model.task === "regression" ? model.predict(data) : model.predictProba(data).data;
}

test("trees (gradient boosting and forest, every task): extreme values go where ordinary values on their side go", () => {
  for (const task of ["binary", "multiclass", "regression"] as const) {
    const data = treeData(task);
    const models: [string, Model][] = [
      ["gbdt", new GradientBoosting({ iterations: 20, maxLeaves: 4, minSamplesLeaf: 5, earlyStopping: 0 }).fit(data)],
      ["forest", new RandomForest({ nTrees: 15, seed: 2 }).fit(data)],
    ];
    for (const [kind, fitted] of models) {
      const model = loadModel(fitted.toBytes());
      const width = task === "regression" ? 1 : (data.target!.classes!.length);
      const rows = rowsOf([...TREE_CASES.map(([extreme]) => [extreme, 0.5] as const), ...TREE_CASES.map(([, ordinary]) => [ordinary, 0.5] as const), [5e-324, 0.5], [0, 0.5], [0.5, 5e-324], [0.5, -0], [0.5, 0], [0.5, BIG], [0.5, 1]]);
      const out = outputsOf(model, rows);
      const at = (i: number): number[] => Array.from(out.subarray(i * width, (i + 1) * width));
      if (task !== "regression") assertProbabilities({ nRows: rows.nRows, nCols: width, data: out }, `${kind} ${task}`);
      for (const x of out) assert.ok(Number.isFinite(x), `${kind} ${task}: ${x}`);
      TREE_CASES.forEach(([extreme, ordinary], i) => assert.deepEqual(at(i), at(TREE_CASES.length + i), `${kind} ${task}: x ${extreme} as x ${ordinary}`));
      const n = TREE_CASES.length * 2;
      // 5e-324 is right of the threshold 0, apart from 0: its class (or value) is x > 0's.
      assert.notDeepEqual(at(n), at(n + 1), `${kind} ${task}: 5e-324 and 0 on the same side`);
      if (task === "regression") assert.ok(at(n)[0]! > 5 && at(n + 1)[0]! < 5, `${kind}: ${at(n)} / ${at(n + 1)}`);
      else assert.equal(at(n).indexOf(Math.max(...at(n))), width - 1, `${kind} ${task}: 5e-324's most probable class`);
      // z is noise, but whatever splits on it: 5e-324 and -0 go where 0 would not necessarily, yet
      // -0 goes exactly where 0 goes, and the largest double where 1 goes.
      assert.deepEqual(at(n + 3), at(n + 4), `${kind} ${task}: z = -0 as z = 0`);
      assert.deepEqual(at(n + 5), at(n + 6), `${kind} ${task}: z = BIG as z = 1`);
      // The one-row path the service uses for gradient boosting agrees with the batch.
      if (kind === "gbdt") {
        const gbdt = model as GbdtModel;
        for (let i = 0; i < rows.nRows; i++) {
          const row = new Float64Array([rows.features[0]!.kind === "numeric" ? rows.features[0]!.values[i]! : 0, rows.features[1]!.kind === "numeric" ? rows.features[1]!.values[i]! : 0]);
          const one = Array.from(gbdt.predictRow(row));
          one.forEach((v, k) => assert.ok(Math.abs(v - at(i)[k]!) <= 1e-12, `gbdt ${task}: predictRow row ${i}: ${one} vs ${at(i)}`));
        }
      }
    }
  }
});
