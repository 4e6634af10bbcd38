/**
 * Parquet categories coded from the file's own dictionaries (the fast path) must give exactly the codes
 * the general path gives: the same data written as CSV and as Parquet reads into identical datasets,
 * missing values included, and unseen categories become MISSING_CODE when read with a saved schema.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MISSING_CODE } from "../core/types.js";
import { openConnection, sqlString } from "./duckdb.js";
import { readDataset } from "./read.js";
import { schemaOf } from "./schema.js";

const dir = mkdtempSync(join(tmpdir(), "learnloop-parquet-"));

async function toParquet(csv: string, parquet: string): Promise<void> {
  const connection = await openConnection();
  try {
    await connection.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)}, header = true)) TO ${sqlString(parquet)} (FORMAT PARQUET, ROW_GROUP_SIZE 4)`);
  } finally {
    connection.closeSync();
  }
}

test("Parquet and CSV of the same rows read into the same codes, missing values included", async () => {
  const lines = ["city,size,label"];
  const cities = ["Oslo", "Bergen", "", "Zürich", "Åre", "Oslo", "Bergen", "Tromsø", "", "Oslo", "Åre", "Zürich"];
  cities.forEach((city, i) => lines.push(`${city},${i * 1.5},${i % 3 === 0 ? "high" : "low"}`));
  const csv = join(dir, "cities.csv");
  writeFileSync(csv, lines.join("\n") + "\n");
  const parquet = join(dir, "cities.parquet");
  await toParquet(csv, parquet);

  const fromCsv = await readDataset(csv, { target: "label" });
  const fromParquet = await readDataset(parquet, { target: "label" });
  const city = (data: typeof fromCsv) => data.features.find((column) => column.name === "city")!;
  const a = city(fromCsv);
  const b = city(fromParquet);
  assert.equal(a.kind, "categorical");
  assert.equal(b.kind, "categorical");
  if (a.kind !== "categorical" || b.kind !== "categorical") return;
  assert.deepEqual(b.categories, ["Bergen", "Oslo", "Tromsø", "Zürich", "Åre"]);
  assert.deepEqual(b.categories, a.categories);
  assert.deepEqual(Array.from(b.codes), Array.from(a.codes));
  assert.equal(b.codes[2], MISSING_CODE);
  assert.equal(fromParquet.fingerprint, fromCsv.fingerprint);

  // Read with the schema of a model trained on fewer cities: the others are unknown, hence missing.
  const small = join(dir, "small.csv");
  writeFileSync(small, "city,size,label\nOslo,1,high\nBergen,2,low\n");
  const schema = schemaOf(await readDataset(small, { target: "label" }));
  const aligned = await readDataset(parquet, { schema });
  const codes = aligned.features.find((column) => column.name === "city");
  assert.ok(codes && codes.kind === "categorical");
  assert.deepEqual(
    Array.from(codes.codes),
    cities.map((name) => (name === "Bergen" ? 0 : name === "Oslo" ? 1 : MISSING_CODE)),
  );
});
