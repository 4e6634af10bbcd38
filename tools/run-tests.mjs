#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra arguments are passed through
// (e.g. `npm test -- --test-name-pattern=roc`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "fixtures") out.push(...findTests(path));
    } else if (entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const files = ["src", "test"].flatMap((dir) => findTests(dir)).sort();
// Commands under test record their runs: into a throwaway SQLite store, never ./.learnloop in the tree nor
// a team store that LEARNLOOP_DB may name.
const home = mkdtempSync(join(tmpdir(), "learnloop-test-home-"));
const { LEARNLOOP_DB: _teamStore, ...inherited } = process.env;
const env = { ...inherited, LEARNLOOP_HOME: home };
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...process.argv.slice(2), ...files], { stdio: "inherit", env });
rmSync(home, { recursive: true, force: true });
process.exit(result.status ?? 1);
