/**
 * Feature-parallel histograms on worker threads over shared memory; the same workers also partition big
 * leaves (one row segment each, see TreeGrower), bin numeric columns (BinMapper.fitTransform) and build
 * the root histogram while the calling thread computes the gradients (streamRoot).
 *
 * The bins, the row partition, the aligned gradient pairs, the selected features and the histogram pool
 * of a fit live in SharedArrayBuffers. For a node, the selected features are cut into contiguous blocks of
 * about 8 (the kernels' widest pass; at least one block per thread), which the threads (the calling one
 * too) claim one at a time from a shared counter, so a thread that another process keeps off its core
 * leaves its blocks to the others. (Blocks of 8 rather than 2 blocks per thread: 10.8-10.9 vs 11.0-11.5 s
 * for the 1M x 28 benchmark on 2 threads; the histogram phase 5.5 vs 5.65 s.)
 * Each block is built with the same kernels over the same rows in the same order, so each bin's sum is
 * computed by exactly one thread exactly as the single-threaded fit computes it: the model is
 * bit-identical for any number of threads.
 *
 * Synchronisation per node is one command record and one Atomics.notify per worker, through a small
 * Int32Array control block (no message); the calling thread then waits only for the blocks to be finished,
 * never for a worker to wake up. A bare notify-and-answer round trip costs 12-15 us on this 2-core machine
 * (about 0.1 s over the 6000 histograms of a 100-round, 31-leaf fit), but a sleeping worker may take far
 * longer to be scheduled when another process holds a core: nodes with fewer than MIN_PARALLEL_UPDATES
 * (row, feature) updates are built on the calling thread alone.
 *
 * The workers are started once per process, unref'd (they never keep it alive) and reused by every fit;
 * a fit hands them its buffers through a MessagePort read synchronously (receiveMessageOnPort), so fit
 * stays synchronous. `fit` blocks in Atomics.wait while a worker starts, so a worker must load without
 * the parent's event loop: under `node --import tsx` a worker that loads a .ts file (or inherits the tsx
 * loader) never starts while the parent waits (measured: timed out after 10 s). The worker is therefore
 * plain JavaScript evaluated from a string made of the kernels' own compiled source (`fn.toString()`,
 * from dist/ or as tsx compiled it), with no execArgv: it loads the same way from dist/ and from src/.
 */
import { availableParallelism } from "node:os";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { addHistogramOrderedWasm, addHistogramRowsWasm, buildHistogramAllRows, buildHistogramAllRowsWasm, buildHistogramOrdered, buildHistogramOrderedWasm, buildHistogramSegmentsWasm, buildPackedAllRows, buildPackedOrdered, clearFeatures, clearPacked, HIST_STRIDE, passWidth, wasmPassWidth, type WasmKernels } from "../../kernels/histogram.js";
import type { WasmMemory, WasmModule } from "../../kernels/wasm/arena.js";
import { binNumericColumn, computeNumericEdges, GRID_CELLS, searchEdges, sortFloats } from "../../kernels/binning.js";

/**
 * Nodes with fewer (row, feature) updates are built on the calling thread (about 4700 rows of 28
 * features, 60-100 us with the WebAssembly kernels). With them, on the quiet 2-core machine, the 1M x 28
 * benchmark on 2 threads took 4.09-4.22 s (131072) against 4.23-4.40 s (262144, the threshold of the
 * JavaScript kernels) and 4.11-4.31 s (65536), 3 interleaved runs each. (JavaScript kernels, a busy
 * machine: 1200 rows 50-60 us on one thread, 93-97 us on two; 5000 rows 184 vs 260-290 us.)
 */
export const MIN_PARALLEL_UPDATES = 131072;

/**
 * Leaves with fewer rows are partitioned by the calling thread alone (segment after segment): a
 * partition costs about 2 ns a row, and waking a worker 12-15 us.
 */
export const MIN_PARALLEL_PARTITION_ROWS = 32768;

// Control block: CTRL_STRIDE int32 per worker. A command is a record (TAG, CMD, ...) written between
// TAG = -1 and TAG = its number, then announced in SEQ: a worker that reads TAG twice around the fields
// and sees the same number has a consistent command (a seqlock).
const CTRL_STRIDE = 16;
const SEQ = 0;
const DONE = 1;
const TAG = 2;
const CMD = 3;
const SLOT = 4;
const BEGIN = 5;
const COUNT = 6;
const N_BLOCKS = 7;
const N_SELECTED = 8;
const READY = 9;
const CMD_ALL_ROWS = 1;
const CMD_ORDERED = 2;
const CMD_BIND = 3;
const CMD_EXIT = 4;
const CMD_BIN = 5;
/** The histogram of a leaf's segments (WebAssembly kernels): BEGIN is the leaf. */
const CMD_LEAF = 6;
/** The partition of a leaf's segments (WebAssembly kernels), one segment per block: BEGIN the leaf, COUNT the feature. */
const CMD_PARTITION = 7;
/** The root histogram while the calling thread computes the gradients (see streamRoot). */
const CMD_ROOT_STREAM = 8;
/** Rows per chunk of streamed gradients. */
const STREAM_CHUNK = 32768;
/**
 * Blocks (of about 4 features) a worker takes at once while the gradients are still coming, following
 * them chunk by chunk; then every thread, the calling one done with the gradients too, claims the blocks
 * left one at a time. Three blocks of histogram take about as long as binary log loss's gradients in
 * WebAssembly (about 4 ns a row against 0.4 per update), so the worker keeps pace with the gradients and
 * the calling thread finds blocks left when it is done. 1M x 28 (7 blocks), 2 threads, 3 interleaved fits
 * each (04:01 UTC, another process's job at nice 19 on the machine, load 2.6-3): 3.46 / 3.73 / 3.81 s
 * against 4.07 / 4.39 / 7.03 with the earlier share of 3/4 of the blocks (6; the calling thread idled after
 * the gradients) and 3.90 / 4.04 / 6.64 with half (4). Flights (6 features, 2 blocks: the worker takes
 * both either way) the same CPU, 7.6-8.0 s.
 */
const STREAM_GREEDY_BLOCKS = 3;
/** Adding a tree to the training scores, one region of rows per block (see addScores). */
const CMD_SCORES = 9;
/** Command numbers wrap at 2^23, so that (number << 8 | block) fits the claims word. */
const TAG_MASK = 0x7fffff;
/** claims: [0] (command << 8) | next block, [1] blocks finished, [2] a block failed, [3] chunks of gradients ready. */
const CLAIM_NEXT = 0;
const CLAIM_DONE = 1;
const CLAIM_FAILED = 2;
const CLAIM_PROGRESS = 3;
/** Blocks per command: the block number has 8 bits of the claims word. */
const MAX_BLOCKS = 255;
/** Polls of the control word before sleeping in Atomics.wait: the next command usually follows soon. */
const SPIN = 20000;
/** How long a worker may take to start before the fit goes on with one thread. */
const START_TIMEOUT_MS = 10000;

/** The shared buffers of one fit, as the workers see them. */
export interface SharedHistogramState {
  readonly bins: Uint8Array;
  readonly nRows: number;
  readonly rows: Int32Array;
  readonly ordered: Float32Array;
  readonly features: Int32Array;
  readonly featureOffset: Int32Array;
  readonly nBins: Int32Array;
  /** Every histogram slot, slotLength float64 each. */
  readonly histograms: Float64Array;
  readonly slotLength: number;
  /** Quantized gradients: packed words (orderedWords, a view of `ordered`) and one float64 per bin. */
  readonly packed: boolean;
  readonly orderedWords: Float64Array;
  /**
   * With the WebAssembly kernels: their module and the shared memory every array above is a view of (each
   * worker instantiates the module over it); null for the JavaScript kernels.
   */
  readonly wasm: { readonly module: WasmModule; readonly memory: WasmMemory } | null;
  /** Segments per leaf (see TreeGrower), and where they are: leaf l's segment t at l * segments + t. */
  readonly segments: number;
  readonly leafBegin: Int32Array;
  readonly leafCount: Int32Array;
  /** A parallel partition's answer: rows going left in each segment. */
  readonly segmentLeft: Int32Array;
  /** The split's goLeft table, and the partition's scratch lists (a segment uses its own range of them). */
  readonly goLeft: Uint8Array;
  readonly scratch: Int32Array;
  readonly scratchPairs: Float64Array;
  /** The training scores and the score update's buffers (see addScores), when bound by bindScores. */
  readonly scores?: TrainingScores;
}

/** Shared buffers of the score update: raw scores (row-major, nRaw per row), each row's leaf, leaf values. */
export interface TrainingScores {
  readonly raw: Float64Array;
  readonly leafOfRow: Uint16Array;
  readonly leafValues: Float64Array;
}

interface WorkerData {
  readonly ctrl: Int32Array;
  readonly claims: Int32Array;
  readonly index: number;
  readonly port: MessagePort;
}

/**
 * Numeric columns a worker bins (see HistogramThreads.startBinning): each column's values (a copy, moved
 * to the worker), the edges from `sample` rows, then the bins of `rows` (all when null) into
 * out[feature * nOut ..]. The worker answers with the edges, in task order, or an error message.
 */
export interface BinningJob {
  readonly features: readonly number[];
  readonly values: readonly Float64Array[];
  readonly sample: Int32Array | null;
  readonly rows: Int32Array | null;
  readonly nOut: number;
  readonly maxBins: number;
  readonly out: Uint8Array;
}

/** The binning kernels a worker runs (arguments, for the same reason as BlockKernels). */
interface BinningKernels {
  readonly edges: typeof computeNumericEdges;
  readonly bin: typeof binNumericColumn;
}

/** The kernels a block runs, passed as arguments: tsx compiles a call to an import as a property access. */
interface BlockKernels {
  readonly allRows: typeof buildHistogramAllRows;
  readonly ordered: typeof buildHistogramOrdered;
  readonly packedAllRows: typeof buildPackedAllRows;
  readonly packedOrdered: typeof buildPackedOrdered;
  readonly wasmAllRows: typeof buildHistogramAllRowsWasm;
  readonly wasmOrdered: typeof buildHistogramOrderedWasm;
  readonly wasmSegments: typeof buildHistogramSegmentsWasm;
  readonly wasmAddRows: typeof addHistogramRowsWasm;
  readonly clear: typeof clearFeatures;
  readonly scores: typeof addLeafScoresRegion;
}

/**
 * The score update of region t of the rows (the tree's segment t of every leaf: the rows
 * floor(t * nRows / T) .. floor((t + 1) * nRows / T) - 1): each row's leaf, then
 * raw[r * nRaw + k] += leafValues[leaf of r] in row order. Regions are disjoint, so threads never write the
 * same score, and each score gets the same addition as on one thread. Serialised like runBlocks.
 */
export function addLeafScoresRegion(s: SharedHistogramState, t: number, nLeaves: number, k: number, nRaw: number): void {
  const { raw, leafOfRow, leafValues } = s.scores!;
  const T = s.segments;
  const rows = s.rows;
  for (let l = 0; l < nLeaves; l++) {
    const end = s.leafBegin[l * T + t]! + s.leafCount[l * T + t]!;
    for (let i = s.leafBegin[l * T + t]!; i < end; i++) leafOfRow[rows[i]!] = l;
  }
  const regionEnd = Math.floor(((t + 1) * s.nRows) / T);
  if (nRaw === 1) for (let r = Math.floor((t * s.nRows) / T); r < regionEnd; r++) raw[r] += leafValues[leafOfRow[r]!]!;
  else for (let r = Math.floor((t * s.nRows) / T); r < regionEnd; r++) raw[r * nRaw + k] += leafValues[leafOfRow[r]!]!;
}

/**
 * Claims and runs blocks of command `tag` until none is left: feature block b of a histogram. Blocks are
 * claimed by compare-and-swap on (tag << 8 | next block), so a thread late for a finished command claims
 * nothing. Run by the calling thread and by the workers (serialised with toString: it uses only its
 * arguments and the constants declared in workerSource).
 */
function runBlocks(kernels: BlockKernels, wasm: WasmKernels | null, s: SharedHistogramState, claims: Int32Array, tag: number, cmd: number, out: Float64Array, begin: number, count: number, nBlocks: number, nSelected: number): void {
  for (;;) {
    const v = Atomics.load(claims, CLAIM_NEXT);
    if (v >>> 8 !== tag || (v & 255) >= nBlocks) return;
    if (Atomics.compareExchange(claims, CLAIM_NEXT, v, v + 1) !== v) continue;
    const b = v & 255;
    try {
      const features = s.features.subarray(Math.floor((b * nSelected) / nBlocks), Math.floor(((b + 1) * nSelected) / nBlocks));
      if (cmd === CMD_SCORES) kernels.scores(s, b, begin, count, nSelected);
      else if (cmd === CMD_PARTITION) {
        // Block b is segment b of leaf `begin`, split on feature `count`.
        const at = begin * s.segments + b;
        const first = s.leafBegin[at]!;
        s.segmentLeft[b] = wasm!.partition(s.rows.byteOffset + 4 * first, s.orderedWords.byteOffset + 8 * first, s.leafCount[at]!, s.bins.byteOffset + count * s.nRows, s.goLeft.byteOffset, s.scratch.byteOffset + 4 * first, s.scratchPairs.byteOffset + 8 * first);
      } else if (cmd === CMD_LEAF) kernels.wasmSegments(wasm!, s.bins, s.nRows, s.rows, s.leafBegin, s.leafCount, begin * s.segments, s.segments, features, features.length, s.featureOffset, s.nBins, s.ordered, out);
      else if (wasm) {
        if (cmd === CMD_ALL_ROWS) kernels.wasmAllRows(wasm, s.bins, s.nRows, features, features.length, s.featureOffset, s.nBins, s.ordered, out);
        else kernels.wasmOrdered(wasm, s.bins, s.nRows, s.rows, begin, count, features, features.length, s.featureOffset, s.nBins, s.ordered, out);
      } else if (s.packed) {
        if (cmd === CMD_ALL_ROWS) kernels.packedAllRows(s.bins, s.nRows, features, features.length, s.featureOffset, s.nBins, s.orderedWords, out);
        else kernels.packedOrdered(s.bins, s.nRows, s.rows, begin, count, features, features.length, s.featureOffset, s.nBins, s.orderedWords, out);
      } else if (cmd === CMD_ALL_ROWS) kernels.allRows(s.bins, s.nRows, features, features.length, s.featureOffset, s.nBins, s.ordered, out);
      else kernels.ordered(s.bins, s.nRows, s.rows, begin, count, features, features.length, s.featureOffset, s.nBins, s.ordered, out);
    } catch {
      Atomics.store(claims, CLAIM_FAILED, 1);
    }
    // The add is sequentially consistent: whoever sees the count sees the block's writes.
    if (Atomics.add(claims, CLAIM_DONE, 1) + 1 === nBlocks) Atomics.notify(claims, CLAIM_DONE);
  }
}

/**
 * The blocks of a streamed root histogram (command `tag`, CMD_ROOT_STREAM): every row, feature block by
 * block, each block added chunk after chunk of STREAM_CHUNK rows as soon as the calling thread has
 * published that chunk's gradients (claims[CLAIM_PROGRESS]); the rows of a bin are still added in row
 * order. `greedy` (a worker): while gradients are still coming, claim STREAM_GREEDY_BLOCKS of the blocks
 * left at once and follow the gradients through all of them. Serialised like runBlocks.
 */
function runStreamBlocks(kernels: BlockKernels, wasm: WasmKernels, s: SharedHistogramState, claims: Int32Array, tag: number, out: Float64Array, nBlocks: number, nSelected: number, greedy: boolean): void {
  const nChunks = Math.ceil(s.nRows / STREAM_CHUNK);
  for (;;) {
    const v = Atomics.load(claims, CLAIM_NEXT);
    const first = v & 255;
    if (v >>> 8 !== tag || first >= nBlocks) return;
    const take = greedy && Atomics.load(claims, CLAIM_PROGRESS) < nChunks ? Math.min(nBlocks - first, STREAM_GREEDY_BLOCKS) : 1;
    if (Atomics.compareExchange(claims, CLAIM_NEXT, v, v + take) !== v) continue;
    try {
      const blockFeatures = (b: number) => s.features.subarray(Math.floor((b * nSelected) / nBlocks), Math.floor(((b + 1) * nSelected) / nBlocks));
      for (let b = first; b < first + take; b++) kernels.clear(blockFeatures(b), blockFeatures(b).length, s.featureOffset, s.nBins, out);
      for (let c = 0; c < nChunks; c++) {
        for (let spin = 0, ready = Atomics.load(claims, CLAIM_PROGRESS); ready <= c; ready = Atomics.load(claims, CLAIM_PROGRESS)) {
          if (++spin > SPIN) Atomics.wait(claims, CLAIM_PROGRESS, ready, 10);
        }
        const end = Math.min(s.nRows, (c + 1) * STREAM_CHUNK);
        for (let b = first; b < first + take; b++) {
          const features = blockFeatures(b);
          kernels.wasmAddRows(wasm, s.bins, s.nRows, c * STREAM_CHUNK, end, features, features.length, s.featureOffset, s.nBins, s.ordered, out);
        }
      }
    } catch {
      Atomics.store(claims, CLAIM_FAILED, 1);
    }
    if (Atomics.add(claims, CLAIM_DONE, take) + take === nBlocks) Atomics.notify(claims, CLAIM_DONE);
  }
}

/**
 * The worker's loop. Serialised with toString(): it uses only its arguments and the names declared in
 * workerSource. A worker acknowledges only BIND: for the other commands the caller counts finished blocks.
 */
function workerLoop(threads: typeof import("node:worker_threads"), kernels: BlockKernels, run: typeof runBlocks, binning: BinningKernels, stream: typeof runStreamBlocks): void {
  const { ctrl, claims, index, port } = threads.workerData as WorkerData;
  const base = index * CTRL_STRIDE;
  let state: SharedHistogramState | null = null;
  let wasm: WasmKernels | null = null;
  let slots: Float64Array[] = [];
  let seen = 0;
  // The last command run. A worker that loads SEQ just before the calling thread posts the next command
  // reads that command from the mailbox already, then wakes again for the same SEQ bump: without this
  // check it ran the command twice (a second BIND found no message on its port and the worker died, so
  // the next fit waited for it forever).
  let lastTag = -1;
  Atomics.store(ctrl, base + READY, 1);
  Atomics.notify(ctrl, base + READY);
  for (;;) {
    for (let spin = 0; spin < SPIN && Atomics.load(ctrl, base + SEQ) === seen; spin++);
    Atomics.wait(ctrl, base + SEQ, seen);
    seen = Atomics.load(ctrl, base + SEQ);
    let tag = -1;
    let cmd = 0, slot = 0, begin = 0, count = 0, nBlocks = 0, nSelected = 0;
    while (tag < 0) {
      const before = Atomics.load(ctrl, base + TAG);
      cmd = ctrl[base + CMD]!;
      slot = ctrl[base + SLOT]!;
      begin = ctrl[base + BEGIN]!;
      count = ctrl[base + COUNT]!;
      nBlocks = ctrl[base + N_BLOCKS]!;
      nSelected = ctrl[base + N_SELECTED]!;
      if (before >= 0 && Atomics.load(ctrl, base + TAG) === before) tag = before;
    }
    if (tag === lastTag) continue;
    lastTag = tag;
    if (cmd === CMD_EXIT) break;
    if (cmd === CMD_BIND) {
      state = threads.receiveMessageOnPort(port)!.message as SharedHistogramState | null;
      slots = [];
      wasm = null;
      if (state?.wasm) {
        // The fit's kernels over the fit's memory (the module was compiled by the calling thread).
        const api = (globalThis as unknown as { WebAssembly: { Instance: new (m: WasmModule, imports: object) => { exports: unknown } } }).WebAssembly;
        wasm = new api.Instance(state.wasm.module, { env: { memory: state.wasm.memory } }).exports as WasmKernels;
      }
      if (state) {
        const { histograms, slotLength } = state;
        for (let s = 0; s * slotLength < histograms.length; s++) slots.push(histograms.subarray(s * slotLength, (s + 1) * slotLength));
      }
      Atomics.store(ctrl, base + DONE, tag);
      Atomics.notify(ctrl, base + DONE);
    } else if (cmd === CMD_BIN) {
      const job = threads.receiveMessageOnPort(port)!.message as BinningJob;
      let answer: Float64Array[] | string;
      try {
        answer = [];
        for (let t = 0; t < job.features.length; t++) {
          const values = job.values[t]!;
          const edges = binning.edges(values, job.sample, job.maxBins);
          // The missing bin is the last: value bins 0..edges.length, then missing.
          binning.bin(values, job.rows, job.nOut, edges, edges.length + 1, job.out, job.features[t]! * job.nOut);
          answer.push(edges);
        }
      } catch (error) {
        answer = String(error);
      }
      port.postMessage(answer);
      Atomics.store(ctrl, base + DONE, tag);
      Atomics.notify(ctrl, base + DONE);
    } else if (cmd === CMD_ROOT_STREAM && state && wasm) {
      stream(kernels, wasm, state, claims, tag, slots[slot]!, nBlocks, nSelected, true);
    } else if (state) {
      run(kernels, wasm, state, claims, tag, cmd, slots[slot]!, begin, count, nBlocks, nSelected);
    }
  }
}

/** The worker's whole program: the control constants, the kernels' compiled source and the loop. */
function workerSource(): string {
  const constants = { CTRL_STRIDE, SEQ, DONE, TAG, CMD, SLOT, BEGIN, COUNT, N_BLOCKS, N_SELECTED, READY, CMD_ALL_ROWS, CMD_ORDERED, CMD_BIND, CMD_EXIT, CMD_BIN, CMD_LEAF, CMD_PARTITION, CMD_ROOT_STREAM, CMD_SCORES, STREAM_CHUNK, STREAM_GREEDY_BLOCKS, CLAIM_PROGRESS, CLAIM_NEXT, CLAIM_DONE, CLAIM_FAILED, SPIN, HIST_STRIDE, GRID_CELLS };
  return [
    '"use strict";',
    // tsx (esbuild keepNames) wraps inner functions in __name(fn, "name").
    "const __name = (fn) => fn;",
    ...Object.entries(constants).map(([name, value]) => `const ${name} = ${value};`),
    String(clearFeatures),
    String(passWidth),
    String(clearPacked),
    String(buildPackedAllRows),
    String(buildPackedOrdered),
    String(buildHistogramAllRows),
    String(buildHistogramOrdered),
    String(wasmPassWidth),
    String(buildHistogramAllRowsWasm),
    String(buildHistogramOrderedWasm),
    String(addHistogramOrderedWasm),
    String(buildHistogramSegmentsWasm),
    String(runBlocks),
    String(addHistogramRowsWasm),
    String(runStreamBlocks),
    String(addLeafScoresRegion),
    String(sortFloats),
    String(computeNumericEdges),
    String(searchEdges),
    String(binNumericColumn),
    `(${String(workerLoop)})(require("node:worker_threads"), { allRows: ${buildHistogramAllRows.name}, ordered: ${buildHistogramOrdered.name}, packedAllRows: ${buildPackedAllRows.name}, packedOrdered: ${buildPackedOrdered.name}, wasmAllRows: ${buildHistogramAllRowsWasm.name}, wasmOrdered: ${buildHistogramOrderedWasm.name}, wasmSegments: ${buildHistogramSegmentsWasm.name}, wasmAddRows: ${addHistogramRowsWasm.name}, clear: ${clearFeatures.name}, scores: ${addLeafScoresRegion.name} }, ${runBlocks.name}, { edges: ${computeNumericEdges.name}, bin: ${binNumericColumn.name} }, ${runStreamBlocks.name});`,
  ].join("\n");
}

const KERNELS: BlockKernels = { allRows: buildHistogramAllRows, ordered: buildHistogramOrdered, packedAllRows: buildPackedAllRows, packedOrdered: buildPackedOrdered, wasmAllRows: buildHistogramAllRowsWasm, wasmOrdered: buildHistogramOrderedWasm, wasmSegments: buildHistogramSegmentsWasm, wasmAddRows: addHistogramRowsWasm, clear: clearFeatures, scores: addLeafScoresRegion };

let shared: HistogramThreads | null = null;

/**
 * A pool of histogram workers. `acquire(n)` gives the process-wide pool with at least n - 1 workers (the
 * calling thread is the n-th), or null when workers cannot start (then fit on one thread).
 */
export class HistogramThreads {
  readonly #workers: Worker[] = [];
  readonly #ports: MessagePort[] = [];
  readonly #ctrl: Int32Array;
  readonly #claims = new Int32Array(new SharedArrayBuffer(4 * 4));
  /** Workers used by the current fit. */
  #active = 0;
  #seq = 0;
  #broken = false;
  #state: SharedHistogramState | null = null;
  /** The calling thread's WebAssembly kernels over the fit's memory (state.wasm), or null. */
  #wasm: WasmKernels | null = null;
  /** Nodes built on several threads since the last bind. */
  parallelNodes = 0;
  /** Leaves partitioned on several threads since the last bind. */
  parallelPartitions = 0;
  /** Root histograms built on threads while the gradients were computed (streamRoot) since the last bind. */
  streamedRoots = 0;

  private constructor(capacity: number) {
    this.#ctrl = new Int32Array(new SharedArrayBuffer(capacity * CTRL_STRIDE * 4));
  }

  /** Threads to use when the `threads` parameter is null: the cores Node may use. */
  static defaultThreads(): number {
    return availableParallelism();
  }

  /** The shared pool with at least nThreads - 1 workers, or null when nThreads < 2 or they cannot start. */
  static acquire(nThreads: number): HistogramThreads | null {
    if (nThreads < 2) return null;
    const need = nThreads - 1;
    if (shared && (shared.#broken || shared.#ctrl.length < need * CTRL_STRIDE)) {
      shared.shutdown();
      shared = null;
    }
    shared ??= new HistogramThreads(Math.max(need, availableParallelism() - 1, 1));
    return shared.#start(need) ? shared : null;
  }

  #start(need: number): boolean {
    const ctrl = this.#ctrl;
    const source = this.#workers.length < need ? workerSource() : "";
    while (this.#workers.length < need) {
      const index = this.#workers.length;
      const { port1, port2 } = new MessageChannel();
      let worker: Worker;
      try {
        worker = new Worker(source, { eval: true, execArgv: [], workerData: { ctrl, claims: this.#claims, index, port: port2 }, transferList: [port2] });
      } catch {
        this.#broken = true;
        return false;
      }
      // Errors arrive as events, never while fit blocks; they only mark the pool as unusable for later fits.
      // (A kernel that throws is caught and reported in claims; a worker killed mid-block would hang the fit.)
      worker.on("error", () => {
        this.#broken = true;
      });
      worker.unref();
      port1.unref();
      this.#workers.push(worker);
      this.#ports.push(port1);
      if (Atomics.wait(ctrl, index * CTRL_STRIDE + READY, 0, START_TIMEOUT_MS) === "timed-out") {
        this.#broken = true;
        return false;
      }
    }
    return true;
  }

  /** Threads of the current fit, the calling one included. */
  get nThreads(): number {
    return this.#active + 1;
  }

  /**
   * Hands a fit's shared buffers to nThreads - 1 workers; `wasm`: the calling thread's kernels over
   * state.wasm's memory (null when state.wasm is).
   */
  bind(state: SharedHistogramState, nThreads: number, wasm: WasmKernels | null = null): void {
    this.#active = Math.min(nThreads - 1, this.#workers.length);
    this.#wasm = wasm;
    this.#bindAll(state);
    this.parallelNodes = 0;
    this.parallelPartitions = 0;
    this.streamedRoots = 0;
  }

  /** Lets the workers drop the fit's buffers (they would otherwise keep them alive until the next fit). */
  release(): void {
    this.#wasm = null;
    this.#bindAll(null);
  }

  #bindAll(state: SharedHistogramState | null): void {
    this.#state = state;
    const ctrl = this.#ctrl;
    for (let w = 0; w < this.#active; w++) {
      this.#ports[w]!.postMessage(state);
      const tag = this.#command(w, CMD_BIND, 0, 0, 0, 0, 0);
      const at = w * CTRL_STRIDE + DONE;
      for (let seen = Atomics.load(ctrl, at); seen !== tag; seen = Atomics.load(ctrl, at)) Atomics.wait(ctrl, at, seen, 100);
    }
  }

  /**
   * Builds histogram `slot` over the first nSelected shared features: of every row (ordered pairs in row
   * order) when `allRows`, else of rows[begin..begin+count). Small nodes stay on the calling thread.
   */
  build(allRows: boolean, slot: number, begin: number, count: number, nSelected: number): void {
    const s = this.#state!;
    const out = s.histograms.subarray(slot * s.slotLength, (slot + 1) * s.slotLength);
    const nThreads = count * nSelected < MIN_PARALLEL_UPDATES ? 1 : Math.min(this.#active + 1, nSelected);
    if (nThreads === 1) {
      if (this.#wasm) {
        if (allRows) buildHistogramAllRowsWasm(this.#wasm, s.bins, s.nRows, s.features, nSelected, s.featureOffset, s.nBins, s.ordered, out);
        else buildHistogramOrderedWasm(this.#wasm, s.bins, s.nRows, s.rows, begin, count, s.features, nSelected, s.featureOffset, s.nBins, s.ordered, out);
      } else if (s.packed) {
        if (allRows) buildPackedAllRows(s.bins, s.nRows, s.features, nSelected, s.featureOffset, s.nBins, s.orderedWords, out);
        else buildPackedOrdered(s.bins, s.nRows, s.rows, begin, count, s.features, nSelected, s.featureOffset, s.nBins, s.orderedWords, out);
      } else if (allRows) buildHistogramAllRows(s.bins, s.nRows, s.features, nSelected, s.featureOffset, s.nBins, s.ordered, out);
      else buildHistogramOrdered(s.bins, s.nRows, s.rows, begin, count, s.features, nSelected, s.featureOffset, s.nBins, s.ordered, out);
      return;
    }
    this.parallelNodes++;
    this.#run(nThreads, allRows ? CMD_ALL_ROWS : CMD_ORDERED, slot, out, begin, count, Math.min(Math.max(nThreads, Math.ceil(nSelected / 8)), MAX_BLOCKS), nSelected);
  }

  /**
   * Starts a binning job on the first worker (the calling thread bins other columns meanwhile) and
   * returns the function that waits for it: the edges of job.features in order, or null when the worker
   * failed (the caller then bins those columns itself). The values are moved to the worker.
   */
  startBinning(job: BinningJob): () => Float64Array[] | null {
    const ctrl = this.#ctrl;
    this.#ports[0]!.postMessage(job, job.values.map((v) => v.buffer as ArrayBuffer));
    const tag = this.#command(0, CMD_BIN, 0, 0, 0, 0, 0);
    return () => {
      const at = DONE;
      for (let seen = Atomics.load(ctrl, at); seen !== tag; seen = Atomics.load(ctrl, at)) Atomics.wait(ctrl, at, seen, 100);
      const answer = receiveMessageOnPort(this.#ports[0]!)?.message as Float64Array[] | string | undefined;
      return Array.isArray(answer) ? answer : null;
    };
  }

  /** Workers started (the calling thread not included). */
  get workers(): number {
    return this.#workers.length;
  }

  /**
   * Builds histogram `slot` of leaf `leaf` (its `count` rows in state.segments segments of state.rows)
   * over the first nSelected shared features. Small leaves stay on the calling thread.
   */
  buildLeaf(slot: number, leaf: number, count: number, nSelected: number): void {
    const s = this.#state!;
    if (!this.#wasm || s.segments === 1) {
      this.build(false, slot, s.leafBegin[leaf * s.segments]!, count, nSelected);
      return;
    }
    const out = s.histograms.subarray(slot * s.slotLength, (slot + 1) * s.slotLength);
    const nThreads = count * nSelected < MIN_PARALLEL_UPDATES ? 1 : Math.min(this.#active + 1, nSelected);
    if (nThreads === 1) {
      buildHistogramSegmentsWasm(this.#wasm, s.bins, s.nRows, s.rows, s.leafBegin, s.leafCount, leaf * s.segments, s.segments, s.features, nSelected, s.featureOffset, s.nBins, s.ordered, out);
      return;
    }
    this.parallelNodes++;
    this.#run(nThreads, CMD_LEAF, slot, out, leaf, count, Math.min(Math.max(nThreads, Math.ceil(nSelected / 8)), MAX_BLOCKS), nSelected);
  }

  /**
   * Partitions each segment of leaf `leaf` by state.goLeft of feature `feature`'s bins, one segment per
   * block (the calling thread claims segments too), into state.segmentLeft. WebAssembly kernels only.
   */
  partition(leaf: number, feature: number): void {
    const s = this.#state!;
    this.parallelPartitions++;
    this.#run(Math.min(this.#active + 1, s.segments), CMD_PARTITION, 0, s.histograms, leaf, feature, s.segments, 0);
  }

  /**
   * The root histogram of every row into `slot` while this thread computes the gradients:
   * `produce(begin, end)` must write the pairs of rows begin..end-1 into state.ordered; it is called for
   * consecutive chunks of STREAM_CHUNK rows, each published to the workers, which add the chunks to their
   * blocks as they come. Then this thread builds the blocks left. The same sums as `build(true, ...)`
   * after all gradients (each bin's rows in row order). WebAssembly kernels only; with one thread (or
   * JavaScript kernels) the gradients come first, then the histogram.
   */
  streamRoot(slot: number, nSelected: number, produce: (begin: number, end: number) => void): void {
    const s = this.#state!;
    const nThreads = Math.min(this.#active + 1, nSelected);
    if (!this.#wasm || nThreads === 1 || s.nRows < 2 * STREAM_CHUNK) {
      produce(0, s.nRows);
      this.build(true, slot, 0, s.nRows, nSelected);
      return;
    }
    const out = s.histograms.subarray(slot * s.slotLength, (slot + 1) * s.slotLength);
    const claims = this.#claims;
    // Blocks of about 4 features (one pass each), so that the threads' shares after the gradients even out.
    const nBlocks = Math.min(Math.max(nThreads, Math.ceil(nSelected / 4)), MAX_BLOCKS);
    const tag = (this.#seq + 1) & TAG_MASK;
    Atomics.store(claims, CLAIM_PROGRESS, 0);
    Atomics.store(claims, CLAIM_DONE, 0);
    Atomics.store(claims, CLAIM_NEXT, tag << 8);
    for (let w = 0; w < nThreads - 1; w++) this.#command(w, CMD_ROOT_STREAM, slot, 0, s.nRows, nBlocks, nSelected);
    this.parallelNodes++;
    this.streamedRoots++;
    const nChunks = Math.ceil(s.nRows / STREAM_CHUNK);
    let failure: unknown = null;
    try {
      for (let c = 0; c < nChunks; c++) {
        produce(c * STREAM_CHUNK, Math.min(s.nRows, (c + 1) * STREAM_CHUNK));
        Atomics.store(claims, CLAIM_PROGRESS, c + 1);
        Atomics.notify(claims, CLAIM_PROGRESS);
      }
    } catch (error) {
      // The workers must not wait for chunks that never come: release them all, finish the (abandoned)
      // histogram as usual, then fail.
      failure = error;
      Atomics.store(claims, CLAIM_PROGRESS, nChunks);
      Atomics.notify(claims, CLAIM_PROGRESS);
    }
    runStreamBlocks(KERNELS, this.#wasm, s, claims, tag, out, nBlocks, nSelected, false);
    this.#await(nBlocks);
    if (failure !== null) throw failure;
  }

  /**
   * Hands the training scores to the workers (shared memory), for addScores. Only with segments (the
   * WebAssembly kernels on several threads).
   */
  bindScores(scores: TrainingScores): void {
    this.#bindAll({ ...this.#state!, scores });
  }

  /**
   * Adds the leaf values of the tree just grown (state.scores.leafValues[0..nLeaves), every row in the
   * tree's segments) to raw output k of the training scores: one region of rows per thread.
   */
  addScores(nLeaves: number, k: number, nRaw: number): void {
    const s = this.#state!;
    this.#run(Math.min(this.#active + 1, s.segments), CMD_SCORES, 0, s.histograms, nLeaves, k, s.segments, nRaw);
  }

  /** Stops the workers; the next acquire starts new ones. */
  shutdown(): void {
    for (let w = 0; w < this.#workers.length; w++) this.#command(w, CMD_EXIT, 0, 0, 0, 0, 0);
    for (const worker of this.#workers) void worker.terminate();
    for (const port of this.#ports) port.close();
    this.#workers.length = 0;
    this.#ports.length = 0;
    if (shared === this) shared = null;
  }

  /**
   * Runs command `cmd` as nBlocks blocks on this thread and nThreads - 1 workers, and returns when every
   * block is finished. The calling thread never waits for a worker to wake up: when one is slow to come
   * (another process holds its core), this thread claims its blocks.
   */
  #run(nThreads: number, cmd: number, slot: number, out: Float64Array, begin: number, count: number, nBlocks: number, nSelected: number): void {
    const claims = this.#claims;
    const tag = (this.#seq + 1) & TAG_MASK;
    Atomics.store(claims, CLAIM_DONE, 0);
    Atomics.store(claims, CLAIM_NEXT, tag << 8);
    for (let w = 0; w < nThreads - 1; w++) this.#command(w, cmd, slot, begin, count, nBlocks, nSelected);
    runBlocks(KERNELS, this.#wasm, this.#state!, claims, tag, cmd, out, begin, count, nBlocks, nSelected);
    this.#await(nBlocks);
  }

  /** Waits until nBlocks blocks of the current command are finished; throws when one failed. */
  #await(nBlocks: number): void {
    const claims = this.#claims;
    for (let spin = 0; spin < SPIN && Atomics.load(claims, CLAIM_DONE) !== nBlocks; spin++);
    for (let done = Atomics.load(claims, CLAIM_DONE); done !== nBlocks; done = Atomics.load(claims, CLAIM_DONE)) Atomics.wait(claims, CLAIM_DONE, done, 100);
    if (Atomics.load(claims, CLAIM_FAILED) !== 0) {
      this.#broken = true;
      throw new Error("GradientBoosting: a histogram thread failed; fit again with threads: 1");
    }
  }

  /** Writes a command for worker w (a seqlock: TAG -1, the fields, TAG), wakes it and returns its tag. */
  #command(w: number, cmd: number, slot: number, begin: number, count: number, nBlocks: number, nSelected: number): number {
    const ctrl = this.#ctrl;
    const base = w * CTRL_STRIDE;
    // All workers of one #run share its tag: the claims word names it.
    if (w === 0) this.#seq = (this.#seq + 1) & TAG_MASK;
    const tag = this.#seq;
    Atomics.store(ctrl, base + TAG, -1);
    ctrl[base + CMD] = cmd;
    ctrl[base + SLOT] = slot;
    ctrl[base + BEGIN] = begin;
    ctrl[base + COUNT] = count;
    ctrl[base + N_BLOCKS] = nBlocks;
    ctrl[base + N_SELECTED] = nSelected;
    Atomics.store(ctrl, base + TAG, tag);
    Atomics.store(ctrl, base + SEQ, tag);
    Atomics.notify(ctrl, base + SEQ);
    return tag;
  }
}

/** Stops the process-wide histogram workers (they are unref'd, so this is never needed to exit). */
export function shutdownHistogramThreads(): void {
  shared?.shutdown();
}

/** A copy of `array` in shared memory (or `array` itself when it already is). */
export function toShared<T extends Uint8Array | Int32Array | Float32Array | Float64Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const Ctor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}
