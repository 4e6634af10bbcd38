/**
 * Where trials run: on the calling thread (InlineExecutor), or on a pool of worker threads, one trial per
 * worker at a time, each trial's model on one thread (WorkerPoolExecutor). Both evaluate with the same
 * function (./trial.ts), so a score does not depend on the executor or on how many workers there are.
 *
 * A request waits in a queue until a worker is free; before it leaves the queue the executor asks
 * `shouldStop` (the time budget) and, if told to stop, answers "skipped" without running it. Trials
 * already running are left to finish.
 */
import { Worker } from "node:worker_threads";
import type { Dataset } from "../../core/types.js";
import type { EvaluationOutcome } from "./halving.js";
import { receivedError, toSharedDataset, type SentError } from "./transfer.js";
import { evaluateTrial, type TrialRequest, type TrialScore, type TrialSetup } from "./trial.js";
import type { TrialMessage } from "./trial-worker.js";

/** Runs trial evaluations. */
export interface TrialExecutor {
  run(request: TrialRequest): Promise<EvaluationOutcome<TrialScore>>;
  /** Stops the workers (running trials are abandoned). */
  close(): Promise<void>;
}

/** Options common to the executors. */
export interface ExecutorOptions {
  /** Asked before each trial starts; true: answer "skipped" instead. */
  readonly shouldStop?: () => boolean;
}

/**
 * Runs trials one after another on the calling thread, yielding to the event loop between trials (so
 * progress output and timers run).
 */
export class InlineExecutor implements TrialExecutor {
  readonly #data: Dataset;
  readonly #setup: TrialSetup;
  readonly #shouldStop: () => boolean;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(data: Dataset, setup: TrialSetup, options: ExecutorOptions = {}) {
    this.#data = data;
    this.#setup = setup;
    this.#shouldStop = options.shouldStop ?? (() => false);
  }

  run(request: TrialRequest): Promise<EvaluationOutcome<TrialScore>> {
    const next = this.#queue.then(async (): Promise<EvaluationOutcome<TrialScore>> => {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#shouldStop()) return { status: "skipped" };
      try {
        return { status: "done", result: evaluateTrial(this.#data, this.#setup, request) };
      } catch (error) {
        return { status: "failed", error };
      }
    });
    this.#queue = next;
    return next;
  }

  async close(): Promise<void> {}
}

interface Job {
  readonly request: TrialRequest;
  readonly resolve: (outcome: EvaluationOutcome<TrialScore>) => void;
}

interface Slot {
  worker: Worker;
  job: (Job & { id: number }) | null;
}

type WorkerReply = { id: number; ok: true; score: TrialScore } | { id: number; ok: false; error: SentError };

/**
 * A pool of `size` worker threads sharing one copy of the dataset (SharedArrayBuffers). The worker module
 * sits next to this one: trial-worker.js in dist/, trial-worker.ts under tsx, where the worker registers
 * tsx itself (Node 20 does not apply `--import tsx` from execArgv to a worker's entry module).
 */
export class WorkerPoolExecutor implements TrialExecutor {
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #shouldStop: () => boolean;
  readonly #workerData: { data: Dataset; setup: TrialSetup };
  #nextId = 0;
  #closed = false;

  constructor(data: Dataset, setup: TrialSetup, size: number, options: ExecutorOptions = {}) {
    this.#shouldStop = options.shouldStop ?? (() => false);
    this.#workerData = { data: toSharedDataset(data), setup };
    for (let i = 0; i < Math.max(1, size); i++) this.#slots.push({ worker: this.#spawn(), job: null });
  }

  run(request: TrialRequest): Promise<EvaluationOutcome<TrialScore>> {
    return new Promise((resolve) => {
      this.#queue.push({ request, resolve });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.resolve({ status: "skipped" });
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #spawn(): Worker {
    const self = new URL(import.meta.url);
    const typescript = self.pathname.endsWith(".ts");
    const entry = new URL(`./trial-worker.${typescript ? "ts" : "js"}`, self);
    const worker = typescript
      ? new Worker(`import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`, {
          eval: true,
          workerData: this.#workerData,
          execArgv: process.execArgv,
        })
      : new Worker(entry, { workerData: this.#workerData, execArgv: process.execArgv });
    worker.on("message", (reply: WorkerReply) => this.#settle(worker, reply.ok ? { status: "done", result: reply.score } : { status: "failed", error: receivedError(reply.error) }));
    worker.on("error", (error) => this.#crashed(worker, error));
    worker.on("exit", (code) => {
      if (!this.#closed) this.#crashed(worker, new Error(`a tuning worker exited (status ${code})`));
    });
    return worker;
  }

  #settle(worker: Worker, outcome: EvaluationOutcome<TrialScore>): void {
    const slot = this.#slots.find((candidate) => candidate.worker === worker);
    if (!slot?.job) return;
    const job = slot.job;
    slot.job = null;
    job.resolve(outcome);
    // Next turn: whoever awaits this trial sees its outcome before shouldStop is asked about the next.
    setImmediate(() => this.#dispatch());
  }

  /** A worker died (out of memory, a crash): its trial fails, and a new worker takes its place. */
  #crashed(worker: Worker, error: Error): void {
    const slot = this.#slots.find((candidate) => candidate.worker === worker);
    if (!slot || this.#closed) return;
    const job = slot.job;
    slot.job = null;
    slot.worker = this.#spawn();
    void worker.terminate();
    job?.resolve({ status: "failed", error });
    setImmediate(() => this.#dispatch());
  }

  #dispatch(): void {
    if (this.#closed || this.#shouldStop()) {
      for (const job of this.#queue.splice(0)) job.resolve({ status: "skipped" });
      return;
    }
    for (const slot of this.#slots) {
      if (slot.job || this.#queue.length === 0) continue;
      const job = this.#queue.shift()!;
      const id = this.#nextId++;
      slot.job = { ...job, id };
      const message: TrialMessage = { id, request: job.request };
      slot.worker.postMessage(message);
    }
  }
}
