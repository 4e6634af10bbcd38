/**
 * The prediction log's writer thread. better-sqlite3 is synchronous: a transaction of a thousand records
 * on the service's thread holds every request behind it for milliseconds, which is what p99 latency is
 * made of. This worker opens its own connection to the same SQLite file (WAL lets a writer and the
 * service's reader work side by side) and writes the batches the service posts, answering each one.
 *
 * Started by LogThread (./prediction-log.ts); messages: {id, lines} -> {id, ok} or {id, error, lines};
 * "close".
 */
import { parentPort, workerData } from "node:worker_threads";
import { StoreError } from "../core/errors.js";
import { openStore } from "../tracking/index.js";

interface WriteRequest {
  readonly id: number;
  /** Prediction records as lines joined by "\n" (src/tracking/prediction-lines.ts). */
  readonly lines: string;
}

const port = parentPort!;
const store = await openStore({ url: (workerData as { url: string }).url });
port.postMessage({ ready: true });
port.on("message", async (message: WriteRequest | "close") => {
  if (message === "close") {
    await store.close();
    port.close();
    return;
  }
  const lines = message.lines;
  try {
    await store.logPredictionLines(lines);
    port.postMessage({ id: message.id, ok: true });
  } catch (error) {
    const store = error instanceof StoreError ? { code: error.code, subject: error.subject, detail: error.detail } : undefined;
    // The records go back with the error: the service keeps no copy of a batch it handed over.
    port.postMessage({ id: message.id, ok: false, error: { message: (error as Error).message ?? String(error), store }, lines });
  }
});
