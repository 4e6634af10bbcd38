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
import { flushTimer, logSettings } from "./log-settings.js";

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
  /** Resolves once what the sink staged is in the log (LogThread); a sink that stages nothing need not have it. */
  settle?(): Promise<void>;
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
  sequence: number;
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
  /** A write failed: no sends on a full chunk until a flush (the timer's) writes everything again. */
  #failing = false;
  #timer: NodeJS.Timeout | undefined;
  #sendScheduled = false;
  /** Chunks sent and not answered yet. */
  readonly #outstanding = new Set<Promise<{ error: unknown } | undefined>>();
  /** Numbers the chunks in the order they are sealed (retries keep it). */
  #sequence = 0;
  #closed = false;
  readonly counts: PredictionLogCounts = { queued: 0, written: 0, dropped: 0, writeErrors: 0 };

  constructor(sink: ChunkSink, options: PredictionLogOptions = {}, events: PredictionLogEvents = {}) {
    this.#sink = sink;
    this.#events = events;
    ({ flushIntervalMs: this.flushIntervalMs, batchSize: this.batchSize, maxQueue: this.maxQueue } = logSettings(options));
    this.#timer = flushTimer(this.flushIntervalMs, () => this.flush());
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
        // A full chunk is sent as one of batchSize records is.
        if (chunk !== undefined) {
          this.#seal();
          this.#scheduleFlush();
        }
        chunk = this.#current = this.#newChunk(needed);
      }
    }
    chunk.used += chunk.bytes.write(line, chunk.used);
    chunk.bytes[chunk.used++] = NEWLINE;
    chunk.records++;
    this.#queued++;
    this.counts.queued = this.#queued;
    // A chunk of batchSize records is sent on the next turn of the event loop (after the response is
    // written), rather than at the next tick of the timer. While the store fails, chunks wait for the timer.
    if (chunk.records >= this.batchSize) {
      this.#seal();
      this.#scheduleFlush();
    }
  }

  #newChunk(needed: number): Chunk {
    const bytes = needed <= CHUNK_BYTES ? (this.#spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)) : Buffer.allocUnsafeSlow(needed);
    return { bytes, used: 0, records: 0, sequence: 0 };
  }

  #seal(): void {
    const chunk = this.#current;
    if (chunk === undefined) return;
    this.#current = undefined;
    chunk.sequence = this.#sequence++;
    if (chunk.records > 0) this.#sealed.push(chunk);
    else this.#reuse(chunk.bytes);
  }

  #scheduleFlush(): void {
    if (this.#sendScheduled || this.#failing) return;
    this.#sendScheduled = true;
    setImmediate(() => {
      this.#sendScheduled = false;
      if (!this.#failing) this.#sendSealed();
    });
  }

  #reuse(bytes: Buffer): void {
    if (bytes.length === CHUNK_BYTES && this.#spare.length < SPARE_CHUNKS) this.#spare.push(bytes);
  }

  /**
   * Writes everything queued so far; resolves once it is committed, with whatever was sent before.
   * Rejects with the store's error when a chunk could not be written (its records stay queued when the
   * store was unreachable, and are sent again by the next flush).
   */
  async flush(): Promise<void> {
    this.#seal();
    this.#sendSealed();
    const outcomes = await Promise.all(this.#outstanding);
    const failure = outcomes.find((outcome) => outcome !== undefined);
    // Automatic sends resume once a flush (the timer's) has written everything without a failure.
    this.#failing = failure !== undefined;
    if (failure) throw failure.error;
  }

  /**
   * Sends every sealed chunk now, without waiting for the chunks sent before (the thread takes them in
   * order, and a transfer copies nothing): waiting for a commit before sending the next chunk left chunks
   * to pile up and go to the thread in bursts.
   */
  #sendSealed(): void {
    const chunks = this.#sealed;
    if (chunks.length === 0) return;
    this.#sealed = [];
    for (const chunk of chunks) {
      const sending = this.#send(chunk);
      this.#outstanding.add(sending);
      void sending.then(() => this.#outstanding.delete(sending));
    }
  }

  /** Sends one chunk; resolves to undefined, or to its error (the chunk went back to the queue when it is to be retried). */
  #send(chunk: Chunk): Promise<{ error: unknown } | undefined> {
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
        this.#failing = true;
        const failed = thrown instanceof ChunkFailure ? thrown : undefined;
        const error = failed ? failed.failure : thrown;
        const bytes = failed?.bytes;
        // As PredictionLogWriter: a store's other refusals (a conflict) would fail forever; anything else is retried.
        const retry = bytes !== undefined && (error instanceof StoreError ? error.code === "unavailable" : true);
        if (retry) {
          // Back to the queue, in the order the chunks were sealed.
          chunk.bytes = bytes;
          this.#sealed.push(chunk);
          this.#sealed.sort((x, y) => x.sequence - y.sequence);
          this.#queued += n;
          this.counts.queued = this.#queued;
        } else {
          this.#drop(n);
          if (bytes !== undefined) this.#reuse(bytes);
        }
        this.#events.onError?.(error, n, retry);
        return { error };
      },
    );
  }

  /** Writes everything queued so far, then has the sink move what it staged into the log (./log-thread.ts). */
  async settle(): Promise<void> {
    await this.flush();
    await this.#sink.settle?.();
  }

  /**
   * Staged records the sink could not log after all (their ids were logged already): counted as
   * dropped rather than written.
   */
  lost(records: number): void {
    this.counts.written -= records;
    this.#drop(records);
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
