/**
 * The prediction log's writer: requests append records to an in-memory queue and return at once; the
 * queue is written to the store in batches, every `flushIntervalMs` or as soon as `batchSize` records
 * wait, one batch at a time, so that logging never sits on a request's path.
 *
 * The queue is bounded (`maxQueue`): when the store is down records pile up until the bound, then new
 * ones are dropped and counted (never unbounded memory). A batch that fails because the store is
 * unreachable goes back to the front of the queue and is retried at the next flush; a batch the store
 * refuses for any other reason (a conflict, a schema error) would fail forever, so it is dropped and
 * counted. A crash loses what is in the queue: at most `flushIntervalMs` of predictions, or `maxQueue`
 * records while the store is down.
 */
import type { Worker } from "node:worker_threads";
import { StoreError, type StoreIssueCode } from "../core/errors.js";
import { startModuleWorker } from "../tracking/module-worker.js";
import { predictionLine } from "../tracking/prediction-lines.js";
import { ChunkFailure, type ChunkSink, type PredictionSink } from "./encoded-log.js";
import { flushTimer, logSettings } from "./log-settings.js";

/** Options of the prediction log writer. */
export interface PredictionLogOptions {
  /** How often the queue is written, in milliseconds (default 1000). */
  readonly flushIntervalMs?: number;
  /** Records per store transaction; a flush starts as soon as this many wait (default 1000). */
  readonly batchSize?: number;
  /** Records kept while the store is slow or down; beyond, new records are dropped (default 100000). */
  readonly maxQueue?: number;
  /**
   * With a writer thread (SQLite): bytes of records it stages under load before it logs each chunk at
   * once again (default 128 MiB; 0 stages none). See ./log-thread.ts.
   */
  readonly maxStagedBytes?: number;
}

/** What the writer did, for /metrics. */
export interface PredictionLogCounts {
  queued: number;
  written: number;
  dropped: number;
  writeErrors: number;
}

/** Events a writer reports (for metrics and the service log). */
export interface PredictionLogEvents {
  /** A batch was written in `seconds`. */
  onWritten?(records: number, seconds: number): void;
  /** A write failed; `willRetry` when the records went back to the queue. */
  onError?(error: unknown, records: number, willRetry: boolean): void;
  /** Records were dropped (queue full, or refused by the store). */
  onDropped?(records: number): void;
}

/**
 * Writes prediction records through `write` in batches, off the request path. A record is a `T`: the
 * service queues lines of text (src/tracking/prediction-lines.ts) for Store.logPredictionLines.
 */
export class PredictionLogWriter<T = string> {
  readonly #write: (records: readonly T[]) => Promise<void>;
  readonly #events: PredictionLogEvents;
  readonly flushIntervalMs: number;
  readonly batchSize: number;
  readonly maxQueue: number;
  #queue: T[] = [];
  /** Records handed to the store and not yet committed: they count against maxQueue too. */
  #inFlight = 0;
  /** The last flush failed: no flush on append until the timer's next one succeeds. */
  #failing = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  readonly counts: PredictionLogCounts = { queued: 0, written: 0, dropped: 0, writeErrors: 0 };

  constructor(write: (records: readonly T[]) => Promise<void>, options: PredictionLogOptions = {}, events: PredictionLogEvents = {}) {
    this.#write = write;
    this.#events = events;
    ({ flushIntervalMs: this.flushIntervalMs, batchSize: this.batchSize, maxQueue: this.maxQueue } = logSettings(options));
    this.#timer = flushTimer(this.flushIntervalMs, () => this.flush());
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues records; those beyond `maxQueue` are dropped and counted. Never throws, never waits. */
  append(records: readonly T[]): void {
    if (this.#closed) {
      this.#drop(records.length);
      return;
    }
    const room = Math.max(0, this.maxQueue - this.#queue.length - this.#inFlight);
    const taken = Math.min(room, records.length);
    for (let i = 0; i < taken; i++) this.#queue.push(records[i]!);
    this.counts.queued = this.#queue.length;
    if (taken < records.length) this.#drop(records.length - taken);
    // A full batch is written now rather than at the next tick of the timer (on the next turn of the
    // event loop, after the response is sent).
    // While the store fails, retries wait for the timer rather than follow every request.
    if (this.#queue.length >= this.batchSize && !this.#flushing && !this.#failing) setImmediate(() => void this.#flush(true).catch(() => undefined));
  }

  /**
   * Writes everything queued so far (in batches of `batchSize`); resolves when done. Concurrent calls
   * share the running flush and then flush what arrived meanwhile. Rejects with the store's error when
   * a batch could not be written (the records stay queued when the store was unreachable).
   */
  flush(): Promise<void> {
    return this.#flush(false);
  }

  async #flush(automatic: boolean): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    if (this.#queue.length === 0 || (automatic && this.#failing)) return;
    const run = this.#drain();
    this.#flushing = run;
    try {
      await run;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #drain(): Promise<void> {
    // Only what is queued now: a busy service must not keep one flush running forever. Every batch is
    // sent at once (the store, or the writer thread, takes them in order): waiting for each commit before
    // sending the next left the writer idle for a round trip per batch, and it fell behind under load.
    // Requests get a turn between batches, so that a 10,000-row request's records do not hold the next
    // requests for the whole hand-over.
    let left = this.#queue.length;
    const writes: Promise<WriteOutcome<T>>[] = [];
    while (left > 0 && this.#queue.length > 0) {
      if (writes.length > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#queue.splice(0, Math.min(this.batchSize, left));
      left -= batch.length;
      this.#inFlight += batch.length;
      this.counts.queued = this.#queue.length;
      writes.push(this.#writeBatch(batch));
    }
    const outcomes = await Promise.all(writes);
    // Batches to retry go back to the front of the queue, in their order.
    const retry: T[] = [];
    let failure: { error: unknown } | undefined;
    for (const outcome of outcomes) {
      if (outcome === undefined) continue;
      failure ??= outcome;
      if (outcome.retry) retry.push(...outcome.records);
    }
    if (retry.length > 0) {
      const room = Math.max(0, this.maxQueue - this.#queue.length - this.#inFlight);
      const kept = Math.min(room, retry.length);
      this.#queue.unshift(...(kept === retry.length ? retry : retry.slice(0, kept)));
      this.counts.queued = this.#queue.length;
      if (kept < retry.length) this.#drop(retry.length - kept);
    }
    this.#failing = failure !== undefined;
    if (failure) throw failure.error;
  }

  /** Writes one batch; resolves to undefined, or to the error and the records worth retrying. */
  #writeBatch(batch: T[]): Promise<WriteOutcome<T>> {
    const started = performance.now();
    const n = batch.length;
    let writing: Promise<void>;
    try {
      writing = this.#write(batch);
    } catch (error) {
      writing = Promise.reject(error);
    }
    return writing.then(
      () => {
        this.#inFlight -= n;
        this.counts.written += n;
        this.#events.onWritten?.(n, (performance.now() - started) / 1000);
        return undefined;
      },
      (thrown: unknown) => {
        this.#inFlight -= n;
        this.counts.writeErrors++;
        const error = thrown;
        const retry = error instanceof StoreError ? error.code === "unavailable" : true;
        if (!retry) this.#drop(n);
        this.#events.onError?.(error, n, retry);
        return { error, retry, records: retry ? batch : [] };
      },
    );
  }

  /** Stops the timer and writes what is queued; later appends are dropped and counted. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #drop(n: number): void {
    if (n <= 0) return;
    this.counts.dropped += n;
    this.#events.onDropped?.(n);
  }
}

/** The prediction log as the service uses it: PredictionLogWriter of lines, or EncodedPredictionLog (./encoded-log.ts). */
export interface PredictionLog extends PredictionSink {
  readonly counts: PredictionLogCounts;
  /** Records waiting to be written. */
  readonly pending: number;
  /** Queues records given as lines (src/tracking/prediction-lines.ts); never throws, never waits. */
  append(lines: readonly string[]): void;
  flush(): Promise<void>;
  /**
   * Writes the queue and moves what the writer staged into the log (./log-thread.ts), so that every
   * prediction answered so far reads from the store: feedback does it before it looks the ids up.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** PredictionLogWriter of lines that also takes records one at a time (a PredictionSink): the service's log without a thread. */
export class LineLogWriter extends PredictionLogWriter<string> implements PredictionLog {
  /** The store logs each batch at once: nothing is staged. */
  settle(): Promise<void> {
    return this.flush();
  }

  record(id: string, at: string, model: string, version: number, inputs: string, outputs: string): void {
    this.append([predictionLine(id, at, model, version, inputs, outputs)]);
  }
}

/** Options of LogThread. */
export interface LogThreadOptions {
  /** Bytes of records the thread stages under load before it logs each chunk at once again (default 128 MiB). */
  readonly maxStagedBytes?: number;
  /** A chunk that comes this soon after the one before is staged: the service is under load (default 20 ms; chunks of a quiet one come every 100 ms). */
  readonly busyGapMs?: number;
  /** Staged chunks are moved into the log once no chunk has come for this long (default 250 ms). */
  readonly idleMs?: number;
  /** Staged records the thread could not log (their ids were logged already), and why. */
  readonly onSkipped?: (records: number, detail: string) => void;
}

/**
 * What the log thread stages at most: about 600,000 records of a few features, which it moves into the
 * log in a second or two of one core once the load stops (or at shutdown).
 */
export const DEFAULT_MAX_STAGED_BYTES = 128 * 1024 * 1024;

type WriteOutcome<T> = { error: unknown; retry: boolean; records: T[] } | undefined;

interface ThreadReply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly ok?: boolean;
  /** Bytes the thread has staged and not moved into the log yet (on every answer, and unasked while it settles). */
  readonly staged?: number;
  /** Unasked: staged records the thread could not log (repeated ids), and why. */
  readonly skipped?: number;
  readonly detail?: string;
  readonly error?: { readonly message: string; readonly store?: { readonly code: StoreIssueCode; readonly subject: string; readonly detail: string } };
  /** The chunk of a chunk write (./encoded-log.ts), given back: empty once written, to be retried when it failed. */
  readonly chunk?: ArrayBuffer;
}

/** What waits for the thread's answer to one write: the answer, or the error that stopped the thread. */
type Waiting = (reply: ThreadReply | Error) => void;

/**
 * Writes prediction records from a worker thread with its own connection to a SQLite store (see
 * ./log-thread.ts): `writeChunk` costs the service's thread no copy (the chunk's memory is transferred).
 * Measured on the serving benchmark (bench/serve/RESULTS.md): the p99 latency of single-row requests.
 */
export class LogThread implements ChunkSink {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Waiting>();
  readonly #ready: Promise<void>;
  #next = 0;
  #started = false;
  #failure: Error | undefined;
  #closing = false;
  #stagedBytes = 0;

  /**
   * Starts the thread on the SQLite file `file` (Store.location of a SQLite store). Under load it stages
   * up to `maxStagedBytes` of records (default 128 MiB) before it logs each chunk at once again;
   * `onSkipped` hears of staged records it could not log.
   */
  constructor(file: string, options: LogThreadOptions = {}) {
    const onSkipped = options.onSkipped ?? (() => undefined);
    // The thread takes no command-line options of the process (a service may be started with some a
    // worker refuses, which stopped the service at its start): see startModuleWorker.
    this.#worker = startModuleWorker(import.meta.url, "log-thread", {
      url: file,
      maxStagedBytes: options.maxStagedBytes ?? DEFAULT_MAX_STAGED_BYTES,
      busyGapMs: options.busyGapMs ?? 20,
      idleMs: options.idleMs ?? 250,
    });
    let started: () => void = () => undefined;
    let failed: (error: Error) => void = () => undefined;
    this.#ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    this.#ready.catch(() => undefined);
    this.#worker.on("message", (reply: ThreadReply) => {
      if (reply.ready) {
        this.#started = true;
        // Until then the thread keeps the process alive (a write may be waiting for it to start).
        if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
        return started();
      }
      if (reply.staged !== undefined) this.#stagedBytes = reply.staged;
      if (reply.skipped !== undefined) return onSkipped(reply.skipped, reply.detail ?? "");
      if (reply.id === undefined) return;
      const waiting = this.#pending.get(reply.id!);
      if (!waiting) return;
      this.#pending.delete(reply.id!);
      if (this.#pending.size === 0 && !this.#closing) this.#worker.unref();
      waiting(reply);
    });
    const crash = (error: Error): void => {
      this.#failure = new StoreError("unavailable", file, `the prediction log thread stopped: ${error.message}`);
      failed(this.#failure);
      // The batches the thread held are lost with it (counted as dropped by the writer).
      for (const waiting of this.#pending.values()) waiting(this.#failure);
      this.#pending.clear();
    };
    this.#worker.on("error", crash);
    this.#worker.on("exit", (code) => crash(new Error(`exit status ${code}`)));
  }

  /**
   * Writes the records of a chunk (its first `used` bytes: UTF-8 lines, each ending in "\n") in the
   * thread's store, one transaction; resolves with the chunk's buffer, given back, once they are
   * committed. The buffer's memory is transferred to the thread (`bytes` is empty when this returns); a
   * failed write rejects with a ChunkFailure carrying the buffer given back (none if the thread stopped).
   */
  writeChunk(bytes: Buffer, used: number): Promise<Buffer> {
    if (this.#failure) return Promise.reject(new ChunkFailure(this.#failure, bytes));
    if (!this.#started) return this.#ready.then(() => this.writeChunk(bytes, used), () => Promise.reject(new ChunkFailure(this.#failure, bytes)));
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) throw new RangeError("a chunk must own its whole ArrayBuffer (Buffer.allocUnsafeSlow)");
    const chunk = bytes.buffer as ArrayBuffer;
    return new Promise<Buffer>((resolve, reject) => {
      this.#post({ chunk, used }, [chunk], (reply) => {
        if (reply instanceof Error) reject(new ChunkFailure(reply, undefined));
        else if (reply.ok) resolve(Buffer.from(reply.chunk!));
        else reject(new ChunkFailure(threadError(reply), Buffer.from(reply.chunk!)));
      });
    });
  }

  /** Bytes of records the thread has staged under load and not moved into the log yet, as of its last message. */
  get stagedBytes(): number {
    return this.#stagedBytes;
  }

  /** Resolves once the thread has moved every chunk it staged into the log (see ./log-thread.ts). */
  settle(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#started) return this.#ready.then(() => this.settle());
    return new Promise<void>((resolve, reject) => {
      this.#post({ settle: true }, undefined, (reply) => {
        if (reply instanceof Error) reject(reply);
        else if (reply.ok) resolve();
        else reject(threadError(reply));
      });
    });
  }

  #post(message: object, transfer: ArrayBuffer[] | undefined, waiting: Waiting): void {
    const id = this.#next++;
    // The thread keeps the process alive only while a write is under way.
    if (this.#pending.size === 0) this.#worker.ref();
    this.#pending.set(id, waiting);
    this.#worker.postMessage({ id, ...message }, transfer);
  }

  /** Closes the thread's store connection and ends the thread. */
  async close(): Promise<void> {
    if (this.#failure) return;
    const exited = new Promise<void>((resolve) => this.#worker.once("exit", () => resolve()));
    this.#closing = true;
    this.#worker.ref();
    this.#worker.postMessage("close");
    await exited;
  }
}

function threadError(reply: ThreadReply): Error {
  const store = reply.error?.store;
  return store ? new StoreError(store.code, store.subject, store.detail) : new Error(reply.error?.message ?? "the log thread failed");
}
