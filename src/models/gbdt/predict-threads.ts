/**
 * Batch prediction of tree ensembles on worker threads over shared memory.
 *
 * The rows are cut into blocks of BLOCK_ROWS; the calling thread and up to threads - 1 workers claim blocks
 * with one atomic counter and write each row's scores into a shared output. Every row is computed by
 * predictColumnsBlock alone (initial score, then the trees in order), so the scores are bit-identical
 * whatever the number of threads or the order in which blocks are claimed. Batches under
 * MIN_PARALLEL_ROWS stay on the calling thread: a service's single-row and small-batch latency never
 * pays for a hand-over.
 *
 * The calling thread never waits for a worker: it claims blocks from the first moment, so a worker that
 * comes late (starting, or its core taken by another process) finds fewer or none left; and when no block
 * is left to claim, it predicts again, into its own copy of the scores, every block a worker claimed but
 * has not finished (the worker's late result is never read). On a loaded machine a worker descheduled in
 * the middle of a block would otherwise hold the whole batch up.
 * The pool is process-wide, started on the first large batch, and unref'd (it never keeps a process alive).
 * Blocks are predicted, by preference, by the model's trees compiled to WebAssembly (src/kernels/tree-wasm.ts:
 * the module is compiled once per model on the calling thread and posted to the workers, which share its
 * compiled code; the columns are copied into one shared WebAssembly memory); without WebAssembly, by the
 * trees compiled to JavaScript (src/kernels/tree-compile.ts batchPredictorSources; each worker compiles the
 * sources once per model and keeps the last 8 models); and by the packed walk when the model is past the
 * compilers' limits or code generation is off.
 */
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { isMainThread, Worker } from "node:worker_threads";
import { FLAG_CATEGORICAL, PACKED_CATEGORICAL, PACKED_MISSING_RIGHT, packTrees, predictColumnsBlock, predictPackedRaw, predictPackedRaw4, stepAny, type PackedTrees, type TreeArrays } from "../../kernels/tree-predict.js";
import { batchPredictorSources, compileRowsPredictors, type CompiledRowsPredictor } from "../../kernels/tree-compile.js";
import { wasmBatchLayout, wasmTreesApi, wasmTreesOf, writeWasmBatch, type WasmSharedMemory, type WasmTrees, type WasmTreesApi, type WasmTreesModule } from "../../kernels/tree-wasm.js";
import { toShared } from "./histogram-threads.js";

/**
 * Rows per block: a block's row-major copy (1024 x 28 doubles, 229 KB) stays in L2 while the trees walk it,
 * and a block left unfinished by a worker costs the calling thread a few milliseconds to predict again.
 */
const BLOCK_ROWS = 1024;
/** Batches smaller than this are predicted on the calling thread (about 10-50 ms of work for 100 trees). */
export const MIN_PARALLEL_ROWS = 10_000;
/**
 * ctrl words of a job: the next unclaimed block, blocks finished, a block failed, blocks done by workers,
 * then one word per block: 1 once its scores are written.
 */
const NEXT = 0;
const DONE = 1;
const FAILED = 2;
const BY_WORKERS = 3;
const BLOCK_DONE = 4;

/** What each worker receives for a batch; every array is in shared memory. */
interface PredictJob {
  readonly ctrl: Int32Array;
  readonly nRows: number;
  readonly nOutputs: number;
  readonly initial: Float64Array;
  readonly blockRows: number;
  /** The trees as WebAssembly; null: `js`. */
  readonly wasm: WasmJob | null;
  /** Without WebAssembly: the packed trees, the columns and the output, and the trees as JavaScript (null: the packed walk). */
  readonly js: {
    readonly trees: PackedTrees;
    readonly columns: readonly (Float64Array | Int32Array)[];
    readonly out: Float64Array;
    readonly compiled: { readonly id: number; readonly sources: readonly string[] } | null;
  } | null;
}

/**
 * A batch for the WebAssembly predictor: the compiled module (posted, not copied: every thread runs the
 * same compiled code), the shared memory it reads the columns from and writes the scores to, and the
 * workers' table and scores in it (the calling thread has its own, so that a block it predicts again is
 * never written at the same time by a late worker).
 */
interface WasmJob {
  readonly id: number;
  readonly module: WasmTreesModule;
  readonly nGroups: number;
  readonly memory: WasmSharedMemory;
  /** A new number for each new memory: a worker instantiates the module again only then. */
  readonly memoryId: number;
  readonly table: number;
  /** Byte address of row 0's scores in the workers' output. */
  readonly out: number;
}

/** Predicts rows start..start+n-1 of a batch into its output. */
type BlockPredictor = (start: number, n: number) => void;

/** Prediction options of tree-ensemble models. */
export interface PredictOptions {
  /**
   * Threads for a batch of at least MIN_PARALLEL_ROWS rows (the calling one included): null or absent for
   * the cores Node may use, 1 for the calling thread only. The scores do not depend on it.
   */
  readonly threads?: number | null;
}

/**
 * Claims and predicts blocks of a batch (ctrl: its control words) until none is left. Run by the calling
 * thread (with `mine`) and by the workers (serialised with toString: it uses only its arguments and the
 * constants declared in workerSource).
 */
function runPredictBlocks(block: BlockPredictor, ctrl: Int32Array, nRows: number, blockRows: number, mine: Uint8Array | null): void {
  const nBlocks = Math.ceil(nRows / blockRows);
  for (;;) {
    const b = Atomics.add(ctrl, NEXT, 1);
    if (b >= nBlocks) return;
    try {
      const start = b * blockRows;
      block(start, Math.min(blockRows, nRows - start));
      if (mine) mine[b] = 1;
      // Sequentially consistent: whoever sees the flag sees the block's scores.
      Atomics.store(ctrl, BLOCK_DONE + b, 1);
    } catch {
      Atomics.store(ctrl, FAILED, 1);
    }
    if (!mine) Atomics.add(ctrl, BY_WORKERS, 1);
    Atomics.add(ctrl, DONE, 1);
  }
}

/**
 * Raw scores of rows start..start+n-1 by the trees' generated code: initial scores, then each group of
 * trees in order over the block (the same sums as predictColumnsBlock, bit for bit).
 */
function predictCompiledBlock(groups: readonly CompiledRowsPredictor[], columns: readonly (Float64Array | Int32Array)[], start: number, n: number, nOutputs: number, initial: Float64Array, out: Float64Array): void {
  const end = (start + n) * nOutputs;
  for (let at = start * nOutputs; at < end; at += nOutputs) for (let k = 0; k < nOutputs; k++) out[at + k] = initial[k]!;
  for (let g = 0; g < groups.length; g++) groups[g]!(columns, start, start + n, out);
}

/** One group function of a WebAssembly predictor: (table, start, end). */
type WasmGroup = (table: number, start: number, end: number) => void;

/**
 * Raw scores of rows start..start+n-1 by the trees' WebAssembly: initial scores into `scores` (the table's
 * output, row 0 at index 0), then each group of trees in order over the block.
 */
function predictWasmBlock(groups: readonly WasmGroup[], table: number, scores: Float64Array, start: number, n: number, nOutputs: number, initial: Float64Array): void {
  const end = (start + n) * nOutputs;
  for (let at = start * nOutputs; at < end; at += nOutputs) for (let k = 0; k < nOutputs; k++) scores[at + k] = initial[k]!;
  for (let g = 0; g < groups.length; g++) groups[g]!(table, start, start + n);
}

/** The group functions of a WebAssembly predictor instantiated over `memory` (instantiating a compiled module takes microseconds). */
function wasmGroups(module: WasmTreesModule, nGroups: number, memory: WasmSharedMemory): WasmGroup[] {
  const exports = new (globalThis as unknown as { WebAssembly: WasmTreesApi }).WebAssembly.Instance(module, { env: { memory } }).exports;
  return Array.from({ length: nGroups }, (_, g) => exports[`g${g}`] as WasmGroup);
}

/** A worker's message handler: instantiates or compiles a model's code once (the last few models kept), then claims blocks. */
function onPredictJob(job: PredictJob): void {
  const state = globalThis as unknown as { compiledModels?: Map<number, CompiledRowsPredictor[] | null>; wasmModels?: Map<number, { memoryId: number; groups: WasmGroup[] }> };
  let block: BlockPredictor;
  if (job.wasm) {
    const wasm = job.wasm;
    const instances = (state.wasmModels ??= new Map());
    let entry = instances.get(wasm.id);
    if (!entry || entry.memoryId !== wasm.memoryId) {
      instances.delete(wasm.id);
      entry = { memoryId: wasm.memoryId, groups: wasmGroups(wasm.module, wasm.nGroups, wasm.memory) };
      instances.set(wasm.id, entry);
      if (instances.size > 8) instances.delete(instances.keys().next().value!);
    }
    const groups = entry.groups;
    const scores = new Float64Array(wasm.memory.buffer, wasm.out, job.nRows * job.nOutputs);
    block = (start, n) => predictWasmBlock(groups, wasm.table, scores, start, n, job.nOutputs, job.initial);
  } else {
    const { trees, columns, out, compiled } = job.js!;
    let groups: CompiledRowsPredictor[] | null | undefined = null;
    if (compiled) {
      const cache = (state.compiledModels ??= new Map());
      groups = cache.get(compiled.id);
      if (groups === undefined) {
        groups = compileRowsPredictors(compiled.sources, trees.catBits) ?? null;
        cache.set(compiled.id, groups);
        if (cache.size > 8) cache.delete(cache.keys().next().value!);
      }
    }
    const functions = groups;
    let scratch: Float64Array | null = null;
    block = functions
      ? (start, n) => predictCompiledBlock(functions, columns, start, n, job.nOutputs, job.initial, out)
      : (start, n) => predictColumnsBlock(trees, columns, start, n, job.nOutputs, job.initial, out, (scratch ??= new Float64Array(Math.min(job.blockRows, job.nRows) * columns.length)));
  }
  runPredictBlocks(block, job.ctrl, job.nRows, job.blockRows, null);
}

/** The worker's whole program: the constants, the kernels' compiled source and a message loop. */
function workerSource(): string {
  const constants = { PACKED_CATEGORICAL, PACKED_MISSING_RIGHT, NEXT, DONE, FAILED, BY_WORKERS, BLOCK_DONE };
  return [
    '"use strict";',
    // tsx (esbuild keepNames) wraps inner functions in __name(fn, "name").
    "const __name = (fn) => fn;",
    ...Object.entries(constants).map(([name, value]) => `const ${name} = ${value};`),
    String(stepAny),
    String(predictPackedRaw),
    String(predictPackedRaw4),
    String(predictColumnsBlock),
    String(runPredictBlocks),
    String(compileRowsPredictors),
    String(predictCompiledBlock),
    String(predictWasmBlock),
    String(wasmGroups),
    String(onPredictJob),
    `require("node:worker_threads").parentPort.on("message", ${onPredictJob.name});`,
  ].join("\n");
}

/**
 * workerBlocks: blocks of the last multi-thread batch that workers finished before the calling thread ran
 * out of blocks to claim; redoneBlocks: blocks the calling thread predicted again since the process started;
 * predictor: what predicted the last batch; wasmTier: which of V8's compilers made its WebAssembly module
 * ("baseline": Liftoff alone, see compileBaseline; "default": V8's own tiers).
 */
export const predictThreadStats: { workerBlocks: number; redoneBlocks: number; predictor: "wasm-masks" | "wasm-branches" | "js" | "packed" | ""; wasmTier: "baseline" | "default" | "" } = {
  workerBlocks: 0,
  redoneBlocks: 0,
  predictor: "",
  wasmTier: "",
};

const workers: Worker[] = [];
let broken = false;

/** Up to n workers of the process-wide pool, started on first use (none when they cannot start). */
function pool(n: number): Worker[] {
  if (broken) return [];
  while (workers.length < n) {
    let worker: Worker;
    try {
      worker = new Worker(workerSource(), { eval: true, execArgv: [] });
    } catch {
      broken = true;
      return [];
    }
    // Errors arrive as events between batches; they only stop later batches from using the pool.
    worker.on("error", () => {
      broken = true;
    });
    worker.unref();
    workers.push(worker);
  }
  return workers.slice(0, n);
}

/** Stops the prediction workers (they are unref'd, so this is never needed to exit). */
export function shutdownPredictThreads(): void {
  for (const worker of workers.splice(0)) void worker.terminate();
}

/** Each model's trees packed for prediction (children adjacent) in shared memory, made once per model. */
const packedTrees = new WeakMap<TreeArrays, PackedTrees>();

function packedTreesOf(trees: TreeArrays): PackedTrees {
  let packed = packedTrees.get(trees);
  if (!packed) {
    const local = packTrees(trees);
    packed = { node: toShared(local.node), value: toShared(local.value), catBits: toSharedU32(local.catBits), treeRoot: toShared(local.treeRoot), treeOutput: toShared(local.treeOutput) };
    packedTrees.set(trees, packed);
  }
  return packed;
}

function toSharedU32(array: Uint32Array): Uint32Array {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const copy = new Uint32Array(new SharedArrayBuffer(array.byteLength));
  copy.set(array);
  return copy;
}

/**
 * Shared memory that the last batch's columns were copied into, kept for COLUMN_MEMORY_KEEP_MS after it
 * so that a run of batches reuses it: a new SharedArrayBuffer is zeroed and its pages faulted in on the
 * first copy, about 20 of the 200k x 28 batch's 160 ms on two threads, a reused one only copied (~5 ms).
 * A worker still on a block of an earlier batch may read a column while it is overwritten; that block's
 * scores went to the earlier batch's output, which the calling thread had already predicted again and
 * never reads.
 */
let columnMemory: SharedArrayBuffer | null = null;
let columnMemoryTimer: ReturnType<typeof setTimeout> | null = null;
const COLUMN_MEMORY_KEEP_MS = 2000;

/** Restarts the countdown of memory kept between batches: `drop` runs COLUMN_MEMORY_KEEP_MS after the last batch. */
function keepFor(timer: ReturnType<typeof setTimeout> | null, drop: () => void): ReturnType<typeof setTimeout> {
  if (timer) clearTimeout(timer);
  const next = setTimeout(drop, COLUMN_MEMORY_KEEP_MS);
  next.unref();
  return next;
}

/** The first nRows values of each column in shared memory (columns already shared are used as they are). */
function sharedColumns(columns: readonly (Float64Array | Int32Array)[], nRows: number): (Float64Array | Int32Array)[] {
  let bytes = 0;
  for (const values of columns) if (!(values.buffer instanceof SharedArrayBuffer)) bytes += 8 * nRows;
  if (!columnMemory || columnMemory.byteLength < bytes) columnMemory = new SharedArrayBuffer(bytes);
  const memory = columnMemory;
  columnMemoryTimer = keepFor(columnMemoryTimer, () => {
    columnMemory = null;
    columnMemoryTimer = null;
  });
  let offset = 0;
  return columns.map((values) => {
    if (values.buffer instanceof SharedArrayBuffer) return values;
    // Each column at a multiple of 8 bytes (Int32 columns take 8 bytes a row, half unused).
    const copy = values instanceof Float64Array ? new Float64Array(memory, offset, nRows) : new Int32Array(memory, offset, nRows);
    copy.set(values.subarray(0, nRows) as never);
    offset += 8 * nRows;
    return copy;
  });
}

/** A model's trees as generated code for batches: the sources (sent to workers), their id, and this thread's functions. */
interface CompiledTrees {
  readonly id: number;
  readonly nOutputs: number;
  readonly sources: readonly string[];
  readonly groups: readonly CompiledRowsPredictor[];
}

const compiledTrees = new WeakMap<TreeArrays, CompiledTrees | null>();
let nextCompiledId = 1;

/** The trees compiled for batches of nOutputs outputs, made once per model; null past the compiler's limits or without code generation. */
function compiledTreesOf(trees: TreeArrays, nOutputs: number): CompiledTrees | null {
  let compiled = compiledTrees.get(trees);
  if (compiled === undefined || (compiled && compiled.nOutputs !== nOutputs)) {
    const sources = batchPredictorSources(trees, nOutputs);
    const groups = sources && compileRowsPredictors(sources, trees.catBits);
    compiled = sources && groups ? { id: nextCompiledId++, nOutputs, sources, groups } : null;
    compiledTrees.set(trees, compiled);
  }
  return compiled;
}

/**
 * Raw scores of every row of `columns` (nRows x nOutputs, row-major): initial[k] plus the leaf values of
 * the trees of output k. On `threads` threads for large batches; bit-identical for any number of threads
 * and whichever predictor runs (WebAssembly, generated JavaScript, the packed walk).
 */
export function predictColumns(trees: TreeArrays, columns: readonly (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: Float64Array, threads?: number | null): Float64Array {
  const nThreads = Math.max(1, Math.floor(threads ?? availableParallelism()));
  // The workers first: on the first large batch of a process they start (tens of milliseconds) while this
  // thread compiles the trees and copies the columns.
  helpersFor(nRows, nThreads);
  const wasm = wasmPredictorOf(trees, columns.length, nOutputs);
  if (wasm) {
    const out = predictColumnsWasm(wasm, trees.catBits, columns, nRows, nOutputs, initial, nThreads);
    if (out) {
      predictThreadStats.predictor = wasm.kernel === "masks" ? "wasm-masks" : "wasm-branches";
      predictThreadStats.wasmTier = wasm.tier;
      return out;
    }
  }
  return predictColumnsJs(trees, columns, nRows, nOutputs, initial, nThreads);
}

/** Starts the helpers of a batch of nRows rows on nThreads threads (none for a small batch or one thread). */
function helpersFor(nRows: number, nThreads: number): Worker[] {
  const nBlocks = Math.ceil(nRows / BLOCK_ROWS);
  return nThreads > 1 && nRows >= MIN_PARALLEL_ROWS ? pool(Math.min(nThreads, nBlocks) - 1) : [];
}

/**
 * Runs a batch whose job has been posted to `helpers`: the calling thread claims blocks into its own
 * output with `block`, then takes each block a worker finished from the workers' output (`copyDone`) and
 * predicts again, with `block`, each one a worker has not finished.
 */
function runWithHelpers(ctrl: Int32Array, nRows: number, block: BlockPredictor, copyDone: (start: number, n: number) => void): void {
  const nBlocks = Math.ceil(nRows / BLOCK_ROWS);
  const mine = new Uint8Array(nBlocks);
  runPredictBlocks(block, ctrl, nRows, BLOCK_ROWS, mine);
  // No block is left to claim. A block whose flag is set now is complete in the workers' output; one that
  // is not is still in a worker's hands (or failed) and is predicted again here.
  for (let b = 0; b < nBlocks; b++) {
    if (mine[b]) continue;
    const start = b * BLOCK_ROWS;
    const n = Math.min(BLOCK_ROWS, nRows - start);
    if (Atomics.load(ctrl, BLOCK_DONE + b) === 1) {
      copyDone(start, n);
      continue;
    }
    predictThreadStats.redoneBlocks++;
    block(start, n);
  }
  predictThreadStats.workerBlocks = Atomics.load(ctrl, BY_WORKERS);
  // A worker that failed (out of memory, say) makes later batches use the calling thread only.
  if (Atomics.load(ctrl, FAILED) !== 0) broken = true;
}

/** predictColumns by the trees compiled to JavaScript, or the packed walk. */
function predictColumnsJs(trees: TreeArrays, columns: readonly (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: Float64Array, nThreads: number): Float64Array {
  const packed = packedTreesOf(trees);
  const compiled = compiledTreesOf(trees, nOutputs);
  predictThreadStats.predictor = compiled ? "js" : "packed";
  const out = new Float64Array(nRows * nOutputs);
  let scratch: Float64Array | null = null;
  // The calling thread reads the caller's columns and writes into the caller's array: the same kinds of
  // arrays as on one thread (shared ones would make its compiled code polymorphic, measured 1.5-1.9x slower
  // on the first batch after a one-thread batch).
  const block: BlockPredictor = compiled
    ? (start, n) => predictCompiledBlock(compiled.groups, columns, start, n, nOutputs, initial, out)
    : (start, n) => predictColumnsBlock(packed, columns, start, n, nOutputs, initial, out, (scratch ??= new Float64Array(Math.min(BLOCK_ROWS, nRows) * columns.length)));
  const helpers = helpersFor(nRows, nThreads);
  if (helpers.length === 0) {
    for (let start = 0; start < nRows; start += BLOCK_ROWS) block(start, Math.min(BLOCK_ROWS, nRows - start));
    return out;
  }
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (BLOCK_DONE + Math.ceil(nRows / BLOCK_ROWS))));
  const workersOut = new Float64Array(new SharedArrayBuffer(nRows * nOutputs * 8));
  const job: PredictJob = {
    ctrl,
    nRows,
    nOutputs,
    initial: toShared(initial),
    blockRows: BLOCK_ROWS,
    wasm: null,
    js: { trees: packed, columns: sharedColumns(columns, nRows), out: workersOut, compiled: compiled && { id: compiled.id, sources: compiled.sources } },
  };
  for (const worker of helpers) worker.postMessage(job);
  runWithHelpers(ctrl, nRows, block, (start, n) => out.set(workersOut.subarray(start * nOutputs, (start + n) * nOutputs), start * nOutputs));
  return out;
}

/** A model's trees as a WebAssembly module, compiled once per model on the calling thread, and this thread's instance of it. */
interface WasmPredictor {
  readonly id: number;
  readonly nFeatures: number;
  readonly nOutputs: number;
  readonly trees: WasmTrees;
  readonly kernel: "masks" | "branches";
  readonly module: WasmTreesModule;
  instance: { readonly memoryId: number; readonly groups: WasmGroup[] } | null;
  /** "baseline": compiled by V8's baseline compiler alone (compileBaseline); "default": by V8's own tiers. */
  readonly tier: "baseline" | "default";
}

const wasmPredictors = new WeakMap<TreeArrays, WasmPredictor | null>();

/**
 * The model's WebAssembly predictor for columns of nFeatures features and nOutputs outputs, made once per
 * model: the "masks" kernel (two rows at a time, no branch; needs 128-bit SIMD) for trees of at most 64
 * leaves with few categorical splits (on 1M x 28's model 0.165 s CPU for 200k rows on one thread against
 * 0.29 for the generated JavaScript, once optimised, and 0.31 for the "branches" kernel), else the
 * "branches" kernel (nested ifs, one row at a time: on flights' categorical trees 0.65 s for 600k rows
 * against 0.72 for the generated JavaScript and 1.07 for the "masks" kernel, whose category tests go lane
 * by lane). Null without WebAssembly (node --jitless or --no-expose-wasm) or when neither module is within
 * its limits or compiles.
 */
function wasmPredictorOf(trees: TreeArrays, nFeatures: number, nOutputs: number): WasmPredictor | null {
  let predictor = wasmPredictors.get(trees);
  if (predictor === undefined || (predictor && (predictor.nOutputs !== nOutputs || predictor.nFeatures !== nFeatures))) {
    predictor = null;
    const api = wasmTreesApi();
    if (api) {
      for (const kernel of masksSuit(trees) ? (["masks", "branches"] as const) : (["branches"] as const)) {
        const baseline = kernel === "masks" && canChooseWasmTier();
        const wasm = wasmTreesOf(trees, nFeatures, nOutputs, baseline ? { kernel, bytesPerFunction: BASELINE_BYTES_PER_FUNCTION } : { kernel });
        if (!wasm) continue;
        try {
          const module = baseline ? compileBaseline(api, wasm.bytes) : new api.Module(wasm.bytes);
          predictor = { id: nextCompiledId++, nFeatures, nOutputs, trees: wasm, kernel, module, instance: null, tier: baseline ? "baseline" : "default" };
          break;
        } catch {
          // An engine without SIMD rejects the "masks" module: the "branches" one needs none.
        }
      }
    }
    wasmPredictors.set(trees, predictor);
  }
  return predictor;
}

/** Whether the "masks" kernel suits the trees: at most a quarter of their splits categorical, none over more than 64 codes. */
function masksSuit(trees: TreeArrays): boolean {
  let splits = 0;
  let categorical = 0;
  for (let i = 0; i < trees.nodeFeature.length; i++) {
    if (trees.nodeFeature[i]! < 0) continue;
    splits++;
    if ((trees.nodeFlags[i]! & FLAG_CATEGORICAL) === 0) continue;
    categorical++;
    if (trees.nodeThreshold[i]! > 64) return false;
  }
  return 4 * categorical <= splits;
}

/**
 * Whether this module may choose V8's WebAssembly compiler tiers for the "masks" module: on the main
 * thread only (V8's flags are process-wide: a worker thread, a tuning trial say, setting one could meet
 * another thread's compile, of a training kernel for instance, in the moment it is set), and not when the
 * process was started with its own choice (a --liftoff or tiering flag in its arguments or NODE_OPTIONS),
 * which is left alone.
 */
function canChooseWasmTier(): boolean {
  if (wasmTierChoice === undefined) {
    const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ");
    wasmTierChoice = isMainThread && !/liftoff|wasm[-_](dynamic[-_])?tier|wasm[-_]lazy/.test(given);
  }
  return wasmTierChoice;
}
let wasmTierChoice: boolean | undefined;

/**
 * Bytes of tree code per function of the baseline "masks" module. Liftoff's code is fastest in longer
 * functions than the optimising compiler's (WasmLimits.bytesPerFunction): 200k rows of 1M x 28, one
 * thread, seconds once warm (median of 4 processes): 1000 bytes 0.199, 2000 0.199, 4000 0.187, 8000
 * 0.183, 16,000 0.184, 32,000 0.362 (the loop's code no longer fits the 32 KB instruction cache).
 */
const BASELINE_BYTES_PER_FUNCTION = 8000;

/**
 * The "masks" module compiled by V8's baseline compiler (Liftoff) alone. By default V8 compiles it with
 * Liftoff, then, once its functions are hot, again with its optimising compiler on background threads: on
 * two cores that second compile (~50 ms of CPU) runs during the first batch, against the two threads
 * predicting, and gains little there. With it gone (and BASELINE_BYTES_PER_FUNCTION), the first 200k x 28
 * batch on two threads took 0.142 s against 0.172, later ones 0.097 against 0.108 (median of 8 processes
 * each, interleaved). A process that predicts many batches gives up ~5% once V8 would have finished
 * optimising (by the fourth batch; 0.175 against 0.183 s on one thread): a twin compiled with V8's default
 * tiers after the first batch was tried, but its functions were optimised only when hot, during later
 * batches, and measured no faster. V8 reads the flag when a compile starts; it is set back at once (a
 * compile on another thread in that moment would get slower code, never other scores).
 */
function compileBaseline(api: WasmTreesApi, bytes: Uint8Array): WasmTreesModule {
  setFlagsFromString("--liftoff-only");
  try {
    return new api.Module(bytes);
  } finally {
    setFlagsFromString("--no-liftoff-only");
  }
}

/**
 * The process's shared WebAssembly memory for batches: reused by the next batch (a new one costs its page
 * faults on the first copy, about 15 of a 200k x 28 batch's first 30 ms of copying) unless a worker may
 * still be inside a block of the last batch (it would write its late scores over the new batch's data),
 * and dropped COLUMN_MEMORY_KEEP_MS after the last batch.
 */
let wasmMemory: { readonly memory: WasmSharedMemory; readonly id: number; lastCtrl: Int32Array | null; lastBlocks: number } | null = null;
let wasmMemoryTimer: ReturnType<typeof setTimeout> | null = null;
let nextMemoryId = 1;
/** 64 KiB pages: a shared memory's maximum is reserved (address space only) when it is made; 2 GiB. */
const WASM_MAX_PAGES = 32768;
/** Larger batches are predicted in slices of rows, each within this many bytes of memory. */
const WASM_BATCH_MAX_BYTES = 1 << 30;

/** A memory of at least `bytes` bytes that no worker is writing, or null when none can be had. */
function wasmMemoryFor(bytes: number): NonNullable<typeof wasmMemory> | null {
  const pages = Math.ceil(bytes / 65536);
  let current = wasmMemory;
  if (current?.lastCtrl && Atomics.load(current.lastCtrl, DONE) < current.lastBlocks) current = null;
  if (current && current.memory.buffer.byteLength < bytes) {
    try {
      current.memory.grow(pages - current.memory.buffer.byteLength / 65536);
    } catch {
      current = null;
    }
  }
  if (!current) {
    try {
      current = { memory: new (wasmTreesApi()!.Memory)({ initial: pages, maximum: WASM_MAX_PAGES, shared: true }), id: nextMemoryId++, lastCtrl: null, lastBlocks: 0 };
    } catch {
      return null;
    }
  }
  wasmMemory = current;
  wasmMemoryTimer = keepFor(wasmMemoryTimer, () => {
    wasmMemory = null;
    wasmMemoryTimer = null;
  });
  return current;
}

/** predictColumns by the WebAssembly predictor; undefined when no memory could be had (the caller falls back). */
function predictColumnsWasm(predictor: WasmPredictor, catBits: Uint32Array, columns: readonly (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: Float64Array, nThreads: number): Float64Array | undefined {
  const layout = wasmBatchLayout(predictor.trees, catBits.length, nRows, nOutputs);
  if (layout.bytes > WASM_BATCH_MAX_BYTES && nRows > 1) {
    // Slices of rows: each row's scores are the same whatever slice it is in.
    const out = new Float64Array(nRows * nOutputs);
    const sliceRows = Math.max(1, Math.floor((nRows * WASM_BATCH_MAX_BYTES) / layout.bytes / 2));
    for (let start = 0; start < nRows; start += sliceRows) {
      const end = Math.min(nRows, start + sliceRows);
      const slice = predictColumnsWasm(predictor, catBits, columns.map((values) => values.subarray(start, end)), end - start, nOutputs, initial, nThreads);
      if (!slice) return undefined;
      out.set(slice, start * nOutputs);
    }
    return out;
  }
  const helpers = helpersFor(nRows, nThreads);
  const memory = wasmMemoryFor(layout.bytes);
  if (!memory) return undefined;
  const buffer = memory.memory.buffer;
  writeWasmBatch(buffer, layout, predictor.trees, catBits, columns, nRows);
  if (predictor.instance?.memoryId !== memory.id) predictor.instance = { memoryId: memory.id, groups: wasmGroups(predictor.module, predictor.trees.nGroups, memory.memory) };
  const groups = predictor.instance.groups;
  const scores = new Float64Array(buffer, layout.out, nRows * nOutputs);
  const block: BlockPredictor = (start, n) => predictWasmBlock(groups, layout.table, scores, start, n, nOutputs, initial);
  if (helpers.length === 0) {
    memory.lastCtrl = null;
    for (let start = 0; start < nRows; start += BLOCK_ROWS) block(start, Math.min(BLOCK_ROWS, nRows - start));
    return scores.slice();
  }
  const nBlocks = Math.ceil(nRows / BLOCK_ROWS);
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (BLOCK_DONE + nBlocks)));
  memory.lastCtrl = ctrl;
  memory.lastBlocks = nBlocks;
  const wasm: WasmJob = { id: predictor.id, module: predictor.module, nGroups: predictor.trees.nGroups, memory: memory.memory, memoryId: memory.id, table: layout.tableWorkers, out: layout.outWorkers };
  const job: PredictJob = { ctrl, nRows, nOutputs, initial: toShared(initial), blockRows: BLOCK_ROWS, wasm, js: null };
  for (const worker of helpers) worker.postMessage(job);
  const workersScores = new Float64Array(buffer, layout.outWorkers, nRows * nOutputs);
  runWithHelpers(ctrl, nRows, block, (start, n) => scores.set(workersScores.subarray(start * nOutputs, (start + n) * nOutputs), start * nOutputs));
  return scores.slice();
}
