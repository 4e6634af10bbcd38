import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../core/rng.js";
import type { Column, Dataset, Task } from "../../core/types.js";
import { GradientBoosting } from "./index.js";

/** Two numeric features with missing values and a categorical one of 12 categories with missing codes. */
function mixed(n: number, seed: number, task: Task): Dataset {
  const rng = new Random(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const codes = new Int32Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    a[r] = rng.next() < 0.1 ? NaN : rng.next() * 2 - 1;
    b[r] = rng.next() < 0.1 ? NaN : rng.next() * 2 - 1;
    codes[r] = rng.next() < 0.1 ? -1 : rng.int(12);
    const z = Math.sin(3 * (Number.isNaN(a[r]!) ? 0.5 : a[r]!)) + (codes[r]! % 3 === 0 ? 1 : -0.5) + (Number.isNaN(b[r]!) ? -1 : b[r]!);
    y[r] = task === "regression" ? z + rng.next() * 0.1 : rng.next() < 1 / (1 + Math.exp(-3 * z)) ? 1 : 0;
  }
  const features: Column[] = [
    { kind: "numeric", name: "a", values: a },
    { kind: "numeric", name: "b", values: b },
    { kind: "categorical", name: "c", codes, categories: Array.from({ length: 12 }, (_, c) => `c${c}`) },
  ];
  return { nRows: n, features, target: { name: "y", task, values: y, ...(task === "binary" ? { classes: ["no", "yes"] } : {}) }, fingerprint: "test" };
}

/** The row of `data` as predictRow takes it: features in schema order, categorical codes as numbers. */
function rowOf(data: Dataset, r: number): Float64Array {
  return Float64Array.from(data.features, (column) => (column.kind === "numeric" ? column.values[r]! : column.codes[r]!));
}

test("predictRow (the compiled trees) gives the batch path's probabilities bit for bit, NaN and missing categories included", () => {
  const data = mixed(3000, 21, "binary");
  const model = new GradientBoosting({ iterations: 60, seed: 3 }).fit(data);
  assert.ok(model.dumpTrees().some(function hasCategories(node): boolean {
    return "categories" in node && node.categories !== undefined ? true : "left" in node && typeof node.left === "object" ? hasCategories(node.left) || hasCategories(node.right) : false;
  }), "the model has categorical splits");
  const proba = model.predictProba(data, { threads: 1 }).data;
  const out = new Float64Array(2);
  for (let r = 0; r < 400; r++) {
    const row = model.predictRow(rowOf(data, r), out);
    assert.equal(row, out);
    assert.equal(row[0], proba[2 * r]);
    assert.equal(row[1], proba[2 * r + 1]);
  }
  // An unseen category code (past the dictionary) takes the missing direction, as in the batch path.
  const unseen = rowOf(data, 0);
  unseen[2] = 40;
  const missing = rowOf(data, 0);
  missing[2] = -1;
  assert.deepEqual(Array.from(model.predictRow(unseen)), Array.from(model.predictRow(missing)));
});

test("predictRow gives the regression value of predict bit for bit", () => {
  const data = mixed(2000, 22, "regression");
  const model = new GradientBoosting({ iterations: 40, seed: 4 }).fit(data);
  const predicted = model.predict(data, { threads: 1 });
  for (let r = 0; r < 300; r++) assert.equal(model.predictRow(rowOf(data, r))[0], predicted[r]);
});

test("predictRow gives multiclass probabilities of predictProba bit for bit (trees of three outputs interleaved)", () => {
  const data = mixed(2400, 23, "binary");
  const y = (data.target as { values: Float64Array }).values;
  const a = (data.features[0] as { values: Float64Array }).values;
  for (let r = 0; r < data.nRows; r++) y[r] = y[r]! + (a[r]! > 0.3 ? 1 : 0);
  const three: Dataset = { ...data, target: { name: "y", task: "multiclass", values: y, classes: ["low", "mid", "high"] } };
  const model = new GradientBoosting({ iterations: 30, seed: 5 }).fit(three);
  assert.equal(model.nTrees, 90);
  const proba = model.predictProba(three, { threads: 1 }).data;
  const out = new Float64Array(3);
  for (let r = 0; r < 300; r++) {
    model.predictRow(rowOf(three, r), out);
    assert.deepEqual(Array.from(out), Array.from(proba.subarray(3 * r, 3 * r + 3)));
  }
});

test("predictRow without code generation (findLeaf's walk) gives the batch path's probabilities bit for bit", async () => {
  const { execFile } = await import("node:child_process");
  const script = `
    const { GradientBoosting } = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
    const { Random } = await import(${JSON.stringify(new URL("../../core/rng.ts", import.meta.url).href)});
    const rng = new Random(7);
    const n = 1500;
    const a = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.next()));
    const codes = Int32Array.from({ length: n }, () => (rng.next() < 0.1 ? -1 : rng.int(6)));
    const y = Float64Array.from({ length: n }, (_, r) => (rng.next() < (Number.isNaN(a[r]) ? 0.3 : a[r]) + (codes[r] % 2) * 0.3 ? 1 : 0));
    const data = { nRows: n, features: [{ kind: "numeric", name: "a", values: a }, { kind: "categorical", name: "c", codes, categories: ["c0", "c1", "c2", "c3", "c4", "c5"] }],
      target: { name: "y", task: "binary", values: y, classes: ["no", "yes"] }, fingerprint: "test" };
    const model = new GradientBoosting({ iterations: 30, seed: 2 }).fit(data);
    const proba = model.predictProba(data, { threads: 1 }).data;
    let same = 0;
    for (let r = 0; r < 300; r++) {
      const row = model.predictRow(Float64Array.of(a[r], codes[r]));
      if (row[0] === proba[2 * r] && row[1] === proba[2 * r + 1]) same++;
    }
    console.log(same);`;
  const output = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ["--disallow-code-generation-from-strings", "--import", "tsx", "--input-type=module", "-e", script], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())));
  });
  assert.equal(output, "300");
});
