/**
 * Batch prediction by generated WebAssembly: a model's trees written straight out as the bytes of a
 * WebAssembly module (no text format, no wabt at run time), thresholds and leaf values as constants in the
 * code. Two kernels:
 * - "masks", for trees of at most 64 leaves: two rows at a time in f64x2 lanes, without a branch. Each split
 *   contributes (goes right) & (the bits of the leaves of its left subtree, leaves numbered left to right);
 *   ORed over the tree's splits these are the leaves the row cannot reach, and the exit leaf is the first
 *   bit not set (the observation of QuickScorer, Lucchese et al. 2015: a leaf left of the exit leaf lies in
 *   the left subtree of a split where the row went right, and the exit leaf in no such subtree). Its value is
 *   read from a table of leaf values.
 * - "branches", for any tree: one row at a time, nested `if`/`else` blocks that yield the leaf value.
 *
 * Why not the generated JavaScript of ./tree-compile.ts: V8 compiles a JavaScript function with its
 * optimising compiler only after it has run for a while and then takes 35-50 ms per function on the calling
 * thread and on every worker, which made the first batch of a process cost twice the later ones (1M x 28's
 * model: 0.36 against 0.16 s). A WebAssembly module is compiled once per model by V8's baseline compiler
 * (Liftoff, milliseconds), and the compiled module is shared by every thread it is posted to; and the masks
 * kernel leaves no branch for the CPU to mispredict (0.165 against 0.29 s of CPU for 200k rows).
 *
 * The module imports one shared memory ("env", "memory") that holds the columns (numeric features as
 * float64, categorical codes as int32, each a contiguous column), the model's category bitsets, the leaf
 * values and the output scores; a small table of int32 addresses in that memory says where each is (see
 * WasmBatchLayout). It exports one function per group of trees, `g0`, `g1`, ..., each (table, start, end):
 * for rows start..end-1 it adds its trees' leaf values, in tree order, to out[r * nOutputs + treeOutput[t]].
 * Running the groups one after the other over the same rows gives predictRaw's sums bit for bit (the same
 * float64 additions in the same order), and every split is decided as findLeaf decides it:
 * - a numeric split with missing values going left goes right when x > t (NaN fails `>`), with missing
 *   values going right it goes left when x <= t; a NaN threshold sends only NaN left, and only when missing
 *   values go left;
 * - a categorical split goes left when the code is below the number of codes its bitset covers (one
 *   unsigned compare, so -1 and every negative code are out of range) and its bit is set, and otherwise
 *   (missing, unseen) follows the missing direction; bitsets of at most 64 codes are constants in the code,
 *   larger ones are read from memory.
 */
import { FLAG_CATEGORICAL, FLAG_MISSING_LEFT, type TreeArrays } from "./tree-predict.js";

/** A compiled module (opaque; postMessage shares it with workers, compiled code included). */
export type WasmTreesModule = { readonly __wasmTreesModule: true };
/** A shared WebAssembly.Memory. */
export interface WasmSharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
/** The part of the WebAssembly API that predictors use (the project's TypeScript lib has no DOM types). */
export interface WasmTreesApi {
  Module: new (bytes: Uint8Array) => WasmTreesModule;
  compile: (bytes: Uint8Array) => Promise<WasmTreesModule>;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmSharedMemory;
  Instance: new (module: WasmTreesModule, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The engine's WebAssembly API, or undefined (node --jitless, --no-expose-wasm). */
export function wasmTreesApi(): WasmTreesApi | undefined {
  return (globalThis as { WebAssembly?: WasmTreesApi }).WebAssembly;
}

/** How a column is stored in the module's memory: not read by any split, float64, or int32 codes. */
export const COLUMN_UNUSED = 0;
export const COLUMN_F64 = 1;
export const COLUMN_I32 = 2;

/**
 * The table a group function is given (int32 words at its address): the byte address of the output
 * scores (float64, row-major nRows x nOutputs, row 0 at that address), of the category bitsets (uint32
 * words), then of each feature's column (row 0 at that address; 0 for unused features).
 */
export const TABLE_OUT = 0;
export const TABLE_CAT_BITS = 1;
export const TABLE_COLUMNS = 3;
/** The byte address of the leaf values of the "masks" kernel (float64, each tree's leaves left to right). */
export const TABLE_LEAVES = 2;

/** A model's trees as WebAssembly: the module's bytes, its group functions and how it reads each feature. */
export interface WasmTrees {
  readonly bytes: Uint8Array;
  /** Number of exported group functions (g0 .. g<n-1>), to be run in order. */
  readonly nGroups: number;
  /** Per feature: COLUMN_UNUSED, COLUMN_F64 or COLUMN_I32, the layout the columns must be copied into. */
  readonly columnKinds: Uint8Array;
  /** The "masks" kernel's leaf values (each tree's leaves left to right), to be put at TABLE_LEAVES; empty for "branches". */
  readonly leafValues: Float64Array;
}

/** Limits of wasmTreesOf; past them it returns undefined (the caller uses another predictor). */
export interface WasmLimits {
  /**
   * Bytes of tree code per function (default 2000 for "masks", about one tree of 31 leaves, and 24,000 for
   * "branches"; a tree longer than that gets a function of its own). Measured in one process, batches
   * interleaved, CPU ms for 200k rows of 1M x 28 ("masks", fastest / median of 8): 2000 bytes 162-165 /
   * 166, 3000 172 / 173-175, 6000 174 / 180, 12,000 176-182 / 183-184 (smaller functions, fewer values
   * live at once for V8's optimising compiler); flights' 600k rows ("branches", of 5): one tree a function
   * 797 / 822, 8000 bytes 640 / 652, 24,000 632 / 646 (each function reloads the row's features).
   */
  readonly bytesPerFunction?: number;
  /**
   * Nodes in all (default 100,000 for "masks", 50,000 for "branches"). V8 compiles a module's hot functions
   * again with its optimising compiler on the first batch, in time growing with the code: random trees over
   * 50k rows, one thread, CPU ms of the first / third batch, "branches" kernel against the packed walk:
   * 39k nodes (0.5 MB of code) 344 / 37 against 120 / 102, 328k nodes 1258 / 102 against 192 / 179, 1.26M
   * nodes 4276 / 129 against 272 / 245. Past the limit the caller uses another predictor.
   */
  readonly maxNodes?: number;
  /** Deepest tree (default 256 levels): the blocks nest as deep as the tree. */
  readonly maxDepth?: number;
  /** "masks" (default): two rows at a time without a branch; "branches": one row at a time, nested ifs. */
  readonly kernel?: "masks" | "branches";
  /** "masks": pairs of rows per loop step (1 or 2). */
  readonly pairsPerStep?: 1 | 2;
}

/** One group function's signature: (table, start, end) -> (). */
const GROUP_TYPE = [0x60, 3, 0x7f, 0x7f, 0x7f, 0];

/** Opcodes and value types used here (WebAssembly 1.0 core, plus the threads proposal's shared memory). */
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  brIf: 0x0d,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  i64Const: 0x42,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  f64Ne: 0x62,
  f64Gt: 0x64,
  f64Le: 0x65,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64And: 0x83,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64Ctz: 0x7a,
  i64Sub: 0x7d,
  i64Xor: 0x85,
  f64x2: 0xfd,
  i64ExtendI32U: 0xad,
  f64Add: 0xa0,
} as const;
/** SIMD opcodes (prefix 0xfd, then the LEB128 number). */
const simd = {
  load: 0x00,
  const: 0x0c,
  i64x2Splat: 0x12,
  f64x2Splat: 0x14,
  i64x2ExtractLane: 0x1d,
  i64x2ReplaceLane: 0x1e,
  f64x2ExtractLane: 0x21,
  f64x2ReplaceLane: 0x22,
  f64x2Eq: 0x47,
  f64x2Gt: 0x4a,
  f64x2Le: 0x4b,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  f64x2Add: 0xf0,
} as const;
const I64 = 0x7e;
const V128 = 0x7b;
const I32 = 0x7f;
const F64 = 0x7c;
const VOID = 0x40;

/** The bytes of a float64, little-endian as every engine that runs Node.js lays them out (x64, arm64). */
const F64_SCRATCH = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64_SCRATCH.buffer);

/** Writes v128.const of two i64 lanes, each (hi << 32) | lo, at d[at]; returns the next index. */
function writeMask(d: Uint8Array, at: number, lo: number, hi: number): number {
  d[at++] = op.f64x2;
  d[at++] = simd.const;
  for (let lane = 0; lane < 2; lane++) {
    d[at++] = lo & 0xff;
    d[at++] = (lo >>> 8) & 0xff;
    d[at++] = (lo >>> 16) & 0xff;
    d[at++] = lo >>> 24;
    d[at++] = hi & 0xff;
    d[at++] = (hi >>> 8) & 0xff;
    d[at++] = (hi >>> 16) & 0xff;
    d[at++] = hi >>> 24;
  }
  return at;
}

/**
 * A growable byte buffer with the encodings of the binary format. Plain fields, not #private ones: the
 * emitter runs on a model's first batch before V8 has optimised it, and there writing the module of 1M x
 * 28's model took 17.6-27.7 ms of CPU (9.7-19.4 wall) against 28.8-30.1 (15.8-17.8) with #private fields
 * (4 cold processes each, interleaved).
 */
class Bytes {
  data = new Uint8Array(1024);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.length + n) size *= 2;
    const data = new Uint8Array(size);
    data.set(this.data.subarray(0, this.length));
    this.data = data;
  }

  byte(b: number): this {
    this.reserve(1);
    this.data[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    this.reserve(bs.length);
    this.data.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  /** Unsigned LEB128 (indices, counts, sizes, memory offsets). */
  u32(n: number): this {
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      this.byte(b);
    } while (n !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer. */
  s32(n: number): this {
    n |= 0;
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  /** Signed LEB128 of a 64-bit integer. */
  s64(n: bigint): this {
    n = BigInt.asIntN(64, n);
    for (;;) {
      const b = Number(n & 0x7fn);
      n >>= 7n;
      if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  /** A float64 immediate, its 8 bytes little-endian (every bit kept: -0, NaN payloads, infinities). */
  f64(x: number): this {
    F64_SCRATCH[0] = x;
    return this.bytes(F64_BYTES);
  }

  /**
   * The "masks" kernel's code of a numeric split with a threshold (see emitMaskedRight), written in one
   * call: the emitter's hottest path, which on a model's first batch runs before V8 has optimised it.
   * Right when x > t (missing values go left): x, t t, f64x2.gt, mask, v128.and; right unless x <= t
   * (missing values go right): mask, x, t t, f64x2.le, v128.andnot.
   */
  numericMaskedRight(x: number, threshold: number, lo: number, hi: number, missingLeft: boolean): this {
    this.reserve(48);
    const d = this.data;
    let at = this.length;
    F64_SCRATCH[0] = threshold;
    if (!missingLeft) at = writeMask(d, at, lo, hi);
    d[at++] = op.localGet;
    let local = x;
    for (; local >= 0x80; local >>>= 7) d[at++] = (local & 0x7f) | 0x80;
    d[at++] = local;
    d[at++] = op.f64x2;
    d[at++] = simd.const;
    for (let i = 0; i < 16; i++) d[at++] = F64_BYTES[i & 7]!;
    d[at++] = op.f64x2;
    d[at++] = missingLeft ? simd.f64x2Gt : simd.f64x2Le;
    if (missingLeft) at = writeMask(d, at, lo, hi);
    d[at++] = op.f64x2;
    d[at++] = missingLeft ? simd.and : simd.andnot;
    this.length = at;
    return this;
  }

  /** A 32-bit word, 4 bytes little-endian (v128 immediates). */
  word(w: number): this {
    this.reserve(4);
    const d = this.data;
    d[this.length] = w & 0xff;
    d[this.length + 1] = (w >>> 8) & 0xff;
    d[this.length + 2] = (w >>> 16) & 0xff;
    d[this.length + 3] = w >>> 24;
    this.length += 4;
    return this;
  }

  /** A vector: its length, then its bytes. */
  sized(content: Bytes): this {
    return this.u32(content.length).bytes(content.view());
  }

  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Local indices of a module's group functions, the same in every function (a tree's code does not depend on
 * its group, so each is emitted once): params table, row, end, then i32 locals, then f64 ("branches") or
 * v128 ("masks") locals. A function declares them all and uses those of its trees' features and outputs.
 */
interface Locals {
  readonly table: number;
  readonly row: number;
  readonly end: number;
  readonly outAt: number;
  readonly catBase: number;
  /** A column's address in the current row. */
  readonly address: number;
  /** "masks": the leaf values' address. */
  readonly leaves: number;
  /** "masks", per pair of rows: v128, the leaves ruled out by the splits of the tree being added. */
  readonly cleared: readonly number[];
  /** Per feature: its column's address (i32). */
  readonly columnBase: Int32Array;
  /**
   * Per pair of rows ("branches": one row), per feature, the value: "branches", f64 for numeric features and
   * i32 for categorical ones; "masks", a v128 of two rows' values for numeric features, -1 for categorical ones.
   */
  readonly values: readonly Int32Array[];
  /** "masks", per row of the step, per categorical feature: the row's code (i32), else -1. */
  readonly codes: readonly Int32Array[];
  /** Per pair of rows ("branches": one row), per output: the running sum (f64; "masks", a v128 of two rows' sums). */
  readonly sums: readonly Int32Array[];
  /** The locals' declaration, the start of every function body. */
  readonly declaration: Bytes;
}

function moduleLocals(kernel: "masks" | "branches", kinds: Uint8Array, nOutputs: number, pairs: number): Locals {
  const nFeatures = kinds.length;
  const nPairs = kernel === "masks" ? pairs : 1;
  let next = 3;
  const columnBase = new Int32Array(nFeatures).fill(-1);
  const values = Array.from({ length: nPairs }, () => new Int32Array(nFeatures).fill(-1));
  const codes = Array.from({ length: kernel === "masks" ? 2 * nPairs : 0 }, () => new Int32Array(nFeatures).fill(-1));
  const sums = Array.from({ length: nPairs }, () => new Int32Array(nOutputs).fill(-1));
  const outAt = next++;
  const catBase = next++;
  const leaves = next++;
  const address = next++;
  for (let f = 0; f < nFeatures; f++) if (kinds[f] !== COLUMN_UNUSED) columnBase[f] = next++;
  for (let f = 0; f < nFeatures; f++) {
    if (kinds[f] !== COLUMN_I32) continue;
    if (kernel === "masks") for (const lane of codes) lane[f] = next++;
    else values[0]![f] = next++;
  }
  const nI32 = next - 3;
  const cleared = kernel === "masks" ? Array.from({ length: nPairs }, () => next++) : [];
  for (let f = 0; f < nFeatures; f++) if (kinds[f] === COLUMN_F64) for (const pair of values) pair[f] = next++;
  for (let k = 0; k < nOutputs; k++) for (const pair of sums) pair[k] = next++;
  const declaration = new Bytes().u32(2).u32(nI32).byte(I32).u32(next - 3 - nI32).byte(kernel === "masks" ? V128 : F64);
  return { table: 0, row: 1, end: 2, outAt, catBase, address, leaves, cleared, columnBase, values, codes, sums, declaration };
}

/**
 * Appends the code of the subtree at `node`, which leaves its leaf value (f64) on the stack; decides each
 * split as findLeaf does (see the file's comment).
 */
function emitTree(code: Bytes, trees: TreeArrays, node: number, locals: Locals): void {
  const { nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeFlags, nodeValue } = trees;
  const f = nodeFeature[node]!;
  if (f < 0) {
    code.byte(op.f64Const).f64(nodeValue[node]!);
    return;
  }
  const missingLeft = (nodeFlags[node]! & FLAG_MISSING_LEFT) !== 0;
  const threshold = nodeThreshold[node]!;
  const x = locals.values[0]![f]!;
  let first = nodeLeft[node]!;
  let second = nodeRight[node]!;
  if ((nodeFlags[node]! & FLAG_CATEGORICAL) !== 0) {
    emitCategoricalGoesLeft(code, trees, node, x, locals.catBase);
  } else if (threshold !== threshold) {
    // x <= NaN is false for every x: only NaN can go left, and only when missing values go left.
    if (!missingLeft) {
      emitTree(code, trees, second, locals);
      return;
    }
    code.byte(op.localGet).u32(x).byte(op.localGet).u32(x).byte(op.f64Ne);
  } else if (missingLeft) {
    // `x > t` is false for NaN: true sends the row right.
    code.byte(op.localGet).u32(x).byte(op.f64Const).f64(threshold).byte(op.f64Gt);
    [first, second] = [second, first];
  } else {
    code.byte(op.localGet).u32(x).byte(op.f64Const).f64(threshold).byte(op.f64Le);
  }
  code.byte(op.if).byte(F64);
  emitTree(code, trees, first, locals);
  code.byte(op.else);
  emitTree(code, trees, second, locals);
  code.byte(op.end);
}

/** The "branches" kernel's code of tree t: sum[k] = sum[k] + (the tree's leaf value). */
function branchesTreeCode(trees: TreeArrays, t: number, locals: Locals): Bytes {
  const code = new Bytes();
  const k = trees.treeOutput[t]!;
  code.byte(op.localGet).u32(locals.sums[0]![k]!);
  emitTree(code, trees, trees.treeRoot[t]!, locals);
  code.byte(op.f64Add).byte(op.localSet).u32(locals.sums[0]![k]!);
  return code;
}

/**
 * Appends code that leaves 1 (left) or 0 (right) as an i32 for the categorical split `node` and the code
 * in local `x`, as findLeaf decides it: codes 0..nCodes-1 are in the bitset (`code <u nCodes` is false for
 * every negative code), and codes out of it follow the missing direction.
 */
function emitCategoricalGoesLeft(code: Bytes, trees: TreeArrays, node: number, x: number, catBase: number): void {
  const { nodeThreshold, nodeFlags, nodeCatOffset, catBits } = trees;
  const missingLeft = (nodeFlags[node]! & FLAG_MISSING_LEFT) !== 0;
  const nCodes = Math.max(0, Math.min(0x7fffffff, Math.ceil(nodeThreshold[node]!)));
  const offset = nodeCatOffset[node]!;
  if (nCodes === 0) {
    code.byte(op.i32Const).s32(missingLeft ? 1 : 0);
  } else if (nCodes <= 32) {
    // The bit, (word >>> code) & 1, is defined for any code (the shift counts modulo 32): no branch.
    const word = (catBits[offset] ?? 0) & (nCodes === 32 ? -1 : (1 << nCodes) - 1);
    code.byte(op.i32Const).s32(word).byte(op.localGet).u32(x).byte(op.i32ShrU).byte(op.i32Const).s32(1).byte(op.i32And);
    code.byte(op.localGet).u32(x).byte(op.i32Const).s32(nCodes).byte(missingLeft ? op.i32GeU : op.i32LtU);
    code.byte(missingLeft ? op.i32Or : op.i32And);
  } else if (nCodes <= 64) {
    const word = (BigInt(catBits[offset + 1] ?? 0) << 32n) | BigInt(catBits[offset] ?? 0);
    const mask = nCodes === 64 ? -1n : (1n << BigInt(nCodes)) - 1n;
    code.byte(op.i64Const).s64(word & mask).byte(op.localGet).u32(x).byte(op.i64ExtendI32U).byte(op.i64ShrU);
    code.byte(op.i64Const).byte(0x01).byte(op.i64And).byte(op.i32WrapI64);
    code.byte(op.localGet).u32(x).byte(op.i32Const).s32(nCodes).byte(missingLeft ? op.i32GeU : op.i32LtU);
    code.byte(missingLeft ? op.i32Or : op.i32And);
  } else {
    // The bit of word code >>> 5, read from memory at code 0 when the code is out of range (so that the
    // load stays inside the bitset), then combined with the range test as above: no branch.
    code.byte(op.localGet).u32(catBase);
    code.byte(op.localGet).u32(x).byte(op.i32Const).s32(0).byte(op.localGet).u32(x).byte(op.i32Const).s32(nCodes).byte(op.i32LtU).byte(op.select);
    code.byte(op.i32Const).s32(5).byte(op.i32ShrU).byte(op.i32Const).s32(2).byte(op.i32Shl).byte(op.i32Add);
    code.byte(op.i32Load).u32(2).u32(4 * offset);
    code.byte(op.localGet).u32(x).byte(op.i32ShrU).byte(op.i32Const).s32(1).byte(op.i32And);
    code.byte(op.localGet).u32(x).byte(op.i32Const).s32(nCodes).byte(missingLeft ? op.i32GeU : op.i32LtU);
    code.byte(missingLeft ? op.i32Or : op.i32And);
  }
}

/**
 * The features each tree splits on, and how each feature is split (categorical or numeric), walking each
 * tree from its root; undefined when a tree is deeper than maxDepth, has more nodes than the model (a
 * cycle), splits on a feature past nFeatures, or a feature is split both ways (never in a fitted model: its
 * column would need both layouts).
 */
function featureUse(trees: TreeArrays, nFeatures: number, maxDepth: number): { usedOf: Set<number>[]; kinds: Uint8Array } | undefined {
  const { nodeFeature, nodeFlags, nodeLeft, nodeRight, treeRoot } = trees;
  const kinds = new Uint8Array(nFeatures);
  const usedOf: Set<number>[] = [];
  const stack: number[] = [];
  for (let t = 0; t < treeRoot.length; t++) {
    const used = new Set<number>();
    let visited = 0;
    stack.push(treeRoot[t]!, 0);
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const node = stack.pop()!;
      if (depth > maxDepth || ++visited > nodeFeature.length) return undefined;
      const f = nodeFeature[node]!;
      if (f < 0) continue;
      if (f >= nFeatures) return undefined;
      const kind = (nodeFlags[node]! & FLAG_CATEGORICAL) !== 0 ? COLUMN_I32 : COLUMN_F64;
      if (kinds[f] !== COLUMN_UNUSED && kinds[f] !== kind) return undefined;
      kinds[f] = kind;
      used.add(f);
      stack.push(nodeLeft[node]!, depth + 1, nodeRight[node]!, depth + 1);
    }
    usedOf.push(used);
  }
  return { usedOf, kinds };
}

/**
 * The trees of `trees` (a model over nFeatures features with nOutputs outputs) as a WebAssembly module for
 * batch prediction, or undefined past `limits`. See the file's comment for the module's interface.
 */
export function wasmTreesOf(trees: TreeArrays, nFeatures: number, nOutputs: number, limits: WasmLimits = {}): WasmTrees | undefined {
  const kernel = limits.kernel ?? "masks";
  const bytesPerFunction = limits.bytesPerFunction ?? (kernel === "masks" ? 2000 : 24_000);
  const { treeRoot, treeOutput, nodeFeature } = trees;
  const nTrees = treeRoot.length;
  if (nodeFeature.length > (limits.maxNodes ?? (kernel === "masks" ? 100_000 : 50_000))) return undefined;
  const use = featureUse(trees, nFeatures, limits.maxDepth ?? 256);
  if (!use) return undefined;
  const locals = moduleLocals(kernel, use.kinds, nOutputs, limits.pairsPerStep ?? 1);

  // Each tree's code, emitted once; a group function is its trees' code between a prologue and an epilogue.
  const treeCodes: Bytes[] = [];
  const leafValues: number[] = [];
  for (let t = 0; t < nTrees; t++) {
    if (kernel === "branches") treeCodes.push(branchesTreeCode(trees, t, locals));
    else {
      const code = masksTreeCode(trees, t, leafValues, locals);
      if (!code) return undefined;
      treeCodes.push(code);
    }
  }
  const bodies: Bytes[] = [];
  for (let begin = 0; begin < nTrees || (begin === 0 && bodies.length === 0); ) {
    let end = begin;
    let size = 0;
    while (end < nTrees && (end === begin || size + treeCodes[end]!.length <= bytesPerFunction)) size += treeCodes[end++]!.length;
    const used = new Set<number>();
    const outputs = new Set<number>();
    for (let t = begin; t < end; t++) {
      for (const f of use.usedOf[t]!) used.add(f);
      outputs.add(treeOutput[t]!);
    }
    const group = { used: [...used].sort((a, b) => a - b), outputs: [...outputs].sort((a, b) => a - b), code: treeCodes.slice(begin, end) };
    bodies.push(kernel === "masks" ? masksGroupBody(group, use.kinds, nOutputs, locals) : branchesGroupBody(group, use.kinds, nOutputs, locals));
    begin = end;
  }

  const module = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, content: Bytes) => module.byte(id).sized(content);
  section(1, new Bytes().u32(1).bytes(GROUP_TYPE));
  // import "env" "memory": a shared memory (limits flag 3: minimum and maximum), at least one page.
  const memoryName = new TextEncoder().encode("memory");
  section(2, new Bytes().u32(1).u32(3).bytes([0x65, 0x6e, 0x76]).u32(memoryName.length).bytes(memoryName).byte(0x02).byte(0x03).u32(1).u32(65536));
  const functions = new Bytes().u32(bodies.length);
  for (let g = 0; g < bodies.length; g++) functions.u32(0);
  section(3, functions);
  const exports = new Bytes().u32(bodies.length);
  for (let g = 0; g < bodies.length; g++) {
    const name = new TextEncoder().encode(`g${g}`);
    exports.u32(name.length).bytes(name).byte(0x00).u32(g);
  }
  section(7, exports);
  const codeSection = new Bytes().u32(bodies.length);
  for (const body of bodies) codeSection.sized(body);
  section(10, codeSection);
  return { bytes: module.view().slice(), nGroups: bodies.length, columnKinds: use.kinds, leafValues: Float64Array.from(leafValues) };
}

/** A group function's trees: the features they read (ascending), their outputs (ascending) and their code. */
interface Group {
  readonly used: readonly number[];
  readonly outputs: readonly number[];
  readonly code: readonly Bytes[];
}

/** Appends local = table[word]. */
function loadTableWord(code: Bytes, locals: Locals, word: number, local: number): void {
  code.byte(op.localGet).u32(locals.table).byte(op.i32Load).u32(2).u32(4 * word).byte(op.localSet).u32(local);
}

/** Appends the function's start: the addresses it reads, and outAt = out + 8 * nOutputs * row. */
function emitPrologue(code: Bytes, group: Group, kinds: Uint8Array, nOutputs: number, locals: Locals, leaves: boolean): void {
  if (group.used.some((f) => kinds[f] === COLUMN_I32)) loadTableWord(code, locals, TABLE_CAT_BITS, locals.catBase);
  if (leaves) loadTableWord(code, locals, TABLE_LEAVES, locals.leaves);
  for (const f of group.used) loadTableWord(code, locals, TABLE_COLUMNS + f, locals.columnBase[f]!);
  code.byte(op.localGet).u32(locals.table).byte(op.i32Load).u32(2).u32(4 * TABLE_OUT);
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(8 * nOutputs).byte(op.i32Mul).byte(op.i32Add).byte(op.localSet).u32(locals.outAt);
  // Nothing to do when row >= end.
  code.byte(op.block).byte(VOID);
  code.byte(op.localGet).u32(locals.row).byte(op.localGet).u32(locals.end).byte(op.i32GeU).byte(op.brIf).u32(0);
  code.byte(op.loop).byte(VOID);
}

/** Appends the end of a loop iteration that advances `rows` rows: outAt and row step on; again while row < end. */
function emitEpilogue(code: Bytes, nOutputs: number, locals: Locals, rows: number): void {
  code.byte(op.localGet).u32(locals.outAt).byte(op.i32Const).s32(8 * rows * nOutputs).byte(op.i32Add).byte(op.localSet).u32(locals.outAt);
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(rows).byte(op.i32Add).byte(op.localSet).u32(locals.row);
  code.byte(op.localGet).u32(locals.row).byte(op.localGet).u32(locals.end).byte(op.i32LtU).byte(op.brIf).u32(0);
  code.byte(op.end); // loop
  code.byte(op.end); // block
  code.byte(op.end); // function
}

/** The "branches" kernel's group function: a loop over rows, one at a time. */
function branchesGroupBody(group: Group, kinds: Uint8Array, nOutputs: number, locals: Locals): Bytes {
  const code = new Bytes().bytes(locals.declaration.view());
  emitPrologue(code, group, kinds, nOutputs, locals, false);
  for (const f of group.used) {
    // value = column[row]: address column + (row << 3) for float64, (row << 2) for int32.
    const i32 = kinds[f] === COLUMN_I32;
    code.byte(op.localGet).u32(locals.columnBase[f]!).byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(i32 ? 2 : 3).byte(op.i32Shl).byte(op.i32Add);
    code.byte(i32 ? op.i32Load : op.f64Load).u32(i32 ? 2 : 3).u32(0).byte(op.localSet).u32(locals.values[0]![f]!);
  }
  const sum = locals.sums[0]!;
  for (const k of group.outputs) code.byte(op.localGet).u32(locals.outAt).byte(op.f64Load).u32(3).u32(8 * k).byte(op.localSet).u32(sum[k]!);
  for (const tree of group.code) code.bytes(tree.view());
  for (const k of group.outputs) code.byte(op.localGet).u32(locals.outAt).byte(op.localGet).u32(sum[k]!).byte(op.f64Store).u32(3).u32(8 * k);
  emitEpilogue(code, nOutputs, locals, 1);
  return code;
}

/** Appends a v128 constant of two equal i64 lanes, each the 64-bit mask (hi << 32) | lo. */
function v128Mask(code: Bytes, lo: number, hi: number): void {
  code.byte(op.f64x2).u32(simd.const).word(lo).word(hi).word(lo).word(hi);
}

/** Bits from..to-1 of a 32-bit word (0 <= from <= to <= 32), unsigned. */
function bitsOfWord(from: number, to: number): number {
  return (to <= from ? 0 : to - from >= 32 ? -1 : ((1 << (to - from)) - 1) << from) >>> 0;
}

/**
 * Appends the code that leaves, for two rows (lanes), right & leftMask as a v128: the bits of the leaves
 * of the node's left subtree when the row goes right at the node, else 0.
 */
function emitMaskedRight(code: Bytes, trees: TreeArrays, node: number, lo: number, hi: number, locals: Locals, pair: number): void {
  const { nodeFeature, nodeThreshold, nodeFlags } = trees;
  const f = nodeFeature[node]!;
  const missingLeft = (nodeFlags[node]! & FLAG_MISSING_LEFT) !== 0;
  const threshold = nodeThreshold[node]!;
  if ((nodeFlags[node]! & FLAG_CATEGORICAL) !== 0) {
    // Each row on its own: mask & (goesLeft - 1), as i64 lanes.
    for (const lane of [0, 1]) {
      code.byte(op.i64Const).s64(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)));
      emitCategoricalGoesLeft(code, trees, node, locals.codes[2 * pair + lane]![f]!, locals.catBase);
      code.byte(op.i64ExtendI32U).byte(op.i64Const).byte(0x01).byte(op.i64Sub).byte(op.i64And);
      if (lane === 0) code.byte(op.f64x2).u32(simd.i64x2Splat);
      else code.byte(op.f64x2).u32(simd.i64x2ReplaceLane).byte(1);
    }
    return;
  }
  const x = locals.values[pair]![f]!;
  if (threshold !== threshold) {
    // x <= NaN is false: every row goes right but NaN when missing values go left.
    if (!missingLeft) v128Mask(code, lo, hi);
    else {
      code.byte(op.localGet).u32(x).byte(op.localGet).u32(x).byte(op.f64x2).u32(simd.f64x2Eq);
      v128Mask(code, lo, hi);
      code.byte(op.f64x2).u32(simd.and);
    }
  } else {
    // Missing values going left: right when x > t (false for NaN); going right: right unless x <= t.
    code.numericMaskedRight(x, threshold, lo, hi, missingLeft);
  }
}

/**
 * Walks the tree at `root` in order: appends its leaf values, left to right, to `leafValues`, and each inner
 * node to `inner` with the low and high words of the bits of its left subtree's leaves to `masks`. False
 * for a tree of more than 64 leaves. (A loop with an explicit stack: this runs on a model's first batch,
 * before V8 has optimised it, where a recursive closure measured several times slower.)
 */
function leftLeafMasks(trees: TreeArrays, root: number, leafValues: number[], inner: number[], masks: number[]): boolean {
  const { nodeFeature, nodeLeft, nodeRight, nodeValue } = trees;
  const leafBase = leafValues.length;
  // Entries: node, and the index in `inner` whose mask ends where this node's subtree starts (-1: none).
  const stack: number[] = [root, -1];
  while (stack.length > 0) {
    const closes = stack.pop()!;
    const node = stack.pop()!;
    if (closes >= 0) {
      // The left subtree of inner[closes] ended: its leaves are masks' first..here-1 (first stored in masks[2 * closes]).
      const first = masks[2 * closes]!;
      const count = leafValues.length - leafBase - first;
      if (first + count > 64) return false;
      masks[2 * closes] = bitsOfWord(Math.min(first, 32), Math.min(first + count, 32));
      masks[2 * closes + 1] = bitsOfWord(Math.max(first - 32, 0), Math.max(first + count - 32, 0));
    }
    if (node < 0) continue;
    if (nodeFeature[node]! < 0) {
      leafValues.push(nodeValue[node]!);
      continue;
    }
    const at = inner.length;
    inner.push(node);
    masks.push(leafValues.length - leafBase, 0);
    // Left subtree first; then a marker that closes this node's mask, followed by the right subtree.
    stack.push(nodeRight[node]!, at, nodeLeft[node]!, -1);
  }
  return leafValues.length - leafBase <= 64;
}

/**
 * The "masks" kernel's code of tree t, which adds the tree's leaf values of two rows to their sums without
 * a branch: every split's (right & leftMask), where leftMask holds the bits of the leaves of its left
 * subtree (leaves numbered left to right), ORed together in a balanced tree of ORs (so that they do not
 * wait for each other) are the leaves ruled out; the exit leaf is the first one not ruled out (as
 * QuickScorer observed: a leaf left of the exit leaf lies in the left subtree of a split where the row went
 * right, and the exit leaf lies in no such subtree). Appends the tree's leaf values, left to right, to
 * `leafValues`; undefined for a tree of more than 64 leaves.
 */
function masksTreeCode(trees: TreeArrays, t: number, leafValues: number[], locals: Locals): Bytes | undefined {
  const leafBase = leafValues.length;
  const inner: number[] = [];
  const masks: number[] = [];
  if (!leftLeafMasks(trees, trees.treeRoot[t]!, leafValues, inner, masks)) return undefined;

  const code = new Bytes();
  const k = trees.treeOutput[t]!;
  for (let pair = 0; pair < locals.sums.length; pair++) {
    const sum = locals.sums[pair]![k]!;
    const cleared = locals.cleared[pair]!;
    code.byte(op.localGet).u32(sum);
    const reduce = (a: number, b: number): void => {
      if (b - a === 1) return emitMaskedRight(code, trees, inner[a]!, masks[2 * a]!, masks[2 * a + 1]!, locals, pair);
      const mid = (a + b) >>> 1;
      reduce(a, mid);
      reduce(mid, b);
      code.byte(op.f64x2).u32(simd.or);
    };
    if (inner.length === 0) v128Mask(code, 0, 0);
    else reduce(0, inner.length);
    code.byte(op.localSet).u32(cleared);
    for (const lane of [0, 1]) {
      // leaves[leafBase + ctz(~cleared)]
      code.byte(op.localGet).u32(locals.leaves).byte(op.localGet).u32(cleared).byte(op.f64x2).u32(simd.i64x2ExtractLane).byte(lane);
      code.byte(op.i64Const).byte(0x7f).byte(op.i64Xor).byte(op.i64Ctz).byte(op.i32WrapI64).byte(op.i32Const).s32(3).byte(op.i32Shl).byte(op.i32Add);
      code.byte(op.f64Load).u32(3).u32(8 * leafBase);
      if (lane === 0) code.byte(op.f64x2).u32(simd.f64x2Splat);
      else code.byte(op.f64x2).u32(simd.f64x2ReplaceLane).byte(1);
    }
    code.byte(op.f64x2).u32(simd.f64x2Add).byte(op.localSet).u32(sum);
  }
  return code;
}

/**
 * The "masks" kernel's group function: a loop over pairs of rows (the columns and the scores have a spare
 * row after their last, which an odd block's last pair reads as its second row; its score is not stored).
 */
function masksGroupBody(group: Group, kinds: Uint8Array, nOutputs: number, locals: Locals): Bytes {
  const code = new Bytes().bytes(locals.declaration.view());
  emitPrologue(code, group, kinds, nOutputs, locals, true);
  const nPairs = locals.sums.length;
  for (const f of group.used) {
    const i32 = kinds[f] === COLUMN_I32;
    code.byte(op.localGet).u32(locals.columnBase[f]!).byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(i32 ? 2 : 3).byte(op.i32Shl).byte(op.i32Add);
    if (i32) {
      // The address in the first row's local, then each row's code (the first's last).
      const first = locals.codes[0]![f]!;
      code.byte(op.localSet).u32(first);
      for (let lane = 2 * nPairs - 1; lane >= 0; lane--) code.byte(op.localGet).u32(first).byte(op.i32Load).u32(2).u32(4 * lane).byte(op.localSet).u32(locals.codes[lane]![f]!);
    } else {
      code.byte(op.localSet).u32(locals.address);
      for (let pair = 0; pair < nPairs; pair++) code.byte(op.localGet).u32(locals.address).byte(op.f64x2).u32(simd.load).u32(3).u32(16 * pair).byte(op.localSet).u32(locals.values[pair]![f]!);
    }
  }
  for (let pair = 0; pair < nPairs; pair++) {
    for (const k of group.outputs) {
      code.byte(op.localGet).u32(locals.outAt).byte(op.f64Load).u32(3).u32(8 * (2 * pair * nOutputs + k)).byte(op.f64x2).u32(simd.f64x2Splat);
      code.byte(op.localGet).u32(locals.outAt).byte(op.f64Load).u32(3).u32(8 * ((2 * pair + 1) * nOutputs + k)).byte(op.f64x2).u32(simd.f64x2ReplaceLane).byte(1);
      code.byte(op.localSet).u32(locals.sums[pair]![k]!);
    }
  }
  for (const tree of group.code) code.bytes(tree.view());
  // Row `row` has scores to store; each later row of the step only when it is before `end`.
  for (let lane = 0; lane < 2 * nPairs; lane++) {
    if (lane > 0) {
      code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(lane).byte(op.i32Add).byte(op.localGet).u32(locals.end).byte(op.i32LtU);
      code.byte(op.if).byte(VOID);
    }
    for (const k of group.outputs) {
      code.byte(op.localGet).u32(locals.outAt).byte(op.localGet).u32(locals.sums[lane >> 1]![k]!).byte(op.f64x2).u32(simd.f64x2ExtractLane).byte(lane & 1);
      code.byte(op.f64Store).u32(3).u32(8 * (lane * nOutputs + k));
    }
    if (lane > 0) code.byte(op.end);
  }
  emitEpilogue(code, nOutputs, locals, 2 * nPairs);
  return code;
}

/** Where a batch's data goes in a WebAssembly predictor's memory (byte addresses). */
export interface WasmBatchLayout {
  /** The calling thread's table (its scores at `out`) and the workers' (theirs at `outWorkers`). */
  readonly table: number;
  readonly tableWorkers: number;
  readonly out: number;
  readonly outWorkers: number;
  readonly catBits: number;
  readonly leaves: number;
  /** Per feature: the address of its column, 0 when no split reads it. */
  readonly columns: Int32Array;
  /** Bytes of memory the batch needs. */
  readonly bytes: number;
}

/**
 * Rows after the last of each column and of the scores, which the "masks" kernel reads (and ignores) as the
 * later rows of a block's last step when the block's rows run out before the step's.
 */
const SPARE_ROWS = 3;

/** The layout of a batch of nRows rows: every region 64-byte aligned and followed by SPARE_ROWS rows. */
export function wasmBatchLayout(wasm: WasmTrees, nCatWords: number, nRows: number, nOutputs: number): WasmBatchLayout {
  const nFeatures = wasm.columnKinds.length;
  let at = 64;
  const region = (bytes: number): number => {
    const start = at;
    at = Math.ceil((at + bytes + 16) / 64) * 64;
    return start;
  };
  const table = region(4 * (TABLE_COLUMNS + nFeatures));
  const tableWorkers = region(4 * (TABLE_COLUMNS + nFeatures));
  const catBits = region(4 * nCatWords);
  const leaves = region(8 * wasm.leafValues.length);
  const out = region(8 * (nRows + SPARE_ROWS) * nOutputs);
  const outWorkers = region(8 * (nRows + SPARE_ROWS) * nOutputs);
  const columns = new Int32Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const kind = wasm.columnKinds[f];
    if (kind === COLUMN_F64) columns[f] = region(8 * (nRows + SPARE_ROWS));
    else if (kind === COLUMN_I32) columns[f] = region(4 * (nRows + SPARE_ROWS));
  }
  return { table, tableWorkers, out, outWorkers, catBits, leaves, columns, bytes: at };
}

/**
 * Writes a batch into the memory `buffer` as `layout` says: both tables, the category bitsets, the leaf
 * values and the columns the splits read (rows 0..nRows-1; numeric ones as float64, categorical codes as
 * int32: a float64 code outside 0..2^31-1 or NaN becomes -1 and others are truncated, which findLeaf's
 * `v >= 0 && v < nCodes` and `v >>> 5` decide the same way for every whole nCodes).
 */
export function writeWasmBatch(buffer: ArrayBufferLike, layout: WasmBatchLayout, wasm: WasmTrees, catBits: Uint32Array, columns: readonly (Float64Array | Int32Array)[], nRows: number): void {
  const nFeatures = wasm.columnKinds.length;
  for (const [at, out] of [
    [layout.table, layout.out],
    [layout.tableWorkers, layout.outWorkers],
  ] as const) {
    const words = new Int32Array(buffer, at, TABLE_COLUMNS + nFeatures);
    words[TABLE_OUT] = out;
    words[TABLE_CAT_BITS] = layout.catBits;
    words[TABLE_LEAVES] = layout.leaves;
    words.set(layout.columns, TABLE_COLUMNS);
  }
  new Uint32Array(buffer, layout.catBits, catBits.length).set(catBits);
  new Float64Array(buffer, layout.leaves, wasm.leafValues.length).set(wasm.leafValues);
  for (let f = 0; f < nFeatures; f++) {
    const values = columns[f]!;
    const kind = wasm.columnKinds[f];
    if (kind === COLUMN_F64) new Float64Array(buffer, layout.columns[f]!, nRows).set(values.subarray(0, nRows));
    else if (kind === COLUMN_I32) {
      const codes = new Int32Array(buffer, layout.columns[f]!, nRows);
      if (values instanceof Int32Array) codes.set(values.subarray(0, nRows));
      else for (let r = 0; r < nRows; r++) codes[r] = values[r]! >= 0 && values[r]! < 2147483648 ? Math.trunc(values[r]!) : -1;
    }
  }
}
