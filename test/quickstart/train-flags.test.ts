/**
 * The quickstart's training follows the audit's own advice: on a sample of the bundled 3M flights, its
 * flags (QUICKSTART_TRAIN_FLAGS) split by time and leave the one-value year out, and the audit says
 * nothing about either; the same sample split at random with the year kept is warned about both.
 * (The quickstart itself trains on all 3M flights, a minute of work: run by hand, not here.)
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { bundledFlightsFile, QUICKSTART_TRAIN_FLAGS } from "../../src/cli/commands/quickstart.js";
import { runCli as run } from "../support/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "learnloop-quickstart-flags-"));
process.env.LEARNLOOP_HOME ??= join(work, "home");
const sample = join(work, "flights-sample.parquet");

before(async () => {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  // A seeded sample keeps the file's date column (a timestamp) and spreads over the whole year.
  await connection.run(`COPY (SELECT * FROM read_parquet('${bundledFlightsFile().replaceAll("'", "''")}') USING SAMPLE reservoir(30000 ROWS) REPEATABLE (7)) TO '${sample.replaceAll("'", "''")}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
});

const codes = (doc: { audit: { code: string }[] }) => doc.audit.map((finding) => finding.code);

test("the quickstart's flags hold out the latest flights, leave the year out, and leave the audit nothing to advise on time or constants", async () => {
  const result = await run("train", sample, ...QUICKSTART_TRAIN_FLAGS, "--iterations", "30", "--no-track", "--json", "--out", join(work, "flags.model"));
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.split.kind, "time");
  assert.equal(doc.split.column, "date");
  assert.ok(doc.split.lastTrain < doc.split.firstTest, JSON.stringify(doc.split));
  assert.equal(doc.rows.train + doc.rows.test, 30000);
  assert.equal(doc.features, 7, "origin, destination, distance and the date's month, day, weekday and hour");
  for (const code of ["random_split_over_time", "constant_feature", "distribution_shift"]) assert.ok(!codes(doc).includes(code), result.stderr);

  // The flags before this change: a random split, the year kept. The audit warns about both.
  const random = await run("train", sample, "--target", "delayed", "--derive", "delayed=delay > 15", "--ignore", "delay", "--iterations", "30", "--no-track", "--json", "--out", join(work, "random.model"));
  assert.equal(random.code, 0, random.stderr);
  const randomDoc = JSON.parse(random.stdout);
  assert.ok(codes(randomDoc).includes("random_split_over_time"), random.stderr);
  assert.match(random.stderr, /warning: column "date_year" has one value, "2001", in all 24,000 rows of the training data/);
});
