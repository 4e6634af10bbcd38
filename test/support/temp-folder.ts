/**
 * A temporary folder for one test file's inputs and outputs, removed when its tests are done: the
 * helper the end-to-end tests share for the small files they write.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

export interface TempFolder {
  /** The folder's path. */
  readonly dir: string;
  /** Writes `text` to `name` in the folder and returns its path. */
  readonly file: (name: string, text: string) => string;
}

/** Makes the folder (its name starts with `prefix`) and has it removed after the file's tests. */
export function tempFolder(prefix: string): TempFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
