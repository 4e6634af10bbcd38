/**
 * `learnloop score` end to end on files a user would have: the audit cases of
 * test/fixtures/metrics/audit.json written out as CSV with their labels as text, booleans or integers,
 * scored by the CLI, and compared with what scikit-learn 1.2 computed on the same labels (1e-9 relative).
 * The positive class of a binary target is the second label in sklearn's order (np.unique), the class
 * the score column is the probability of; `--task` is left to inference, as a user would.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { assertClose, isError, loadAuditCases, type AuditCase } from "./fixtures/metrics/fixtures.js";
import { runCli as run } from "./support/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "learnloop-score-audit-"));
process.env.LEARNLOOP_HOME ??= join(work, "home");
const cases = loadAuditCases();

function byName(task: AuditCase["task"], name: string): AuditCase {
  const found = cases.find((c) => c.task === task && c.name === name);
  assert.ok(found, `audit case ${task} ${name}`);
  return found;
}

/** The CSV a user would score: the labels as the case's classes spell them. */
function csvOf(c: AuditCase): string {
  const label = (k: number) => (c.classes ? c.classes[k]! : String(k));
  const n = c.yTrue.length;
  const lines: string[] = [];
  if (c.task === "regression") {
    lines.push("y,prediction");
    for (let i = 0; i < n; i++) lines.push(`${c.yTrue[i]},${c.yPred[i]}`);
  } else if (c.task === "binary") {
    lines.push("y,prediction,score");
    for (let i = 0; i < n; i++) lines.push(`${label(c.yTrue[i]!)},${label(c.yPred[i]!)},${c.score![i]}`);
  } else {
    const k = c.nClasses!;
    lines.push(["y", "prediction", ...c.classes!.map((name) => `proba_${name}`)].join(","));
    for (let i = 0; i < n; i++) lines.push([label(c.yTrue[i]!), label(c.yPred[i]!), ...c.proba!.slice(i * k, (i + 1) * k)].join(","));
  }
  return lines.join("\n") + "\n";
}

async function score(c: AuditCase, ...options: string[]) {
  const file = join(work, `${c.task}-${c.name.replaceAll("/", "_")}.csv`);
  writeFileSync(file, csvOf(c));
  const predictions = c.task === "binary" ? ["--score", "score"] : c.task === "multiclass" ? ["--proba-prefix", "proba_"] : [];
  const result = await run("score", file, "--label", "y", "--pred", "prediction", ...predictions, ...options, "--json");
  assert.equal(result.code, 0, `${c.name}: ${result.stderr}`);
  return { json: JSON.parse(result.stdout) as { task: string; metrics: Record<string, number> }, stderr: result.stderr };
}

function compare(c: AuditCase, metrics: Record<string, number>, names: readonly string[]): void {
  for (const name of names) {
    const expected = c.expected[name];
    assert.ok(expected !== undefined && !isError(expected), `${c.name} ${name}: sklearn computed a value`);
    assert.ok(name in metrics, `${c.name}: ${name} reported`);
    assertClose(metrics[name]!, expected as number, `${c.name} ${name}`);
  }
}

const BINARY = ["roc_auc", "average_precision", "log_loss", "brier_score", "accuracy", "balanced_accuracy", "precision", "recall", "f1", "matthews_corrcoef", "cohen_kappa"];

for (const name of ["labels/str", "labels/bool", "labels/int", "labels/signed", "ties/3-levels/n400", "clip/exact-0-and-1"]) {
  test(`score, binary ${name}: the default metrics are scikit-learn's with the second label positive`, async () => {
    const c = byName("binary", name);
    const { json } = await score(c);
    assert.equal(json.task, "binary");
    compare(c, json.metrics, BINARY);
  });
}

test("score, binary labels/str/predict-all-negative: zero division gives 0 as sklearn's default does", async () => {
  const c = byName("binary", "labels/str/predict-all-negative");
  const { json } = await score(c, "--metrics", "precision,recall,f1,f1_macro,matthews_corrcoef,cohen_kappa");
  compare(c, json.metrics, ["precision", "recall", "f1", "f1_macro", "matthews_corrcoef", "cohen_kappa"]);
});

const MULTICLASS = ["accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro", "log_loss", "roc_auc_ovr", "roc_auc_ovr_weighted"];

for (const name of ["labels/str", "labels/int", "ties/prototypes", "unnormalised/within-allclose"]) {
  test(`score, multiclass ${name}: the default metrics are scikit-learn's`, async () => {
    const c = byName("multiclass", name);
    const { json } = await score(c);
    assert.equal(json.task, "multiclass");
    compare(c, json.metrics, MULTICLASS);
  });
}

test("score, multiclass with a class no row has: log_loss over every probability column, ROC AUC one-vs-rest left out with a note", async () => {
  const c = byName("multiclass", "labels/str/class-absent-from-y-true");
  const { json, stderr } = await score(c);
  assert.equal(json.task, "multiclass");
  compare(c, json.metrics, MULTICLASS.filter((name) => !name.startsWith("roc_auc")));
  assert.ok(!("roc_auc_ovr" in json.metrics));
  assert.match(stderr, /note: roc_auc_ovr is left out: .*"bee"/);
});

for (const name of ["random/n129", "constant-y-true/0.1/n200", "constant-y-true/0.1/n9/perfect", "mape/zeros", "scale/1e15", "median/ties"]) {
  test(`score, regression ${name}: every metric is scikit-learn's`, async () => {
    const c = byName("regression", name);
    // --task: a target of a few integers (all zeros here) would otherwise be read as classes.
    const { json } = await score(c, "--task", "regression", "--metrics", "rmse,mse,mae,mape,r2,explained_variance,median_absolute_error,max_error");
    compare(c, json.metrics, ["rmse", "mse", "mae", "mape", "r2", "explained_variance", "median_absolute_error", "max_error"]);
  });
}

test("score refuses predicted numbers with a fraction for a target read as classes, as sklearn refuses multiclass mixed with continuous", async () => {
  // Ratings 1 to 5 are read as classes; predictions such as 3.233 used to become 194 classes of their
  // own (every metric 0, exit 0). sklearn: "Classification metrics can't handle a mix of multiclass and
  // continuous targets".
  const file = join(work, "ratings.csv");
  writeFileSync(file, "rating,predicted\n3,3.5\n1,1\n5,4\n2,2.25\n4,4\n");
  const refused = await run("score", file, "--label", "rating", "--pred", "predicted");
  assert.deepEqual([refused.code, refused.stdout], [2, ""]);
  assert.equal(
    refused.stderr,
    `learnloop score: error: ${file}, row 1, column "predicted": invalid value (expected a class label of "rating", which is scored as classes, got 3.5; to score numbers as a regression, give --task regression)\n`,
  );
  const regression = await run("score", file, "--label", "rating", "--pred", "predicted", "--task", "regression", "--metrics", "mae,max_error", "--json");
  assert.equal(regression.code, 0, regression.stderr);
  // |3 - 3.5| + 0 + |5 - 4| + |2 - 2.25| + 0 = 1.75 over 5 rows.
  assert.deepEqual(JSON.parse(regression.stdout).metrics, { mae: 0.35, max_error: 1 });
  // Labels that are fractions are still labels when the target has them as classes.
  const halves = join(work, "halves.csv");
  writeFileSync(halves, "grade,predicted\n0.5,0.5\n1.5,0.5\n1.5,1.5\n0.5,1.5\n1.5,1.5\n");
  const scored = await run("score", halves, "--label", "grade", "--pred", "predicted", "--metrics", "accuracy", "--json");
  assert.equal(scored.code, 0, scored.stderr);
  assert.equal(JSON.parse(scored.stdout).metrics.accuracy, 0.6);
});

test("score's default report leaves out a metric the probabilities leave undefined (a row summing to 1 + 2e-5) and keeps every other figure", async () => {
  const c = byName("multiclass", "unnormalised/one-row-beyond-allclose");
  assert.ok(isError(c.expected.roc_auc_ovr), "sklearn raises for roc_auc_ovr");
  const { json, stderr } = await score(c);
  compare(c, json.metrics, MULTICLASS.filter((name) => !name.startsWith("roc_auc")));
  assert.deepEqual(Object.keys(json.metrics).filter((name) => name.startsWith("roc_auc")), []);
  assert.match(stderr, /^note: roc_auc_ovr is left out: the probabilities in row 6 sum to 1\.00002\d*, not 1; one-vs-rest ROC AUC needs probabilities that sum to 1 over the classes\n/);
  // Named in --metrics, it is the error sklearn raises.
  const file = join(work, "multiclass-unnormalised_one-row-beyond-allclose.csv");
  const named = await run("score", file, "--label", "y", "--proba-prefix", "proba_", "--metrics", "roc_auc_ovr,accuracy");
  assert.equal(named.code, 2);
  assert.match(named.stderr, /^learnloop score: error: roc_auc_ovr: the probabilities in row 6 sum to 1\.00002\d*, not 1;/);
});
