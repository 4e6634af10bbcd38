/**
 * Adversarial validation: can a classifier tell the training rows from the test rows? Train rows are
 * labelled 0 and test rows 1 (each side sampled to at most `sampleRows`), a small gradient-boosted model
 * is fitted on a stratified half and scored on the other half. An AUC near 0.5 says the two parts come
 * from one distribution; the model's split gain says which features tell them apart.
 */
import { Random } from "../../core/rng.js";
import type { Column, Dataset } from "../../core/types.js";
import { holdoutSplit, takeRows } from "../../data/split.js";
import { rocAucScore } from "../../metrics/index.js";
import { GradientBoosting } from "../../models/gbdt/index.js";

/** What adversarial validation measured. */
export interface AdversarialResult {
  readonly rocAuc: number;
  /**
   * Standard error of the AUC on the scored half if train and test were alike (the Mann-Whitney null):
   * sqrt((n0 + n1 + 1) / (12 n0 n1)) for n0 train and n1 test rows scored.
   */
  readonly nullStandardError: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly trainSampledFrom?: number;
  readonly testSampledFrom?: number;
  /** Every feature with a share of the total split gain, largest first (features never used left out). */
  readonly features: readonly { readonly feature: string; readonly share: number }[];
}

/**
 * `n` distinct rows of `nRows` drawn with a seeded partial shuffle, ascending; null when n >= nRows (all rows).
 * @example sampleRows(1_000_000, 50_000, new Random(1))
 */
export function sampleRows(nRows: number, n: number, random: Random): Int32Array | null {
  if (n >= nRows) return null;
  // Partial Fisher-Yates over a sparse map: O(n) time and memory however large nRows is.
  const swapped = new Map<number, number>();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + random.int(nRows - i);
    const atJ = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out[i] = atJ;
  }
  return out.sort();
}

function gatherColumn(column: Column, parts: readonly { data: Dataset; rows: Int32Array | null }[], index: number): Column {
  const total = parts.reduce((sum, p) => sum + (p.rows ? p.rows.length : p.data.nRows), 0);
  const out = column.kind === "numeric" ? new Float64Array(total) : new Int32Array(total);
  let o = 0;
  for (const { data, rows } of parts) {
    const source = data.features[index]!;
    const values = source.kind === "numeric" ? source.values : source.codes;
    if (rows) for (let i = 0; i < rows.length; i++) out[o++] = values[rows[i]!]!;
    else {
      out.set(values, o);
      o += values.length;
    }
  }
  return column.kind === "numeric" ? { ...column, values: out as Float64Array } : { ...column, codes: out as Int32Array };
}

/**
 * Adversarial validation of a split (see the module comment). Both datasets must have the same
 * features; those named in `exclude` are left out (identifiers, which tell any time-ordered split
 * apart and would hide the features that drift). `rounds` boosting rounds with early stopping off.
 * @example adversarialValidation(train, test, { sampleRows: 50_000, rounds: 30, seed: 42 }).rocAuc // 0.5...
 */
export function adversarialValidation(
  train: Dataset,
  test: Dataset,
  opts: { sampleRows: number; rounds: number; seed: number; exclude?: ReadonlySet<string> },
): AdversarialResult {
  const random = new Random(opts.seed);
  const trainRows = sampleRows(train.nRows, opts.sampleRows, random);
  const testRows = sampleRows(test.nRows, opts.sampleRows, random);
  const parts = [
    { data: train, rows: trainRows },
    { data: test, rows: testRows },
  ];
  const nTrain = trainRows ? trainRows.length : train.nRows;
  const nTest = testRows ? testRows.length : test.nRows;
  const isTest = new Float64Array(nTrain + nTest).fill(1, nTrain);
  const combined: Dataset = {
    nRows: nTrain + nTest,
    features: train.features.flatMap((column, index) => (opts.exclude?.has(column.name) ? [] : [gatherColumn(column, parts, index)])),
    target: { name: "(is a test row)", task: "binary", values: isTest, classes: ["train", "test"] },
    fingerprint: "audit:adversarial",
  };
  const halves = holdoutSplit(combined.nRows, { testSize: 0.5, seed: opts.seed, stratify: isTest });
  const fitRows = takeRows(combined, halves.train);
  const scoreRows = takeRows(combined, halves.test);
  const model = new GradientBoosting({ iterations: opts.rounds, earlyStopping: 0, seed: Math.abs(Math.trunc(opts.seed)) }).fit(fitRows);
  const proba = model.predictProba(scoreRows);
  const score = new Float64Array(scoreRows.nRows);
  for (let i = 0; i < score.length; i++) score[i] = proba.data[i * proba.nCols + 1]!;
  const labels = scoreRows.target!.values;
  const rocAuc = rocAucScore(labels, score);
  let n1 = 0;
  for (let i = 0; i < labels.length; i++) n1 += labels[i]!;
  const n0 = labels.length - n1;
  const nullStandardError = Math.sqrt((n0 + n1 + 1) / (12 * n0 * n1));
  const importance = model.importance();
  const total = importance.reduce((sum, item) => sum + item.importance, 0);
  const features = total > 0 ? importance.filter((item) => item.importance > 0).map((item) => ({ feature: item.feature, share: item.importance / total })) : [];
  return {
    rocAuc,
    nullStandardError,
    trainRows: nTrain,
    testRows: nTest,
    ...(trainRows ? { trainSampledFrom: train.nRows } : {}),
    ...(testRows ? { testSampledFrom: test.nRows } : {}),
    features,
  };
}
