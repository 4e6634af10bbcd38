/**
 * Acceptance audit of the CLI (issues 2 and 5) from a user's side: flag combinations, `score` on
 * predictions from other systems, and the runs and models commands, each checked by the exit status and
 * the exact line a user reads. Runs in-process (test/support/run-cli.ts) on files written to a temporary
 * folder; expected metric values are worked by hand (or noted as scikit-learn 1.2's).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "./support/run-cli.js";

const PENGUINS = join(import.meta.dirname, "..", "node_modules", "vega-datasets", "data", "penguins.json");

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "learnloop-cli-audit-"));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("train: flags that cannot go together", () => {
  test("--test-size with --cv is refused, not silently ignored", async () => {
    const run = await runCli("train", PENGUINS, "--target", "Species", "--cv", "3", "--test-size", "0.3", "--no-track", "--out", join(dir, "never.model"));
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, 'learnloop train: error: --test-size must be left out with --cv (every row is evaluated out of fold), got "0.3"\n');
  });
});
