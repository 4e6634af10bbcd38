/**
 * End to end: a model trained on a CSV whose categorical column pandas wrote as decimals (4.0, 6.0, 8.0
 * and a missing value, read as DOUBLE) predicts from a JSON file holding the same rows as whole numbers
 * (4, 6, 8): the same probabilities as for the training rows, not those of a missing category.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "./support/run-cli.js";
import { tempFolder } from "./support/temp-folder.js";

const { dir, file } = tempFolder("learnloop-numcat-");

/** cyl decides the label (4: yes, 8: no, 6 and missing: by x), so reading it as missing changes the answer. */
function rows(): { cyl: number | null; x: number; label: string }[] {
  return Array.from({ length: 80 }, (_, i) => {
    const cyl = [4, 6, 8, null][i % 4]!;
    const x = (i * 7) % 11;
    const label = cyl === 4 ? "yes" : cyl === 8 ? "no" : x < 5 ? "yes" : "no";
    return { cyl, x, label };
  });
}

test("predict on whole numbers (JSON 4, 6, 8) with a model trained on decimals (CSV 4.0, 6.0, 8.0): the training rows' probabilities", async () => {
  const data = rows();
  const csv = file("cars.csv", "cyl,x,label\n" + data.map((r) => `${r.cyl === null ? "" : r.cyl.toFixed(1)},${r.x},${r.label}`).join("\n") + "\n");
  const json = file("cars.json", JSON.stringify(data.map(({ cyl, x }) => ({ cyl, x }))));
  const model = join(dir, "cars.model");
  const train = await runCli("train", csv, "--target", "label", "--categorical", "cyl", "--min-samples-leaf", "2", "--out", model, "--no-track");
  assert.equal(train.code, 0, train.stderr);

  const fromCsv = join(dir, "from-csv.csv");
  const fromJson = join(dir, "from-json.csv");
  const predictCsv = await runCli("predict", model, csv, "--out", fromCsv);
  assert.equal(predictCsv.code, 0, predictCsv.stderr);
  const predictJson = await runCli("predict", model, json, "--out", fromJson);
  assert.equal(predictJson.code, 0, predictJson.stderr);
  // No category is unknown, so no note of one read as missing.
  assert.equal(predictJson.stderr.includes("never saw"), false, predictJson.stderr);

  const csvLines = readFileSync(fromCsv, "utf8").trim().split("\n");
  const jsonLines = readFileSync(fromJson, "utf8").trim().split("\n");
  assert.equal(csvLines[0], "prediction,proba_no,proba_yes");
  assert.equal(jsonLines.length, 81);
  assert.deepEqual(jsonLines, csvLines);
  // The model learned cyl: every 4 is "yes" and every 8 "no" (read as missing, they would not be).
  assert.deepEqual(
    csvLines.slice(1).filter((_, i) => data[i]!.cyl === 4 || data[i]!.cyl === 8).map((line) => line.split(",")[0]),
    data.filter((r) => r.cyl === 4 || r.cyl === 8).map((r) => r.label),
  );
});
