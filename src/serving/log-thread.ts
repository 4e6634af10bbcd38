/**
 * The prediction log's writer thread. better-sqlite3 is synchronous: a transaction of a thousand records
 * on the service's thread holds every request behind it for milliseconds, which is what p99 latency is
 * made of. This worker opens its own connection to the same SQLite file (WAL lets a writer and the
 * service's reader work side by side) and writes the batches the service posts, answering each one.
 *
 * Under load it stages them instead (Store.stagePredictionLines: a chunk is one row, not one a record)
 * and moves them into the log once the load stops. Measured on the serving benchmark
 * (bench/serve/RESULTS.md): a record logged row by row cost this thread about 2.3 us of CPU against
 * 1 us staged, and the commits, which take a core from the service's thread while requests wait, were
 * what set its p99 latency apart from a bare handler's. A chunk is staged when it comes within `busyGapMs`
 * (20 ms) of the one before (chunks of a quiet service come every 100 ms, by the timer, and are logged at once),
 * and while less than `maxStagedBytes` wait: beyond, chunks are logged at once again, so that a service
 * under load for good logs as it did, and its backlog stays bounded. Staged chunks are moved into the log
 * `idleMs` (250 ms) after the last chunk, a chunk at a time (a new chunk stops it), when the service asks ("settle",
 * before feedback reads the log), and when the thread closes. A crash leaves them staged, and the next
 * reader of the store moves them.
 *
 * Started by LogThread (./prediction-log.ts); messages: {id, chunk, used} -> {id, ok, chunk} or {id, error,
 * chunk}; {id, settle} -> {id, ok} or {id, error}; "close". Every answer carries `staged`, the bytes this
 * thread has staged and not moved yet. Unasked: {staged} as idle settling moves chunks, and {skipped,
 * detail} when staged records could not be logged (repeated ids).
 */
import { execFile } from "node:child_process";
import { readlinkSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { StoreError } from "../core/errors.js";
import { openStore } from "../tracking/index.js";

interface WriteRequest {
  readonly id: number;
  /** Prediction records (src/tracking/prediction-lines.ts) as UTF-8, each line ending in "\n", in the first `used` bytes (./encoded-log.ts). */
  readonly chunk: ArrayBuffer;
  readonly used: number;
}

interface SettleRequest {
  readonly id: number;
  readonly settle: true;
}

const port = parentPort!;
batchScheduling();
const { url, maxStagedBytes, busyGapMs, idleMs } = workerData as { url: string; maxStagedBytes: number; busyGapMs: number; idleMs: number };
const store = await openStore({ url });
/** Bytes this thread staged and has not moved yet (others' staged chunks, left by a crash, are moved when idle too). */
let stagedBytes = 0;
/**
 * Chunks sent to be staged, and those whose write is over: while none is under way, a settle that finds
 * nothing staged means nothing this thread staged is left, whoever moved it (another process's read,
 * or the service's own connection, settles staged chunks too).
 */
let stagesBegun = 0;
let stagesEnded = 0;
let lastChunkAt = Number.NEGATIVE_INFINITY;
/** Chunks received: the idle timer settles while no chunk has come since it was set (a timer may fire a little early on the clock). */
let chunksSeen = 0;
/** Settles asked for and not done: chunks are logged at once meanwhile, so that the backlog only shrinks. */
let settleRequests = 0;
let idleTimer: NodeJS.Timeout | undefined;
let idleSettling = false;
port.postMessage({ ready: true });
scheduleIdleSettle();
port.on("message", async (message: WriteRequest | SettleRequest | "close") => {
  if (message === "close") {
    clearTimeout(idleTimer);
    settleRequests++;
    // What was staged goes into the log before the service stops: a clean stop leaves none staged.
    await settleWhile(() => true).catch(() => undefined);
    await store.close();
    port.close();
    return;
  }
  if ("settle" in message) {
    settleRequests++;
    try {
      await settleWhile(() => true);
      port.postMessage({ id: message.id, ok: true, staged: stagedBytes });
    } catch (error) {
      port.postMessage({ id: message.id, ok: false, error: describe(error), staged: stagedBytes });
    } finally {
      settleRequests--;
    }
    return;
  }
  const { id, chunk } = message;
  // The chunk goes back with the answer (empty once written; to be retried when the write failed).
  const transfer = [chunk];
  const now = performance.now();
  const busy = now - lastChunkAt < busyGapMs;
  lastChunkAt = now;
  chunksSeen++;
  scheduleIdleSettle();
  try {
    const bytes = Buffer.from(chunk, 0, Math.max(0, message.used - 1));
    if (busy && settleRequests === 0 && stagedBytes + bytes.length <= maxStagedBytes) {
      stagesBegun++;
      try {
        await store.stagePredictionLines(bytes);
        stagedBytes += bytes.length;
      } finally {
        stagesEnded++;
      }
    } else {
      await store.logPredictionLines(bytes.toString("utf8"));
    }
    port.postMessage({ id, ok: true, chunk, staged: stagedBytes }, transfer);
  } catch (error) {
    // The records go back with the error: the service keeps no copy of a batch it handed over.
    port.postMessage({ id, ok: false, error: describe(error), chunk, staged: stagedBytes }, transfer);
  }
});

function describe(error: unknown): { message: string; store?: { code: string; subject: string; detail: string } } {
  const store = error instanceof StoreError ? { code: error.code, subject: error.subject, detail: error.detail } : undefined;
  return { message: (error as Error).message ?? String(error), ...(store ? { store } : {}) };
}

/** Moves the oldest staged chunk into the log (any writer's); the number moved, 0 or 1. */
async function settleOne(): Promise<number> {
  const begun = stagesBegun;
  const settled = await store.settlePredictionLog({ maxBlocks: 1 });
  const noneUnderWay = stagesEnded === begun && stagesBegun === begun;
  stagedBytes = settled.blocks === 0 && noneUnderWay ? 0 : Math.max(0, stagedBytes - settled.bytes);
  // Unasked, for the service's gauge of the staged backlog as it shrinks (asked-for answers carry it too).
  port.postMessage({ staged: stagedBytes });
  if (settled.skipped > 0) {
    port.postMessage({ skipped: settled.skipped, detail: "each held an id already logged, or was not a prediction record" });
  }
  return settled.blocks;
}

/** Moves staged chunks into the log, a chunk at a time, while `keepGoing()` and any is left; chunks that come meanwhile are written between. */
async function settleWhile(keepGoing: () => boolean): Promise<void> {
  while (keepGoing() && (await settleOne()) > 0) await new Promise((resolve) => setImmediate(resolve));
}

function scheduleIdleSettle(): void {
  clearTimeout(idleTimer);
  const seen = chunksSeen;
  idleTimer = setTimeout(() => void settleWhileIdle(seen), idleMs);
  // The timer alone never keeps the thread, or the service, alive.
  idleTimer.unref();
}

/** Moves staged chunks into the log while no chunk comes; a chunk stops it (its own timer starts it again). */
async function settleWhileIdle(seen: number): Promise<void> {
  if (idleSettling) return;
  idleSettling = true;
  try {
    await settleWhile(() => chunksSeen === seen && settleRequests === 0);
  } catch {
    // The store is away: the next idle moment (or the next settle asked for) tries again.
  } finally {
    idleSettling = false;
  }
}

/**
 * On Linux the thread asks to be scheduled as SCHED_BATCH (chrt, util-linux): the same share of the CPU,
 * but its wake-ups do not preempt the thread running on a core. Woken with a chunk to write, a normal
 * thread that has slept (as this one mostly does) takes the core from whatever runs there at once, often
 * the service's main thread that just handed the chunk over, which then waits for the commit (the better
 * part of a millisecond) with every request in flight: that is what p99 latency is made of. Where chrt
 * is missing or refuses, the thread runs as before.
 */
function batchScheduling(): void {
  if (process.platform !== "linux") return;
  try {
    const tid = readlinkSync("/proc/thread-self").split("/").pop()!;
    execFile("chrt", ["--batch", "--pid", "0", tid], () => undefined);
  } catch {
    // no /proc: nothing to change
  }
}
