/**
 * The prediction log of a service that writes it from a thread (a SQLite store, ./log-thread.ts): each
 * record is written as UTF-8 bytes into a chunk of memory outside the JavaScript heap the moment the
 * request is answered, and whole chunks are handed to the thread (transferred, not copied), which sends
 * them back empty once their records are committed, to be filled again.
 *
 * Why bytes: records queued as strings lived on the service's heap until they were handed over (up to
 * a tenth of a second), long enough to be copied by the young-generation collector, and some to be
 * promoted to the old generation: under load every scavenge copied the queued records (165 KB survived,
 * 62 KB promoted a scavenge, against 12 KB and 5 KB with logging switched off; bench/serve/RESULTS.md),
 * and those pauses, which hold every request in flight, were the p99 latency of the serving benchmark.
 * A record's text now dies as soon as its bytes are written; the heap holds one object a chunk.
 *
 * The behaviour is PredictionLogWriter's (./prediction-log.ts): records wait at most `flushIntervalMs`,
 * a chunk of `batchSize` records (or a full chunk) is sent at once, every chunk is one transaction of
 * the thread; at most `maxQueue` records are kept (queued or being written): beyond, new records are
 * dropped and counted; a chunk that fails because the store is unreachable comes back to the front of
 * the queue and is retried at the next flush; one the store refuses for good (a conflict) is dropped
 * and counted; records the thread lost (it stopped) are counted as dropped.
 */
import { StoreError } from "../core/errors.js";
import type { PredictionLogCounts, PredictionLogEvents, PredictionLogOptions } from "./prediction-log.js";
import { predictionLine } from "../tracking/prediction-lines.js";

/** Bytes of a chunk: 256 records of a few features (about 200 bytes each) fit in one. */
export const CHUNK_BYTES = 64 * 1024;
/** Empty chunks kept for reuse (the rest are left to the collector). */
const SPARE_CHUNKS = 16;
const NEWLINE = 10;

/**
 * Where chunks go: `writeChunk` takes the chunk (its first `used` bytes: lines, each ending in "\n";
 * the buffer is transferred, unusable by the caller afterwards) and resolves with the buffer, empty,
 * once its records are committed; on failure it rejects with a ChunkFailure.
 */
export interface ChunkSink {
  writeChunk(bytes: Buffer, used: number): Promise<Buffer>;
}

/** A failed chunk: the store's error, and the chunk given back (undefined when it was lost with the thread). */
export class ChunkFailure extends Error {
  constructor(
    readonly failure: unknown,
    readonly bytes: Buffer | undefined,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

/** Where `predict` puts each answered row's record (./answers.ts). */
export interface PredictionSink {
  /** Logs one record: `inputs` and `outputs` are JSON text (src/tracking/prediction-lines.ts). */
  record(id: string, at: string, model: string, version: number, inputs: string, outputs: string): void;
}

interface Chunk {
  bytes: Buffer;
  used: number;
  records: number;
}

/** The prediction log written as bytes into chunks handed to a thread (see the top of this file). */
export class EncodedPredictionLog implements PredictionSink {
  readonly #sink: ChunkSink;
  readonly #events: PredictionLogEvents;
  readonly flushIntervalMs: number;
  readonly batchSize: number;
  readonly maxQueue: number;
  #current: Chunk | undefined;
  /** Chunks ready to send, in order. */
  #sealed: Chunk[] = [];
  /** Records in #sealed and #current. */
  #queued = 0;
  /** Records handed to the sink and not yet committed: they count against maxQueue too. */
  #inFlight = 0;
  readonly #spare: Buffer[] = [];
  /** The last flush failed: no flush on a full chunk until the timer's next one succeeds. */
  #failing = false;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #flushScheduled = false;
  #closed = false;
  readonly counts: PredictionLogCounts = { queued: 0, written: 0, dropped: 0, writeErrors: 0 };

  constructor(sink: ChunkSink, options: PredictionLogOptions = {}, events: PredictionLogEvents = {}) {
    this.#sink = sink;
    this.#events = events;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 1000;
    this.maxQueue = options.maxQueue ?? 100_000;
    if (this.flushIntervalMs > 0) {
      this.#timer = setInterval(() => void this.flush().catch(() => undefined), this.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#queued;
  }

  record(id: string, at: string, model: string, version: number, inputs: string, outputs: string): void {
    this.#add(predictionLine(id, at, model, version, inputs, outputs));
  }

  /** Queues records given as lines (src/tracking/prediction-lines.ts). Never throws, never waits. */
  append(lines: readonly string[]): void {
    for (const line of lines) this.#add(line);
  }

  #add(line: string): void {
    if (this.#closed || this.#queued + this.#inFlight >= this.maxQueue) {
      this.#drop(1);
      return;
    }
    let chunk = this.#current;
    // UTF-8 takes at most 3 bytes a UTF-16 unit: the exact length is needed only near a chunk's end.
    if (chunk === undefined || chunk.bytes.length - chunk.used < 3 * line.length + 1) {
      const needed = Buffer.byteLength(line) + 1;
      if (chunk === undefined || chunk.bytes.length - chunk.used < needed) {
        if (chunk !== undefined) this.#seal();
        chunk = this.#current = this.#newChunk(needed);
      }
    }
    chunk.used += chunk.bytes.write(line, chunk.used);
    chunk.bytes[chunk.used++] = NEWLINE;
    chunk.records++;
    this.#queued++;
    this.counts.queued = this.#queued;
    // A chunk of batchSize records is sent on the next turn of the event loop (after the response is
    // written), rather than at the next tick of the timer. While the store fails, retries wait for the timer.
    if (chunk.records >= this.batchSize) {
      this.#seal();
      this.#scheduleFlush();
    }
  }

  #newChunk(needed: number): Chunk {
    const bytes = needed <= CHUNK_BYTES ? (this.#spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)) : Buffer.allocUnsafeSlow(needed);
    return { bytes, used: 0, records: 0 };
  }

  #seal(): void {
    const chunk = this.#current;
    if (chunk === undefined) return;
    this.#current = undefined;
    if (chunk.records > 0) this.#sealed.push(chunk);
    else this.#reuse(chunk.bytes);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing || this.#failing) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.#flush(false).catch(() => undefined);
    });
  }

  #reuse(bytes: Buffer): void {
    if (bytes.length === CHUNK_BYTES && this.#spare.length < SPARE_CHUNKS) this.#spare.push(bytes);
  }

  /**
   * Writes everything queued so far; resolves when it is committed. Concurrent calls share the running
   * flush and then flush what arrived meanwhile. Rejects with the store's error when a chunk could not be
   * written (its records stay queued when the store was unreachable).
   */
  flush(): Promise<void> {
    return this.#flush(true);
  }

  async #flush(all: boolean): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    // A flush on a full chunk sends the full chunks; the timer and the callers of flush() the one being filled too.
    if (all) this.#seal();
    if (this.#sealed.length === 0 || (!all && this.#failing)) return;
    const run = this.#drain();
    this.#flushing = run;
    try {
      await run;
    } finally {
      this.#flushing = undefined;
    }
  }

  async #drain(): Promise<void> {
    // Every chunk is sent at once (the thread takes them in order): a transfer copies nothing.
    const chunks = this.#sealed;
    this.#sealed = [];
    const outcomes = await Promise.all(chunks.map((chunk) => this.#send(chunk)));
    // Chunks to retry go back to the front of the queue, in their order.
    const retry: Chunk[] = [];
    let failure: { error: unknown } | undefined;
    for (const outcome of outcomes) {
      if (outcome === undefined) continue;
      failure ??= outcome;
      if (outcome.retry) retry.push(outcome.retry);
    }
    if (retry.length > 0) {
      this.#sealed.unshift(...retry);
      for (const chunk of retry) this.#queued += chunk.records;
      this.counts.queued = this.#queued;
    }
    this.#failing = failure !== undefined;
    if (failure) throw failure.error;
  }

  /** Sends one chunk; resolves to undefined, or to the error and the chunk to retry. */
  #send(chunk: Chunk): Promise<{ error: unknown; retry: Chunk | undefined } | undefined> {
    const started = performance.now();
    const n = chunk.records;
    this.#queued -= n;
    this.#inFlight += n;
    this.counts.queued = this.#queued;
    let writing: Promise<Buffer>;
    try {
      writing = this.#sink.writeChunk(chunk.bytes, chunk.used);
    } catch (error) {
      writing = Promise.reject(error);
    }
    return writing.then(
      (empty) => {
        this.#inFlight -= n;
        this.counts.written += n;
        this.#reuse(empty);
        this.#events.onWritten?.(n, (performance.now() - started) / 1000);
        return undefined;
      },
      (thrown: unknown) => {
        this.#inFlight -= n;
        this.counts.writeErrors++;
        const failed = thrown instanceof ChunkFailure ? thrown : undefined;
        const error = failed ? failed.failure : thrown;
        const bytes = failed?.bytes;
        // As PredictionLogWriter: a store's other refusals (a conflict) would fail forever; anything else is retried.
        const retry = bytes !== undefined && (error instanceof StoreError ? error.code === "unavailable" : true);
        if (retry) chunk.bytes = bytes;
        else {
          this.#drop(n);
          if (bytes !== undefined) this.#reuse(bytes);
        }
        this.#events.onError?.(error, n, retry);
        return { error, retry: retry ? chunk : undefined };
      },
    );
  }

  /** Stops the timer and writes what is queued; later records are dropped and counted. */
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
