/**
 * The heartbeat thread of a run (started by ./heartbeat.ts): opens its own store connection, sends
 * Store.heartbeat(runId) every intervalMs, and stops on "stop" or once the run has ended.
 */
import { parentPort, workerData } from "node:worker_threads";
import { StoreError } from "../core/errors.js";
import { openStore } from "./index.js";
import type { Store } from "./types.js";

const { url, runId, intervalMs } = workerData as { url: string; runId: string; intervalMs: number };
const port = parentPort!;
let store: Store | undefined;
let opened = false;
let stopping = false;
let timer: NodeJS.Timeout | undefined;
let beating: Promise<void> = Promise.resolve();

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (timer) clearInterval(timer);
  await beating;
  // Still opening: closed below once open.
  if (!opened) return;
  await store?.close().catch(() => undefined);
  port.close();
}

port.on("message", (message) => {
  if (message === "stop") void stop();
});
store = await openStore({ url }).catch(() => undefined);
opened = true;
if (!store || stopping) {
  await store?.close().catch(() => undefined);
  port.close();
} else {
  const open = store;
  timer = setInterval(() => {
    beating = open.heartbeat(runId).catch((error: unknown) => {
      // The run ended (or is gone): nothing more to say. Other failures: retried at the next interval.
      if (error instanceof StoreError && (error.code === "conflict" || error.code === "not_found")) void stop();
    });
  }, intervalMs);
}
