/**
 * Whole workflows (train, predict, score, evaluate) on small hand-made files shaped like the public data
 * sets that broke them in the session-6 audit: each test is the smallest file that shows what a user
 * of those data sets saw, and checks what the user reads and the files they get.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "./support/run-cli.js";
import { tempFolder } from "./support/temp-folder.js";

const { dir, file } = tempFolder("learnloop-unseen-");

/** n rows "x,y,label" where label follows x, so the fitted model separates it. */
function rowsOf(n: number, label: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${i},${(i * 7) % 5},${label(i)}`).join("\n") + "\n";
}

describe("predict --id copies a true/false column as it reads in the file", () => {
  test("a boolean target copied with --id reads true/false, as the prediction and proba_ columns name it, and score takes the file", async () => {
    // wa_churn's Yes/No written to Parquet became a BOOLEAN column: --id churn wrote 0/1 beside
    // predictions "false"/"true", and score then failed on its own prediction file.
    const data = file("churn.csv", "x,y,churn\n" + rowsOf(40, (i) => (i < 20 ? "false" : "true")));
    const model = join(dir, "churn.model");
    const train = await runCli("train", data, "--target", "churn", "--min-samples-leaf", "2", "--out", model, "--no-track");
    assert.equal(train.code, 0, train.stderr);
    const out = join(dir, "churn-pred.csv");
    const predict = await runCli("predict", model, data, "--id", "churn", "--out", out);
    assert.equal(predict.code, 0, predict.stderr);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    assert.equal(lines[0], "churn,prediction,proba_false,proba_true");
    assert.deepEqual(lines.slice(1).map((line) => line.split(",")[0]), Array.from({ length: 40 }, (_, i) => (i < 20 ? "false" : "true")));
    const score = await runCli("score", out, "--label", "churn", "--pred", "prediction", "--metrics", "accuracy", "--json");
    assert.equal(score.code, 0, score.stderr);
    assert.equal(JSON.parse(score.stdout).metrics.accuracy, 1);
  });
});

describe("classes whose names differ only in case (mlbench's Vowel: hAd and had)", () => {
  test("predict writes their proba_ columns to CSV and JSON, score reads them back by the file's names, and Parquet says why it cannot", async () => {
    const classOf = (i: number) => ["hAd", "had", "hid"][Math.floor(i / 20)]!;
    const data = file("vowel.csv", "x,y,Class\n" + rowsOf(60, classOf));
    const model = join(dir, "vowel.model");
    const train = await runCli("train", data, "--target", "Class", "--min-samples-leaf", "2", "--out", model, "--no-track");
    assert.equal(train.code, 0, train.stderr);
    const evaluate = await runCli("evaluate", model, data, "--metrics", "accuracy,log_loss", "--json", "--no-track");
    assert.equal(evaluate.code, 0, evaluate.stderr);
    const expected = JSON.parse(evaluate.stdout).metrics;
    assert.equal(expected.accuracy, 1);
    for (const name of ["vowel-pred.csv", "vowel-pred.json", "vowel-pred.ndjson"]) {
      const out = join(dir, name);
      const predict = await runCli("predict", model, data, "--id", "Class", "--out", out);
      assert.equal(predict.code, 0, predict.stderr);
      const text = readFileSync(out, "utf8");
      for (const column of ["proba_hAd", "proba_had", "proba_hid"]) assert.ok(text.includes(column), `${name} lacks ${column}`);
      const score = await runCli("score", out, "--label", "Class", "--pred", "prediction", "--proba-prefix", "proba_", "--metrics", "accuracy,log_loss", "--json");
      assert.equal(score.code, 0, score.stderr);
      assert.equal(score.stderr.includes("note"), false, score.stderr);
      assert.deepEqual(JSON.parse(score.stdout).metrics, expected, name);
    }
    const first = JSON.parse(readFileSync(join(dir, "vowel-pred.json"), "utf8"))[0];
    assert.deepEqual(Object.keys(first), ["Class", "prediction", "proba_hAd", "proba_had", "proba_hid"]);
    assert.equal(first.Class, "hAd");
    assert.ok(Math.abs(first.proba_hAd + first.proba_had + first.proba_hid - 1) < 1e-12);
    const parquet = join(dir, "vowel-pred.parquet");
    const refused = await runCli("predict", model, data, "--out", parquet);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      `learnloop predict: error: ${parquet}: cannot write the file (columns "proba_hAd" and "proba_had" differ only in case, which DuckDB's Parquet writer does not tell apart; write .csv or .json)\n`,
    );
  });
});

describe("a model that does worse than its baseline says so", () => {
  // linnerud (20 rows), la-riots (63 rows) and github's hourly counts trained models that scored below the
  // class prior or the training mean on their held-out rows, and nothing said so.
  const trainRows = "x,y\n" + Array.from({ length: 40 }, (_, i) => `${i},${i}`).join("\n") + "\n";
  test("held out: the warning names the headline metric, the model's value and the baseline's, and --json holds it", async () => {
    const data = file("rising.csv", trainRows);
    // On these rows y falls as x rises: the model (about y = x) is far off; the training mean 19.5 less so.
    const valid = file("falling.csv", "x,y\n" + Array.from({ length: 40 }, (_, i) => `${i},${-i}`).join("\n") + "\n");
    const run = await runCli("train", data, "--target", "y", "--valid", valid, "--no-track", "--json", "--out", join(dir, "rising.model"));
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    // The baseline's RMSE by hand: the errors y - 19.5 over y = 0, -1, ..., -39 have variance (40^2 - 1) / 12
    // = 133.25 and mean -39, so their mean square is 133.25 + 39^2.
    const baselineRmse = Math.sqrt(133.25 + 39 ** 2);
    assert.ok(Math.abs(result.baseline.metrics.rmse - baselineRmse) < 1e-9, String(result.baseline.metrics.rmse));
    assert.equal(result.worseThanBaseline.metric, "rmse");
    assert.equal(result.worseThanBaseline.baseline, result.baseline.metrics.rmse);
    assert.equal(result.worseThanBaseline.value, result.metrics.rmse);
    assert.ok(result.metrics.rmse > baselineRmse, String(result.metrics.rmse));
    const line = run.stderr.split("\n").find((text) => text.startsWith("warning: the model scores worse"));
    assert.equal(
      line,
      `warning: the model scores worse than the baseline (training mean) on the 40 held-out rows: rmse ${result.metrics.rmse.toFixed(4)} against 40.6725; ` +
        'what it learnt from the training rows does not hold on these (too few rows, or features that say little about "y")',
    );
  });

  test("a model that beats its baseline gets no such warning", async () => {
    const data = file("rising2.csv", trainRows);
    const valid = file("rising-valid.csv", "x,y\n" + Array.from({ length: 40 }, (_, i) => `${i},${i}`).join("\n") + "\n");
    const run = await runCli("train", data, "--target", "y", "--valid", valid, "--no-track", "--json", "--out", join(dir, "rising2.model"));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).worseThanBaseline, undefined);
    assert.ok(!run.stderr.includes("worse than the baseline"), run.stderr);
  });
});

describe("evaluate and report on the model's own training file", () => {
  test("warn that the figures are optimistic (same fingerprint), and stay quiet on other rows", async () => {
    const data = file("train-rows.csv", "x,y,label\n" + rowsOf(40, (i) => (i % 2 === 0 ? "even" : "odd")));
    const other = file("other-rows.csv", "x,y,label\n" + rowsOf(30, (i) => (i % 3 === 0 ? "even" : "odd")));
    const model = join(dir, "parity.model");
    assert.equal((await runCli("train", data, "--target", "label", "--min-samples-leaf", "2", "--out", model, "--no-track")).code, 0);
    const warning = `warning: ${data} is the data the model was trained on (same fingerprint): most of its rows were training rows, so these figures overstate how the model does on rows it has not seen`;
    const same = await runCli("evaluate", model, data, "--metrics", "accuracy", "--json", "--no-track");
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stderr.split("\n")[0], warning);
    assert.equal(JSON.parse(same.stdout).sameAsTraining, true);
    const report = await runCli("report", model, "--data", data, "--json", "--bootstrap", "0");
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.stderr.split("\n")[0], warning);
    const fresh = await runCli("evaluate", model, other, "--metrics", "accuracy", "--json", "--no-track");
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.ok(!fresh.stderr.includes("warning"), fresh.stderr);
    assert.equal(JSON.parse(fresh.stdout).sameAsTraining, undefined);
    const freshReport = await runCli("report", model, "--data", other, "--json", "--bootstrap", "0");
    assert.ok(!freshReport.stderr.includes("warning"), freshReport.stderr);
  });
});

describe("a multinomial logistic fit that block Newton finishes slowly (mlbench's Shuttle: 482 cycles, 67 s)", () => {
  /** 300 rows of 6 classes ordered along two correlated columns: nearly separable, strongly coupled blocks. */
  function orderedClasses(): { nRows: number; dense: Float64Array; y: Int32Array } {
    let state = 12345;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const nRows = 300;
    const dense = new Float64Array(nRows * 3);
    const y = new Int32Array(nRows);
    for (let i = 0; i < nRows; i++) {
      y[i] = i % 6;
      dense[i * 3] = 2 * y[i]! + uniform();
      dense[i * 3 + 1] = 0.9 * dense[i * 3]! + 0.5 * uniform();
      dense[i * 3 + 2] = uniform();
    }
    return { nRows, dense, y };
  }

  test("goes on by L-BFGS after 30 cycles and reaches the optimum block Newton alone reaches", async () => {
    const { solveLogistic, NEWTON_CYCLES_BEFORE_LBFGS } = await import("../src/models/linear/solver-logistic.js");
    const { nRows, dense, y } = orderedClasses();
    const design = { nRows, nColumns: 3, nDense: 3, dense, nCodes: 0, codes: new Int32Array(0) };
    const problem = { design, y, nClasses: 6, sampleWeight: new Float64Array(nRows).fill(1), l1: 0, l2: 1e-4, fitIntercept: true, maxIter: 5000, tol: 1e-8 };
    const newton = solveLogistic({ ...problem, method: "newton" });
    assert.ok(newton.converged && newton.nIter > NEWTON_CYCLES_BEFORE_LBFGS, `newton: ${newton.nIter} cycles`);
    let reported = 0;
    const auto = solveLogistic({ ...problem, onIteration: (iteration) => void (reported = iteration) });
    assert.equal(auto.method, "newton+lbfgs");
    assert.ok(auto.converged && auto.violation <= 1e-8, String(auto.violation));
    assert.equal(reported, auto.nIter);
    assert.ok(auto.nIter > NEWTON_CYCLES_BEFORE_LBFGS);
    // Both at the optimum of the same strictly convex objective: equal to round-off of the tolerance.
    assert.ok(Math.abs(auto.objective - newton.objective) <= 1e-9 * newton.objective, `${auto.objective} vs ${newton.objective}`);
    // A caller that asks for Newton keeps it.
    assert.equal(newton.method, "newton");
  });

  test("train --model linear says which solvers ran", async () => {
    const { nRows, dense, y } = orderedClasses();
    const lines = Array.from({ length: nRows }, (_, i) => `${dense[i * 3]},${dense[i * 3 + 1]},${dense[i * 3 + 2]},c${y[i]}`);
    const data = file("ordered.csv", "a,b,c,label\n" + lines.join("\n") + "\n");
    const run = await runCli("train", data, "--target", "label", "--model", "linear", "--no-track", "--json", "--out", join(dir, "ordered.model"));
    assert.equal(run.code, 0, run.stderr);
    const training = JSON.parse(run.stdout).training;
    assert.equal(training.solver, "block-newton+lbfgs");
    assert.equal(training.converged, true);
  });
});

describe("tune whose best trial does no better than the baseline says so", () => {
  test("labels unrelated to the features: a warning with both scores, and --json holds the baseline", async () => {
    // 60 rows, classes 30 / 20 / 10 in an order unrelated to x and y: the best any trial can do is the class prior.
    const classOf = (i: number) => ((i * 37) % 60 < 30 ? "a" : (i * 37) % 60 < 50 ? "b" : "c");
    const data = file("unrelated.csv", "x,y,label\n" + Array.from({ length: 60 }, (_, i) => `${(i * 13) % 7},${(i * 11) % 5},${classOf(i)}`).join("\n") + "\n");
    const run = await runCli("tune", data, "--target", "label", "--trials", "3", "--cv", "3", "--iterations", "9", "--parallel", "1", "--no-track", "--json", "--out", join(dir, "unrelated.model"));
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.baseline.kind, "class prior");
    assert.ok(result.best.score <= result.baseline.score, `${result.best.score} vs ${result.baseline.score}`);
    assert.equal(result.noBetterThanBaseline, true);
    const line = run.stderr.split("\n").find((text) => text.startsWith("warning: the best trial"));
    assert.equal(
      line,
      `warning: the best trial scores no better than the baseline (class prior) on the same folds: accuracy ${result.best.score.toFixed(4)} against ${result.baseline.score.toFixed(4)}; ` +
        'the search found nothing that predicts "label" (give trials more rounds with --iterations, more --trials, or check the features)',
    );
  });

  test("labels that follow a feature: on 60 rows the default leaf range fits the folds (5..100 allowed no split), and no warning", async () => {
    const data = file("related.csv", "x,y,label\n" + rowsOf(60, (i) => (i < 30 ? "a" : "b")));
    const run = await runCli("tune", data, "--target", "label", "--trials", "3", "--cv", "3", "--iterations", "9", "--parallel", "1", "--no-track", "--json", "--out", join(dir, "related.model"));
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.ok(result.best.score > result.baseline.score, `${result.best.score} vs ${result.baseline.score}`);
    assert.equal(result.noBetterThanBaseline, undefined);
    assert.ok(!run.stderr.includes("no better than the baseline"), run.stderr);
    // 3 folds of 60 rows: 40 training rows, 36 once gbdt's early-stopping tenth is out: leaves of at most 36 / 4.
    assert.equal(result.search.space.minSamplesLeaf, "log_int [5, 9]");
    assert.ok(run.stderr.includes("minSamplesLeaf log_int [5, 9];"), run.stderr);
  });
});

describe("a split by time whose features drift (modeldata's Chicago ridership, --time date)", () => {
  test("the shift warning says the latest rows drifted, not to check a split the user chose", async () => {
    const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    // "level" rises with time (4 days a step, so it is no identifier); "z" decides the label.
    const rows = Array.from({ length: 600 }, (_, i) => `${day(i)},${Math.floor(i / 4)},${(i * 7) % 5},${(i * 7) % 5 > 2 ? "yes" : "no"}`);
    const data = file("drifting.csv", "date,level,z,label\n" + rows.join("\n") + "\n");
    const run = await runCli("train", data, "--target", "label", "--time", "date", "--min-samples-leaf", "2", "--no-track", "--out", join(dir, "drifting.model"));
    assert.equal(run.code, 0, run.stderr);
    const line = run.stderr.split("\n").find((text) => text.startsWith("warning: training and test rows differ"));
    assert.match(
      line ?? run.stderr,
      /^warning: training and test rows differ: a classifier tells them apart with ROC AUC 0\.9\d\d \(480 training and 120 test rows\), mostly by "level" [\d.]+% of its gain: the test rows, the latest by "date", have drifted from the earlier ones the model learns from: expect its score to change as the data moves on, and retrain on recent rows$/,
    );
  });
});

describe("score on regression predictions given a probability flag", () => {
  test("says the flag is not used instead of dropping it without a word", async () => {
    const data = file("pulse.csv", "Pulse,prediction\n50.5,49\n52.25,53\n60,58\n");
    const run = await runCli("score", data, "--label", "Pulse", "--pred", "prediction", "--proba-prefix", "proba_", "--metrics", "mae", "--json");
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.split("\n")[0], 'note: --proba-prefix is not used: "Pulse" is scored as a regression, from --pred alone');
    // (1.5 + 0.75 + 2) / 3 by hand.
    assert.deepEqual(JSON.parse(run.stdout), { task: "regression", rows: 3, metrics: { mae: 4.25 / 3 } });
  });
});

describe("a forest on data with an id-like text column (vega's la-riots: names and addresses)", () => {
  test("rows with names it never saw are predicted from the other columns, not all sent to one class", async () => {
    // "name" is unique per row; "x" decides the label (70% major, 30% minor).
    const labelOf = (i: number) => (i % 10 < 7 ? "major" : "minor");
    const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i},${i % 10},${labelOf(i)}`).join("\n");
    const data = file("named.csv", "name,x,label\n" + rows("n", 80) + "\n");
    const later = file("named-later.csv", "name,x,label\n" + rows("m", 30) + "\n");
    const run = await runCli("train", data, "--target", "label", "--valid", later, "--model", "forest", "--metrics", "accuracy", "--bootstrap", "0", "--no-track", "--json", "--out", join(dir, "named.model"));
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.metrics.accuracy, 1);
    // Out of bag, a row's name is one its trees never saw: with one-row categories split apart, 0.8875.
    assert.ok(result.training.oobScore >= 0.95, String(result.training.oobScore));
  });
});

describe("profile of a wide file (modeldata's pd_speech: 752 columns)", () => {
  test("columns past the first 64 get their quantiles, counts, histogram and association like the first", async () => {
    // 70 columns c0..c69 of 41 rows: column j holds (j + 1) * i for i = 0..40, so its median is 20 (j + 1)
    // and every value is distinct; the target is i >= 20.
    const header = [...Array.from({ length: 70 }, (_, j) => `c${j}`), "y"].join(",");
    const rows = Array.from({ length: 41 }, (_, i) => [...Array.from({ length: 70 }, (_, j) => (j + 1) * i), i >= 20 ? "yes" : "no"].join(","));
    const data = file("wide.csv", header + "\n" + rows.join("\n") + "\n");
    const run = await runCli("profile", data, "--target", "y", "--json");
    assert.equal(run.code, 0, run.stderr);
    const columns = JSON.parse(run.stdout).columns as { name: string; distinct: number; numeric: { min: number; max: number; quantiles: { p50: number } }; association?: { rocAuc?: number } }[];
    for (const j of [0, 63, 64, 69]) {
      const column = columns.find((c) => c.name === `c${j}`)!;
      assert.equal(column.distinct, 41, `c${j}`);
      assert.equal(column.numeric.min, 0);
      assert.equal(column.numeric.max, 40 * (j + 1));
      assert.equal(column.numeric.quantiles.p50, 20 * (j + 1));
      // Rows 20..40 are "yes" and hold the 21 largest values: the column ranks them perfectly.
      assert.equal(column.association?.rocAuc, 1, `c${j}`);
    }
  });
});
