/**
 * Audit of the data layer (issue 2) on inputs nobody had tried: each test is a case that once broke or
 * answered wrongly, checked by what a user sees (the columns read, the note, the exact error line) against
 * what pandas / scikit-learn do with the same file. Files are written to a temporary folder.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, test } from "node:test";
import { readDataset } from "../src/data/index.js";
import { runCli } from "./support/run-cli.js";
import { tempFolder } from "./support/temp-folder.js";

const { dir, file } = tempFolder("learnloop-data-audit-");

function gzipTo(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(text));
  return path;
}

/** JSON.stringify replacer that writes typed arrays as plain arrays (NaN as null). */
function typedArrays(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) ? Array.from(value as Float64Array) : value;
}

function numbers(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (value) => (Number.isNaN(value) ? null : value));
}

describe("CSV numbers with missing values written as words", () => {
  // pandas.read_csv reads "null", "NaN", "None", "nan", "#N/A" as missing (its na_values default): the
  // column stays numeric. learnloop read such a column as categories of text ("1", "3", "null"...).
  test("a column of numbers holding null, NaN and None is numeric with those rows missing, said in a note", async () => {
    const path = file("null-words.csv", "x,c,y\n1.5,u,a\nnull,v,b\nNaN,u,a\n3,v,b\nNone,u,a\n#N/A,v,b\n");
    const notes: string[] = [];
    const data = await readDataset(path, { target: "y", onWarning: (note) => notes.push(note) });
    const x = data.features.find((column) => column.name === "x")!;
    assert.equal(x.kind, "numeric");
    assert.deepEqual(numbers(x.kind === "numeric" ? x.values : []), [1.5, null, null, 3, null, null]);
    // A column of text keeps its categories.
    const c = data.features.find((column) => column.name === "c")!;
    assert.deepEqual(c.kind === "categorical" ? c.categories : [], ["u", "v"]);
    assert.deepEqual(notes, [
      `${path}: column "x" holds numbers and "#N/A": the file is read again with pandas.read_csv's missing-value strings ("null", "None", "nan", "#N/A" and the like) read as missing`,
    ]);
  });

  test("a null far below the rows DuckDB sniffs no longer turns the column into text", async () => {
    const lines = ["x,y"];
    for (let i = 0; i < 30_000; i++) lines.push(`${(i % 97) / 10},${i % 2 === 0 ? "a" : "b"}`);
    lines[25_001] = "null,b";
    const path = file("late-null.csv", lines.join("\n") + "\n");
    const data = await readDataset(path, { target: "y" });
    const x = data.features[0]!;
    assert.equal(x.kind, "numeric");
    const values = x.kind === "numeric" ? x.values : new Float64Array();
    assert.ok(Number.isNaN(values[25_000]!));
    assert.equal(values.filter((value) => Number.isNaN(value)).length, 1);
    assert.equal(values[24_999], (24_999 % 97) / 10);
  });

  test("a column listed in numeric reads null as missing (it was 'not a number'); one listed in categorical stays text", async () => {
    const path = file("declared.csv", "x,y\n1,a\nnull,b\n2,a\n");
    const numeric = await readDataset(path, { target: "y", numeric: ["x"] });
    assert.deepEqual(numbers((numeric.features[0] as { values: Float64Array }).values), [1, null, 2]);
    const categorical = await readDataset(path, { target: "y", categorical: ["x"] });
    assert.deepEqual((categorical.features[0] as { categories: readonly string[] }).categories, ["1", "2", "null"]);
    // Other text still is an error in a numeric column, naming the line.
    const bad = file("declared-bad.csv", "x,y\n1,a\nabc,b\n2,a\n");
    await assert.rejects(readDataset(bad, { target: "y", numeric: ["x"] }), (error: Error) => {
      assert.equal(error.constructor.name, "DataValidationError");
      return true;
    });
  });

  test("train, then predict on a file with null among the numbers: the model's numeric column reads it as missing", async () => {
    const train = file("null-train.csv", "x,y\n1,a\n2,b\nnull,a\n4,b\n5,a\n6,b\n7,a\n8,b\n");
    const model = join(dir, "null-words.model");
    const trained = await runCli("train", train, "--target", "y", "--model", "linear", "--test-size", "0.25", "--no-track", "--out", model, "--json");
    assert.equal(trained.code, 0, trained.stderr);
    assert.ok(trained.stderr.includes(`note: ${train}: column "x" holds numbers and "null"`), trained.stderr);
    const scored = file("null-predict.csv", "x,y\nnull,a\n3,b\nNone,a\n");
    const out = join(dir, "null-predictions.csv");
    const predicted = await runCli("predict", model, scored, "--out", out);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.ok(predicted.stderr.startsWith(`note: ${scored}: column "x" holds numbers and "null"`), predicted.stderr);
    assert.equal(readFileSync(out, "utf8").trim().split("\n").length, 4);
  });
});

describe("a directory given as the data file", () => {
  test("is named as a directory, not as a file without an extension", async () => {
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const run = await runCli("train", folder, "--target", "y", "--no-track");
    assert.deepEqual([run.code, run.stderr], [2, `learnloop train: error: ${folder}: cannot read the file (it is a directory: give one data file)\n`]);
  });
});

describe("predict and evaluate with a model on other files", () => {
  const rows = ["x,c,y", ...Array.from({ length: 40 }, (_, i) => `${i / 40},${"uvw"[i % 3]},${i < 20 ? "a" : "b"}`)].join("\n") + "\n";

  test("predict --out naming the input file is refused (the predictions would replace the rows), and the input is kept", async () => {
    const train = file("out-train.csv", rows);
    const model = join(dir, "out.model");
    assert.equal((await runCli("train", train, "--target", "y", "--model", "linear", "--no-track", "--out", model)).code, 0);
    const input = file("out-input.csv", "x,c\n0.1,u\n");
    const run = await runCli("predict", model, input, "--out", join(dir, ".", "out-input.csv"));
    assert.deepEqual([run.code, run.stderr], [2, `learnloop predict: error: --out must be a file other than the input data (it would replace ${input}), got "${join(dir, ".", "out-input.csv")}"\n`]);
    assert.equal(readFileSync(input, "utf8"), "x,c\n0.1,u\n");
    // One row is one prediction.
    const one = await runCli("predict", model, input, "--out", join(dir, "out-one.csv"));
    assert.match(one.stderr, /^wrote 1 prediction to .*out-one\.csv in /);
  });
});

describe("gzipped CSV, TSV and JSON files (.csv.gz), as pandas reads them", () => {
  const text = 'x,c,when,y\n1.5,u,2024-01-05,a\n2.5,"v, w",2024-02-29,b\n,u,,a\n4,v,2023-12-31,b\n';

  test("read exactly as the same file uncompressed: the same columns, values and fingerprint", async () => {
    const plain = await readDataset(file("plain.csv", text), { target: "y" });
    const gzipped = await readDataset(gzipTo("plain.csv.gz", text), { target: "y" });
    assert.equal(gzipped.nRows, 4);
    assert.deepEqual(gzipped.features.map((column) => column.name), plain.features.map((column) => column.name));
    assert.deepEqual(JSON.parse(JSON.stringify(gzipped.features, typedArrays)), JSON.parse(JSON.stringify(plain.features, typedArrays)));
    assert.equal(gzipped.fingerprint, plain.fingerprint);
    const tsv = await readDataset(gzipTo("plain.tsv.gz", "x\ty\n1\ta\n2\tb\n"), { target: "y" });
    assert.deepEqual(numbers((tsv.features[0] as { values: Float64Array }).values), [1, 2]);
    const ndjson = await readDataset(gzipTo("plain.ndjson.gz", '{"x": 1, "y": "a"}\n{"x": 2, "y": "b"}\n'), { target: "y" });
    assert.deepEqual(ndjson.target?.classes, ["a", "b"]);
  });

  test("train and predict take a .csv.gz", async () => {
    const rows = ["x,y", ...Array.from({ length: 40 }, (_, i) => `${i},${i < 20 ? "a" : "b"}`)].join("\n") + "\n";
    const data = gzipTo("train.csv.gz", rows);
    const model = join(dir, "gz.model");
    const trained = await runCli("train", data, "--target", "y", "--model", "linear", "--no-track", "--out", model);
    assert.equal(trained.code, 0, trained.stderr);
    const out = join(dir, "gz-predictions.csv");
    const predicted = await runCli("predict", model, data, "--out", out);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(readFileSync(out, "utf8").trim().split("\n").length, 41);
  });

  test("bad gzipped input: one line each", async () => {
    const fake = file("fake.csv.gz", "x,y\n1,a\n");
    await assert.rejects(readDataset(fake), { message: "unreadable_file" });
    assert.equal((await runCli("train", fake, "--target", "y", "--no-track")).stderr, `learnloop train: error: ${fake}: cannot read the file (it is named .gz but is not gzip data: incorrect header check)\n`);
    const empty = gzipTo("nothing.csv.gz", "");
    assert.equal((await runCli("train", empty, "--target", "y", "--no-track")).stderr, `learnloop train: error: ${empty}: the file is empty (it decompresses to nothing)\n`);
    const ragged = gzipTo("ragged.csv.gz", "x,y\n1,a\n2,b,c\n3,a\n");
    assert.equal((await runCli("train", ragged, "--target", "y", "--no-track")).stderr, `learnloop train: error: ${ragged}, line 3: the row has the wrong number of fields (expected 2 fields, got 3 fields)\n`);
    const parquet = file("data.parquet.gz", "x");
    assert.equal(
      (await runCli("train", parquet, "--target", "y", "--no-track")).stderr,
      `learnloop train: error: ${parquet}: unsupported file type (expected .csv.gz, .tsv.gz, .tab.gz, .txt.gz, .json.gz, .ndjson.gz, .jsonl.gz among compressed files (Parquet and Arrow compress inside the file), got ".parquet.gz")\n`,
    );
  });
});

describe("a file of two rows", () => {
  test("train says the model's 'too few rows' are the training part's, after --test-size held some out", async () => {
    const path = file("two-rows.csv", "x,y\n1,a\n2,b\n");
    const run = await runCli("train", path, "--target", "y", "--no-track", "--out", join(dir, "never-two.model"));
    assert.equal(run.code, 2);
    assert.ok(
      run.stderr.endsWith(`learnloop train: error: ${path}: too few rows (expected at least 2 rows, got 1; the training part: --test-size 0.2 holds out 1 of the 2 rows)\n`),
      run.stderr,
    );
  });
});

describe("train --cv: the --group and --time columns", () => {
  const lines = (make: (i: number) => string) => Array.from({ length: 30 }, (_, i) => make(i)).join("\n") + "\n";

  test("a missing group is one line naming the file's row, for a numeric or a text group column (was: NaN named by no file, or a silent group of its own)", async () => {
    for (const [name, group] of [["groups-numeric.csv", (i: number) => String(i % 5)], ["groups-text.csv", (i: number) => `g${i % 5}`]] as const) {
      const path = file(name, "g,x,y\n" + lines((i) => `${i === 9 ? "" : group(i)},${i},${i % 2 === 0 ? "a" : "b"}`));
      const run = await runCli("train", path, "--target", "y", "--cv", "3", "--group", "g", "--no-track", "--out", join(dir, "never-groups.model"));
      assert.deepEqual([run.code, run.stderr.split("\n").at(-2)], [
        2,
        `learnloop train: error: ${path}, row 10, column "g": invalid value (expected a group in every row (--group keeps each group on one side of every fold), got a missing value)`,
      ]);
    }
  });

  test("a missing time is named by the file's row even after rows without a target were dropped above it", async () => {
    const path = file("time-dropped.csv", "t,x,y\n2024-01-01,1,a\n2024-01-02,2,\n,3,b\n" + lines((i) => `2024-02-${String(i % 28 + 1).padStart(2, "0")},${i},${i % 2 === 0 ? "a" : "b"}`));
    const run = await runCli("train", path, "--target", "y", "--cv", "2", "--time", "t", "--no-track", "--out", join(dir, "never-time.model"));
    assert.equal(run.code, 2);
    assert.ok(run.stderr.endsWith(`learnloop train: error: ${path}, row 3, column "t": invalid value (expected a time in every row (--time orders the folds), got a missing value)\n`), run.stderr);
  });
});

describe("splits against scikit-learn 1.2's definitions", () => {
  test("GroupKFold, TimeSeriesSplit and KFold give sklearn's folds; StratifiedKFold sklearn's fold sizes and per-class spread", async () => {
    const { groupKFold, kFold, stratifiedKFold, timeSplit } = await import("../src/data/index.js");
    // sklearn.model_selection.GroupKFold(3).split(X, groups=groups): test rows of each fold.
    const groups = [5, 5, 5, 5, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4];
    assert.deepEqual(
      groupKFold(groups, 3).map((fold) => Array.from(fold.test)),
      [[9, 10, 11, 12, 13, 14], [0, 1, 2, 3, 15], [4, 5, 6, 7, 8]],
    );
    // TimeSeriesSplit(3) on 10 rows in time order: (last training row, test rows).
    const time = Array.from({ length: 10 }, (_, i) => 100 + i);
    assert.deepEqual(
      timeSplit(time, { nSplits: 3 }).map((fold) => [fold.train[fold.train.length - 1], Array.from(fold.test)]),
      [[3, [4, 5]], [5, [6, 7]], [7, [8, 9]]],
    );
    // KFold(4) on 10 rows: test sizes.
    assert.deepEqual(kFold(10, 4).map((fold) => fold.test.length), [3, 3, 2, 2]);
    // StratifiedKFold(4, shuffle=True) on classes of 7, 5 and 3 rows: per fold [class 0, 1, 2] test rows
    // [[2,1,1],[2,1,1],[1,2,1],[2,1,0]] (sklearn orders classes by first appearance, learnloop by value,
    // so which fold gets a class's extra row differs; the sizes and the spread are the same).
    const y = [2, 0, 0, 0, 0, 1, 1, 0, 0, 2, 2, 0, 1, 1, 1];
    for (const seed of [0, 1, 2]) {
      const folds = stratifiedKFold(y, 4, { seed });
      assert.deepEqual(folds.map((fold) => fold.test.length), [4, 4, 4, 3]);
      for (const [label, size] of [[0, 7], [1, 5], [2, 3]] as const) {
        const perFold = folds.map((fold) => Array.from(fold.test).filter((row) => y[row] === label).length).sort();
        const sklearn = { 0: [1, 2, 2, 2], 1: [1, 1, 1, 2], 2: [0, 1, 1, 1] }[label];
        assert.deepEqual(perFold, sklearn, `class ${label} of ${size} rows`);
      }
    }
  });
});

describe("a CSV line longer than DuckDB reads", () => {
  test("is one short line saying so (was: 10,000 characters of the line itself, at a wrong line number)", async () => {
    const path = file("long-line.csv", `x,t,y\n1,${"z".repeat(3_000_000)},a\n2,short,b\n3,s,a\n`);
    const run = await runCli("train", path, "--target", "y", "--no-track");
    assert.deepEqual([run.code, run.stderr], [
      2,
      `learnloop train: error: ${path}: cannot read the file (expected lines of at most 2,000,000 bytes, got a line of 3,000,005 bytes; DuckDB reads no longer line; leave the long text column out of the file)\n`,
    ]);
  });
});

describe("malformed JSON", () => {
  test("an array cut short after a comma is an error, not the records before the cut", async () => {
    const path = file("cut.json", '[{"x": 1, "y": "a"}, {"x": 2, "y": "b"},');
    await assert.rejects(readDataset(path, { target: "y" }), (error: Error) => {
      assert.equal((error as { issues?: { detail?: string }[] }).issues?.[0]?.detail, "it starts a JSON array but does not end with its closing ] (cut short, or text after it)");
      return true;
    });
    // Spaces and a newline after the closing bracket are fine.
    const fine = await readDataset(file("fine.json", '[{"x": 1, "y": "a"}, {"x": 2, "y": "b"}]\n  \n'), { target: "y" });
    assert.equal(fine.nRows, 2);
  });

  test("NDJSON names the malformed line and a JSON array the malformed record (DuckDB counts one past them)", async () => {
    const good = '{"x": 1, "y": "a"}';
    const ndjson = file("bad-line.ndjson", [good, '{"x": 2, "y": }', good, good].join("\n") + "\n");
    const line = await runCli("train", ndjson, "--target", "y", "--no-track");
    assert.equal(line.stderr, `learnloop train: error: ${ndjson}, line 2: cannot read the file (malformed JSON: unexpected character)\n`);
    const array = file("bad-record.json", "[" + [good, good, '{"x": 3, "y": }', good].join(",\n") + "]");
    const record = await runCli("train", array, "--target", "y", "--no-track");
    assert.equal(record.stderr, `learnloop train: error: ${array}, row 3: cannot read the file (malformed JSON: unexpected character)\n`);
  });
});

describe("an Arrow IPC file cut short", () => {
  test("says so, not 'Cannot read properties of null'", async () => {
    const whole = readFileSync(join(import.meta.dirname, "..", "node_modules", "vega-datasets", "data", "flights-200k.arrow"));
    const path = join(dir, "cut.arrow");
    writeFileSync(path, whole.subarray(0, 800_000));
    const run = await runCli("train", path, "--target", "delay", "--no-track");
    assert.deepEqual([run.code, run.stderr], [2, `learnloop train: error: ${path}: cannot read the file (the Arrow IPC file is cut short: it lacks the footer and ARROW1 mark that end the format)\n`]);
  });
});

describe("a CSV header longer than 64 KB", () => {
  test("is read whole (was: cut at 64 KB, a cut name then 'duplicated' an earlier one)", async () => {
    // The first name's length is chosen so that the old 64 KB read ended inside a name whose start is
    // an earlier name ("col_73" of "col_7305").
    const namesWith = (pad: number) => [`first${"_".repeat(pad)}`, ...Array.from({ length: 7_999 }, (_, i) => `col_${i + 1}`)];
    const cutName = (names: string[]) => (names.join(",") + ",y").slice(0, 1 << 16).split(",").at(-1)!;
    const pad = Array.from({ length: 10 }, (_, pad) => pad).find((pad) => namesWith(pad).slice(1, 6_000).includes(cutName(namesWith(pad))))!;
    assert.notEqual(pad, undefined);
    const names = namesWith(pad);
    const header = names.join(",") + ",y";
    const row = (r: number) => names.map((_, i) => (i + r) % 10).join(",") + `,${r % 2 === 0 ? "a" : "b"}`;
    const path = file("wide-header.csv", [header, row(0), row(1), row(2), row(3)].join("\n") + "\n");
    const data = await readDataset(path, { target: "y" });
    assert.equal(data.features.length, 8_000);
    assert.equal(data.features[7_999]!.name, "col_7999");
    assert.equal(data.features[0]!.name, names[0]);
    assert.deepEqual(numbers((data.features[7_999] as { values: Float64Array }).values), [9, 0, 1, 2]);
  });
});

describe("train with nothing to learn from", () => {
  test("no feature column left is refused, as scikit-learn refuses 0 features (was: a constant model, saved)", async () => {
    const only = file("only-target.csv", "y\na\nb\na\nb\n");
    const alone = await runCli("train", only, "--target", "y", "--no-track", "--out", join(dir, "never-alone.model"));
    assert.deepEqual([alone.code, alone.stderr], [2, `learnloop train: error: ${only}: no feature columns to learn from (the target "y" is its only usable column)\n`]);
    const data = file("all-ignored.csv", "x,c,y\n1,u,a\n2,v,b\n3,u,a\n4,v,b\n");
    const ignored = await runCli("train", data, "--target", "y", "--ignore", "x", "--id", "c", "--no-track", "--out", join(dir, "never-ignored.model"));
    assert.deepEqual([ignored.code, ignored.stderr], [2, `learnloop train: error: ${data}: no feature columns to learn from (every column but the target "y" is ignored or an id (x, c))\n`]);
  });
});
