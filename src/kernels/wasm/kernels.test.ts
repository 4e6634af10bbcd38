import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { kernelsModule, WasmArena } from "./arena.js";
import { KERNELS_WASM_BASE64 } from "./kernels.generated.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const build = fileURLToPath(new URL("../../../tools/build-wasm.mjs", import.meta.url));

test("the committed module is kernels.wat compiled by wabt from the npm registry (npm run build:wasm)", () => {
  const child = spawnSync(process.execPath, [build, "--check"], { encoding: "utf8", timeout: 60000 });
  assert.equal(child.status, 0, child.stderr);
  // And the check notices a source that is not the one compiled.
  const dir = mkdtempSync(join(tmpdir(), "learnloop-wasm-"));
  try {
    writeFileSync(join(dir, "kernels.wat"), readFileSync(join(here, "kernels.wat"), "utf8").replace("(i32.const 4)", "(i32.const 3)"));
    copyFileSync(join(here, "kernels.generated.ts"), join(dir, "kernels.generated.ts"));
    const stale = spawnSync(process.execPath, [build, "--check", "--dir", dir], { encoding: "utf8", timeout: 60000 });
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /kernels\.generated\.ts: not kernels\.wat compiled by wabt; run npm run build:wasm/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the module compiles on this Node.js and exports the kernels; an arena hands out aligned, disjoint views", () => {
  assert.ok(kernelsModule(), "WebAssembly SIMD and shared memory are available on Node.js 20");
  assert.ok(KERNELS_WASM_BASE64.length > 100);
  const arena = WasmArena.create([3, 100, 8 * 5]);
  assert.ok(arena);
  assert.ok(arena.memory.buffer instanceof SharedArrayBuffer);
  for (const name of ["hist_rows_1", "hist_rows_4", "hist_index_1", "hist_index_4", "partition", "logloss_gradients"]) assert.equal(typeof (arena.kernels as unknown as Record<string, unknown>)[name], "function", name);
  const a = arena.uint8(3);
  const b = arena.int32(25);
  const c = arena.float64(5);
  assert.deepEqual([a.byteOffset, b.byteOffset, c.byteOffset], [0, 64, 192]);
  assert.throws(() => arena.uint8(1 << 20), RangeError);
  // Past 2 GiB the callers fall back to the JavaScript kernels.
  assert.equal(WasmArena.create([2 ** 31]), null);
});
