/**
 * `learnloop profile` as a user meets it, run in-process: figures checked against hand-computed values
 * (test/fixtures/profile/flags.csv) and against pandas / scikit-learn (penguins-reference.json, made once
 * by make-penguins-reference.py), the flags, the HTML report, and bad inputs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Random } from "../src/core/rng.js";
import { rocAucNaive } from "../src/evaluation/profile/information.js";
import type { ColumnProfile, DataProfile } from "../src/evaluation/profile/index.js";
import { runCli as run } from "./support/run-cli.js";

const FLAGS = "test/fixtures/profile/flags.csv";
const DATA = "test/fixtures/data";
const PENGUINS = "node_modules/vega-datasets/data/penguins.json";
const reference = JSON.parse(readFileSync("test/fixtures/profile/penguins-reference.json", "utf8"));
const work = mkdtempSync(join(tmpdir(), "learnloop-profile-"));

async function profile(...argv: string[]): Promise<DataProfile> {
  const result = await run("profile", ...argv, "--json");
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as DataProfile;
}

function column(p: DataProfile, name: string): ColumnProfile {
  const found = p.columns.find((c) => c.name === name);
  assert.ok(found, `no column ${name}`);
  return found;
}

function close(actual: number | null | undefined, expected: number, tolerance = 1e-9, what = ""): void {
  assert.ok(typeof actual === "number" && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test("flags.csv: hand-computed figures", async () => {
  const p = await profile(FLAGS, "--target", "label");
  assert.equal(p.rows, 100);
  assert.equal(p.duplicateRows, 1, "row 100 repeats row 1");
  const id = column(p, "id");
  assert.deepEqual([id.type, id.missing, id.distinct], ["categorical", 0, 99]);
  assert.deepEqual(id.top[0], { value: "u001", count: 2, share: 0.02 });
  assert.equal(column(p, "constant").distinct, 1);
  assert.deepEqual(column(p, "near").top, [{ value: "a", count: 99, share: 0.99 }, { value: "b", count: 1, share: 0.01 }]);

  // sparse: 5, 15, ..., 95 and 90 missing. Sample sd: sqrt(2 (45^2 + 35^2 + 25^2 + 15^2 + 5^2) / 9).
  const sparse = column(p, "sparse");
  assert.deepEqual([sparse.missing, sparse.missingShare, sparse.distinct], [90, 0.9, 10]);
  const s = sparse.numeric!;
  assert.deepEqual([s.min, s.max, s.mean, s.integer], [5, 95, 50, true]);
  close(s.std, Math.sqrt(8250 / 9));
  // Linear interpolation: p25 at position 0.25 * 9 = 2.25 -> 25 + 0.25 * 10; p95 at 8.55 -> 85 + 0.55 * 10.
  const expected = { p05: 9.5, p25: 27.5, p50: 50, p75: 72.5, p95: 90.5 };
  for (const [q, value] of Object.entries(expected)) close(s.quantiles[q as keyof typeof expected], value, 1e-12, `sparse ${q}`);

  // amount: 1.5 .. 99.5 and 1.5 again: mean (sum(i + 0.5, i = 1..99) + 1.5) / 100.
  const amount = column(p, "amount");
  assert.equal(amount.numeric!.mean, 50.01);
  assert.equal(amount.numeric!.integer, false);
  // ROC AUC for "yes" (rows 10k, k = 1..9): each positive 10k + 0.5 has 9k + 1 negatives below it.
  close(amount.association!.rocAuc, 414 / (9 * 91), 1e-12, "amount auc");

  const target = p.target!;
  assert.deepEqual([target.task, target.positiveClass, target.missing], ["binary", "yes", 0]);
  assert.deepEqual(target.classes, [{ value: "no", count: 91, share: 0.91 }, { value: "yes", count: 9, share: 0.09 }]);
  close(target.entropy, -(0.09 * Math.log2(0.09) + 0.91 * Math.log2(0.91)), 1e-12, "entropy");
  const leak = column(p, "leak").association!;
  assert.equal(leak.rocAuc, 1);
  close(leak.mutualInformation, target.entropy, 1e-12, "leak MI");
  assert.equal(leak.normalizedMutualInformation, 1);
  assert.equal(column(p, "label").association, undefined, "no association of the target with itself");

  const { columns, matrix } = p.correlations;
  assert.deepEqual(columns, ["sparse", "amount", "amount2", "leak"]);
  close(matrix[1]![2], 1, 1e-12, "amount ~ amount2");
  for (let i = 0; i < columns.length; i++) for (let j = 0; j < columns.length; j++) assert.equal(matrix[i]![j], matrix[j]![i]);
  // sparse and amount are both i on the 10 rows where sparse is present: pairwise-complete r = 1.
  close(matrix[0]![1], 1, 1e-12, "sparse ~ amount");
});

test("flags.csv: every planted problem is flagged, and nothing else", async () => {
  const p = await profile(FLAGS, "--target", "label");
  const found = p.flags.map((flag) => `${flag.code}:${flag.column ?? ""}`).sort();
  assert.deepEqual(found, [
    "class_imbalance:label",
    "constant:constant",
    "duplicate_rows:",
    "id_like:id",
    "leakage_suspect:leak",
    "mostly_missing:sparse",
    "near_constant:near",
  ]);
  const flag = (code: string) => p.flags.find((f) => f.code === code)!;
  assert.deepEqual(flag("duplicate_rows").evidence, { count: 1, share: 0.01 });
  assert.deepEqual(flag("leakage_suspect").evidence, { rocAuc: 1 });
  assert.equal(flag("class_imbalance").evidence.ratio, Math.round((9 / 91) * 1e6) / 1e6);
  assert.deepEqual(column(p, "sparse").flags, ["mostly_missing"]);
  assert.deepEqual(column(p, "label").flags, ["class_imbalance"]);

  // The table on stderr names each flag in words.
  const { stderr } = await run("profile", FLAGS, "--target", "label");
  assert.match(stderr, /^test\/fixtures\/profile\/flags\.csv: 100 rows, 8 columns, target "label" \(binary\), 1 duplicated rows;/);
  assert.match(stderr, /column "leak" predicts the target almost perfectly on its own \(single-feature ROC AUC 1\)/);
  assert.match(stderr, /column "label": classes are imbalanced \("yes": 9 rows against "no": 91, ratio 0\.099\)/);
  assert.match(stderr, /\nleak +numeric +0% +2 +0 \/ 0\.0900 \/ 1 +auc 1\.000 +leakage_suspect\n/);

  // Without a target: no associations, no leakage or imbalance; --ignore drops a column.
  const plain = await profile(FLAGS, "--ignore", "id,leak");
  assert.equal(plain.target, undefined);
  assert.deepEqual(plain.columns.map((c) => c.name), ["constant", "near", "sparse", "amount", "amount2", "label"]);
  assert.ok(plain.columns.every((c) => c.association === undefined));
  assert.deepEqual(plain.flags.map((f) => f.code).sort(), ["constant", "duplicate_rows", "mostly_missing", "near_constant"]);

  // --categorical counts a numeric column by value; --task overrides the inferred task.
  const forced = await profile(FLAGS, "--target", "leak", "--task", "multiclass", "--categorical", "amount", "--ignore", "label");
  assert.equal(forced.target!.task, "multiclass");
  assert.deepEqual([column(forced, "amount").type, column(forced, "amount").numeric, column(forced, "amount").top[0]], ["categorical", undefined, { value: "1.5", count: 2, share: 0.02 }]);
});

test("penguins: column statistics and correlations agree with pandas", async () => {
  const p = await profile(PENGUINS, "--target", "Species");
  assert.equal(p.rows, reference.rows);
  assert.equal(p.duplicateRows, reference.duplicateRows);
  for (const [name, expected] of Object.entries<Record<string, any>>(reference.columns)) {
    const c = column(p, name);
    assert.equal(c.missing, expected.missing, `${name} missing`);
    assert.equal(c.distinct, expected.distinct, `${name} distinct`);
    if (expected.mean !== undefined) {
      const s = c.numeric!;
      for (const key of ["min", "max", "mean", "std"] as const) close(s[key], expected[key], 1e-12, `${name} ${key}`);
      for (const [q, value] of Object.entries<number>(expected.quantiles)) close(s.quantiles[q as keyof typeof s.quantiles], value, 1e-12, `${name} ${q}`);
    } else {
      assert.deepEqual(c.top.slice(0, 3).map(({ value, count }) => ({ value, count })), expected.top, `${name} top`);
    }
  }
  assert.deepEqual(p.correlations.columns, reference.correlations.columns);
  reference.correlations.matrix.forEach((row: number[], i: number) => row.forEach((r, j) => close(p.correlations.matrix[i]![j], r, 1e-9, `corr ${i},${j}`)));
});

test("penguins: the target's distribution and associations agree with scikit-learn", async () => {
  const species = await profile(PENGUINS, "--target", "Species");
  assert.equal(species.target!.task, "multiclass");
  assert.deepEqual(Object.fromEntries(species.target!.classes!.map((c) => [c.value, c.count])), reference.species.classes);
  close(species.target!.entropy, reference.species.entropy, 1e-12, "entropy");
  for (const [name, mi] of Object.entries<number>(reference.species.mutualInformation)) {
    close(column(species, name).association!.mutualInformation, mi, 1e-12, `MI ${name}`);
  }
  assert.ok(species.flags.every((f) => f.code !== "class_imbalance"), "68 / 152 is not imbalanced");

  const adelie = await profile(PENGUINS, "--derive", "adelie=Species = 'Adelie'", "--target", "adelie", "--ignore", "Species");
  assert.deepEqual([adelie.target!.task, adelie.target!.positiveClass], ["binary", "true"]);
  for (const [name, auc] of Object.entries<number>(reference.adelie)) close(column(adelie, name).association!.rocAuc, auc, 1e-12, `AUC ${name}`);
  // Beak length separates Adelie well (AUC 0.011, i.e. 0.989 reversed) but stays under the 0.99 threshold.
  assert.ok(adelie.flags.every((f) => f.code !== "leakage_suspect"));

  const mass = await profile(PENGUINS, "--target", "Body Mass (g)");
  assert.deepEqual([mass.target!.task, mass.target!.missing], ["regression", 2]);
  for (const [name, r] of Object.entries<number>(reference.mass.correlation)) {
    close(column(mass, name).association!.correlation, r, 1e-12, `r ${name}`);
    close(column(mass, name).association!.r2, r * r, 1e-12, `r2 ${name}`);
  }
  close(column(mass, "Island").association!.r2, reference.mass.eta2Island, 1e-12, "eta2 Island");
});

test("leakage suspects by each measure: AUC, correlation, mutual information; none on a handful of rows", async () => {
  // A text copy of a binary target has no AUC: it is caught by its mutual information.
  const file = join(work, "copy.csv");
  const rng = new Random(11);
  const lines = ["copy,noise,y"];
  for (let i = 0; i < 200; i++) {
    const y = rng.next() < 0.4;
    lines.push(`${y ? "Y" : "N"},${rng.int(5)},${y ? 1 : 0}`);
  }
  writeFileSync(file, lines.join("\n") + "\n");
  const copy = await profile(file, "--target", "y");
  assert.deepEqual(copy.flags.filter((f) => f.code === "leakage_suspect"), [{ code: "leakage_suspect", column: "copy", evidence: { normalizedMutualInformation: 1 } }]);

  // A regression target and a rescaled copy of it: correlation 1.
  const mass = await profile(PENGUINS, "--target", "Body Mass (g)", "--derive", 'kg="Body Mass (g)" / 1000');
  const leaks = mass.flags.filter((f) => f.code === "leakage_suspect");
  assert.deepEqual(leaks.map((f) => [f.column, f.evidence.correlation]), [["kg", 1]]);

  // 8 rows: every feature "determines" a 7-row target by chance; the bias guard and the row minimum hold.
  const small = await profile(`${DATA}/small.ndjson`, "--target", "label");
  assert.ok(column(small, "member").association!.normalizedMutualInformation > 0.95);
  assert.deepEqual(small.flags.filter((f) => f.code === "leakage_suspect"), []);
});

test("ROC AUC computed in SQL agrees with the naive rank version, ties and missing values included", async () => {
  const rng = new Random(3);
  const scores: number[] = [];
  const labels: boolean[] = [];
  const lines = ["x,y"];
  for (let i = 0; i < 500; i++) {
    const y = rng.next() < 0.3;
    const missing = rng.next() < 0.05;
    const x = Math.round(rng.next() * 20 + (y ? 4 : 0)); // few distinct values: many ties
    lines.push(`${missing ? "" : x},${y ? "b" : "a"}`);
    if (!missing) {
      scores.push(x);
      labels.push(y);
    }
  }
  const file = join(work, "auc.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  const p = await profile(file, "--target", "y");
  close(column(p, "x").association!.rocAuc, rocAucNaive(scores, labels), 1e-12, "auc");
});

test("--html writes one self-contained page: an SVG chart per column, the target and the heatmap", async () => {
  const html = join(work, "penguins.html");
  const result = await run("profile", PENGUINS, "--target", "Species", "--html", html);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`wrote ${html}\\n$`));
  const page = readFileSync(html, "utf8");
  assert.match(page, /^<!doctype html>/);
  assert.equal((page.match(/<figure data-chart="column"[^>]*><svg/g) ?? []).length, 7, "one chart per column");
  assert.equal((page.match(/<figure data-chart="correlation"><svg/g) ?? []).length, 1);
  assert.equal((page.match(/<figure data-chart="target"><svg/g) ?? []).length, 1);
  assert.equal((page.match(/<svg/g) ?? []).length, 9);
  // Real marks were drawn: the histogram of flipper length has bars, the heatmap its cells.
  const flipper = /<figure data-chart="column" data-column="Flipper Length \(mm\)">(.*?)<\/figure>/s.exec(page)![1]!;
  assert.ok((flipper.match(/<path/g) ?? []).length >= 20, "20 histogram bars");
  assert.doesNotMatch(page, /<script|\b(src|href)=["']?https?:|url\(\s*["']?https?:/i, "nothing loaded from elsewhere");
  assert.deepEqual(readdirSync(work).filter((name) => name.includes(".tmp")), [], "written through a temporary file and renamed");
});

test("bad inputs: the same one-line errors as train", async () => {
  const cases: [string[], string][] = [
    [[`${DATA}/nope.csv`], `learnloop profile: error: ${DATA}/nope.csv: file not found`],
    [[`${DATA}/empty.csv`], `learnloop profile: error: ${DATA}/empty.csv: the file is empty`],
    [[`${DATA}/header-only.csv`], `learnloop profile: error: ${DATA}/header-only.csv: the file has a header but no data rows`],
    [[`${DATA}/ragged.csv`], `learnloop profile: error: ${DATA}/ragged.csv, line 4: the row has the wrong number of fields (expected 3 fields, got 2 fields)`],
    [["README.md"], `learnloop profile: error: README.md: unsupported file type (expected .csv, .tsv, .tab, .txt, .parquet, .pq, .json, .ndjson, .jsonl, .arrow, .feather, .ipc, got ".md")`],
    [
      [`${DATA}/small.csv`, "--target", "nope"],
      `learnloop profile: error: ${DATA}/small.csv, column "nope": unknown column (available columns: id, age, income, city, joined, last_seen, member, label)`,
    ],
    [[`${DATA}/single-class.csv`, "--target", "label"], `learnloop profile: error: ${DATA}/single-class.csv, column "label": the target has a single class (expected 2 or more classes, got only "yes")`],
    [[`${DATA}/small.csv`, "--derive", "x=nope + 1"], `learnloop profile: error: ${DATA}/small.csv, column "nope": unknown column (derive "x" uses it; available columns: id, age, income, city, joined, last_seen, member, label)`],
  ];
  for (const [argv, expected] of cases) {
    const result = await run("profile", ...argv);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, expected + "\n");
  }
  // Options are checked as train checks them.
  assert.equal(
    (await run("profile", PENGUINS, "--target", "Species", "--task", "regression")).stderr,
    'learnloop profile: error: --task must be binary or multiclass for the text target "Species", got "regression"\n',
  );
  assert.equal((await run("profile", PENGUINS, "--task", "sometimes")).stderr, 'learnloop profile: error: --task must be one of binary, multiclass, regression, got "sometimes"\n');
  // The train command words them identically (one place of wording).
  const train = await run("train", `${DATA}/nope.csv`, "--target", "y");
  assert.equal(train.stderr.replace("learnloop train", "learnloop profile"), `learnloop profile: error: ${DATA}/nope.csv: file not found\n`);
  const help = await run("profile", "--help");
  assert.match(help.stdout, /^learnloop profile — /);
});

test("columns named like the profile's own SQL aliases (K, x, y, b, n, v) are profiled, not mistaken for them", async () => {
  // DuckDB binds `GROUP BY k` to a column named K before the alias k: Glass's potassium column "K"
  // and any target called "y" once made every profile with a target fail.
  const rng = new Random(5);
  const scores: number[] = [];
  const labels: boolean[] = [];
  const lines = ["K,x,n,b,v,y"];
  for (let i = 0; i < 120; i++) {
    const y = rng.next() < 0.4;
    const x = Math.round(rng.next() * 30 + (y ? 6 : 0));
    scores.push(x);
    labels.push(y);
    lines.push(`${i % 7},${x},${i},${i % 2},${"pqr"[i % 3]},${y ? "yes" : "no"}`);
  }
  const file = join(work, "aliases.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  const p = await profile(file, "--target", "y");
  assert.deepEqual(p.columns.map((c) => [c.name, c.distinct]), [["K", 7], ["x", new Set(scores).size], ["n", 120], ["b", 2], ["v", 3], ["y", 2]]);
  close(column(p, "x").association!.rocAuc, rocAucNaive(scores, labels), 1e-12, "auc of x");
  // n = 0..119: the median is 59.5 and the histogram's 20 bins hold 6 rows each.
  assert.equal(column(p, "n").numeric!.quantiles.p50, 59.5);
  assert.deepEqual(column(p, "n").histogram!.map((bin) => bin.count), new Array(20).fill(6));
  assert.deepEqual(column(p, "v").top.map((t) => [t.value, t.count]), [["p", 40], ["q", 40], ["r", 40]]);
});
