import { test } from "node:test";
import assert from "node:assert/strict";
import { MISSING_CODE } from "../core/types.js";
import { readDataset } from "./read.js";
import { schemaOf } from "./schema.js";
import { takeRows } from "./split.js";
import { contentOf, feature, fixture, rejectsWith, temporaryFile, valuesOf, vega } from "./test-helpers.test.js";

const small = fixture("small.csv");

test("a CSV with missing values: types, categories, date parts, extras and dropped rows", async () => {
  const warnings: string[] = [];
  const data = await readDataset(small, { target: "label", id: ["id"], onWarning: (m) => warnings.push(m) });
  assert.deepEqual(
    data.features.map((c) => `${c.name}:${c.kind}`),
    [
      "age:numeric",
      "income:numeric",
      "city:categorical",
      "joined_year:numeric",
      "joined_month:numeric",
      "joined_day:numeric",
      "joined_dayofweek:numeric",
      "last_seen_year:numeric",
      "last_seen_month:numeric",
      "last_seen_day:numeric",
      "last_seen_dayofweek:numeric",
      "last_seen_hour:numeric",
      "member:numeric",
    ],
  );
  // Row 5 (id 5) has no label: dropped, counted and reported.
  assert.equal(data.nRows, 7);
  assert.equal(data.droppedRows, 1);
  assert.deepEqual(warnings, [`${small}: dropped 1 row whose target "label" is missing`]);
  assert.deepEqual(valuesOf(data.extras?.[0]), [1, 2, 3, 4, 6, 7, 8]);
  assert.deepEqual(valuesOf(feature(data, "age")), [34, NaN, 45, 29, 41, 38, 60]);
  assert.deepEqual(valuesOf(feature(data, "income")), [52000.5, 61000, NaN, 48000, 58000, 50500, 90000]); // "NA" is missing
  const city = feature(data, "city");
  assert.equal(city.kind, "categorical");
  if (city.kind === "categorical") assert.deepEqual(city.categories, ["Berlin", "Madrid", "Paris", "Rome"]);
  assert.deepEqual(valuesOf(city), [2, 0, 2, MISSING_CODE, 0, 2, 3]);
  // 2020-01-15 was a Wednesday (2 with Monday = 0); 2019-07-01 a Monday.
  assert.deepEqual(valuesOf(feature(data, "joined_year")), [2020, 2019, 2018, 2021, 2020, 2017, 2016]);
  assert.deepEqual(valuesOf(feature(data, "joined_month")), [1, 7, 2, 12, 6, 11, 5]);
  assert.deepEqual(valuesOf(feature(data, "joined_day")), [15, 1, 28, 31, 15, 11, 20]);
  assert.deepEqual(valuesOf(feature(data, "joined_dayofweek")), [2, 0, 2, 4, 0, 5, 4]);
  assert.deepEqual(valuesOf(feature(data, "last_seen_hour")), [10, 23, 0, NaN, 8, 17, 6]);
  assert.deepEqual(valuesOf(feature(data, "last_seen_dayofweek")), [3, 4, 5, NaN, 1, 2, 3]);
  assert.deepEqual(valuesOf(feature(data, "member")), [1, 0, 1, 0, NaN, 0, 1]);
  assert.equal(data.target?.task, "binary");
  assert.deepEqual(data.target?.classes, ["no", "yes"]); // yes/no stay words (DuckDB would make them booleans)
  assert.deepEqual(Array.from(data.target!.values), [1, 0, 1, 0, 1, 0, 1]);
  assert.match(data.fingerprint, /^[0-9a-f]{16}$/);
});

test("CSV, TSV, NDJSON, Parquet and Arrow holding the same rows give the same Dataset and fingerprint", async () => {
  const options = { target: "label", id: ["id"] };
  const reference = await readDataset(small, options);
  for (const name of ["small.tsv", "small.ndjson", "small.parquet", "small.arrow"]) {
    const other = await readDataset(fixture(name), options);
    assert.deepEqual(contentOf(other), contentOf(reference), name);
    assert.equal(other.fingerprint, reference.fingerprint, name);
  }
});

test("the fingerprint changes with the content and the schema", async () => {
  const a = await readDataset(small, { target: "label" });
  const b = await readDataset(small, { target: "label", ignore: ["income"] });
  const c = await readDataset(small, { target: "label", categorical: ["age"] });
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.notEqual(a.fingerprint, c.fingerprint);
  assert.equal(takeRows(a, Int32Array.from({ length: a.nRows }, (_, i) => i)).fingerprint, a.fingerprint);
  assert.notEqual(takeRows(a, Int32Array.of(0, 1, 2)).fingerprint, a.fingerprint);
});

test("overrides: categorical, numeric and ignore", async () => {
  const data = await readDataset(small, { target: "label", categorical: ["age"], ignore: ["joined", "last_seen", "id"] });
  assert.deepEqual(data.features.map((c) => c.name), ["age", "income", "city", "member"]);
  const age = feature(data, "age");
  // Numbers read as categories keep their text and sort as text.
  if (age.kind === "categorical") assert.deepEqual(age.categories, ["29", "34", "38", "41", "45", "52", "60"]);
  else assert.fail("age should be categorical");
  assert.deepEqual(valuesOf(age), [1, MISSING_CODE, 4, 0, 3, 2, 6]);
  const parsed = await readDataset(temporaryFile("numbers-as-text.ndjson", '{"a":"1.5","b":"x"}\n{"a":" 2","b":"y"}\n{"a":null,"b":"x"}\n'), { numeric: ["a"] });
  assert.deepEqual(valuesOf(feature(parsed, "a")), [1.5, 2, NaN]); // text declared numeric is parsed
  const joined = await readDataset(small, { target: "label", numeric: ["joined"], ignore: ["last_seen", "id"] });
  assert.equal(valuesOf(feature(joined, "joined"))[0], Date.UTC(2020, 0, 15) / 1000); // a date forced numeric: seconds since 1970
});

test("derived columns are SQL expressions and may become the target", async () => {
  const data = await readDataset(small, { target: "senior", derive: [{ name: "senior", expression: "age >= 45" }], ignore: ["label"] });
  // Booleans as target: classes false/true; rows where age is missing have no target and are dropped.
  assert.deepEqual(data.target?.classes, ["false", "true"]);
  assert.equal(data.target?.task, "binary");
  assert.equal(data.droppedRows, 1);
  assert.deepEqual(Array.from(data.target!.values), [0, 1, 0, 1, 0, 0, 1]);
  assert.deepEqual(schemaOf(data).derived, [{ name: "senior", expression: "age >= 45" }]);
});

test("a schema's derived target is computed for evaluation and skipped for prediction without its inputs", async () => {
  const train = await readDataset(small, { target: "senior", derive: [{ name: "senior", expression: "age >= 45" }], ignore: ["label", "age"] });
  const schema = schemaOf(train);
  const evaluation = await readDataset(small, { schema, requireTarget: true });
  assert.equal(evaluation.fingerprint, train.fingerprint);
  const noAge = temporaryFile("no-age.csv", "id,income,city,joined,last_seen,member\n9,1000,Rome,2020-01-01,2020-01-01 00:00:00,true\n");
  const prediction = await readDataset(noAge, { schema });
  assert.equal(prediction.target, undefined);
  assert.equal(prediction.nRows, 1);
  await rejectsWith(
    readDataset(noAge, { schema, requireTarget: true }),
    `${noAge}, column "age": unknown column (derive "senior" uses it; available columns: id, income, city, joined, last_seen, member)`,
  );
});

test("task inference from the target's values", async () => {
  const cars = vega("cars.json");
  const regression = await readDataset(cars, { target: "Miles_per_Gallon", id: ["Name"] });
  assert.equal(regression.target?.task, "regression");
  assert.equal(regression.target?.classes, undefined);
  assert.equal(regression.droppedRows, 8);
  const cylinders = await readDataset(cars, { target: "Cylinders", id: ["Name"] });
  assert.equal(cylinders.target?.task, "multiclass"); // integers, 5 distinct values
  assert.deepEqual(cylinders.target?.classes, ["3", "4", "5", "6", "8"]);
  const forced = await readDataset(cars, { target: "Cylinders", id: ["Name"], task: "regression" });
  assert.equal(forced.target?.task, "regression");
  const member = await readDataset(small, { target: "member", ignore: ["label"] });
  assert.deepEqual(member.target?.classes, ["false", "true"]);
  const twoNumbers = await readDataset(temporaryFile("two.csv", "x,y\n1,10\n2,20\n3,10\n4,20\n"), { target: "y" });
  assert.equal(twoNumbers.target?.task, "binary");
  assert.deepEqual(twoNumbers.target?.classes, ["10", "20"]);
  assert.deepEqual(Array.from(twoNumbers.target!.values), [0, 1, 0, 1]);
  const asCategory = await readDataset(cars, { target: "Horsepower", id: ["Name"], categorical: ["Horsepower"] });
  assert.equal(asCategory.target?.task, "multiclass"); // listed categorical: classification whatever the count
  assert.equal(asCategory.target?.classes?.[0], "46"); // numeric order, not text order
});

test("Windows line endings, a .txt with semicolons, odd column names and non-ASCII categories", async () => {
  const crlf = await readDataset(temporaryFile("crlf.csv", "a,b\r\n1,x\r\n2,y\r\n"), { target: "b" });
  assert.deepEqual(valuesOf(feature(crlf, "a")), [1, 2]);
  const semi = await readDataset(temporaryFile("semi.txt", 'a;b;"we""ird col"\n1;x;é\n2;y;😀\n3;x;\n'), { target: "b" });
  const weird = feature(semi, 'we"ird col');
  if (weird.kind !== "categorical") return assert.fail("text is categorical");
  assert.deepEqual(weird.categories, ["é", "😀"]);
  assert.deepEqual(valuesOf(weird), [0, 1, MISSING_CODE]);
});

test("nested JSON values are left out with a warning", async () => {
  const warnings: string[] = [];
  const file = temporaryFile("nested.ndjson", '{"a":1,"n":{"x":1},"y":"p"}\n{"a":2,"n":{"x":2},"y":"q"}\n');
  const data = await readDataset(file, { target: "y", onWarning: (m) => warnings.push(m) });
  assert.deepEqual(data.features.map((c) => c.name), ["a"]);
  assert.deepEqual(warnings, [`${file}: column "n" holds nested values (lists or objects) and is not used as a feature; ignore it or flatten it`]);
});

test("vega datasets: penguins.json and seattle-weather.csv", async () => {
  const penguins = await readDataset(vega("penguins.json"), { target: "Species" });
  assert.equal(penguins.nRows, 344);
  assert.deepEqual(penguins.target?.classes, ["Adelie", "Chinstrap", "Gentoo"]);
  assert.equal(penguins.target?.task, "multiclass");
  assert.deepEqual(penguins.features.map((c) => `${c.name}:${c.kind}`), [
    "Island:categorical",
    "Beak Length (mm):numeric",
    "Beak Depth (mm):numeric",
    "Flipper Length (mm):numeric",
    "Body Mass (g):numeric",
    "Sex:categorical",
  ]);
  const weather = await readDataset(vega("seattle-weather.csv"), { target: "weather" });
  assert.equal(weather.nRows, 1461);
  assert.deepEqual(weather.target?.classes, ["drizzle", "fog", "rain", "snow", "sun"]);
  // A DATE gives four parts (no hour). 2012-01-01 was a Sunday.
  assert.deepEqual(weather.features.slice(0, 4).map((c) => [c.name, valuesOf(c)[0]]), [
    ["date_year", 2012],
    ["date_month", 1],
    ["date_day", 1],
    ["date_dayofweek", 6],
  ]);
});

test("reading with a schema: same features in the same order, unseen categories missing", async () => {
  const train = await readDataset(small, { target: "label", id: ["id"] });
  const schema = schemaOf(train);
  assert.deepEqual(schema.features.find((f) => f.name === "joined_month"), { name: "joined_month", kind: "numeric", derivedFrom: { column: "joined", part: "month" } });
  assert.deepEqual(schema.target, { name: "label", task: "binary", classes: ["no", "yes"] });

  // The training file read back with its own schema is the same Dataset.
  const again = await readDataset(small, { schema, requireTarget: true, id: ["id"] });
  assert.equal(again.fingerprint, train.fingerprint);

  // unseen.csv: columns in another order, an extra column, a new city, no label column.
  const unseen = await readDataset(fixture("unseen.csv"), { schema, id: ["id"] });
  assert.deepEqual(unseen.features.map((c) => c.name), train.features.map((c) => c.name));
  assert.equal(unseen.target, undefined);
  assert.equal(unseen.nRows, 3);
  const city = feature(unseen, "city");
  if (city.kind === "categorical") assert.deepEqual(city.categories, ["Berlin", "Madrid", "Paris", "Rome"]);
  assert.deepEqual(valuesOf(city), [MISSING_CODE, 2, 3]); // Lisbon is unknown to the model
  assert.deepEqual(valuesOf(feature(unseen, "income")), [40000, NaN, 70000]);
  assert.deepEqual(valuesOf(feature(unseen, "last_seen_hour")), [9, 10, NaN]);
  assert.deepEqual(valuesOf(unseen.extras?.[0]), [101, 102, 103]);

  await rejectsWith(
    readDataset(fixture("unseen.csv"), { schema, requireTarget: true }),
    `${fixture("unseen.csv")}, column "label": unknown column (available columns: member, extra, last_seen, joined, city, income, age, id)`,
  );
});

test("a column whose text appears after DuckDB's type sample is read again as text, with a warning", async () => {
  const lines = ["a,b,c"];
  for (let i = 0; i < 30_000; i++) lines.push(`${i},${i % 7},x${i % 3}`);
  lines[25_001] = "abc,1,x1";
  const file = temporaryFile("late-text.csv", lines.join("\n") + "\n");
  const warnings: string[] = [];
  const data = await readDataset(file, { target: "c", onWarning: (m) => warnings.push(m) });
  assert.equal(feature(data, "a").kind, "categorical");
  assert.equal(warnings[0], `${file}: column "a" is read as text: line 25002 holds "abc", not a BIGINT like the rows before it; list it in numeric to make that an error`);
  assert.ok(warnings[1]?.includes(`column "a" looks like an identifier (30000 distinct values in 30000 rows)`));
});

test("categories first seen after the dictionary sample are merged in sorted order", async () => {
  const lines = ["k,y"];
  for (let i = 0; i < 70_000; i++) lines.push(`${i < 69_990 ? "m" : i % 2 ? "a" : "z"},${i % 2}`);
  const data = await readDataset(temporaryFile("late-categories.csv", lines.join("\n") + "\n"), { target: "y" });
  const k = feature(data, "k");
  if (k.kind !== "categorical") return assert.fail("k should be categorical");
  assert.deepEqual(k.categories, ["a", "m", "z"]);
  const codes = valuesOf(k);
  assert.equal(codes[0], 1);
  assert.deepEqual(codes.slice(69_990, 69_994), [2, 0, 2, 0]);
});

test("a feature the model needs, missing from a wide file: the columns it has, and how many more than the eight shown", async () => {
  const names = Array.from({ length: 11 }, (_, i) => `c${i}`);
  const train = temporaryFile("wide-train.csv", `${names.join(",")},y\n${names.map((_, i) => i).join(",")},1\n${names.map((_, i) => i + 1).join(",")},2\n`);
  const schema = schemaOf(await readDataset(train, { target: "y" }));
  const others = names.filter((name) => name !== "c3");
  const wide = temporaryFile("wide-new.csv", `${others.join(",")}\n${others.map((_, i) => i).join(",")}\n`);
  await rejectsWith(
    readDataset(wide, { schema }),
    `${wide}, column "c3": a feature the model needs is missing (available columns: c0, c1, c2, c4, c5, c6, c7, c8 and 2 more)`,
  );
});
