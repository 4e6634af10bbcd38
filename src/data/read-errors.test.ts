// Every bad input gets one line naming the file and, where it applies, the line or row and the column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DataValidationError, InvalidParameterError } from "../core/errors.js";
import { readDataset } from "./read.js";
import { schemaOf } from "./schema.js";
import { fixture, rejectsWith, temporaryFile } from "./test-helpers.test.js";

test("missing file", async () => {
  const file = fixture("missing.csv");
  await rejectsWith(readDataset(file), `${file}: file not found`);
});

test("empty (0-byte) file", async () => {
  const file = fixture("empty.csv");
  await rejectsWith(readDataset(file), `${file}: the file is empty`);
});

test("a CSV with a header and no rows", async () => {
  const file = fixture("header-only.csv");
  await rejectsWith(readDataset(file, { target: "label" }), `${file}: the file has a header but no data rows`);
});

test("unknown target column, listing the columns there are", async () => {
  await rejectsWith(
    readDataset(fixture("small.csv"), { target: "nope" }),
    `${fixture("small.csv")}, column "nope": unknown column (available columns: id, age, income, city, joined, last_seen, member, label)`,
  );
});

test("unknown column in categorical, numeric, ignore or id", async () => {
  const file = fixture("small.csv");
  const available = "available columns: id, age, income, city, joined, last_seen, member, label";
  await rejectsWith(readDataset(file, { categorical: ["zzz"] }), `${file}, column "zzz": unknown column (${available})`);
  await rejectsWith(readDataset(file, { numeric: ["Age"] }), `${file}, column "Age": unknown column (did you mean "age"? ${available})`);
  await rejectsWith(readDataset(file, { ignore: ["x"] }), `${file}, column "x": unknown column (${available})`);
  await rejectsWith(readDataset(file, { id: ["ID"] }), `${file}, column "ID": unknown column (did you mean "id"? ${available})`);
});

test("a target with a single class names the class", async () => {
  const file = fixture("single-class.csv");
  await rejectsWith(
    readDataset(file, { target: "label" }),
    `${file}, column "label": the target has a single class (expected 2 or more classes, got only "yes")`,
  );
});

test("a target missing in every row", async () => {
  const file = fixture("all-missing-target.csv");
  await rejectsWith(readDataset(file, { target: "label" }), `${file}, column "label": the target is missing in every row (3 rows)`);
});

test("text in a column declared numeric: line, column and value", async () => {
  const file = fixture("text-in-numeric.csv");
  await rejectsWith(
    readDataset(file, { numeric: ["age"] }),
    `${file}, line 7, column "age": a value in a numeric column is not a number (expected a number, got "abc")`,
  );
  // Not declared: the column is simply text (categorical).
  const data = await readDataset(file);
  assert.equal(data.features[0]?.kind, "categorical");
});

test("text in a column declared numeric in NDJSON: the row", async () => {
  const file = fixture("text-in-numeric.ndjson");
  await rejectsWith(
    readDataset(file, { numeric: ["a"] }),
    `${file}, row 3, column "a": a value in a numeric column is not a number (expected a number, got "x1")`,
  );
});

test("text far down a column declared numeric (after DuckDB's type sample)", async () => {
  const lines = ["a,b"];
  for (let i = 0; i < 30_000; i++) lines.push(`${i},${i % 2}`);
  lines[25_001] = "12kg,1";
  const file = temporaryFile("late-text.csv", lines.join("\n") + "\n");
  await rejectsWith(
    readDataset(file, { target: "b", numeric: ["a"] }),
    `${file}, line 25002, column "a": a value in a numeric column is not a number (expected a number, got "12kg")`,
  );
});

test("a ragged row among the first rows (where DuckDB's sniffer gives up)", async () => {
  const file = fixture("ragged.csv");
  await rejectsWith(readDataset(file), `${file}, line 4: the row has the wrong number of fields (expected 3 fields, got 2 fields)`);
});

test("a ragged row far down the file (reported by DuckDB's reader)", async () => {
  for (const [row, found] of [["5,6", 2], ["5,6,x,8", 4]] as const) {
    const lines = ["a,b,c"];
    for (let i = 0; i < 30_000; i++) lines.push(`${i},${i * 2},x${i % 5}`);
    lines[25_001] = row;
    const file = temporaryFile("ragged-late.csv", lines.join("\n") + "\n");
    await rejectsWith(readDataset(file), `${file}, line 25002: the row has the wrong number of fields (expected 3 fields, got ${found} fields)`);
  }
});

test("a header naming a column twice", async () => {
  const file = temporaryFile("duplicate.csv", "a,b,a\n1,2,3\n");
  await rejectsWith(readDataset(file), `${file}, line 1, column "a": duplicate column name (fields 1 and 3 of the header)`);
});

test("a quote that never closes", async () => {
  const file = fixture("unterminated.csv");
  await rejectsWith(readDataset(file), `${file}, line 2: cannot read the file (a quoted field is never closed)`);
});

test("unsupported file type lists the supported extensions", async () => {
  await rejectsWith(
    readDataset("data.xlsx"),
    'data.xlsx: unsupported file type (expected .csv, .tsv, .tab, .txt, .parquet, .pq, .json, .ndjson, .jsonl, .arrow, .feather, .ipc, got ".xlsx")',
  );
});

test("files that are not what their extension says", async () => {
  const parquet = fixture("not-parquet.parquet");
  await rejectsWith(readDataset(parquet), `${parquet}: cannot read the file (it is not a Parquet file: no Parquet magic bytes at its end)`);
  const json = fixture("malformed.ndjson");
  // The file's second (last) line is cut short: DuckDB says "line 3", one past it.
  await rejectsWith(readDataset(json), `${json}, line 2: cannot read the file (malformed JSON: unexpected end of data)`);
  const arrow = temporaryFile("not.arrow", "a,b\n1,2\n");
  await assert.rejects(readDataset(arrow), (error: unknown) => error instanceof DataValidationError && error.issues[0]?.code === "unreadable_file");
});

test("a label the model does not know, at evaluation time", async () => {
  const schema = schemaOf(await readDataset(fixture("small.csv"), { target: "label" }));
  const file = temporaryFile("new-label.csv", "id,age,income,city,joined,last_seen,member,label\n1,30,1,Paris,2020-01-01,2020-01-01 10:00:00,true,no\n2,31,2,Rome,2020-01-02,2020-01-02 11:00:00,false,maybe\n");
  await rejectsWith(
    readDataset(file, { schema, requireTarget: true }),
    `${file}, row 2, column "label": invalid value (expected one of the model's classes (no, yes), got "maybe")`,
  );
});

test("bad options are parameter errors", async () => {
  const file = fixture("small.csv");
  await rejectsWith(
    readDataset(file, { derive: [{ name: "x", expression: "agee > 1" }] }),
    `${file}, column "agee": unknown column (derive "x" uses it; available columns: id, age, income, city, joined, last_seen, member, label)`,
  );
  await rejectsWith(
    readDataset(file, { derive: [{ name: "x", expression: "age >>>> 1" }] }),
    `readDataset: derive "x" must be a DuckDB SQL expression over the columns of ${file} (Scalar Function with name >>>> does not exist!), got "age >>>> 1"`,
  );
  await rejectsWith(
    readDataset(fixture("small.arrow"), { derive: [{ name: "x", expression: "age > 1" }] }),
    'readDataset: derive must be empty for Arrow IPC files (derived columns are DuckDB SQL; convert the file to Parquet to use them), got "x"',
  );
  await rejectsWith(
    readDataset(file, { target: "label", task: "regression" }),
    'readDataset: task must be binary or multiclass for the text target "label" (or list it in numeric), got "regression"',
  );
  await rejectsWith(
    readDataset(file, { target: "city", task: "binary" }),
    `${file}, column "city": invalid value (expected 2 classes for a binary task, got 4 classes (Berlin, Madrid, Paris, Rome))`,
  );
  await assert.rejects(readDataset(file, { categorical: ["age"], numeric: ["age"] }), InvalidParameterError);
});
