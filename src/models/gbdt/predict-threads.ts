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
 * Blocks are predicted by the model's trees compiled to code (src/kernels/tree-compile.ts
 * batchPredictorSources; each worker compiles the sources once per model and keeps the last 8 models), or
 * by the packed walk when the model is past the compiler's limits or code generation is off.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { PACKED_CATEGORICAL, PACKED_MISSING_RIGHT, packTrees, predictColumnsBlock, predictPackedRaw, predictPackedRaw4, stepAny, type PackedTrees, type TreeArrays } from "../../kernels/tree-predict.js";
import { batchPredictorSources, compileRowsPredictors, type CompiledRowsPredictor } from "../../kernels/tree-compile.js";
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
  readonly trees: PackedTrees;
  readonly columns: readonly (Float64Array | Int32Array)[];
  readonly nRows: number;
  readonly nOutputs: number;
  readonly initial: Float64Array;
  readonly out: Float64Array;
  readonly blockRows: number;
  /** The trees as generated code (batchPredictorSources), with an id per model; null: the packed walk. */
  readonly compiled: { readonly id: number; readonly sources: readonly string[] } | null;
}

/** Prediction options of tree-ensemble models. */
export interface PredictOptions {
  /**
   * Threads for a batch of at least MIN_PARALLEL_ROWS rows (the calling one included): null or absent for
   * the cores Node may use, 1 for the calling thread only. The scores do not depend on it.
   */
  readonly threads?: number | null;
}

/**
 * Claims and predicts blocks of `job` until none is left. Run by the calling thread and by the workers
 * (serialised with toString: it uses only its arguments and the constants declared in workerSource).
 */
function runPredictBlocks(block: typeof predictColumnsBlock, job: PredictJob, mine: Uint8Array | null): void {
  const { ctrl, trees, columns, nRows, nOutputs, initial, out, blockRows } = job;
  const nBlocks = Math.ceil(nRows / blockRows);
  let scratch: Float64Array | null = null;
  for (;;) {
    const b = Atomics.add(ctrl, NEXT, 1);
    if (b >= nBlocks) return;
    try {
      scratch ??= new Float64Array(Math.min(blockRows, nRows) * columns.length);
      const start = b * blockRows;
      block(trees, columns, start, Math.min(blockRows, nRows - start), nOutputs, initial, out, scratch);
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

/** A worker's message handler: compiles a model's code once (the last few models kept), then claims blocks. */
function onPredictJob(job: PredictJob): void {
  const cache = ((globalThis as unknown as { compiledModels?: Map<number, CompiledRowsPredictor[] | null> }).compiledModels ??= new Map());
  let block: typeof predictColumnsBlock = predictColumnsBlock;
  if (job.compiled) {
    let groups = cache.get(job.compiled.id);
    if (groups === undefined) {
      groups = compileRowsPredictors(job.compiled.sources, job.trees.catBits) ?? null;
      cache.set(job.compiled.id, groups);
      if (cache.size > 8) cache.delete(cache.keys().next().value!);
    }
    const compiled = groups;
    if (compiled) block = (_trees, columns, start, n, nOutputs, initial, out) => predictCompiledBlock(compiled, columns, start, n, nOutputs, initial, out);
  }
  runPredictBlocks(block, job, null);
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
    String(onPredictJob),
    `require("node:worker_threads").parentPort.on("message", ${onPredictJob.name});`,
  ].join("\n");
}

/**
 * workerBlocks: blocks of the last multi-thread batch that workers finished before the calling thread ran
 * out of blocks to claim; redoneBlocks: blocks the calling thread predicted again since the process started.
 */
export const predictThreadStats = { workerBlocks: 0, redoneBlocks: 0 };

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

/** The first nRows values of each column in shared memory (columns already shared are used as they are). */
function sharedColumns(columns: readonly (Float64Array | Int32Array)[], nRows: number): (Float64Array | Int32Array)[] {
  let bytes = 0;
  for (const values of columns) if (!(values.buffer instanceof SharedArrayBuffer)) bytes += 8 * nRows;
  if (!columnMemory || columnMemory.byteLength < bytes) columnMemory = new SharedArrayBuffer(bytes);
  const memory = columnMemory;
  if (columnMemoryTimer) clearTimeout(columnMemoryTimer);
  columnMemoryTimer = setTimeout(() => {
    columnMemory = null;
    columnMemoryTimer = null;
  }, COLUMN_MEMORY_KEEP_MS);
  columnMemoryTimer.unref();
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
 * the trees of output k. On `threads` threads for large batches; bit-identical for any number of threads.
 */
export function predictColumns(trees: TreeArrays, columns: readonly (Float64Array | Int32Array)[], nRows: number, nOutputs: number, initial: Float64Array, threads?: number | null): Float64Array {
  const packed = packedTreesOf(trees);
  const compiled = compiledTreesOf(trees, nOutputs);
  const block: typeof predictColumnsBlock = compiled ? (_trees, cols, start, n, nOut, init, out) => predictCompiledBlock(compiled.groups, cols, start, n, nOut, init, out) : predictColumnsBlock;
  const nThreads = Math.max(1, Math.floor(threads ?? availableParallelism()));
  const nBlocks = Math.ceil(nRows / BLOCK_ROWS);
  const helpers = nThreads > 1 && nRows >= MIN_PARALLEL_ROWS ? pool(Math.min(nThreads, nBlocks) - 1) : [];
  if (helpers.length === 0) {
    const out = new Float64Array(nRows * nOutputs);
    const scratch = new Float64Array(Math.min(BLOCK_ROWS, nRows) * columns.length);
    for (let start = 0; start < nRows; start += BLOCK_ROWS) block(packed, columns, start, Math.min(BLOCK_ROWS, nRows - start), nOutputs, initial, out, scratch);
    return out;
  }
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (BLOCK_DONE + nBlocks)));
  const job: PredictJob = {
    ctrl,
    trees: packed,
    columns: sharedColumns(columns, nRows),
    nRows,
    nOutputs,
    initial: toShared(initial),
    out: new Float64Array(new SharedArrayBuffer(nRows * nOutputs * 8)),
    blockRows: BLOCK_ROWS,
    compiled: compiled && { id: compiled.id, sources: compiled.sources },
  };
  for (const worker of helpers) worker.postMessage(job);
  // The calling thread reads the caller's columns and writes into the caller's array: the same kinds of
  // arrays as on one thread (shared ones would make its compiled code polymorphic, measured 1.5-1.9x slower
  // on the first batch after a one-thread batch).
  const out = new Float64Array(nRows * nOutputs);
  const mine = new Uint8Array(nBlocks);
  runPredictBlocks(block, { ...job, columns, out, initial }, mine);
  // No block is left to claim. A block whose flag is set now is complete in job.out; one that is not is
  // still in a worker's hands (or failed) and is predicted again here.
  let scratch: Float64Array | null = null;
  for (let b = 0; b < nBlocks; b++) {
    if (mine[b]) continue;
    const start = b * BLOCK_ROWS;
    const n = Math.min(BLOCK_ROWS, nRows - start);
    if (Atomics.load(ctrl, BLOCK_DONE + b) === 1) {
      out.set(job.out.subarray(start * nOutputs, (start + n) * nOutputs), start * nOutputs);
      continue;
    }
    predictThreadStats.redoneBlocks++;
    scratch ??= new Float64Array(BLOCK_ROWS * columns.length);
    block(packed, columns, start, n, nOutputs, initial, out, scratch);
  }
  predictThreadStats.workerBlocks = Atomics.load(ctrl, BY_WORKERS);
  // A worker that failed (out of memory, say) makes later batches use the calling thread only.
  if (Atomics.load(ctrl, FAILED) !== 0) broken = true;
  return out;
}
