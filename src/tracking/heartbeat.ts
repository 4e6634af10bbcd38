/**
 * A run's heartbeat, sent from a worker thread with its own connection to the store: the work a run
 * does is often one long synchronous step on the main thread (fitting a model), during which no timer
 * of the main thread fires; a thread keeps saying "alive" for as long as the process lives, and stops
 * with it, which is what a reader of the run needs to tell a running run from a lost one
 * (Store.getRun reads a run "lost" after LOST_AFTER_HEARTBEATS silent intervals).
 */
import { startModuleWorker } from "./module-worker.js";

/** A heartbeat being sent. */
export interface Heartbeat {
  /** Stops it; resolves when the thread has closed its connection. */
  stop(): Promise<void>;
}

/**
 * Starts sending `Store.heartbeat(runId)` every `intervalMs` to the store at `url` (a PostgreSQL URL with
 * its password, or a SQLite file: storeTarget(...).where), from a thread that does not keep the process
 * alive. A failed heartbeat is retried at the next interval; one that finds the run ended stops.
 */
export function startHeartbeat(url: string, runId: string, intervalMs: number): Heartbeat {
  const worker = startModuleWorker(import.meta.url, "heartbeat-thread", { url, runId, intervalMs });
  worker.unref();
  // A thread that cannot start or fails is no reason to stop the run: the run then reads lost later.
  worker.on("error", () => undefined);
  let exited = false;
  const done = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  return {
    stop: async () => {
      if (exited) return;
      worker.ref();
      worker.postMessage("stop");
      // A thread still opening its store answers once it has; a thread stuck longer is ended.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
