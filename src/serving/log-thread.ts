/**
 * The prediction log's writer thread. better-sqlite3 is synchronous: a transaction of a thousand records
 * on the service's thread holds every request behind it for milliseconds, which is what p99 latency is
 * made of. This worker opens its own connection to the same SQLite file (WAL lets a writer and the
 * service's reader work side by side) and writes the batches the service posts, answering each one.
 *
 * Started by LogThread (./prediction-log.ts); messages: {id, chunk, used} -> {id, ok, chunk} or {id, error,
 * chunk}; "close".
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

const port = parentPort!;
batchScheduling();
const store = await openStore({ url: (workerData as { url: string }).url });
port.postMessage({ ready: true });
port.on("message", async (message: WriteRequest | "close") => {
  if (message === "close") {
    await store.close();
    port.close();
    return;
  }
  const { id, chunk } = message;
  // The chunk goes back with the answer (empty once written; to be retried when the write failed).
  const transfer = [chunk];
  try {
    const lines = Buffer.from(chunk, 0, Math.max(0, message.used - 1)).toString("utf8");
    await store.logPredictionLines(lines);
    port.postMessage({ id, ok: true, chunk }, transfer);
  } catch (error) {
    const store = error instanceof StoreError ? { code: error.code, subject: error.subject, detail: error.detail } : undefined;
    // The records go back with the error: the service keeps no copy of a batch it handed over.
    port.postMessage({ id, ok: false, error: { message: (error as Error).message ?? String(error), store }, chunk }, transfer);
  }
});

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
