import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { formatError } from "../core/messages.js";
import { Random } from "../core/rng.js";
import { applyThreshold, chooseThreshold, thresholdRule, type ThresholdChoice, type ThresholdOptions } from "./threshold.js";

/**
 * The naive twin: every candidate threshold (each distinct score, then +Infinity), the decisions
 * recounted from scratch for each, O(n^2). Candidates are visited from the highest down and only a
 * strictly better one replaces the best, so ties go to the higher threshold.
 */
function chooseNaive(yTrue: number[], proba: number[], options: ThresholdOptions): Omit<ThresholdChoice, "rule"> | undefined {
  const candidates = [Infinity, ...[...new Set(proba)].sort((a, b) => b - a)];
  const n = yTrue.length;
  let best: { value: number; threshold: number; tp: number; fp: number } | undefined;
  for (const threshold of candidates) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const positive = proba[i]! >= threshold;
      if (positive && yTrue[i] === 1) tp++;
      else if (positive) fp++;
      else if (yTrue[i] === 1) fn++;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp / (tp + fn);
    let value: number;
    let better: boolean;
    if (options.costFp !== undefined) {
      value = options.costFp * fp + options.costFn! * fn;
      better = best === undefined || value < best.value;
    } else if (options.minPrecision !== undefined) {
      value = recall;
      better = precision >= options.minPrecision && (best === undefined || value > best.value);
    } else {
      value = precision;
      better = recall >= options.minRecall! && (best === undefined || value > best.value);
    }
    if (better) best = { value, threshold, tp, fp };
  }
  if (!best) return undefined;
  const nPositive = yTrue.filter((y) => y === 1).length;
  const nNegative = n - nPositive;
  const { threshold, tp, fp } = best;
  const fn = nPositive - tp;
  return {
    threshold,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp / nPositive,
    ...(options.costFp !== undefined ? { expectedCost: (options.costFp * fp + options.costFn! * fn) / n } : {}),
    fpRate: fp / nNegative,
    tpRate: tp / nPositive,
    support: { positive: nPositive, negative: nNegative },
    confusion: { tp, fp, fn, tn: nNegative - fp },
  };
}

function withoutRule(choice: ThresholdChoice): Omit<ThresholdChoice, "rule"> {
  const { rule: _rule, ...rest } = choice;
  return rest;
}

const RULES: ThresholdOptions[] = [
  { costFp: 1, costFn: 1 },
  { costFp: 1, costFn: 7 },
  { costFp: 4, costFn: 1 },
  { costFp: 0, costFn: 1 },
  { costFp: 1, costFn: 0 },
  { costFp: 0.3, costFn: 1.7 },
  { minPrecision: 0.5 },
  { minPrecision: 0.75 },
  { minPrecision: 1 },
  { minRecall: 0.3 },
  { minRecall: 0.8 },
  { minRecall: 1 },
];

test("the sweep agrees with the naive twin on random data with many ties, for every rule", () => {
  const rng = new Random(7);
  let infeasible = 0;
  for (let trial = 0; trial < 300; trial++) {
    const n = 2 + rng.int(60);
    const levels = 1 + rng.int(12); // few distinct scores: heavy ties
    const yTrue = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
    yTrue[0] = 0;
    yTrue[1] = 1;
    const proba = yTrue.map((y) => Math.min(levels, Math.floor((rng.next() + 0.3 * y) * levels)) / levels);
    for (const options of RULES) {
      const expected = chooseNaive(yTrue, proba, options);
      if (expected === undefined) {
        infeasible++;
        assert.throws(() => chooseThreshold(yTrue, proba, options), /minPrecision must be at most/);
        continue;
      }
      assert.deepEqual(withoutRule(chooseThreshold(yTrue, proba, options)), expected, `trial ${trial}, ${JSON.stringify(options)}`);
    }
  }
  assert.ok(infeasible > 0, "some minPrecision targets should be out of reach");
});

test("a hand-worked case: five rows, two of them tied", () => {
  const yTrue = [0, 1, 0, 1, 1];
  const proba = [0.2, 0.4, 0.4, 0.7, 0.9];
  // threshold  positives      tp fp fn  cost(1, 1)  cost(5 fp, 1 fn)
  // Infinity   none            0  0  3      3           3
  // 0.9        row 5           1  0  2      2           2
  // 0.7        rows 4-5        2  0  1      1           1   <- both cost rules
  // 0.4        rows 2-5        3  1  0      1           5
  // 0.2        all             3  2  0      2          10
  const equalCosts = chooseThreshold(yTrue, proba, { costFp: 1, costFn: 1 });
  assert.deepEqual(equalCosts, {
    threshold: 0.7,
    rule: "cost",
    precision: 1,
    recall: 2 / 3,
    expectedCost: 1 / 5,
    fpRate: 0,
    tpRate: 2 / 3,
    support: { positive: 3, negative: 2 },
    confusion: { tp: 2, fp: 0, fn: 1, tn: 2 },
  });
  // Cost 1 at both 0.7 and 0.4: the higher threshold wins the tie.
  assert.equal(chooseThreshold(yTrue, proba, { costFp: 5, costFn: 1 }).threshold, 0.7);
  // Missing a positive costs 3: predicting rows 2-5 costs 1 (one false positive), 0.7 costs 3.
  assert.equal(chooseThreshold(yTrue, proba, { costFp: 1, costFn: 3 }).threshold, 0.4);
  // Precision >= 0.75: 0.4 gives 3/4 with recall 1.
  const precise = chooseThreshold(yTrue, proba, { minPrecision: 0.75 });
  assert.equal(precise.threshold, 0.4);
  assert.equal(precise.recall, 1);
  // Precision 1 is reached at 0.9 and at 0.7; 0.7 has the higher recall.
  assert.equal(chooseThreshold(yTrue, proba, { minPrecision: 1 }).threshold, 0.7);
  // Recall >= 1/2: 0.7 (precision 1). Recall 1: 0.4 (precision 3/4) beats 0.2 (3/5).
  assert.equal(chooseThreshold(yTrue, proba, { minRecall: 0.5 }).threshold, 0.7);
  const recall1 = chooseThreshold(yTrue, proba, { minRecall: 1 });
  assert.equal(recall1.threshold, 0.4);
  assert.equal(recall1.precision, 0.75);
  assert.equal(recall1.expectedCost, undefined);
});

test("when the highest score is a negative and false positives cost 10 times a miss, the threshold is Infinity: nothing is positive", () => {
  const choice = chooseThreshold([0, 1, 0, 1], [0.9, 0.5, 0.8, 0.6], { costFp: 10, costFn: 1 });
  assert.equal(choice.threshold, Infinity);
  assert.deepEqual(choice.confusion, { tp: 0, fp: 0, fn: 2, tn: 2 });
  assert.equal(choice.precision, 0); // scikit-learn's zero_division
  assert.equal(choice.expectedCost, 0.5);
  assert.deepEqual([...applyThreshold([0.9, 0.5, 0.8, 0.6], choice.threshold)], [0, 0, 0, 0]);
});

test("precision, recall and the confusion counts at the chosen threshold match scikit-learn's definitions", () => {
  const document = JSON.parse(readFileSync(new URL("../../test/fixtures/threshold/cases.json", import.meta.url), "utf8")) as {
    sklearn: string;
    cases: {
      yTrue: number[];
      proba: number[];
      options: ThresholdOptions;
      expected: null | { threshold: number | null; tp: number; fp: number; fn: number; tn: number; precision: number; recall: number; fpRate: number; tpRate: number; expectedCost?: number };
    }[];
  };
  assert.match(document.sklearn, /^1\.2/);
  assert.ok(document.cases.length >= 50);
  let checked = 0;
  for (const { yTrue, proba, options, expected } of document.cases) {
    const what = `${yTrue.length} rows, ${JSON.stringify(options)}`;
    if (expected === null) {
      assert.throws(() => chooseThreshold(yTrue, proba, options), /minPrecision must be at most/, what);
      continue;
    }
    const choice = chooseThreshold(yTrue, proba, options);
    assert.equal(choice.threshold, expected.threshold ?? Infinity, what);
    assert.deepEqual(choice.confusion, { tp: expected.tp, fp: expected.fp, fn: expected.fn, tn: expected.tn }, what);
    assert.equal(choice.precision, expected.precision, what);
    assert.equal(choice.recall, expected.recall, what);
    assert.equal(choice.fpRate, expected.fpRate, what);
    assert.equal(choice.tpRate, expected.tpRate, what);
    assert.equal(choice.expectedCost, expected.expectedCost, what);
    // And the decisions applyThreshold makes give those counts.
    const decisions = applyThreshold(proba, choice.threshold);
    let tp = 0;
    let fp = 0;
    decisions.forEach((d, i) => {
      if (d === 1 && yTrue[i] === 1) tp++;
      if (d === 1 && yTrue[i] === 0) fp++;
    });
    assert.deepEqual([tp, fp], [expected.tp, expected.fp], what);
    checked++;
  }
  assert.ok(checked >= 50);
});

test("applyThreshold: p >= threshold, from P(class 1) or a model's two columns, into a new or given array", () => {
  assert.deepEqual([...applyThreshold([0.1, 0.5, 0.49, 0.9], 0.5)], [0, 1, 0, 1]);
  assert.ok(applyThreshold([0.1], 0.5) instanceof Uint8Array);
  const matrix = { nRows: 3, nCols: 2, data: Float64Array.of(0.7, 0.3, 0.4, 0.6, 0.2, 0.8) };
  const labels = applyThreshold(matrix, 0.6, new Float64Array(3));
  assert.ok(labels instanceof Float64Array);
  assert.deepEqual([...labels], [0, 1, 1]);
  assert.deepEqual([...applyThreshold([0.2, NaN], -Infinity)], [1, 0]);
  assert.throws(() => applyThreshold([0.1, 0.2], 0.5, new Uint8Array(3)), (e: unknown) => formatError(e) === "applyThreshold: out must be an array of 2 elements (one per row), got \"3 elements\"");
  assert.throws(() => applyThreshold({ nRows: 1, nCols: 3, data: new Float64Array(3) }, 0.5), /proba must be P\(class 1\) per row or an nRows x 2 matrix of a binary model, got "3 columns"/);
  assert.throws(() => applyThreshold([0.1], NaN), (e: unknown) => formatError(e) === "applyThreshold: threshold must be a number, got NaN");
});

test("bad options and data are refused with exact messages", () => {
  const y = [0, 1, 0, 1];
  const p = [0.1, 0.8, 0.3, 0.6];
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (error) {
      return formatError(error);
    }
    return "no error";
  };
  assert.equal(message(() => chooseThreshold(y, p, {})), "chooseThreshold: options must be exactly one rule: costFp and costFn, or minPrecision, or minRecall, got \"none\"");
  assert.equal(
    message(() => chooseThreshold(y, p, { costFp: 1, costFn: 2, minRecall: 0.5 })),
    'chooseThreshold: options must be exactly one rule: costFp and costFn, or minPrecision, or minRecall, got "costFp, costFn, minRecall"',
  );
  assert.equal(message(() => chooseThreshold(y, p, { costFp: 1 })), "chooseThreshold: costFn must be a finite cost >= 0, got nothing");
  assert.equal(message(() => chooseThreshold(y, p, { costFp: -1, costFn: 1 })), "chooseThreshold: costFp must be a finite cost >= 0, got -1");
  assert.equal(message(() => chooseThreshold(y, p, { costFp: 0, costFn: 0 })), "chooseThreshold: costFn must be above 0 when costFp is 0 (otherwise every threshold costs nothing), got 0");
  assert.equal(message(() => chooseThreshold(y, p, { minRecall: 1.5 })), "chooseThreshold: minRecall must be a number in (0, 1], got 1.5");
  assert.equal(message(() => chooseThreshold(y, p, { minPrecision: 0 })), "chooseThreshold: minPrecision must be a number in (0, 1], got 0");
  assert.equal(thresholdRule({ minPrecision: 0.9 }), "min_precision");
  // Out of reach: precision is 1/2 at 0.9 (a tie of a positive and a negative), 2/3 at 0.5, 1/2 at 0.1.
  assert.equal(
    message(() => chooseThreshold([1, 0, 1, 0], [0.9, 0.9, 0.5, 0.1], { minPrecision: 0.9 })),
    "chooseThreshold: minPrecision must be at most 0.6666666666666666, the highest precision any threshold reaches on these rows (2 of 3 predicted positives at threshold 0.5), got 0.9",
  );
  assert.equal(message(() => chooseThreshold([0, 0], [0.1, 0.2], { minRecall: 0.5 })), 'column "yTrue": the target has a single class (expected rows of both classes to choose a threshold on, got only class 0 (2 rows))');
  assert.equal(message(() => chooseThreshold([0, 2], [0.1, 0.2], { minRecall: 0.5 })), 'row 2, column "yTrue": invalid value (expected a class index, 0 or 1, got 2)');
  assert.equal(message(() => chooseThreshold([0, 1], [0.1, NaN], { minRecall: 0.5 })), 'row 2, column "proba": invalid value (expected a finite number, got NaN)');
  assert.equal(message(() => chooseThreshold([0, 1], [0.1], { minRecall: 0.5 })), 'column "proba": columns have different lengths (expected 2 values (one per element of yTrue), got 1)');
});
