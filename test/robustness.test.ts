/**
 * Inputs a new user meets on real data sets (found by running the CLI on R's mlbench / modeldata sets,
 * scikit-learn's and vega's): each case is the command a user would type and the line or figure they
 * would see.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../src/cli/main.js";
import type { Console } from "../src/cli/output.js";

const DATA = "test/fixtures/data";
const work = mkdtempSync(join(tmpdir(), "learnloop-robustness-"));
process.env.LEARNLOOP_HOME ??= join(work, "home");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(...argv: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const console: Console = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), interactive: false };
  const code = await main(argv, console);
  return { code, stdout, stderr };
}

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
