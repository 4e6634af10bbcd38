/** Helpers shared by the data tests. Named *.test.ts so that the build leaves it out; it holds no tests itself. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { formatError } from "../core/messages.js";
import type { Column, Dataset } from "../core/types.js";

/** Absolute path of a file in test/fixtures/data/. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/data/${name}`, import.meta.url));
}

/** Absolute path of a file in vega-datasets. */
export function vega(name: string): string {
  return fileURLToPath(new URL(`../../node_modules/vega-datasets/data/${name}`, import.meta.url));
}

/** Writes `text` to a new temporary file called `name` and returns its path. */
export function temporaryFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "learnloop-data-")), name);
  writeFileSync(path, text);
  return path;
}

/** A column's values as plain numbers (NaN kept), for deepEqual. */
export function valuesOf(column: Column | undefined): number[] {
  if (!column) throw new Error("no such column");
  return Array.from(column.kind === "numeric" ? column.values : column.codes);
}

/** The feature called `name`. */
export function feature(dataset: Dataset, name: string): Column {
  const column = dataset.features.find((c) => c.name === name);
  if (!column) throw new Error(`no feature ${name} in ${dataset.features.map((c) => c.name).join(", ")}`);
  return column;
}

/** Everything a Dataset holds, as plain data (for comparing two readers). */
export function contentOf(dataset: Dataset): unknown {
  const plain = (c: Column) => (c.kind === "numeric" ? { name: c.name, values: Array.from(c.values) } : { name: c.name, codes: Array.from(c.codes), categories: c.categories });
  return {
    nRows: dataset.nRows,
    features: dataset.features.map(plain),
    extras: dataset.extras?.map(plain),
    target: dataset.target && { ...dataset.target, values: Array.from(dataset.target.values) },
    droppedRows: dataset.droppedRows,
  };
}

/** Asserts that `promise` rejects and that formatError turns the error into exactly `message`. */
export async function rejectsWith(promise: Promise<unknown>, message: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.equal(formatError(error), message);
    return;
  }
  assert.fail(`expected the error: ${message}`);
}
