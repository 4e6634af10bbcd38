/**
 * Inputs a new user meets on real data sets (found by running the CLI on R's mlbench / modeldata sets,
 * scikit-learn's and vega's): each case is the command a user would type and the line or figure they
 * would see.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Column } from "../src/core/types.js";
import { readDataset, schemaOf } from "../src/data/index.js";
import { runCli as run, type CliRun as Run } from "./support/run-cli.js";

const DATA = "test/fixtures/data";
const work = mkdtempSync(join(tmpdir(), "learnloop-robustness-"));
process.env.LEARNLOOP_HOME ??= join(work, "home");

/** Runs a command that must fail with exit 2 and one line on stderr; returns that line. */
async function failure(...argv: string[]): Promise<string> {
  const result = await run(...argv);
  const lines = result.stderr.split("\n").filter((line) => line.length > 0 && !line.startsWith("note:"));
  assert.equal(result.code, 2, result.stderr);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return lines[0]!;
}

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

test("contradictory reading flags are named by their flags, not by the library's field names", async () => {
  const small = `${DATA}/small.csv`;
  const cases: [string[], string][] = [
    [["train", small, "--target", "label", "--ignore", "label"], 'learnloop train: error: --target must be a column that is neither ignored nor an id, got "label"'],
    [["tune", small, "--target", "label", "--id", "label"], 'learnloop tune: error: --target must be a column that is neither ignored nor an id, got "label"'],
    [["train", small, "--target", "label", "--categorical", "age", "--numeric", "age"], 'learnloop train: error: --categorical must be disjoint from numeric (column "age" is in both), got "age"'],
    [
      ["train", small, "--target", "label", "--task", "regression"],
      'learnloop train: error: --task must be binary or multiclass for the text target "label" (or list it in numeric), got "regression"',
    ],
    [
      ["profile", small, "--derive", "x=age +"],
      `learnloop profile: error: --derive "x" must be a DuckDB SQL expression over the columns of ${small} (syntax error at or near ")"), got "age +"`,
    ],
    [["train", small, "--target", "label", "--cv", "2", "--group", "label"], 'learnloop train: error: --group must be a column other than the target, got "label"'],
  ];
  for (const [argv, expected] of cases) assert.equal(await failure(...argv), expected);
});

function values(column: Column | undefined): (number | string | null)[] {
  assert.ok(column);
  if (column.kind === "numeric") return Array.from(column.values);
  return Array.from(column.codes, (code) => (code < 0 ? null : column.categories[code]!));
}

test("a .csv separated by semicolons, with or without decimal commas, is read as Excel wrote it", async () => {
  // Excel where the comma is the decimal mark; a quoted field holds both separators.
  const european = file("european.csv", 'price;city;label\r\n1,5;"Paris; FR";yes\r\n-2,25;"Köln, DE";no\r\n3;Oslo;yes\r\n');
  const data = await readDataset(european, { target: "label" });
  assert.deepEqual(data.features.map((c) => [c.name, c.kind]), [["price", "numeric"], ["city", "categorical"]]);
  assert.deepEqual(values(data.features[0]), [1.5, -2.25, 3]);
  assert.deepEqual(values(data.features[1]), ["Paris; FR", "Köln, DE", "Oslo"]);
  // Semicolons with decimal points stay numbers with points.
  const points = await readDataset(file("points.csv", "price;label\n1.5;yes\n2.5;no\n"), { target: "label" });
  assert.deepEqual(values(points.features[0]), [1.5, 2.5]);
  // A comma file whose header holds a semicolon inside quotes is still a comma file.
  const quoted = await readDataset(file("quoted-header.csv", '"a;b",label\n1,yes\n2,no\n'), { target: "label" });
  assert.deepEqual(quoted.features.map((c) => c.name), ["a;b"]);
});

test("JSON that is not a table of records (pandas' default to_json, orient values) is refused with the way out", async () => {
  const expected = 'cannot read the file (expected an array of records [{"a": 1, "b": "x"}, ...] or one record per line (.ndjson), got';
  const columns = file("columns.json", '{"a":{"0":1.5,"1":2.5},"label":{"0":"yes","1":"no"}}');
  assert.equal(
    await failure("train", columns, "--target", "label"),
    `learnloop train: error: ${columns}: ${expected} one object of nested values, as pandas' to_json() writes by default; write records (pandas: orient="records"))`,
  );
  const arrays = file("arrays.ndjson", '[1.5,"yes"]\n[2.5,"no"]\n');
  assert.equal(
    await failure("profile", arrays),
    `learnloop profile: error: ${arrays}: ${expected} rows as arrays without column names; write them as records (pandas: orient="records"))`,
  );
  // A table of records whose one row has a nested field is still read, without that field.
  const notes: string[] = [];
  const one = await readDataset(file("one.json", '[{"a":1.5,"tags":[1,2],"label":"yes"}]'), { onWarning: (message) => notes.push(message) });
  assert.deepEqual(one.features.map((c) => c.name), ["a", "label"]);
  assert.equal(notes.length, 1);
});

test("column names that differ only in case (mlbench's Vehicle) are read under DuckDB's name for them, said in a note", async () => {
  // SQL does not tell "y" from "Y": DuckDB reads the second as "Y_1". The file is read (R and pandas
  // read it), the renaming is said, and the original name points at the new one.
  const csv = file("case.csv", "a,y,Y\n1,yes,no\n2,no,yes\n3,yes,no\n");
  const notes: string[] = [];
  const data = await readDataset(csv, { target: "y", onWarning: (message) => notes.push(message) });
  assert.deepEqual(data.features.map((c) => c.name), ["a", "Y_1"]);
  assert.deepEqual(values(data.features[1]), ["no", "yes", "no"]);
  assert.deepEqual(notes, [`${csv}: column "Y" is read as "Y_1": its name differs from "y" only in case, which SQL does not tell apart`]);
  assert.equal(await failure("train", csv, "--target", "Y"), `learnloop train: error: ${csv}, column "Y": unknown column (did you mean "Y_1"? available columns: a, y, Y_1)`);
  const ndjson = file("case.ndjson", '{"a":1,"y":"yes","Y":"no"}\n{"a":2,"y":"no","Y":"yes"}\n');
  const jsonNotes: string[] = [];
  const json = await readDataset(ndjson, { target: "y", onWarning: (message) => jsonNotes.push(message) });
  assert.deepEqual(json.features.map((c) => c.name), ["a", "Y_1"]);
  assert.deepEqual(jsonNotes, [`${ndjson}: column "Y" is read as "Y_1": its name differs from "y" only in case, which SQL does not tell apart`]);
  // Exact repeats are still refused; a real column called a_1 beside a is no rename.
  const repeated = file("repeated.csv", "a,a,y\n1,2,x\n3,4,z\n");
  assert.equal(await failure("train", repeated, "--target", "y"), `learnloop train: error: ${repeated}, line 1, column "a": duplicate column name (fields 1 and 2 of the header)`);
  const plainNotes: string[] = [];
  const plain = await readDataset(file("plain.json", '[{"a":1,"a_1":2,"y":"x"},{"a":2,"a_1":3,"y":"z"}]'), { target: "y", onWarning: (m) => plainNotes.push(m) });
  assert.deepEqual(plain.features.map((c) => c.name), ["a", "a_1"]);
  assert.deepEqual(plainNotes, []);
});

test("the read line lists at most 10 classes of a many-class target", async () => {
  const lines = ["x,grade"];
  for (let i = 0; i < 60; i++) lines.push(`${i % 12 + (i % 5) / 10},g${String(i % 12).padStart(2, "0")}`);
  const grades = file("grades.csv", lines.join("\n") + "\n");
  const result = await run("train", grades, "--target", "grade", "--model", "linear", "--no-track", "--out", join(work, "grades.model"));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^read .*grades\.csv: 60 rows, 1 feature, target "grade" \(multiclass: g00, g01, g02, g03, g04, g05, g06, g07, g08, g09 and 2 more\) in /);
});

test("prediction files: a text column the new file's sniff would type is read as the model learned it; unseen values are counted", async () => {
  // Training: "code" holds text ("007", "A12"), "day" dates in two formats, so both are categorical.
  const train = file("codes-train.csv", "code,day,size,label\n007,01/02/2021,1.5,yes\nA12,2021-02-03,2,no\n010,03/04/2021,3,yes\n007,01/02/2021,2,no\n");
  const trained = await readDataset(train, { target: "label", categorical: ["size"] });
  const schema = schemaOf(trained);
  assert.deepEqual(trained.features.map((c) => [c.name, c.kind === "categorical" ? c.categories : c.kind]), [
    ["code", ["007", "010", "A12"]],
    ["day", ["01/02/2021", "03/04/2021", "2021-02-03"]],
    ["size", ["1.5", "2.0", "3.0"]],
  ]);
  // A two-row file where DuckDB sniffs code as a number, day as a date and size as an integer.
  const notes: string[] = [];
  const small = file("codes-new.csv", "code,day,size\n010,03/04/2021,3\n007,01/02/2021,4\n");
  const read = await readDataset(small, { schema, onWarning: (message) => notes.push(message) });
  assert.deepEqual(read.features.map(values), [["010", "007"], ["03/04/2021", "01/02/2021"], ["3.0", null]]);
  assert.deepEqual(notes, [`${small}: column "size": 1 row holds a category the model never saw (such as "4"), read as missing`]);

  // A date column of the model that this file holds as text: the values that do not parse are counted.
  const dated = await readDataset(file("dated.csv", "when,label\n2021-01-02,yes\n2021-03-04,no\n"), { target: "label" });
  const texts: string[] = [];
  const textual = file("dated-text.csv", "when\n2021-05-06\nsoon\nlater\n");
  const parts = await readDataset(textual, { schema: schemaOf(dated), onWarning: (message) => texts.push(message) });
  assert.deepEqual(values(parts.features[0]), [2021, NaN, NaN]);
  assert.deepEqual(texts, [`${textual}: column "when": 2 values are not a date or timestamp (such as "soon"), read as missing`]);
});

test("split flags out of range for the data are named by their flags", async () => {
  // small.csv: 8 rows, one without a label, one without an income.
  const small = `${DATA}/small.csv`;
  const last = async (...argv: string[]): Promise<string> => {
    const result = await run(...argv, "--no-track");
    assert.equal(result.code, 2, result.stderr);
    return result.stderr.trimEnd().split("\n").at(-1)!;
  };
  assert.equal(
    await last("train", small, "--target", "label", "--test-size", "0.99"),
    "learnloop train: error: --test-size must be small enough to leave at least one of the 7 rows for training, got 0.99",
  );
  assert.equal(await last("train", small, "--target", "income", "--cv", "9"), "learnloop train: error: --cv must be at most the number of rows (7), got 9");
});

test("score: a missing score names the file, row and column; scores outside [0, 1] give the ranking metrics only", async () => {
  const missing = file("missing-score.csv", "y,s\n1,0.9\n0,0.8\n1,0.3\n0,\n");
  assert.equal(await failure("score", missing, "--label", "y", "--score", "s"), `learnloop score: error: ${missing}, row 4, column "s": invalid value (expected a number, got a missing value)`);
  // A decision function: sklearn.metrics.roc_auc_score([1, 0, 1, 0, 1], [2.5, -1, 0.2, 0.3, 0.1]) = 0.6666666666666666,
  // average_precision_score(...) = 0.8055555555555556.
  const margins = file("margins.csv", "y,margin\n1,2.5\n0,-1\n1,0.2\n0,0.3\n1,0.1\n");
  const result = await run("score", margins, "--label", "y", "--score", "margin", "--json");
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout).metrics, { roc_auc: 0.6666666666666666, average_precision: 0.8055555555555556 });
  assert.match(result.stderr, /^note: column "margin" holds scores outside \[0, 1\] \(such as 2\.5\), not probabilities: only the ranking metrics are computed from it\n/);
  // Asked for by name, a probability metric names the user's column, not the metric's argument.
  assert.equal(
    await failure("score", margins, "--label", "y", "--score", "margin", "--metrics", "brier_score"),
    `learnloop score: error: ${margins}, row 1, column "margin": invalid value (expected a probability in [0, 1], got 2.5)`,
  );
});

test("a tree model that made no split says so and why (too few rows for the leaf size)", async () => {
  const lines = ["x,y"];
  for (let i = 0; i < 15; i++) lines.push(`${i},${i * 2 + (i % 3)}`);
  const few = file("few.csv", lines.join("\n") + "\n");
  // The automatic leaf size is 5 rows on data this small (a tenth of the rows, at least 5): 10 rows leave 8 to
  // train on, too few for two leaves of 5.
  const fewest = file("fewest.csv", lines.slice(0, 11).join("\n") + "\n");
  const single = await run("train", fewest, "--target", "y", "--task", "regression", "--no-track", "--out", join(work, "few.model"));
  assert.equal(single.code, 0, single.stderr);
  assert.ok(
    single.stderr.includes(
      "warning: the model made no split, so it predicts the same for every row: 8 training rows cannot make two leaves of --min-samples-leaf 5 rows; lower it (e.g. --min-samples-leaf 2)\n",
    ),
    single.stderr,
  );
  const explicit = await run("train", few, "--target", "y", "--min-samples-leaf", "20", "--no-track", "--out", join(work, "few.model"));
  assert.ok(
    explicit.stderr.includes(
      "warning: the model made no split, so it predicts the same for every row: 12 training rows cannot make two leaves of --min-samples-leaf 20 rows; lower it (e.g. --min-samples-leaf 3)\n",
    ),
    explicit.stderr,
  );
  const split = await run("train", few, "--target", "y", "--min-samples-leaf", "3", "--no-track", "--out", join(work, "few.model"));
  assert.equal(split.code, 0, split.stderr);
  assert.doesNotMatch(split.stderr, /no split/);
  // A search space whose minSamplesLeaf no fold can split (10 to 20 rows, set by the user): tune's refit
  // says so too. (The default range is capped at a quarter of a trial's rows, here 1, so it splits.)
  const space = file("big-leaves.json", JSON.stringify({ minSamplesLeaf: { int: [10, 20] } }));
  const tuned = await run("tune", few, "--target", "y", "--trials", "2", "--cv", "2", "--parallel", "1", "--space", space, "--no-track", "--out", join(work, "few-tuned.model"));
  assert.equal(tuned.code, 0, tuned.stderr);
  const byDefault = await run("tune", few, "--target", "y", "--trials", "2", "--cv", "2", "--parallel", "1", "--no-track", "--out", join(work, "few-tuned.model"));
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.doesNotMatch(byDefault.stderr, /no split/);
  assert.match(tuned.stderr, /\nwarning: the model made no split, so it predicts the same for every row: 15 rows cannot make two leaves of minSamplesLeaf \d+ rows; give the search space smaller values \(e\.g\. "minSamplesLeaf": \[1, 3\]\)\n/);
});

test("quoted fields with commas, quotes and line breaks: read whole, and one table row each in profile", async () => {
  const quoted = file("quoted.csv", 'note,y\n"he said, ""hi""\nline 2",a\n"he said, ""hi""\nline 2",b\nplain,a\n');
  const data = await readDataset(quoted, { target: "y" });
  assert.deepEqual(values(data.features[0]), ['he said, "hi"\nline 2', 'he said, "hi"\nline 2', "plain"]);
  const result = await run("profile", quoted);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /\nnote +categorical +0% +2 +he said, "hi"\\nli… \(67%\)\ny +categorical/);
});

test("a class without test rows leaves ROC AUC one-vs-rest out with a note, not the whole evaluation", async () => {
  const lines = ["x,y"];
  for (let i = 0; i < 40; i++) lines.push(`${i},${i < 20 ? "a" : "b"}`);
  lines.push("100,c"); // one row: the stratified split keeps it for training
  const rare = file("rare.csv", lines.join("\n") + "\n");
  const model = join(work, "rare.model");
  const trained = await run("train", rare, "--target", "y", "--model", "linear", "--no-track", "--out", model, "--json");
  assert.equal(trained.code, 0, trained.stderr);
  const reason = 'class "c" is not present in y_true; its one-vs-rest ROC AUC is undefined';
  assert.ok(trained.stderr.includes(`note: roc_auc_ovr is left out: ${reason}\nnote: roc_auc_ovr_weighted is left out: ${reason}\n`), trained.stderr);
  const json = JSON.parse(trained.stdout);
  assert.deepEqual(Object.keys(json.metrics), ["accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro", "log_loss"]);
  assert.equal(json.headline.metric, "accuracy");
  // evaluate on rows of two of the three classes: the same note; asked for by name, it is an error.
  const two = file("two.csv", "x,y\n1,a\n30,b\n");
  const evaluated = await run("evaluate", model, two, "--no-track");
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.ok(evaluated.stderr.startsWith(`note: roc_auc_ovr is left out: ${reason}\n`), evaluated.stderr);
  assert.equal(await failure("evaluate", model, two, "--metrics", "roc_auc_ovr", "--no-track"), `learnloop evaluate: error: roc_auc_ovr: ${reason}`);
  // The model card: the same figures as evaluate, and a sentence for each metric left out.
  const html = join(work, "rare.html");
  const card = await run("report", model, "--data", two, "--html", html, "--bootstrap", "0", "--json");
  assert.equal(card.code, 0, card.stderr);
  const report = JSON.parse(card.stdout);
  assert.deepEqual(report.metrics.values, JSON.parse((await run("evaluate", model, two, "--no-track", "--json")).stdout).metrics);
  assert.equal(report.metrics.headline, "accuracy");
  assert.deepEqual(report.omitted.filter((o: { section: string }) => o.section === "metrics"), [
    { section: "metrics", reason: `roc_auc_ovr is not shown: ${reason}.` },
    { section: "metrics", reason: `roc_auc_ovr_weighted is not shown: ${reason}.` },
  ]);
  assert.ok(readFileSync(html, "utf8").includes(`<p class="omitted">roc_auc_ovr is not shown: class &quot;c&quot; is not present`));
});

test("a header that does not fit the rows (scikit-learn's bundled CSVs) is an error, not a data row taken for the header", async () => {
  // wine_data.csv's first line is "178,13,class_0,class_1,class_2" above rows of 14 fields: DuckDB's
  // sniffer skipped it and named the columns after the first data row ("14.23", "1.71", ...).
  const wine = file("wine.csv", "3,2,class_0,class_1\n14.23,1.71,0\n13.2,1.78,1\n13.16,2.36,0\n");
  assert.equal(await failure("train", wine, "--target", "class_1"), `learnloop train: error: ${wine}, line 2: the row has the wrong number of fields (expected 4 fields, got 3 fields)`);
  // boston_house_prices.csv: "506,13,,,..." above the real header.
  const boston = file("boston.csv", '3,2,,\n"CRIM","ZN","RM","MEDV"\n0.006,18,6.5,24\n0.02,0,6.4,21\n0.02,0,7.1,34\n');
  assert.equal(await failure("profile", boston), `learnloop profile: error: ${boston}, line 1, column "": duplicate column name (fields 3 and 4 of the header are both empty)`);
  // A title line above the header is still skipped.
  const titled = await readDataset(file("titled.csv", "Sales report 2021\na,b,y\n1,2,x\n3,4,z\n5,6,x\n"), { target: "y" });
  assert.deepEqual(titled.features.map((c) => c.name), ["a", "b"]);
});

test("an unknown column that differs from a real one only in case or spaces is pointed at", async () => {
  const cased = file("cased.csv", "Species,Body Mass\nA,1\nB,2\n");
  assert.equal(
    await failure("train", cased, "--target", "species"),
    `learnloop train: error: ${cased}, column "species": unknown column (did you mean "Species"? available columns: Species, Body Mass)`,
  );
  assert.equal(
    await failure("profile", cased, "--target", "Species", "--ignore", "body mass "),
    `learnloop profile: error: ${cased}, column "body mass": unknown column (did you mean "Body Mass"? available columns: Species, Body Mass)`,
  );
});

test("output paths in a missing directory and metrics of another task are refused before any training", async () => {
  const small = `${DATA}/small.csv`;
  const last = async (...argv: string[]): Promise<Run> => run(...argv, "--no-track");
  const missing = join(work, "no-such-dir", "x.model");
  const trained = await last("train", small, "--target", "label", "--out", missing);
  assert.equal(trained.code, 2);
  assert.equal(trained.stderr, `learnloop train: error: --out must be a path in an existing directory (${join(work, "no-such-dir")} does not exist), got "${missing}"\n`, "refused before reading the data");
  const metrics = await last("train", small, "--target", "label", "--metrics", "rmse");
  assert.equal(metrics.code, 2);
  // The error ends the output (small.csv's dropped rows are the audit's to say, after reading: none yet).
  assert.match(metrics.stderr, /(?:^|\n)learnloop train: error: --metrics must be metrics of a binary target \(roc_auc, average_precision, .*\), got "rmse"\n$/);
  assert.doesNotMatch(metrics.stderr, /fit gbdt|timings/);
});

test("hyperparameters out of range are named as the user gave them: the flag, or the key of the --params file", async () => {
  const small = `${DATA}/small.csv`;
  assert.equal(await failure("train", small, "--target", "label", "--learning-rate", "0"), "learnloop train: error: --learning-rate must be a number > 0 and <= 10 (or null), got 0");
  assert.equal(await failure("train", small, "--target", "label", "--model", "forest", "--n-trees", "0"), "learnloop train: error: --n-trees must be an integer >= 1 and <= 100000, got 0");
  const params = file("params.json", '{"learningRate": "fast"}');
  assert.equal(await failure("train", small, "--target", "label", "--params", params), `learnloop train: error: learningRate in ${params} must be a number > 0 and <= 10 (or null), got "fast"`);
});

test("a UTF-8 byte order mark: read in CSV (and stripped from the first name), refused in JSON with the reason", async () => {
  const bom = "\ufeff";
  const csv = await readDataset(file("bom.csv", `${bom}"a b",y\r\n1,x\r\n2,z\r\n3,x\r\n`), { target: "y" });
  assert.deepEqual(csv.features.map((c) => c.name), ["a b"]);
  const detail = "it starts with a UTF-8 byte order mark, which the JSON reader does not accept; save it as UTF-8 without one (PowerShell 5: Out-File -Encoding utf8 adds it)";
  for (const name of ["bom.json", "bom.ndjson"]) {
    const path = file(name, name.endsWith(".ndjson") ? `${bom}{"a":1,"y":"x"}\n{"a":2,"y":"z"}\n` : `${bom}[{"a":1,"y":"x"},{"a":2,"y":"z"}]`);
    assert.equal(await failure("train", path, "--target", "y"), `learnloop train: error: ${path}: cannot read the file (${detail})`);
  }
});

test("--time orders the folds by the instants the dates name, not by their text; a missing time is named", async () => {
  // Dates in two formats stay text (DuckDB types a column by one format): in text order "01/05/2021"
  // and "2020-12-15" would come before "12/01/2020".
  const days = ["12/01/2020", "2020-12-15", "01/05/2021", "2021-01-20", "02/03/2021", "2021-02-17"];
  const lines = ["when,x,y", ...days.map((day, i) => `${day},${i},${i * 1.5}`)];
  const dated = file("mixed-dates.csv", lines.join("\n") + "\n");
  const oof = join(work, "mixed-dates-oof.csv");
  const result = await run("train", dated, "--target", "y", "--cv", "2", "--time", "when", "--model", "linear", "--oof", oof, "--no-track", "--out", join(work, "mixed.model"));
  assert.equal(result.code, 0, result.stderr);
  // Time folds on 6 rows: the first two train the first fold; every later row is predicted; the dates
  // are written back as the file gave them.
  const rows = readFileSync(oof, "utf8").trim().split("\n").slice(1).map((line) => line.split(","));
  assert.deepEqual(rows.map((row) => row[0]), days);
  assert.deepEqual(rows.map((row) => row[3] !== ""), [false, false, true, true, true, true]);
  const gap = file("gap.csv", "when,x,y\n2021-01-01,1,1\n,2,2\n2021-01-03,3,3\n2021-01-04,4,4\n");
  const last = async (path: string) => (await run("train", path, "--target", "y", "--cv", "2", "--time", "when", "--no-track")).stderr.trimEnd().split("\n").at(-1);
  assert.equal(await last(gap), `learnloop train: error: ${gap}, row 2, column "when": invalid value (expected a time in every row (--time orders the folds), got a missing value)`);
  const words = file("words.csv", "when,x,y\nsoon,1,1\n2021-01-02,2,2\n2021-01-03,3,3\n2021-01-04,4,4\n");
  assert.equal(await last(words), `learnloop train: error: ${words}, row 1, column "when": invalid value (expected a date or a time (--time orders the folds), got "soon")`);
});

test("predictions written to .json are one JSON array (JSON.parse reads it); .ndjson and .jsonl one record a line", async () => {
  const lines = ["x,y"];
  for (let i = 0; i < 30; i++) lines.push(`${i},${i % 2 === 0 ? "a" : '"b, c"'}`);
  const data = file("labels.csv", lines.join("\n") + "\n");
  const model = join(work, "labels.model");
  assert.equal((await run("train", data, "--target", "y", "--model", "linear", "--no-track", "--out", model)).code, 0);
  const json = join(work, "labels-predicted.json");
  assert.equal((await run("predict", model, data, "--out", json)).code, 0);
  const records = JSON.parse(readFileSync(json, "utf8")) as Record<string, unknown>[];
  assert.equal(records.length, 30);
  assert.deepEqual(Object.keys(records[0]!), ["prediction", "proba_a", "proba_b, c"]);
  const ndjson = join(work, "labels-predicted.ndjson");
  assert.equal((await run("predict", model, data, "--out", ndjson)).code, 0);
  const rows = readFileSync(ndjson, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(rows, records);
});

test("Arrow files: categories a model never saw are counted in the same note as for the other formats", async () => {
  const { tableFromArrays, tableToIPC } = await import("apache-arrow");
  const trained = await readDataset(file("colors.csv", "x,color,y\n1,red,a\n2,blue,b\n3,red,a\n4,blue,b\n"), { target: "y" });
  const arrow = join(work, "colors.arrow");
  writeFileSync(arrow, tableToIPC(tableFromArrays({ x: Float64Array.of(1, 2, 3), color: ["red", "green", "green"] }), "file"));
  const notes: string[] = [];
  const read = await readDataset(arrow, { schema: schemaOf(trained), onWarning: (message) => notes.push(message) });
  assert.deepEqual(values(read.features[1]), ["red", null, null]);
  assert.deepEqual(notes, [`${arrow}: column "color": 2 rows hold categories the model never saw (such as "green"), read as missing`]);
});

test("compare on rows of one class: ROC AUC is undefined, said with the class label and the way out", async () => {
  const lines = ["x,y"];
  for (let i = 0; i < 40; i++) lines.push(`${i},${i < 20 ? "no" : "yes"}`);
  const data = file("two-class.csv", lines.join("\n") + "\n");
  const modelA = join(work, "compare-a.model");
  const modelB = join(work, "compare-b.model");
  assert.equal((await run("train", data, "--target", "y", "--model", "linear", "--no-track", "--out", modelA)).code, 0);
  assert.equal((await run("train", data, "--target", "y", "--model", "forest", "--no-track", "--out", modelB)).code, 0);
  const yes = file("only-yes.csv", "x,y\n25,yes\n30,yes\n35,yes\n");
  assert.equal(
    await failure("compare", modelA, modelB, yes),
    'learnloop compare: error: roc_auc: only one class ("yes") is present in y_true; ROC AUC is undefined on these rows; compare by another --metric (such as accuracy)',
  );
  const byAccuracy = await run("compare", modelA, modelB, yes, "--metric", "accuracy");
  assert.equal(byAccuracy.code, 0, byAccuracy.stderr);
});
