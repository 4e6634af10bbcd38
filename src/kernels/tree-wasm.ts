/**
 * Batch prediction by generated WebAssembly: a model's trees written straight out as the bytes of a
 * WebAssembly module (no text format, no wabt at run time), each split a compare against its threshold as
 * an `f64.const`, each leaf its value as an `f64.const`, nested `if`/`else` blocks that yield the leaf.
 *
 * Why not the generated JavaScript of ./tree-compile.ts: V8 compiles a JavaScript function with its
 * optimising compiler only after it has run for a while and then takes 35-50 ms per function on the calling
 * thread and on every worker, which made the first batch of a process cost twice the later ones (1M x 28's
 * model: 0.36 against 0.16 s). A WebAssembly module is compiled once per model by V8's baseline compiler
 * (Liftoff, milliseconds), its hot functions are re-compiled by the optimising one in the background, and
 * the compiled module is shared by every thread it is posted to.
 *
 * The module imports one shared memory ("env", "memory") that holds the columns (numeric features as
 * float64, categorical codes as int32, each a contiguous column), the model's category bitsets and the
 * output scores; a small table of int32 addresses in that memory says where each is (see WasmLayout). It
 * exports one function per group of trees, `g0`, `g1`, ..., each (table, start, end): for rows start..end-1
 * it adds its trees' leaf values, in tree order, to out[r * nOutputs + treeOutput[t]]. Running the groups one
 * after the other over the same rows gives predictRaw's sums bit for bit (the same float64 additions in the
 * same order), and every split is decided as findLeaf decides it:
 * - a numeric split with missing values going left is `if (x > t) right else left` (NaN fails `>`), with
 *   missing values going right `if (x <= t) left else right`; a NaN threshold sends only NaN left, and only
 *   when missing values go left;
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
   * Bytes of tree code per function (default 24,000; a tree longer than that gets a function of its own).
   * V8's optimising compiler, which re-compiles a hot function in the background, takes time growing
   * faster than a function's size, while each call of a function reloads a row's features.
   */
  readonly bytesPerFunction?: number;
  /** Nodes in all (default 1,000,000): the module's code grows with them, about 20 bytes a node. */
  readonly maxNodes?: number;
  /** Deepest tree (default 256 levels): the blocks nest as deep as the tree. */
  readonly maxDepth?: number;
  /** "masks" (default): two rows at a time without a branch; "branches": one row at a time, nested ifs. */
  readonly kernel?: "masks" | "branches";
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

/** A growable byte buffer with the encodings of the binary format. */
class Bytes {
  #data = new Uint8Array(1024);
  length = 0;

  #reserve(n: number): void {
    if (this.length + n <= this.#data.length) return;
    let size = this.#data.length * 2;
    while (size < this.length + n) size *= 2;
    const data = new Uint8Array(size);
    data.set(this.#data.subarray(0, this.length));
    this.#data = data;
  }

  byte(b: number): this {
    this.#reserve(1);
    this.#data[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    this.#reserve(bs.length);
    this.#data.set(bs, this.length);
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
    this.#reserve(8);
    new DataView(this.#data.buffer, this.#data.byteOffset + this.length, 8).setFloat64(0, x, true);
    this.length += 8;
    return this;
  }

  /** A vector: its length, then its bytes. */
  sized(content: Bytes): this {
    return this.u32(content.length).bytes(content.view());
  }

  view(): Uint8Array {
    return this.#data.subarray(0, this.length);
  }
}

/** Local indices of one group function. */
interface GroupLocals {
  readonly table: number;
  readonly row: number;
  readonly end: number;
  readonly outAt: number;
  readonly catBase: number;
  /** Per feature: its column's address (i32 local), or -1 when the group does not read it. */
  readonly columnBase: Int32Array;
  /** Per feature: the row's value (f64 or i32 local by its kind), or -1. */
  readonly value: Int32Array;
  /** Per output: its running sum (f64 local), or -1. */
  readonly sum: Int32Array;
}

/**
 * Appends the code of the subtree at `node`, which leaves its leaf value (f64) on the stack; decides each
 * split as findLeaf does (see the file's comment).
 */
function emitTree(code: Bytes, trees: TreeArrays, node: number, locals: GroupLocals): void {
  const { nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeFlags, nodeValue } = trees;
  const f = nodeFeature[node]!;
  if (f < 0) {
    code.byte(op.f64Const).f64(nodeValue[node]!);
    return;
  }
  const missingLeft = (nodeFlags[node]! & FLAG_MISSING_LEFT) !== 0;
  const threshold = nodeThreshold[node]!;
  const x = locals.value[f]!;
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
    code.byte(op.i64Const).s64(1n).byte(op.i64And).byte(op.i32WrapI64);
    code.byte(op.localGet).u32(x).byte(op.i32Const).s32(nCodes).byte(missingLeft ? op.i32GeU : op.i32LtU);
    code.byte(missingLeft ? op.i32Or : op.i32And);
  } else {
    // In range: the bit of word code >>> 5 (read from memory); out of range: the missing direction.
    code.byte(op.localGet).u32(x).byte(op.i32Const).s32(nCodes).byte(op.i32LtU);
    code.byte(op.if).byte(I32);
    code.byte(op.localGet).u32(catBase).byte(op.localGet).u32(x).byte(op.i32Const).s32(5).byte(op.i32ShrU);
    code.byte(op.i32Const).s32(2).byte(op.i32Shl).byte(op.i32Add);
    code.byte(op.i32Load).u32(2).u32(4 * offset);
    code.byte(op.localGet).u32(x).byte(op.i32ShrU).byte(op.i32Const).s32(1).byte(op.i32And);
    code.byte(op.else).byte(op.i32Const).s32(missingLeft ? 1 : 0).byte(op.end);
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
  const bytesPerFunction = limits.bytesPerFunction ?? 24_000;
  const kernel = limits.kernel ?? "masks";
  const { treeRoot, nodeFeature } = trees;
  const nTrees = treeRoot.length;
  if (nodeFeature.length > (limits.maxNodes ?? 1_000_000)) return undefined;
  const use = featureUse(trees, nFeatures, limits.maxDepth ?? 256);
  if (!use) return undefined;

  // The masks kernel: each tree's leaves, left to right, in one array.
  const leafBase = new Int32Array(nTrees);
  const leafValues: number[] = [];
  if (kernel === "masks") {
    for (let t = 0; t < nTrees; t++) {
      leafBase[t] = leafValues.length;
      const stack = [treeRoot[t]!];
      while (stack.length > 0) {
        const node = stack.pop()!;
        if (nodeFeature[node]! < 0) leafValues.push(trees.nodeValue[node]!);
        else stack.push(trees.nodeRight[node]!, trees.nodeLeft[node]!);
      }
      if (leafValues.length - leafBase[t]! > 64) return undefined;
    }
  }

  // Each tree's code, emitted once alone to learn its size.
  const treeBytes: number[] = [];
  for (let t = 0; t < nTrees; t++) treeBytes.push(groupBody(kernel, trees, t, t + 1, leafBase, use.usedOf, use.kinds, nOutputs).length);
  const bodies: Bytes[] = [];
  for (let begin = 0; begin < nTrees; ) {
    let end = begin;
    let size = 0;
    while (end < nTrees && (end === begin || size + treeBytes[end]! <= bytesPerFunction)) size += treeBytes[end++]!;
    bodies.push(groupBody(kernel, trees, begin, end, leafBase, use.usedOf, use.kinds, nOutputs));
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

function groupBody(kernel: "masks" | "branches", trees: TreeArrays, begin: number, end: number, leafBase: Int32Array, usedOf: readonly Set<number>[], kinds: Uint8Array, nOutputs: number): Bytes {
  return kernel === "masks" ? masksGroupBody(trees, begin, end, leafBase, usedOf, kinds, nOutputs) : branchesGroupBody(trees, begin, end, usedOf, kinds, nOutputs);
}

/** The body of the group function of trees begin..end-1: the loop over rows (see the file's comment). */
function branchesGroupBody(trees: TreeArrays, begin: number, end: number, usedOf: readonly Set<number>[], kinds: Uint8Array, nOutputs: number): Bytes {
  const nFeatures = kinds.length;
  const { used, outputs, categorical } = groupUse(trees, begin, end, usedOf, kinds, nOutputs);

  // Locals: params table, row, end; then i32: outAt, catBase, a column address per used feature, an i32
  // value per categorical feature; then f64: a value per numeric feature and a sum per output.
  let next = 3;
  const columnBase = new Int32Array(nFeatures).fill(-1);
  const value = new Int32Array(nFeatures).fill(-1);
  const sum = new Int32Array(nOutputs).fill(-1);
  const outAt = next++;
  const catBase = next++;
  for (const f of used) columnBase[f] = next++;
  for (const f of used) if (kinds[f] === COLUMN_I32) value[f] = next++;
  const nI32 = next - 3;
  for (const f of used) if (kinds[f] === COLUMN_F64) value[f] = next++;
  for (const k of outputs) sum[k] = next++;
  const nF64 = next - 3 - nI32;
  const locals: GroupLocals = { table: 0, row: 1, end: 2, outAt, catBase, columnBase, value, sum };

  const code = new Bytes();
  code.u32(2).u32(nI32).byte(I32).u32(nF64).byte(F64);
  const tableWord = (word: number, local: number) => code.byte(op.localGet).u32(locals.table).byte(op.i32Load).u32(2).u32(4 * word).byte(op.localSet).u32(local);
  if (categorical) tableWord(TABLE_CAT_BITS, catBase);
  for (const f of used) tableWord(TABLE_COLUMNS + f, columnBase[f]!);
  // outAt = out + 8 * nOutputs * row
  code.byte(op.localGet).u32(locals.table).byte(op.i32Load).u32(2).u32(4 * TABLE_OUT);
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(8 * nOutputs).byte(op.i32Mul).byte(op.i32Add).byte(op.localSet).u32(outAt);

  code.byte(op.block).byte(VOID);
  code.byte(op.localGet).u32(locals.row).byte(op.localGet).u32(locals.end).byte(op.i32GeU).byte(op.brIf).u32(0);
  code.byte(op.loop).byte(VOID);
  for (const f of used) {
    // value = column[row]: address column + (row << 3) for float64, (row << 2) for int32.
    const i32 = kinds[f] === COLUMN_I32;
    code.byte(op.localGet).u32(columnBase[f]!).byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(i32 ? 2 : 3).byte(op.i32Shl).byte(op.i32Add);
    code.byte(i32 ? op.i32Load : op.f64Load).u32(i32 ? 2 : 3).u32(0).byte(op.localSet).u32(value[f]!);
  }
  for (const k of outputs) code.byte(op.localGet).u32(outAt).byte(op.f64Load).u32(3).u32(8 * k).byte(op.localSet).u32(sum[k]!);
  for (let t = begin; t < end; t++) {
    const k = trees.treeOutput[t]!;
    code.byte(op.localGet).u32(sum[k]!);
    emitTree(code, trees, trees.treeRoot[t]!, locals);
    code.byte(op.f64Add).byte(op.localSet).u32(sum[k]!);
  }
  for (const k of outputs) code.byte(op.localGet).u32(outAt).byte(op.localGet).u32(sum[k]!).byte(op.f64Store).u32(3).u32(8 * k);
  // row++, outAt += 8 * nOutputs; again while row < end
  code.byte(op.localGet).u32(outAt).byte(op.i32Const).s32(8 * nOutputs).byte(op.i32Add).byte(op.localSet).u32(outAt);
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(1).byte(op.i32Add).byte(op.localSet).u32(locals.row);
  code.byte(op.localGet).u32(locals.row).byte(op.localGet).u32(locals.end).byte(op.i32LtU).byte(op.brIf).u32(0);
  code.byte(op.end); // loop
  code.byte(op.end); // block
  code.byte(op.end); // function
  return code;
}

/** Local indices of one group function of the "masks" kernel (two rows at a time). */
interface MaskLocals {
  readonly table: number;
  readonly row: number;
  readonly end: number;
  readonly outAt: number;
  readonly catBase: number;
  readonly leaves: number;
  /** v128: the bits of the leaves that splits ruled out, for the tree being added. */
  readonly cleared: number;
  readonly columnBase: Int32Array;
  /** Per numeric feature: both rows' values (v128 local), or -1. */
  readonly pair: Int32Array;
  /** Per categorical feature: the first and the second row's code (i32 locals), or -1. */
  readonly code0: Int32Array;
  readonly code1: Int32Array;
  /** Per output: both rows' running sums (v128 local), or -1. */
  readonly sum: Int32Array;
}

/** Each inner node of the tree at `root` with the bits of the leaves of its left subtree (leaves numbered left to right). */
function leftLeafMasks(trees: TreeArrays, root: number): { inner: number[]; leftMask: bigint[]; nLeaves: number } {
  const inner: number[] = [];
  const leftMask: bigint[] = [];
  let nLeaves = 0;
  const visit = (node: number): void => {
    if (trees.nodeFeature[node]! < 0) {
      nLeaves++;
      return;
    }
    const at = inner.length;
    inner.push(node);
    leftMask.push(0n);
    const first = nLeaves;
    visit(trees.nodeLeft[node]!);
    leftMask[at] = ((1n << BigInt(nLeaves - first)) - 1n) << BigInt(first);
    visit(trees.nodeRight[node]!);
  };
  visit(root);
  return { inner, leftMask, nLeaves };
}

function v128Const(code: Bytes, lo: bigint, hi: bigint): void {
  code.byte(op.f64x2).u32(simd.const);
  const view = new DataView(new ArrayBuffer(16));
  view.setBigUint64(0, BigInt.asUintN(64, lo), true);
  view.setBigUint64(8, BigInt.asUintN(64, hi), true);
  code.bytes(new Uint8Array(view.buffer));
}

function f64PairConst(code: Bytes, x: number): void {
  code.byte(op.f64x2).u32(simd.const);
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, x, true);
  view.setFloat64(8, x, true);
  code.bytes(new Uint8Array(view.buffer));
}

/**
 * Appends the code that leaves, for two rows (lanes), right & leftMask as a v128: the bits of the leaves
 * in node's left subtree when the row goes right at the node, else 0.
 */
function emitMaskedRight(code: Bytes, trees: TreeArrays, node: number, mask: bigint, locals: MaskLocals): void {
  const { nodeFeature, nodeThreshold, nodeFlags } = trees;
  const f = nodeFeature[node]!;
  const missingLeft = (nodeFlags[node]! & FLAG_MISSING_LEFT) !== 0;
  const threshold = nodeThreshold[node]!;
  if ((nodeFlags[node]! & FLAG_CATEGORICAL) !== 0) {
    // Each row on its own: mask & (goesLeft - 1), as i64 lanes.
    for (const lane of [0, 1]) {
      code.byte(op.i64Const).s64(mask);
      emitCategoricalGoesLeft(code, trees, node, lane === 0 ? locals.code0[f]! : locals.code1[f]!, locals.catBase);
      code.byte(op.i64ExtendI32U).byte(op.i64Const).s64(1n).byte(op.i64Sub).byte(op.i64And);
      if (lane === 0) code.byte(op.f64x2).u32(simd.i64x2Splat);
      else code.byte(op.f64x2).u32(simd.i64x2ReplaceLane).byte(1);
    }
    return;
  }
  const x = locals.pair[f]!;
  if (threshold !== threshold) {
    // x <= NaN is false: every row goes right but NaN when missing values go left.
    if (!missingLeft) v128Const(code, mask, mask);
    else {
      code.byte(op.localGet).u32(x).byte(op.localGet).u32(x).byte(op.f64x2).u32(simd.f64x2Eq);
      v128Const(code, mask, mask);
      code.byte(op.f64x2).u32(simd.and);
    }
  } else if (missingLeft) {
    // Right when x > t (false for NaN).
    code.byte(op.localGet).u32(x);
    f64PairConst(code, threshold);
    code.byte(op.f64x2).u32(simd.f64x2Gt);
    v128Const(code, mask, mask);
    code.byte(op.f64x2).u32(simd.and);
  } else {
    // Right unless x <= t (NaN goes right): mask & ~(x <= t).
    v128Const(code, mask, mask);
    code.byte(op.localGet).u32(x);
    f64PairConst(code, threshold);
    code.byte(op.f64x2).u32(simd.f64x2Le);
    code.byte(op.f64x2).u32(simd.andnot);
  }
}

/**
 * Appends the code that adds tree `t`'s leaf values of two rows to their sums, branch-free: every split's
 * (right & leftMask) ORed together (a balanced tree of ORs, so that they do not wait for each other) are
 * the leaves ruled out; the exit leaf is the first one not ruled out (QuickScorer's observation: a leaf
 * left of the exit leaf lies in the left subtree of a split where the row went right, and the exit leaf is
 * in no such subtree).
 */
function emitMasksTree(code: Bytes, trees: TreeArrays, t: number, leafBase: number, locals: MaskLocals): void {
  const { inner, leftMask } = leftLeafMasks(trees, trees.treeRoot[t]!);
  const k = trees.treeOutput[t]!;
  code.byte(op.localGet).u32(locals.sum[k]!);
  if (inner.length === 0) v128Const(code, 0n, 0n);
  const reduce = (a: number, b: number): void => {
    if (b - a === 1) return emitMaskedRight(code, trees, inner[a]!, leftMask[a]!, locals);
    const mid = (a + b) >>> 1;
    reduce(a, mid);
    reduce(mid, b);
    code.byte(op.f64x2).u32(simd.or);
  };
  if (inner.length > 0) reduce(0, inner.length);
  code.byte(op.localSet).u32(locals.cleared);
  for (const lane of [0, 1]) {
    // leaves[leafBase + ctz(~cleared)]
    code.byte(op.localGet).u32(locals.leaves).byte(op.localGet).u32(locals.cleared).byte(op.f64x2).u32(simd.i64x2ExtractLane).byte(lane);
    code.byte(op.i64Const).s64(-1n).byte(op.i64Xor).byte(op.i64Ctz).byte(op.i32WrapI64).byte(op.i32Const).s32(3).byte(op.i32Shl).byte(op.i32Add);
    code.byte(op.f64Load).u32(3).u32(8 * leafBase);
    if (lane === 0) code.byte(op.f64x2).u32(simd.f64x2Splat);
    else code.byte(op.f64x2).u32(simd.f64x2ReplaceLane).byte(1);
  }
  code.byte(op.f64x2).u32(simd.f64x2Add).byte(op.localSet).u32(locals.sum[k]!);
}

/** The body of the "masks" group function of trees begin..end-1: a loop over pairs of rows. */
function masksGroupBody(trees: TreeArrays, begin: number, end: number, leafBase: Int32Array, usedOf: readonly Set<number>[], kinds: Uint8Array, nOutputs: number): Bytes {
  const nFeatures = kinds.length;
  const { used, outputs, categorical } = groupUse(trees, begin, end, usedOf, kinds, nOutputs);
  let next = 3;
  const columnBase = new Int32Array(nFeatures).fill(-1);
  const pair = new Int32Array(nFeatures).fill(-1);
  const code0 = new Int32Array(nFeatures).fill(-1);
  const code1 = new Int32Array(nFeatures).fill(-1);
  const sum = new Int32Array(nOutputs).fill(-1);
  const outAt = next++;
  const catBase = next++;
  const leaves = next++;
  for (const f of used) columnBase[f] = next++;
  for (const f of used) if (kinds[f] === COLUMN_I32) (code0[f] = next++), (code1[f] = next++);
  const nI32 = next - 3;
  const cleared = next++;
  for (const f of used) if (kinds[f] === COLUMN_F64) pair[f] = next++;
  for (const k of outputs) sum[k] = next++;
  const nV128 = next - 3 - nI32;
  const locals: MaskLocals = { table: 0, row: 1, end: 2, outAt, catBase, leaves, cleared, columnBase, pair, code0, code1, sum };

  const code = new Bytes();
  code.u32(2).u32(nI32).byte(I32).u32(nV128).byte(V128);
  const tableWord = (word: number, local: number) => code.byte(op.localGet).u32(locals.table).byte(op.i32Load).u32(2).u32(4 * word).byte(op.localSet).u32(local);
  if (categorical) tableWord(TABLE_CAT_BITS, catBase);
  tableWord(TABLE_LEAVES, leaves);
  for (const f of used) tableWord(TABLE_COLUMNS + f, columnBase[f]!);
  code.byte(op.localGet).u32(locals.table).byte(op.i32Load).u32(2).u32(4 * TABLE_OUT);
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(8 * nOutputs).byte(op.i32Mul).byte(op.i32Add).byte(op.localSet).u32(outAt);

  code.byte(op.block).byte(VOID);
  code.byte(op.localGet).u32(locals.row).byte(op.localGet).u32(locals.end).byte(op.i32GeU).byte(op.brIf).u32(0);
  code.byte(op.loop).byte(VOID);
  for (const f of used) {
    // Rows row and row + 1 (the column has a row of padding after its last).
    const i32 = kinds[f] === COLUMN_I32;
    code.byte(op.localGet).u32(columnBase[f]!).byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(i32 ? 2 : 3).byte(op.i32Shl).byte(op.i32Add);
    if (i32) {
      code.byte(op.localSet).u32(code0[f]!);
      code.byte(op.localGet).u32(code0[f]!).byte(op.i32Load).u32(2).u32(4).byte(op.localSet).u32(code1[f]!);
      code.byte(op.localGet).u32(code0[f]!).byte(op.i32Load).u32(2).u32(0).byte(op.localSet).u32(code0[f]!);
    } else code.byte(op.f64x2).u32(simd.load).u32(3).u32(0).byte(op.localSet).u32(pair[f]!);
  }
  for (const k of outputs) {
    code.byte(op.localGet).u32(outAt).byte(op.f64Load).u32(3).u32(8 * k).byte(op.f64x2).u32(simd.f64x2Splat);
    code.byte(op.localGet).u32(outAt).byte(op.f64Load).u32(3).u32(8 * (nOutputs + k)).byte(op.f64x2).u32(simd.f64x2ReplaceLane).byte(1);
    code.byte(op.localSet).u32(sum[k]!);
  }
  for (let t = begin; t < end; t++) emitMasksTree(code, trees, t, leafBase[t]!, locals);
  for (const k of outputs) code.byte(op.localGet).u32(outAt).byte(op.localGet).u32(sum[k]!).byte(op.f64x2).u32(simd.f64x2ExtractLane).byte(0).byte(op.f64Store).u32(3).u32(8 * k);
  // The second row only when there is one (an odd block's last row has none).
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(1).byte(op.i32Add).byte(op.localGet).u32(locals.end).byte(op.i32LtU);
  code.byte(op.if).byte(VOID);
  for (const k of outputs) code.byte(op.localGet).u32(outAt).byte(op.localGet).u32(sum[k]!).byte(op.f64x2).u32(simd.f64x2ExtractLane).byte(1).byte(op.f64Store).u32(3).u32(8 * (nOutputs + k));
  code.byte(op.end);
  code.byte(op.localGet).u32(outAt).byte(op.i32Const).s32(16 * nOutputs).byte(op.i32Add).byte(op.localSet).u32(outAt);
  code.byte(op.localGet).u32(locals.row).byte(op.i32Const).s32(2).byte(op.i32Add).byte(op.localSet).u32(locals.row);
  code.byte(op.localGet).u32(locals.row).byte(op.localGet).u32(locals.end).byte(op.i32LtU).byte(op.brIf).u32(0);
  code.byte(op.end);
  code.byte(op.end);
  code.byte(op.end);
  return code;
}

/** The features (ascending) and outputs of trees begin..end-1, and whether any feature is categorical. */
function groupUse(trees: TreeArrays, begin: number, end: number, usedOf: readonly Set<number>[], kinds: Uint8Array, nOutputs: number): { used: number[]; outputs: number[]; categorical: boolean } {
  const used: number[] = [];
  const outputs: number[] = [];
  const seenFeature = new Uint8Array(kinds.length);
  const seenOutput = new Uint8Array(nOutputs);
  let categorical = false;
  for (let t = begin; t < end; t++) {
    for (const f of usedOf[t]!) {
      if (!seenFeature[f]) used.push(f);
      seenFeature[f] = 1;
      if (kinds[f] === COLUMN_I32) categorical = true;
    }
    const k = trees.treeOutput[t]!;
    if (!seenOutput[k]) outputs.push(k);
    seenOutput[k] = 1;
  }
  used.sort((a, b) => a - b);
  outputs.sort((a, b) => a - b);
  return { used, outputs, categorical };
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
 * The layout of a batch of nRows rows: every region 64-byte aligned and followed by a spare row, which the
 * "masks" kernel reads (and ignores) as the second row of an odd block's last pair.
 */
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
  const out = region(8 * (nRows + 1) * nOutputs);
  const outWorkers = region(8 * (nRows + 1) * nOutputs);
  const columns = new Int32Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const kind = wasm.columnKinds[f];
    if (kind === COLUMN_F64) columns[f] = region(8 * (nRows + 1));
    else if (kind === COLUMN_I32) columns[f] = region(4 * (nRows + 1));
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
