/**
 * Times auditTraining on a synthetic 2.4M / 600k split shaped like flights-3m (8 numeric features, some
 * integer-valued, 2 categoricals, a binary target), the whole audit and each check alone.
 * With `planted`, adds a leaky copy of the target ("delay"), a row number ("row_id") and a drifting
 * feature ("fuel_price"), and splits in row (time) order, to see the findings at full size.
 * Run: node --import tsx bench/audit.ts [nRows] [planted]
 */
import { Random } from "../src/core/rng.js";
import type { Column, Dataset } from "../src/core/types.js";
import { holdoutSplit, takeRows } from "../src/data/split.js";
import { auditTraining, formatFinding, type AuditCode } from "../src/evaluation/audit/index.js";

const nRows = Number(process.argv[2] ?? 3_000_000);
const random = new Random(1);
const numeric = (name: string, f: (i: number) => number): Column => ({ kind: "numeric", name, values: Float64Array.from({ length: nRows }, (_, i) => f(i)) });
const features: Column[] = [
  numeric("dep_time", () => random.int(2400)),
  numeric("distance", () => 50 + random.int(3000)),
  numeric("month", () => 1 + random.int(12)),
  numeric("day", () => 1 + random.int(31)),
  numeric("taxi_out", () => (random.next() < 0.02 ? NaN : random.next() * 60)),
  numeric("air_time", () => random.next() * 400),
  numeric("weather", () => random.next()),
  numeric("load", () => random.next() * 100),
  { kind: "categorical", name: "carrier", codes: Int32Array.from({ length: nRows }, () => random.int(20)), categories: Array.from({ length: 20 }, (_, k) => `C${k}`) },
  { kind: "categorical", name: "origin", codes: Int32Array.from({ length: nRows }, () => random.int(300)), categories: Array.from({ length: 300 }, (_, k) => `A${k}`) },
];
const dep = (features[0] as { values: Float64Array }).values;
const y = Float64Array.from({ length: nRows }, (_, i) => (dep[i]! / 2400 + random.next() > 1.1 ? 1 : 0));
const planted = process.argv[3] === "planted";
if (planted) {
  features.push(numeric("delay", (i) => y[i]! * 30 + random.next() * 15), numeric("row_id", (i) => i + 1), numeric("fuel_price", (i) => 2 + i / nRows + random.next()));
}
const data: Dataset = { nRows, features, target: { name: "delayed", task: "binary", values: y, classes: ["false", "true"] }, fingerprint: "synthetic", droppedRows: 1234 };
const cut = Math.floor(0.8 * nRows);
const split = planted
  ? { train: Int32Array.from({ length: cut }, (_, i) => i), test: Int32Array.from({ length: nRows - cut }, (_, i) => cut + i) }
  : holdoutSplit(nRows, { testSize: 0.2, seed: 42, stratify: y });
const train = takeRows(data, split.train);
const test = takeRows(data, split.test);
console.log(`${train.nRows.toLocaleString("en-US")} train / ${test.nRows.toLocaleString("en-US")} test rows, ${features.length} features`);

const all: AuditCode[] = ["leakage_suspect", "id_like_feature", "train_test_duplicates", "distribution_shift", "class_imbalance", "rare_class", "dropped_rows"];
const time = (label: string, skip: AuditCode[]) => {
  const start = performance.now();
  const findings = auditTraining({ train, test, data, seed: 42, nFolds: 5, options: { skip } });
  console.log(`${label.padEnd(24)} ${((performance.now() - start) / 1000).toFixed(2)} s, ${findings.length} finding(s)`);
  return findings;
};
time("warm-up (whole audit)", []);
const findings = time("whole audit", []);
for (const code of ["leakage_suspect", "id_like_feature", "train_test_duplicates", "distribution_shift"] as const) {
  time(`${code} (+ id-like)`, all.filter((c) => c !== code && c !== "id_like_feature"));
}
for (const finding of findings) console.log(`warning: ${formatFinding(finding)}`);
