/**
 * Starting a worker thread from a module beside the caller: under tsx (tests, benchmarks run from the
 * sources) the thread registers tsx's loader before importing the TypeScript file; from dist/ it loads
 * the JavaScript directly. The thread gets no command-line options of the process: it needs none, and a
 * worker refuses some a process may be started with (node --trace-gc, --max-semi-space-size, ...).
 */
import { Worker } from "node:worker_threads";

/** Starts `./<name>.ts` (or `.js` from dist/) next to the module at `callerUrl` (its import.meta.url). */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const self = new URL(callerUrl);
  const typescript = self.pathname.endsWith(".ts");
  const entry = new URL(`./${name}.${typescript ? "ts" : "js"}`, self);
  return typescript
    ? new Worker(`import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`, {
        eval: true,
        workerData,
        execArgv: [],
      })
    : new Worker(entry, { workerData, execArgv: [] });
}
