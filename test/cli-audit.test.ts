/**
 * Acceptance audit of the CLI (issues 2 and 5) from a user's side: flag combinations, `score` on
 * predictions from other systems, and the runs and models commands, each checked by the exit status and
 * the exact line a user reads. Runs in-process (test/support/run-cli.ts) on files written to a temporary
 * folder; expected metric values are worked by hand (or noted as scikit-learn 1.2's).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "./support/run-cli.js";
import { tempFolder } from "./support/temp-folder.js";

const PENGUINS = join(import.meta.dirname, "..", "node_modules", "vega-datasets", "data", "penguins.json");

const { dir, file } = tempFolder("learnloop-cli-audit-");

describe("train: flags that cannot go together", () => {
  test("--test-size with --cv is refused, not silently ignored", async () => {
    const run = await runCli("train", PENGUINS, "--target", "Species", "--cv", "3", "--test-size", "0.3", "--no-track", "--out", join(dir, "never.model"));
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, 'learnloop train: error: --test-size must be left out with --cv (every row is evaluated out of fold), got "0.3"\n');
  });
});

describe("the confusion matrix", () => {
  test("score prints it by true and predicted class and puts it in --json (hand-counted)", async () => {
    const data = file("confusion.csv", "y,p\na,a\na,b\nb,b\nc,c\nc,a\nc,c\n");
    const text = await runCli("score", data, "--label", "y", "--pred", "p");
    assert.equal(text.code, 0, text.stderr);
    const table = [
      "confusion matrix (rows: true class, columns: predicted class)",
      "true \\ predicted  a  b  c",
      "----------------  -  -  -",
      "a                 1  1  0",
      "b                 0  1  0",
      "c                 1  0  2",
    ].join("\n");
    assert.ok(text.stderr.includes(table + "\n"), text.stderr);
    const json = await runCli("score", data, "--label", "y", "--pred", "p", "--json");
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).confusionMatrix, { labels: ["a", "b", "c"], counts: [[1, 1, 0], [0, 1, 0], [1, 0, 2]] });
    // --metrics asks for exactly the figures it names.
    const named = await runCli("score", data, "--label", "y", "--pred", "p", "--metrics", "accuracy", "--json");
    assert.deepEqual(JSON.parse(named.stdout), { task: "multiclass", rows: 6, metrics: { accuracy: 4 / 6 } });
    assert.ok(!named.stderr.includes("confusion matrix"), named.stderr);
  });

  test("score of binary scores: the matrix of the labels at 0.5, as the label metrics read them", async () => {
    const data = file("confusion-binary.csv", "y,s\nno,0.2\nno,0.7\nyes,0.9\nyes,0.4\nyes,0.6\n");
    const json = await runCli("score", data, "--label", "y", "--score", "s", "--json");
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout);
    assert.deepEqual(result.confusionMatrix, { labels: ["no", "yes"], counts: [[1, 1], [1, 2]] });
    assert.equal(result.metrics.accuracy, 3 / 5);
  });

  test("evaluate: the matrix counts the model's predictions (as `predict` writes them) against the labels", async () => {
    const model = join(dir, "penguins-confusion.model");
    const trained = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--max-leaves", "2", "--no-track", "--out", model);
    assert.equal(trained.code, 0, trained.stderr);
    const evaluated = await runCli("evaluate", model, PENGUINS, "--no-track", "--json");
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.ok(evaluated.stderr.includes("confusion matrix (rows: true class, columns: predicted class)\ntrue \\ predicted  Adelie  Chinstrap  Gentoo\n"), evaluated.stderr);
    const predictions = join(dir, "penguins-confusion.json");
    const predicted = await runCli("predict", model, PENGUINS, "--out", predictions);
    assert.equal(predicted.code, 0, predicted.stderr);
    const labels = ["Adelie", "Chinstrap", "Gentoo"];
    const counts = labels.map(() => labels.map(() => 0));
    const truth: { Species: string }[] = JSON.parse(readFileSync(PENGUINS, "utf8"));
    const rows: { prediction: string }[] = JSON.parse(readFileSync(predictions, "utf8"));
    truth.forEach((row, i) => counts[labels.indexOf(row.Species)]![labels.indexOf(rows[i]!.prediction)]!++);
    const result = JSON.parse(evaluated.stdout);
    assert.deepEqual(result.confusionMatrix, { labels, counts });
    const diagonal = counts.reduce((sum, row, i) => sum + row[i]!, 0);
    assert.equal(result.metrics.accuracy, diagonal / truth.length);
  });
});

describe("score: predicted labels the true labels never take", () => {
  // scikit-learn 1.2 scores labels over the union of y_true and y_pred: a class only predicted counts
  // (its recall 0 by zero_division, its precision 0), and two true classes plus a third predicted one
  // make a multiclass problem. Values from sklearn.metrics on y = a,a,b,b and p = a,c,b,a.
  const SKLEARN = {
    accuracy: 0.5,
    balanced_accuracy: 0.5,
    f1_macro: 0.38888888888888884,
    f1_micro: 0.5,
    f1_weighted: 0.5833333333333333,
    precision_macro: 0.5,
    recall_macro: 0.3333333333333333,
  };

  test("count as classes of their own, as in scikit-learn, with a note naming them", async () => {
    const data = file("union.csv", "y,p\na,a\na,c\nb,b\nb,a\n");
    const run = await runCli("score", data, "--label", "y", "--pred", "p", "--json");
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.task, "multiclass");
    assert.equal(result.rows, 4);
    assert.deepEqual(Object.keys(result.metrics), Object.keys(SKLEARN));
    for (const [name, expected] of Object.entries(SKLEARN)) {
      assert.ok(Math.abs(result.metrics[name] - expected) <= 1e-12 * Math.abs(expected), `${name}: ${result.metrics[name]} vs sklearn ${expected}`);
    }
    assert.deepEqual(result.confusionMatrix, { labels: ["a", "b", "c"], counts: [[1, 0, 1], [1, 1, 0], [0, 0, 0]] });
    assert.ok(
      run.stderr.startsWith(`note: ${data}, column "p": 1 predicted label is not a label of "y" ("c"): it counts as a class of its own, as in scikit-learn\n`),
      run.stderr,
    );
  });

  test("the classes are ordered as scikit-learn orders the union of labels (numbers by value, text by code point)", async () => {
    const text = await runCli("score", file("union-text.csv", "y,p\nb,b\nb,a\nc,c\nc,b\n"), "--label", "y", "--pred", "p", "--json");
    assert.deepEqual(JSON.parse(text.stdout).confusionMatrix, { labels: ["a", "b", "c"], counts: [[0, 0, 0], [1, 1, 0], [0, 1, 1]] });
    const numbers = await runCli("score", file("union-numbers.csv", "y,p\n1,1\n1,10\n2,2\n2,1\n"), "--label", "y", "--pred", "p", "--json");
    assert.equal(numbers.code, 0, numbers.stderr);
    assert.deepEqual(JSON.parse(numbers.stdout).confusionMatrix, { labels: ["1", "2", "10"], counts: [[1, 0, 1], [1, 1, 0], [0, 0, 0]] });
  });

  test("with probabilities, whose columns name the classes, such a label is still an error", async () => {
    const data = file("union-proba.csv", "y,p,s\na,a,0.1\na,c,0.6\nb,b,0.9\nb,a,0.2\n");
    const run = await runCli("score", data, "--label", "y", "--pred", "p", "--score", "s");
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `learnloop score: error: ${data}, row 2, column "p": invalid value (expected one of the labels' classes (a, b), got "c")\n`);
  });

  test("--task binary with a third predicted label is an error, as scikit-learn's binary average is", async () => {
    const data = file("union-binary.csv", "y,p\na,a\na,c\nb,b\nb,a\n");
    const run = await runCli("score", data, "--label", "y", "--pred", "p", "--task", "binary");
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `learnloop score: error: ${data}, row 2, column "p": invalid value (expected one of the labels' classes (a, b), got "c")\n`);
  });
});

describe("runs compare with a run that recorded no data", () => {
  test("says the data cannot be compared, rather than calling it different (sameData null in --json)", async () => {
    const db = join(dir, "compare.db");
    const trained = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--out", join(dir, "compare.model"), "--db", db, "--json");
    assert.equal(trained.code, 0, trained.stderr);
    const failed = await runCli("train", join(dir, "no-such-file.csv"), "--target", "Species", "--db", db);
    assert.equal(failed.code, 2);
    const listed = await runCli("runs", "ls", "--db", db, "--json");
    const [failedRun, trainedRun] = JSON.parse(listed.stdout).runs as { id: string; status: string }[];
    assert.deepEqual([failedRun!.status, trainedRun!.status], ["failed", "finished"]);
    const text = await runCli("runs", "compare", trainedRun!.id, failedRun!.id, "--db", db);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stderr.includes(`\ndata not compared: run ${failedRun!.id} recorded no data fingerprint\n`), text.stderr);
    const json = await runCli("runs", "compare", trainedRun!.id, failedRun!.id, "--db", db, "--json");
    assert.equal(JSON.parse(json.stdout).sameData, null);
  });
});

describe("models promote checks the stored model file", () => {
  test("a version whose stored bytes no longer match their checksum is not promoted (the champion stays)", async () => {
    const db = join(dir, "corrupt.db");
    const model = join(dir, "corrupt.model");
    const trained = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--out", model, "--db", db, "--register", "penguins", "--promote");
    assert.equal(trained.code, 0, trained.stderr);
    const again = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "4", "--out", join(dir, "corrupt-2.model"), "--db", db, "--register", "penguins");
    assert.equal(again.code, 0, again.stderr);
    const shown = JSON.parse((await runCli("models", "show", "penguins", "2", "--db", db, "--json")).stdout);
    const sha256: string = shown.version?.sha256 ?? shown.sha256;
    assert.match(sha256, /^[0-9a-f]{64}$/);
    // One flipped byte in the stored copy, as a disk or a hand edit would leave it.
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(db);
    const { content } = sqlite.prepare("SELECT content FROM artifacts WHERE sha256 = ?").get(sha256) as { content: Buffer };
    content[content.length - 10] ^= 0xff;
    sqlite.prepare("UPDATE artifacts SET content = ? WHERE sha256 = ?").run(content, sha256);
    sqlite.close();
    const promoted = await runCli("models", "promote", "penguins", "2", "--db", db);
    assert.equal(promoted.code, 5);
    assert.match(
      promoted.stderr,
      /^learnloop models: error: model "penguins" version 2: its stored model file does not match its checksum \(it hashes to [0-9a-f]{64}\); not promoted: register the model file again\n$/,
    );
    const after = JSON.parse((await runCli("models", "ls", "--db", db, "--json")).stdout);
    assert.equal(after.models[0].championVersion, 1);
    // As the message says: registering the same file again repairs the stored copy (same checksum).
    const registered = await runCli("models", "register", join(dir, "corrupt-2.model"), "--name", "penguins", "--db", db);
    assert.equal(registered.code, 0, registered.stderr);
    const repaired = await runCli("models", "promote", "penguins", "2", "--db", db);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.equal(repaired.stderr, "penguins version 2 is the champion (version 1 archived)\n");
  });
});

describe("score: the label column given again as the predictions", () => {
  test("is refused by name, not as an unknown column", async () => {
    const data = file("same-column.csv", "y,s\n1,0.2\n0,0.4\n");
    const pred = await runCli("score", data, "--label", "y", "--pred", "y");
    assert.deepEqual([pred.code, pred.stderr], [2, 'learnloop score: error: --pred must be a column other than --label (the true labels), got "y"\n']);
    const score = await runCli("score", data, "--label", "y", "--score", "y");
    assert.deepEqual([score.code, score.stderr], [2, 'learnloop score: error: --score must be a column other than --label (the true labels), got "y"\n']);
  });
});

describe("serve: a port it cannot listen on", () => {
  test("is one line naming --port, exit 2, not Node's listen error", { timeout: 120_000 }, async () => {
    const db = join(dir, "serve-port.db");
    const trained = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--out", join(dir, "serve-port.model"), "--db", db, "--register", "penguins", "--promote");
    assert.equal(trained.code, 0, trained.stderr);
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const served = await runCli("serve", "--port", String(port), "--db", db);
      assert.equal(served.code, 2, served.stderr);
      assert.ok(
        served.stderr.endsWith(`learnloop serve: error: --port must be a port free on 127.0.0.1 (another process listens on 127.0.0.1:${port}), got "${port}"\n`),
        served.stderr,
      );
    } finally {
      taken.close();
    }
  });
});

describe("models register: one kind of answer per name", () => {
  test("a model of another task is refused under a name (its service's clients expect one kind of answer)", async () => {
    const db = join(dir, "task.db");
    const species = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--out", join(dir, "task-species.model"), "--db", db, "--register", "penguins");
    assert.equal(species.code, 0, species.stderr);
    const mass = join(dir, "task-mass.model");
    const regression = await runCli("train", PENGUINS, "--target", "Body Mass (g)", "--iterations", "3", "--out", mass, "--db", db);
    assert.equal(regression.code, 0, regression.stderr);
    const refused = await runCli("models", "register", mass, "--name", "penguins", "--db", db);
    assert.deepEqual([refused.code, refused.stderr], [
      5,
      'learnloop models: error: model "penguins": a regression model cannot be its next version: version 1 is a multiclass model, and the clients of a served name expect one kind of answer (register it under another name)\n',
    ]);
    const elsewhere = await runCli("models", "register", mass, "--name", "penguins-mass", "--db", db);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
  });
});

describe("reading a store that does not exist yet", () => {
  test("runs and models answer empty and leave no store behind (a mistyped --db creates nothing)", async () => {
    const db = join(dir, "not-yet", "typo.db");
    const runs = await runCli("runs", "ls", "--db", db, "--json");
    assert.deepEqual([runs.code, JSON.parse(runs.stdout), runs.stderr], [0, { runs: [] }, `no runs recorded in ${db}\n`]);
    const models = await runCli("models", "ls", "--db", db, "--json");
    assert.deepEqual([models.code, JSON.parse(models.stdout), models.stderr], [0, { models: [] }, `no models registered in ${db}\n`]);
    const shown = await runCli("models", "show", "penguins", "--db", db);
    assert.deepEqual([shown.code, shown.stderr], [5, 'learnloop models: error: model "penguins": no such model in the registry\n']);
    const run = await runCli("runs", "show", "abc", "--db", db);
    assert.deepEqual([run.code, run.stderr], [5, `learnloop runs: error: run abc: no such run in ${db} (learnloop runs ls lists them)\n`]);
    assert.equal(existsSync(join(dir, "not-yet")), false);
  });
});

describe("serve: a store that does not exist", () => {
  test("is one line saying so, and no store is created", async () => {
    const db = join(dir, "serve-missing", "typo.db");
    const served = await runCli("serve", "--port", "0", "--db", db);
    assert.deepEqual([served.code, served.stderr], [
      5,
      `learnloop serve: error: ${db}: nothing to serve: there is no store here (check --db, LEARNLOOP_DB or LEARNLOOP_HOME; train --register or models register makes one)\n`,
    ]);
    assert.equal(existsSync(join(dir, "serve-missing")), false);
  });
});

describe("score: probability columns of a class no row has", () => {
  // A model knows four classes; the rows scored hold three of them (a small or recent slice).
  const text = "y,proba_a,proba_b,proba_c,proba_d\na,0.7,0.1,0.1,0.1\nb,0.2,0.5,0.2,0.1\nc,0.1,0.2,0.6,0.1\na,0.4,0.3,0.2,0.1\n";

  test("count that class (its probabilities kept, as sklearn's log_loss with labels=); a metric it leaves undefined is left out with a note", async () => {
    const data = file("absent-class.csv", text);
    const run = await runCli("score", data, "--label", "y", "--proba-prefix", "proba_", "--json");
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.task, "multiclass");
    // Each row's probability of its true class: 0.7, 0.5, 0.6, 0.4.
    const logLoss = -(Math.log(0.7) + Math.log(0.5) + Math.log(0.6) + Math.log(0.4)) / 4;
    assert.ok(Math.abs(result.metrics.log_loss - logLoss) <= 1e-12, String(result.metrics.log_loss));
    assert.equal(result.metrics.accuracy, 1);
    assert.equal(result.metrics.roc_auc_ovr, undefined);
    assert.deepEqual(result.confusionMatrix.labels, ["a", "b", "c", "d"]);
    assert.ok(run.stderr.includes(`note: ${data}: column "proba_d" names a class no row of "y" has ("d"): it counts as a class, as scikit-learn's labels= does\n`), run.stderr);
    assert.match(run.stderr, /\nnote: roc_auc_ovr is left out: .*"d".*\n/);
  });

  test("asked for by --metrics, such a metric is an error naming the class", async () => {
    const data = file("absent-class-named.csv", text);
    const run = await runCli("score", data, "--label", "y", "--proba-prefix", "proba_", "--metrics", "roc_auc_ovr");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^note: .*\nlearnloop score: error: .*roc_auc_ovr.*"d".*\n$/);
  });
});

describe("score: labels of a single class", () => {
  // A slice of one class (a day with no fraud, one region's rows) is scored, not trained on: the data
  // layer accepts it for score; each metric answers as scikit-learn 1.2 does, or the clear error where
  // sklearn raises. Values from sklearn.metrics on the same rows (pos_label "yes", or 1 for numbers).
  test("label metrics as scikit-learn computes them over the union with the predicted labels; ROC AUC a clear error, as sklearn raises", async () => {
    const data = file("single-class-labels.csv", "y,p,s\nyes,yes,0.9\nyes,no,0.3\nyes,yes,0.8\n");
    const labels = await runCli("score", data, "--label", "y", "--pred", "p", "--metrics", "accuracy,recall,precision", "--json");
    assert.equal(labels.code, 0, labels.stderr);
    // sklearn 1.2: accuracy 2/3, recall 2/3, precision 1 (pos_label "yes").
    assert.deepEqual(JSON.parse(labels.stdout), { task: "binary", rows: 3, metrics: { accuracy: 2 / 3, recall: 2 / 3, precision: 1 } });
    const auc = await runCli("score", data, "--label", "y", "--score", "s", "--metrics", "roc_auc");
    assert.deepEqual([auc.code, auc.stderr], [2, 'learnloop score: error: roc_auc: only one class ("yes") is present in y_true; ROC AUC is undefined\n']);
    // The default set: ROC AUC left out with a note, every other figure kept (log loss with labels=[no, yes]).
    const all = await runCli("score", data, "--label", "y", "--pred", "p", "--score", "s", "--json");
    assert.equal(all.code, 0, all.stderr);
    const result = JSON.parse(all.stdout);
    assert.ok(all.stderr.includes('note: roc_auc is left out: only one class ("yes") is present in y_true; ROC AUC is undefined\n'), all.stderr);
    const sklearn = { average_precision: 1, log_loss: 0.5108256237659907, brier_score: 0.18, accuracy: 2 / 3, balanced_accuracy: 2 / 3, precision: 1, recall: 2 / 3, f1: 0.8, matthews_corrcoef: 0, cohen_kappa: 0 };
    assert.deepEqual(Object.keys(result.metrics), Object.keys(sklearn));
    for (const [name, expected] of Object.entries(sklearn)) {
      assert.ok(Math.abs(result.metrics[name] - expected) <= 1e-12, `${name}: ${result.metrics[name]} vs sklearn ${expected}`);
    }
    assert.deepEqual(result.confusionMatrix, { labels: ["no", "yes"], counts: [[0, 0], [1, 2]] });
  });

  test("a lone 0 or 1 implies the other class, as sklearn's pos_label=1 does", async () => {
    const zeros = await runCli("score", file("single-class-zeros.csv", "y,p,s\n0,0,0.9\n0,0,0.3\n0,1,0.8\n"), "--label", "y", "--pred", "p", "--score", "s", "--json");
    assert.equal(zeros.code, 0, zeros.stderr);
    // sklearn 1.2 on y_true = [0, 0, 0], y_pred = [0, 0, 1], scores [0.9, 0.3, 0.8] (log_loss with labels=[0, 1]).
    const sklearn = { average_precision: 0, log_loss: 1.4228993164556263, brier_score: 0.5133333333333333, accuracy: 2 / 3, balanced_accuracy: 2 / 3, precision: 0, recall: 0, f1: 0, matthews_corrcoef: 0, cohen_kappa: 0 };
    const metrics = JSON.parse(zeros.stdout).metrics;
    for (const [name, expected] of Object.entries(sklearn)) assert.ok(Math.abs(metrics[name] - expected) <= 1e-12, `${name}: ${metrics[name]} vs sklearn ${expected}`);
    assert.deepEqual(JSON.parse(zeros.stdout).confusionMatrix, { labels: ["0", "1"], counts: [[2, 1], [0, 0]] });
  });

  test("one label everywhere and no other class known: sklearn's figures, probabilities refused by name", async () => {
    const data = file("single-class-all.csv", "y,p,s\nyes,yes,0.9\nyes,yes,0.7\n");
    const run = await runCli("score", data, "--label", "y", "--pred", "p", "--json");
    assert.equal(run.code, 0, run.stderr);
    // sklearn 1.2: accuracy 1, balanced accuracy 1; precision, recall, f1 0 and MCC 0 (pos_label=1 is no
    // label: zero division); Cohen's kappa nan (0/0), null in JSON.
    assert.deepEqual(JSON.parse(run.stdout), {
      task: "binary",
      rows: 2,
      metrics: { accuracy: 1, balanced_accuracy: 1, precision: 0, recall: 0, f1: 0, matthews_corrcoef: 0, cohen_kappa: null },
      confusionMatrix: { labels: ["yes"], counts: [[2]] },
    });
    assert.ok(run.stderr.startsWith(`note: ${data}: every label of "y" and of "p" is "yes": precision, recall and f1 are of a positive class no row has (0, as scikit-learn's with pos_label=1)\n`), run.stderr);
    const logLoss = await runCli("score", data, "--label", "y", "--score", "s", "--metrics", "log_loss");
    assert.deepEqual([logLoss.code, logLoss.stderr], [
      2,
      'learnloop score: error: log_loss: only one class ("yes") is present in y_true and no other is predicted, so the class the probabilities are of is unknown (scikit-learn asks for pos_label)\n',
    ]);
    // Nothing can be computed from that column alone: the first reason is the error.
    const scoreOnly = await runCli("score", data, "--label", "y", "--score", "s");
    assert.deepEqual([scoreOnly.code, scoreOnly.stderr], [2, 'learnloop score: error: roc_auc: only one class ("yes") is present in y_true; ROC AUC is undefined\n']);
  });

  test("probability columns name the other class", async () => {
    const data = file("single-class-proba.csv", "y,proba_no,proba_yes\nyes,0.1,0.9\nyes,0.7,0.3\n");
    const run = await runCli("score", data, "--label", "y", "--proba-prefix", "proba_", "--metrics", "log_loss,accuracy,recall", "--json");
    assert.equal(run.code, 0, run.stderr);
    // sklearn 1.2 log_loss(["yes", "yes"], [[0.1, 0.9], [0.7, 0.3]], labels=["no", "yes"]).
    assert.deepEqual(JSON.parse(run.stdout), { task: "binary", rows: 2, metrics: { log_loss: -(Math.log(0.9) + Math.log(0.3)) / 2, accuracy: 0.5, recall: 0.5 } });
  });

  test("train still refuses one class; evaluate scores a binary model on rows of one class, ROC AUC left out", async () => {
    const train = file("single-train.csv", "y,x\nyes,1\nyes,2\n");
    const refused = await runCli("train", train, "--target", "y", "--no-track", "--out", join(dir, "never-single.model"));
    assert.deepEqual([refused.code, refused.stderr], [2, `learnloop train: error: ${train}, column "y": the target has a single class (expected 2 or more classes, got only "yes")\n`]);
    const rows: { Sex: string | null }[] = JSON.parse(readFileSync(PENGUINS, "utf8"));
    const both = file("penguins-sexes.json", JSON.stringify(rows.filter((row) => row.Sex === "MALE" || row.Sex === "FEMALE")));
    const males = file("penguins-males.json", JSON.stringify(rows.filter((row) => row.Sex === "MALE")));
    const model = join(dir, "penguins-sex.model");
    const trained = await runCli("train", both, "--target", "Sex", "--iterations", "5", "--no-track", "--out", model);
    assert.equal(trained.code, 0, trained.stderr);
    const evaluated = await runCli("evaluate", model, males, "--no-track", "--json");
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.ok(evaluated.stderr.startsWith('note: roc_auc is left out: only one class ("MALE") is present in y_true; ROC AUC is undefined\n'), evaluated.stderr);
    const predictions = join(dir, "penguins-males-predicted.json");
    assert.equal((await runCli("predict", model, males, "--out", predictions)).code, 0);
    const predicted: { prediction: string }[] = JSON.parse(readFileSync(predictions, "utf8"));
    const right = predicted.filter((row) => row.prediction === "MALE").length;
    const result = JSON.parse(evaluated.stdout);
    // Every true label is the positive class: accuracy = recall = the share predicted MALE, precision 1.
    assert.equal(result.metrics.accuracy, right / predicted.length);
    assert.equal(result.metrics.recall, right / predicted.length);
    assert.equal(result.metrics.precision, 1);
    assert.equal(result.metrics.roc_auc, undefined);
    const auc = await runCli("evaluate", model, males, "--no-track", "--metrics", "roc_auc");
    assert.deepEqual([auc.code, auc.stderr], [2, 'learnloop evaluate: error: roc_auc: only one class ("MALE") is present in y_true; ROC AUC is undefined\n']);
  });
});

describe("models promote: a champion that needs new fields", () => {
  test("says which fields the service's clients must now send", async () => {
    const db = join(dir, "fields.db");
    const without = await runCli("train", PENGUINS, "--target", "Species", "--ignore", "Sex,Island", "--iterations", "3", "--out", join(dir, "fields-1.model"), "--db", db, "--register", "penguins", "--promote");
    assert.equal(without.code, 0, without.stderr);
    const all = await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--out", join(dir, "fields-2.model"), "--db", db, "--register", "penguins");
    assert.equal(all.code, 0, all.stderr);
    const promoted = await runCli("models", "promote", "penguins", "2", "--db", db);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.equal(
      promoted.stderr,
      'penguins version 2 is the champion (version 1 archived)\nnote: version 2 needs fields version 1 did not ("Island", "Sex"): a service\'s clients must send them, or their rows are refused (400) once it swaps\n',
    );
    // Back to a champion that needs fewer: nothing to say (extra fields are ignored).
    const rolled = await runCli("models", "rollback", "penguins", "--db", db);
    assert.equal(rolled.stderr, "penguins rolled back to version 1 (version 2 archived)\n");
  });
});

describe("serve: --models with no name in it", () => {
  test("is refused, not read as every model", async () => {
    const served = await runCli("serve", "--models", ",", "--port", "0", "--db", join(dir, "models-flag.db"));
    assert.deepEqual([served.code, served.stderr], [2, 'learnloop serve: error: --models must be model names separated by commas, got ","\n']);
  });
});

describe("score: boolean labels and predictions", () => {
  test("a boolean --pred column matches boolean labels (read as 0 / 1, they are false / true again, as numpy's True == 1)", async () => {
    const data = file("booleans.csv", "y,p,n\ntrue,true,1\ntrue,false,0\nfalse,false,0\nfalse,true,1\ntrue,true,1\n");
    // sklearn 1.2 on y = [T, T, F, F, T], p = [T, F, F, T, T]: accuracy 3/5, precision 2/3, recall 2/3.
    const expected = { task: "binary", rows: 5, metrics: { accuracy: 3 / 5, precision: 2 / 3, recall: 2 / 3 } };
    for (const pred of ["p", "n"]) {
      const run = await runCli("score", data, "--label", "y", "--pred", pred, "--metrics", "accuracy,precision,recall", "--json");
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), expected, pred);
    }
  });
});

describe("score: rows named as the file numbers them", () => {
  test("after rows without a label are dropped, a bad prediction's row is still the file's; text in a score column is shown, not a number", async () => {
    const data = file("rows-after-drop.csv", "y,p,s\n,a,0.1\na,a,0.3\nb,,0.5\n,b,0.2\na,b,x\n");
    const pred = await runCli("score", data, "--label", "y", "--pred", "p");
    assert.deepEqual([pred.code, pred.stderr], [
      2,
      `note: ${data}: dropped 2 rows whose target "y" is missing\nlearnloop score: error: ${data}, row 3, column "p": invalid value (expected one of the labels' classes (a, b), got a missing value)\n`,
    ]);
    const score = await runCli("score", data, "--label", "y", "--score", "s");
    assert.deepEqual([score.code, score.stderr.split("\n")[1]], [
      2,
      `learnloop score: error: ${data}, row 5, column "s": a value in a numeric column is not a number (expected numbers (probabilities or scores), got "x")`,
    ]);
    const missing = await runCli("score", file("rows-missing-score.csv", "y,s\n,0.1\na,0.3\nb,\n"), "--label", "y", "--score", "s");
    assert.match(missing.stderr, /, row 3, column "s": invalid value \(expected a number, got a missing value\)\n$/);
  });
});

describe("one row is one row", () => {
  test("score and evaluate say '1 row', not '1 rows'", async () => {
    const scored = await runCli("score", file("one-row.csv", "y,p\n1.5,1.25\n"), "--label", "y", "--pred", "p", "--task", "regression");
    assert.equal(scored.code, 0, scored.stderr);
    assert.ok(scored.stderr.startsWith(`regression predictions for "y" in ${join(dir, "one-row.csv")}: 1 row\n`), scored.stderr);
    const model = join(dir, "one-row.model");
    assert.equal((await runCli("train", PENGUINS, "--target", "Species", "--iterations", "3", "--no-track", "--out", model)).code, 0);
    const rows: unknown[] = JSON.parse(readFileSync(PENGUINS, "utf8"));
    const evaluated = await runCli("evaluate", model, file("one-penguin.json", JSON.stringify(rows.slice(0, 1))), "--no-track", "--metrics", "accuracy");
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stderr, /^gbdt model \(multiclass\) on 1 row of /);
  });
});

describe("score --task regression on text labels", () => {
  test("names score's flag, not the reader's parameter or train's --numeric", async () => {
    const data = file("text-regression.csv", "y,p\na,a\nb,b\n");
    const run = await runCli("score", data, "--label", "y", "--pred", "p", "--task", "regression");
    assert.deepEqual([run.code, run.stderr], [2, 'learnloop score: error: --task must be binary or multiclass for the text labels "y", got "regression"\n']);
  });
});
