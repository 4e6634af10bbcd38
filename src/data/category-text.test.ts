/**
 * A category that is a number matches whichever way the number was written: the key function's exact
 * cases, then every reader with a saved schema (CSV, JSON, Parquet through DuckDB; Arrow IPC), both ways
 * ("4.0" known and 4 read; "4" known and 4.0 read), and a zip code that no number may match.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { tableToIPC, tableFromArrays } from "apache-arrow";
import { MISSING_CODE } from "../core/types.js";
import { categoriesText, numericCodesOf, numericKeyOf } from "./category-text.js";
import { openConnection, sqlString } from "./duckdb.js";
import { readDataset } from "./read.js";
import { schemaOf } from "./schema.js";
import { feature, rejectsWith, temporaryFile, valuesOf } from "./test-helpers.test.js";

test("numericKeyOf: String(x) and DuckDB's `${x}.0` of a whole number have a key, other spellings none", () => {
  assert.equal(numericKeyOf("4"), 4);
  assert.equal(numericKeyOf("4.0"), 4);
  assert.equal(numericKeyOf("-2.5"), -2.5);
  assert.equal(numericKeyOf("-3.0"), -3);
  assert.equal(numericKeyOf("0"), 0);
  assert.equal(numericKeyOf("0.0"), 0);
  assert.equal(numericKeyOf("0.1"), 0.1);
  assert.equal(numericKeyOf("1e+21"), 1e21);
  assert.equal(numericKeyOf("1000000000000000.0"), 1e15); // DuckDB's text of the DOUBLE 1e15
  for (const text of ["04", "4.50", " 4", "4 ", "+4", "02134", "4.0.1", "", " ", "4.", ".5", "0x10", "1e3", "1e+21.0", "4.00", "-0", "NaN", "Infinity", "-Infinity", "abc", "9007199254740993"]) {
    assert.equal(numericKeyOf(text), undefined, JSON.stringify(text));
  }
});

test("numericCodesOf: categories by number; a number two categories share maps to neither", () => {
  assert.deepEqual([...numericCodesOf(["4.0", "6.0", "8.0"])], [[4, 0], [6, 1], [8, 2]]);
  assert.deepEqual([...numericCodesOf(["02134", "10001", "abc", "2.5"])], [[10001, 1], [2.5, 3]]);
  assert.deepEqual([...numericCodesOf(["4", "4.0", "6"])], [[6, 2]]);
});

/** The categories and codes of `column` read from `file` with `schema`, and the warnings. */
async function readWith(file: string, schema: ReturnType<typeof schemaOf>, column: string) {
  const warnings: string[] = [];
  const data = await readDataset(file, { schema, onWarning: (message) => warnings.push(message) });
  const read = feature(data, column);
  assert.equal(read.kind, "categorical");
  return { codes: valuesOf(read), categories: read.kind === "categorical" ? read.categories : [], warnings };
}

async function copyTo(query: string, target: string, format: string): Promise<void> {
  const connection = await openConnection();
  try {
    await connection.run(`COPY (${query}) TO ${sqlString(target)} (FORMAT ${format})`);
  } finally {
    connection.closeSync();
  }
}

test("a model's decimal categories (\"4.0\") read the whole numbers of JSON, CSV, Parquet and Arrow files", async () => {
  // What pandas writes for an integer column with a missing value: DuckDB reads it as DOUBLE.
  const train = temporaryFile("cars.csv", "cyl,weight,mpg\n4.0,2000,30\n6.0,3000,20\n,2500,25\n8.0,4000,15\n4.0,2100,31\n");
  const schema = schemaOf(await readDataset(train, { target: "mpg", categorical: ["cyl"] }));
  const cyl = schema.features.find((f) => f.name === "cyl");
  assert.deepEqual(cyl, { name: "cyl", kind: "categorical", categories: ["4.0", "6.0", "8.0"] });

  const dir = dirname(train);
  const json = join(dir, "cars.json");
  writeFileSync(json, JSON.stringify([{ cyl: 6, weight: 1 }, { cyl: 4, weight: 1 }, { cyl: null, weight: 1 }, { cyl: 8, weight: 1 }, { cyl: 5, weight: 1 }]));
  const fromJson = await readWith(json, schema, "cyl");
  assert.deepEqual(fromJson.categories, ["4.0", "6.0", "8.0"]);
  assert.deepEqual(fromJson.codes, [1, 0, MISSING_CODE, 2, MISSING_CODE]);
  assert.deepEqual(fromJson.warnings, [`${json}: column "cyl": 1 row holds a category the model never saw (such as "5"), read as missing`]);

  const csv = join(dir, "whole.csv");
  writeFileSync(csv, "cyl,weight\n6,1\n4,1\n,1\n8,1\n5,1\n");
  assert.deepEqual((await readWith(csv, schema, "cyl")).codes, [1, 0, MISSING_CODE, 2, MISSING_CODE]);

  const parquet = join(dir, "cars.parquet");
  await copyTo(`SELECT * FROM read_json(${sqlString(json)})`, parquet, "PARQUET");
  assert.deepEqual((await readWith(parquet, schema, "cyl")).codes, [1, 0, MISSING_CODE, 2, MISSING_CODE]);

  const arrow = join(dir, "cars.arrow");
  writeFileSync(arrow, tableToIPC(tableFromArrays({ cyl: Int32Array.from([6, 4, 8, 5]), weight: Float64Array.from([1, 1, 1, 1]) }), "file"));
  assert.deepEqual((await readWith(arrow, schema, "cyl")).codes, [1, 0, 2, MISSING_CODE]);
});

test("a model's whole-number categories (\"4\") read the decimals of CSV, JSON and Arrow files", async () => {
  const train = temporaryFile("cars.csv", "cyl,weight,mpg\n4,2000,30\n6,3000,20\n8,4000,15\n");
  const schema = schemaOf(await readDataset(train, { target: "mpg", categorical: ["cyl"] }));
  assert.deepEqual(schema.features.find((f) => f.name === "cyl"), { name: "cyl", kind: "categorical", categories: ["4", "6", "8"] });

  const dir = dirname(train);
  const csv = join(dir, "decimals.csv");
  writeFileSync(csv, "cyl,weight\n8.0,1\n,1\n4.0,1\n6.5,1\n");
  assert.deepEqual((await readWith(csv, schema, "cyl")).codes, [2, MISSING_CODE, 0, MISSING_CODE]);

  const json = join(dir, "decimals.json");
  writeFileSync(json, '[{"cyl": 8.0, "weight": 1}, {"cyl": 6.0, "weight": 1}, {"cyl": 4.5, "weight": 1}]');
  assert.deepEqual((await readWith(json, schema, "cyl")).codes, [2, 1, MISSING_CODE]);

  const arrow = join(dir, "decimals.arrow");
  writeFileSync(arrow, tableToIPC(tableFromArrays({ cyl: Float64Array.from([8, 4, 6.5]), weight: Float64Array.from([1, 1, 1]) }), "file"));
  assert.deepEqual((await readWith(arrow, schema, "cyl")).codes, [2, 0, MISSING_CODE]);
});

test("a zip code is text: 2134 never reads as \"02134\", nor \"02134\" as 2134", async () => {
  const train = temporaryFile("homes.json", JSON.stringify([{ zip: "02134", price: 1 }, { zip: "10001", price: 2 }, { zip: "2134.0", price: 3 }]));
  const schema = schemaOf(await readDataset(train, { target: "price" }));
  assert.deepEqual(schema.features.find((f) => f.name === "zip"), { name: "zip", kind: "categorical", categories: ["02134", "10001", "2134.0"] });

  const dir = dirname(train);
  const numbers = join(dir, "numbers.json");
  writeFileSync(numbers, '[{"zip": 2134}, {"zip": 10001}, {"zip": 2134}]');
  // 10001 is "10001", known as text; 2134 is "2134.0" (a number written another way), never "02134".
  assert.deepEqual((await readWith(numbers, schema, "zip")).codes, [2, 1, 2]);

  const texts = join(dir, "texts.json");
  writeFileSync(texts, '[{"zip": "02134"}, {"zip": "2134"}, {"zip": "002134"}]');
  assert.deepEqual((await readWith(texts, schema, "zip")).codes, [0, 2, MISSING_CODE]);
});

test("a model's class that is a number reads the same number written another way; another number is still refused", async () => {
  const train = temporaryFile("grades.json", JSON.stringify([1, 2, 1, 2].map((grade, i) => ({ x: i, grade: `${grade}.0` }))));
  const schema = schemaOf(await readDataset(train, { target: "grade" }));
  assert.deepEqual(schema.target, { name: "grade", task: "binary", classes: ["1.0", "2.0"] });
  const dir = dirname(train);
  const numbers = join(dir, "numbers.json");
  writeFileSync(numbers, JSON.stringify([{ x: 1, grade: 2 }, { x: 2, grade: 1 }]));
  const read = await readDataset(numbers, { schema, requireTarget: true });
  assert.deepEqual(Array.from(read.target!.values), [1, 0]);
  const texts = join(dir, "texts.json");
  writeFileSync(texts, JSON.stringify([{ x: 1, grade: "2" }, { x: 2, grade: "01" }]));
  // "2" is the class "2.0"; "01" is no number's text, so row 2 is refused.
  await rejectsWith(
    readDataset(texts, { schema, requireTarget: true }),
    `${texts}, row 2, column "grade": invalid value (expected one of the model's classes (1.0, 2.0), got "01")`,
  );
});

test("a list of classes cut short in a message says how many there are in all", async () => {
  const letters = "abcdefghijk".split("");
  assert.equal(categoriesText(letters.slice(0, 3)), "a, b, c");
  assert.equal(categoriesText(letters.slice(0, 8)), "a, b, c, d, e, f, g, h");
  assert.equal(categoriesText(letters), "a, b, c, d, e, f, g, h, ... 11 in all");
  assert.equal(categoriesText(letters, 2), "a, b, ... 11 in all");
  // Through the readers: a CSV (DuckDB) and an Arrow file whose label is none of the model's 11 classes.
  const train = temporaryFile("vowels.csv", ["x,label", ...letters.flatMap((letter, i) => [`${i},${letter}`, `${i + 0.5},${letter}`])].join("\n") + "\n");
  const schema = schemaOf(await readDataset(train, { target: "label" }));
  const dir = dirname(train);
  const expected = "one of the model's classes (a, b, c, d, e, f, g, h, ... 11 in all)";
  const csv = join(dir, "vowels-new.csv");
  writeFileSync(csv, "x,label\n1,a\n2,zz\n");
  await rejectsWith(readDataset(csv, { schema, requireTarget: true }), `${csv}, row 2, column "label": invalid value (expected ${expected}, got "zz")`);
  const arrow = join(dir, "vowels-new.arrow");
  writeFileSync(arrow, tableToIPC(tableFromArrays({ x: Float64Array.from([1, 2]), label: ["a", "zz"] }), "file"));
  await rejectsWith(readDataset(arrow, { schema, requireTarget: true }), `${arrow}, row 2, column "label": invalid value (expected ${expected}, got "zz")`);
});
