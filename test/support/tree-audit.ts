/**
 * What the audit tests of the tree models share: a scratch directory, data files written into it, and the
 * CLI run as a user types it (a command that must fail with one line; train --json that must succeed).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DumpedNode } from "../../src/models/gbdt/model.js";
import { runCli as run } from "./run-cli.js";

/** A scratch directory for one test file (its store too, so no run is recorded in the user's). */
export function scratch(prefix: string): { work: string; file: (name: string, text: string) => string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  process.env.LEARNLOOP_HOME ??= join(work, "home");
  return {
    work,
    file: (name, text) => {
      const path = join(work, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** Runs a command that must fail with exit 2 and one line on stderr (notes, warnings and the read line aside); returns that line. */
export async function failure(...argv: string[]): Promise<string> {
  const result = await run(...argv);
  const lines = result.stderr.split("\n").filter((line) => line.length > 0 && !line.startsWith("note:") && !line.startsWith("warning:") && !line.startsWith("read "));
  assert.equal(result.code, 2, result.stderr);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  return lines[0]!;
}

/** Runs `train ... --json --no-track` that must succeed; returns its JSON document and stderr. */
export async function trainJson(...argv: string[]): Promise<{ doc: Record<string, any>; stderr: string }> {
  const result = await run("train", ...argv, "--json", "--no-track");
  assert.equal(result.code, 0, result.stderr);
  return { doc: JSON.parse(result.stdout) as Record<string, any>, stderr: result.stderr };
}

/** How many split nodes of the dumped trees `roots` test each feature, counted by walking them (the reference for importance by split count). */
export function splitCounts(roots: Iterable<DumpedNode>): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (node: DumpedNode): void => {
    if ("leaf" in node) return;
    counts.set(node.feature, (counts.get(node.feature) ?? 0) + 1);
    walk(node.left);
    walk(node.right);
  };
  for (const root of roots) walk(root);
  return counts;
}
