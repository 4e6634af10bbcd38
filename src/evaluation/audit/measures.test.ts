import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { rocAucScore } from "../../metrics/index.js";
import { mutualInformationBits, entropyBits } from "../profile/information.js";
import { categoricalKeys, categoricalRocAuc, groupByOrder, information, numericKeys, numericRocAuc, pearson, stepAgreement } from "./measures.js";
import { sharedRows } from "./rows.js";
import { sampleRows } from "./shift.js";

/** Values with many ties and some NaN. */
function tiedValues(n: number, random: Random, levels: number): Float64Array {
  return Float64Array.from({ length: n }, () => (random.next() < 0.1 ? NaN : random.int(levels) - levels / 2));
}

test("numericRocAuc agrees with rocAucScore (the sklearn-checked metric) on the rows without NaN, ties included", () => {
  const random = new Random(3);
  for (const levels of [2, 7, 1000]) {
    const x = tiedValues(500, random, levels);
    const y = Float64Array.from(x, (v) => (v === v && random.next() < 0.3 + 0.4 * (v > 0 ? 1 : 0) ? 1 : 0));
    const keep = [...x.keys()].filter((i) => x[i] === x[i]);
    const expected = rocAucScore(keep.map((i) => y[i]!), keep.map((i) => x[i]!));
    assert.ok(Math.abs(numericRocAuc(x, y) - expected) < 1e-12, `levels ${levels}`);
  }
  assert.equal(numericRocAuc(Float64Array.of(1, 2, 3, 4), Float64Array.of(0, 0, 1, 1)), 1);
  assert.equal(numericRocAuc(Float64Array.of(4, 3, 2, 1), Float64Array.of(0, 0, 1, 1)), 0);
  assert.equal(numericRocAuc(Float64Array.of(1, 1, 1, 1), Float64Array.of(0, 1, 0, 1)), 0.5);
  assert.ok(Number.isNaN(numericRocAuc(Float64Array.of(1, 2), Float64Array.of(1, 1))));
});

test("categoricalRocAuc is the ROC AUC of each row's category rate, missing as its own category", () => {
  const random = new Random(5);
  const n = 400;
  const codes = Int32Array.from({ length: n }, () => random.int(6) - 1);
  const y = Float64Array.from(codes, (c) => (random.next() < (c + 2) / 8 ? 1 : 0));
  const pos = new Map<number, number>();
  const all = new Map<number, number>();
  codes.forEach((c, i) => {
    pos.set(c, (pos.get(c) ?? 0) + y[i]!);
    all.set(c, (all.get(c) ?? 0) + 1);
  });
  const score = Array.from(codes, (c) => pos.get(c)! / all.get(c)!);
  const { rocAuc, keys } = categoricalRocAuc(codes, 5, y);
  assert.ok(Math.abs(rocAuc - rocAucScore(y, score)) < 1e-12);
  assert.equal(keys, 6);
  // Two categories with the same rate are one tied score.
  assert.equal(categoricalRocAuc(Int32Array.of(0, 0, 1, 1), 2, Float64Array.of(0, 1, 0, 1)).rocAuc, 0.5);
});

test("pearson matches the textbook formula and leaves missing x out", () => {
  const x = Float64Array.of(1, 2, NaN, 3, 5);
  const y = Float64Array.of(2, 4, 100, 7, 9);
  const xs = [1, 2, 3, 5];
  const ys = [2, 4, 7, 9];
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const mx = mean(xs);
  const my = mean(ys);
  const sxy = xs.reduce((s, v, i) => s + (v - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((s, v) => s + (v - mx) ** 2, 0);
  const syy = ys.reduce((s, v) => s + (v - my) ** 2, 0);
  assert.ok(Math.abs(pearson(x, y) - sxy / Math.sqrt(sxx * syy)) < 1e-12);
  assert.ok(Number.isNaN(pearson(Float64Array.of(1, 1, 1), Float64Array.of(1, 2, 3))));
});

test("numericKeys: each value its own key up to 20 distinct values, else 20 quantile bins; missing is key 0", () => {
  const small = numericKeys(Float64Array.of(3, 1, NaN, 2, 3));
  assert.deepEqual([...small.keys], [4, 2, 0, 3, 4]);
  const x = Float64Array.from({ length: 1000 }, (_, i) => i);
  const { keys, nKeys } = numericKeys(x);
  const sizes = new Map<number, number>();
  for (const k of keys) sizes.set(k, (sizes.get(k) ?? 0) + 1);
  assert.equal(sizes.size, 20);
  assert.ok([...sizes.values()].every((s) => s === 50));
  assert.ok(Math.max(...keys) < nKeys);
});

test("categoricalKeys keeps the 50 most frequent categories and merges the rest", () => {
  const codes = Int32Array.from({ length: 200 }, (_, i) => (i < 100 ? i % 50 : i < 150 ? 50 + (i % 10) : -1));
  const { keys } = categoricalKeys(codes, 60);
  assert.equal(new Set(keys).size, 50 + 1 + 1); // codes 50-59 (5 rows each) and 40 of 0-49 (2 rows each) kept; the other 10 merged; missing
  assert.equal(keys[199], 0);
});

test("information agrees with the profile's mutualInformationBits over the same cross-tab", () => {
  const random = new Random(8);
  const n = 300;
  const xKeys = Int32Array.from({ length: n }, () => random.int(5));
  const yKeys = Int32Array.from(xKeys, (k) => (random.next() < 0.7 ? k % 3 : random.int(3)));
  const cells = Array.from(xKeys, (k, i) => ({ key: String(k), target: String(yKeys[i]), count: 1 }));
  const yCounts = [0, 1, 2].map((c) => yKeys.filter((v) => v === c).length);
  const got = information(xKeys, 5, yKeys, 3);
  assert.ok(Math.abs(got.normalizedMutualInformation - mutualInformationBits(cells) / entropyBits(yCounts)) < 1e-12);
  assert.ok(Math.abs(got.bias - (4 * 2) / (2 * n * Math.LN2)) < 1e-15);
  assert.equal(information(Int32Array.of(0, 1, 0, 1), 2, Int32Array.of(0, 1, 0, 1), 2).normalizedMutualInformation, 1);
});

function dataset(columns: Column[], y: number[]): Dataset {
  return { nRows: y.length, features: columns, target: { name: "y", task: "binary", values: Float64Array.from(y), classes: ["0", "1"] }, fingerprint: "t" };
}

test("sharedRows counts test rows with an exact copy in train, as a naive comparison of every pair does", () => {
  const random = new Random(11);
  const make = (n: number) => {
    const a = Array.from({ length: n }, () => (random.next() < 0.1 ? NaN : random.int(10) === 0 ? -0 : random.int(50)));
    const b = Array.from({ length: n }, () => random.int(3) - 1);
    const y = Array.from({ length: n }, () => random.int(2));
    return dataset(
      [
        { kind: "numeric", name: "a", values: Float64Array.from(a) },
        { kind: "categorical", name: "b", codes: Int32Array.from(b), categories: ["p", "q"] },
      ],
      y,
    );
  };
  const train = make(300);
  const test = make(120);
  const key = (d: Dataset, i: number) =>
    JSON.stringify(d.features.map((c) => (c.kind === "numeric" ? (Number.isNaN(c.values[i]) ? "NaN" : c.values[i]! + 0) : c.codes[i])).concat([d.target!.values[i]!]));
  const trainKeys = new Set(Array.from({ length: train.nRows }, (_, i) => key(train, i)));
  let expected = 0;
  for (let i = 0; i < test.nRows; i++) if (trainKeys.has(key(test, i))) expected++;
  assert.ok(expected > 0 && expected < test.nRows, "the data must have some shared rows and some not");
  assert.equal(sharedRows(train, test), expected);
  // The target counts: the same features with another label is not a copy.
  const flipped: Dataset = { ...test, target: { ...test.target!, values: Float64Array.from(test.target!.values, (v) => 1 - v) } };
  let expectedFlipped = 0;
  for (let i = 0; i < flipped.nRows; i++) if (trainKeys.has(key(flipped, i))) expectedFlipped++;
  assert.equal(sharedRows(train, flipped), expectedFlipped);
});

test("sampleRows draws n distinct rows, ascending, the same for the same seed, and null for all rows", () => {
  const a = sampleRows(1_000_000, 1000, new Random(1))!;
  const b = sampleRows(1_000_000, 1000, new Random(1))!;
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 1000);
  assert.ok(a.every((v, i) => v >= 0 && v < 1_000_000 && (i === 0 || v > a[i - 1]!)));
  assert.equal(sampleRows(10, 10, new Random(1)), null);
  // Every row equally likely: over many draws of 5 of 10, each row is taken about half the time.
  const hits = new Array(10).fill(0);
  const random = new Random(2);
  for (let r = 0; r < 4000; r++) for (const row of sampleRows(10, 5, random)!) hits[row]++;
  assert.ok(hits.every((h) => Math.abs(h - 2000) < 150), String(hits));
});

test("sharedRows: NaN equals NaN whatever its bits, and -0 equals 0", () => {
  const values = new Float64Array(4);
  const words = new Uint32Array(values.buffer);
  // Row 0: the canonical quiet NaN; row 1: a negative NaN with a payload; row 2: -0; row 3: 0.
  words[1] = 0x7ff80000;
  words[2] = 1;
  words[3] = 0xfff80000;
  values[2] = -0;
  values[3] = 0;
  assert.ok(Number.isNaN(values[0]) && Number.isNaN(values[1]) && words[2] === 1, "the payload NaN is stored as written");
  const one = (index: number): Dataset =>
    dataset([{ kind: "numeric", name: "a", values: new Float64Array(values.buffer, index * 8, 1) }], [1]);
  assert.equal(sharedRows(one(0), one(1)), 1);
  assert.equal(sharedRows(one(2), one(3)), 1);
  assert.equal(sharedRows(one(0), one(3)), 0);
});

/** Every order of `items` (small arrays only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** The naive twin of stepAgreement's count: label changes averaged over every order of every tie group, enumerated. */
function meanChangesOverTieOrders(order: Float64Array, labels: Int32Array): number {
  const values = [...new Set([...order].filter((v) => v === v))].sort((a, b) => a - b);
  const groups = values.map((v) => [...order.keys()].filter((i) => order[i] === v).map((i) => labels[i]!));
  let total = 0;
  let count = 0;
  const walk = (g: number, sequence: number[]): void => {
    if (g === groups.length) {
      for (let j = 1; j < sequence.length; j++) if (sequence[j] !== sequence[j - 1]) total++;
      count++;
      return;
    }
    for (const arrangement of permutations(groups[g]!)) walk(g + 1, [...sequence, ...arrangement]);
  };
  walk(0, []);
  return total / count;
}

test("stepAgreement counts label changes along the sorted values, ties averaged over their orders (against enumeration)", () => {
  // Hand-worked: three runs of one label each in value order: 2 changes; a random order of 2+2+2 labels averages 5 - 6/6 = 4.
  assert.deepEqual(stepAgreement(Float64Array.of(6, 1, 2, 5, 3, 4), Int32Array.of(2, 0, 0, 2, 1, 1), 3), { agreement: 0.5, changes: 2, expectedChanges: 4, rows: 6 });
  // One tie group holding everything: exactly the random order's count, agreement 0.
  assert.equal(stepAgreement(Float64Array.of(1, 1, 1, 1), Int32Array.of(0, 1, 0, 1), 2).agreement, 0);
  const random = new Random(11);
  for (let trial = 0; trial < 6; trial++) {
    // Small enough to enumerate: 8 rows on 4 values, so tie groups of a few rows.
    const n = 8;
    const order = Float64Array.from({ length: n }, () => (random.next() < 0.15 ? NaN : random.int(4)));
    const labels = Int32Array.from({ length: n }, () => random.int(3));
    const result = stepAgreement(order, labels, 3);
    const present = [...order.keys()].filter((i) => order[i] === order[i]);
    assert.equal(result.rows, present.length);
    assert.ok(Math.abs(result.changes - meanChangesOverTieOrders(order, labels)) < 1e-12, `trial ${trial}`);
    // In a random order each of the m - 1 neighbour pairs is a random pair of rows: it differs with
    // probability (pairs of rows with different labels) / (all pairs), counted here pair by pair.
    let differing = 0;
    for (const i of present) for (const j of present) if (i < j && labels[i] !== labels[j]) differing++;
    const m = present.length;
    assert.ok(Math.abs(result.expectedChanges - ((m - 1) * differing) / ((m * (m - 1)) / 2)) < 1e-12, `trial ${trial}`);
  }
});

test("stepAgreement is near 1 for a noisy copy of a class index in any order of steps, near 0 for an unrelated value", () => {
  const random = new Random(4);
  const n = 3000;
  const y = Int32Array.from({ length: n }, () => random.int(4));
  const shuffledSteps = [2, 0, 3, 1];
  const copy = Float64Array.from(y, (c) => shuffledSteps[c]! + 0.05 * random.next());
  const unrelated = Float64Array.from(y, () => random.next());
  assert.ok(stepAgreement(copy, y, 4).agreement > 0.99);
  assert.ok(Math.abs(stepAgreement(unrelated, y, 4).agreement) < 0.1);
});

test("groupByOrder groups rows by value, ascending, NaN left out; stepAgreement reads the groups as it reads the order", () => {
  const groups = groupByOrder(Float64Array.of(2, NaN, 1, 2, -0, 0));
  assert.deepEqual([...groups.rows], [4, 5, 2, 0, 3]);
  assert.deepEqual([...groups.groupStart], [0, 2, 3, 5]);
  assert.equal(groups.nGroups, 3);
  const random = new Random(8);
  const order = Float64Array.from({ length: 500 }, () => (random.next() < 0.1 ? NaN : random.int(40)));
  const labels = Int32Array.from({ length: 500 }, () => random.int(3));
  assert.deepEqual(stepAgreement(groupByOrder(order), labels, 3), stepAgreement(order, labels, 3));
});
