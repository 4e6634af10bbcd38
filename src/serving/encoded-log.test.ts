import assert from "node:assert/strict";
import { test } from "node:test";
import { StoreError } from "../core/errors.js";
import { decodePredictionLines, encodePrediction } from "../tracking/prediction-lines.js";
import { CHUNK_BYTES, ChunkFailure, EncodedPredictionLog, type ChunkSink } from "./encoded-log.js";

/** Records as the service makes them: lines of text (src/tracking/prediction-lines.ts). */
const records = (n: number, from = 0, inputs: (i: number) => Record<string, unknown> = (i) => ({ x: i })): string[] =>
  Array.from({ length: n }, (_, i) => encodePrediction({ id: `p${from + i}`, at: "2026-01-01T00:00:00.000Z", model: "m", version: 1, inputs: inputs(from + i), outputs: { prediction: 0 } }));

/**
 * A sink that does what LogThread does with a chunk: decodes its bytes as the thread does, then answers
 * after a turn of the event loop, giving the buffer back. Each written chunk's lines are kept in `chunks`;
 * `fail` decides a chunk's failure (a ChunkFailure carrying the buffer, or with `lose`, without it).
 */
function sink(fail: (lines: string) => Error | undefined = () => undefined, lose = () => false): ChunkSink & { chunks: string[][]; buffers: Set<ArrayBufferLike> } {
  const chunks: string[][] = [];
  const buffers = new Set<ArrayBufferLike>();
  return {
    chunks,
    buffers,
    writeChunk(bytes: Buffer, used: number): Promise<Buffer> {
      buffers.add(bytes.buffer);
      assert.equal(bytes[used - 1], 10, "every line ends in a newline");
      const text = bytes.toString("utf8", 0, used - 1);
      return new Promise<Buffer>((resolve, reject) =>
        setImmediate(() => {
          if (lose()) return reject(new ChunkFailure(new StoreError("unavailable", "db", "the thread stopped"), undefined));
          const error = fail(text);
          if (error) return reject(new ChunkFailure(error, bytes));
          chunks.push(text.split("\n"));
          resolve(bytes);
        }),
      );
    },
  };
}
const ids = (lines: string[]): string[] => lines.map((line) => line.slice(0, line.indexOf("\t")));

test("records go over as chunks of batchSize, in order, decoded to the very lines; flush sends the chunk being filled", async () => {
  const to = sink();
  const log = new EncodedPredictionLog(to, { flushIntervalMs: 0, batchSize: 3 });
  const lines = records(7);
  log.append(lines.slice(0, 2));
  assert.equal(log.pending, 2);
  log.append(lines.slice(2));
  await log.flush();
  assert.deepEqual(to.chunks.map(ids), [["p0", "p1", "p2"], ["p3", "p4", "p5"], ["p6"]]);
  assert.deepEqual(to.chunks.flat(), lines);
  assert.deepEqual(log.counts, { queued: 0, written: 7, dropped: 0, writeErrors: 0 });
  // The three chunks were in flight together (three buffers); they came back, and the next record fills one of them again.
  log.record("q1", "2026-01-01T00:00:01.000Z", "m", 2, '{"x":1}', '{"prediction":1}');
  await log.flush();
  assert.equal(to.buffers.size, 3, "the fourth chunk reuses a buffer given back");
  assert.deepEqual(to.chunks.at(-1), ['q1\t2026-01-01T00:00:01.000Z\tm\t2\t{"x":1}\t{"prediction":1}']);
  const decoded = decodePredictionLines(to.chunks.at(-1)!.join("\n"));
  assert.deepEqual([decoded.ids, decoded.versions, decoded.inputs, decoded.outputs], [["q1"], [2], ['{"x":1}'], ['{"prediction":1}']]);
});

test("text beyond ASCII is written as UTF-8 and read back unchanged", async () => {
  const to = sink();
  const log = new EncodedPredictionLog(to, { flushIntervalMs: 0, batchSize: 100 });
  const lines = records(3, 0, (i) => ({ city: ["Zürich", "東京", "emoji 🚀 \u2028"][i] }));
  log.append(lines);
  await log.flush();
  assert.deepEqual(to.chunks, [lines]);
});

test("a chunk is sent when full: records larger than the rest of a chunk start the next one, a record larger than a chunk gets one of its own", async () => {
  const to = sink();
  const log = new EncodedPredictionLog(to, { flushIntervalMs: 0, batchSize: 1_000_000 });
  // ~1 KB records: 61 fit in 64 KiB, so 130 of them make three chunks.
  const wide = records(130, 0, (i) => ({ text: "x".repeat(1000), i }));
  const huge = records(1, 500, () => ({ text: "é".repeat(CHUNK_BYTES) }))[0]!;
  log.append(wide.slice(0, 100));
  // The full chunk went on the next turn of the event loop, without a flush.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(to.chunks.length, 1);
  assert.deepEqual(ids(to.chunks[0]!), ids(wide.slice(0, to.chunks[0]!.length)));
  log.append([huge]);
  log.append(wide.slice(100));
  await log.flush();
  assert.deepEqual(to.chunks.flat(), [...wide.slice(0, 100), huge, ...wide.slice(100)]);
  const sizes = to.chunks.map((lines) => Buffer.byteLength(lines.join("\n")) + 1);
  assert.ok(sizes.every((size, i) => (to.chunks[i]!.includes(huge) ? size > CHUNK_BYTES : size <= CHUNK_BYTES)), `chunk sizes ${sizes}`);
  assert.equal(to.chunks.filter((lines) => lines.includes(huge)).length, 1);
  assert.deepEqual(to.chunks.find((lines) => lines.includes(huge)), [huge]);
});

test("a full batch is sent on the next turn of the event loop; the timer sends what waits every flushIntervalMs", async () => {
  const full = sink();
  const log = new EncodedPredictionLog(full, { flushIntervalMs: 60_000, batchSize: 4 });
  log.append(records(4));
  assert.equal(full.chunks.length, 0);
  await new Promise((resolve) => setImmediate(resolve));
  await log.flush();
  assert.deepEqual(full.chunks.map(ids), [["p0", "p1", "p2", "p3"]]);
  await log.close();

  const timed = sink();
  const ticking = new EncodedPredictionLog(timed, { flushIntervalMs: 20, batchSize: 100 });
  ticking.append(records(3));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(timed.chunks.map(ids), [["p0", "p1", "p2"]]);
  await ticking.close();
});

test("a full chunk is sent without waiting for the commits of the chunks sent before it (no bursts after a slow commit)", async () => {
  const sent: number[] = [];
  const release: (() => void)[] = [];
  const slow: ChunkSink = {
    writeChunk(bytes, used) {
      sent.push(bytes.toString("utf8", 0, used - 1).split("\n").length);
      return new Promise<Buffer>((resolve) => release.push(() => resolve(bytes)));
    },
  };
  const log = new EncodedPredictionLog(slow, { flushIntervalMs: 0, batchSize: 3 });
  log.append(records(3));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sent, [3]);
  log.append(records(3, 3));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sent, [3, 3], "the second chunk went while the first was still being written");
  log.append(records(1, 6));
  const flushed = log.flush();
  assert.deepEqual(sent, [3, 3, 1]);
  let done = false;
  void flushed.then(() => (done = true));
  release.shift()!();
  release.shift()!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, "flush waits for every chunk sent before it");
  release.shift()!();
  await flushed;
  assert.deepEqual(log.counts, { queued: 0, written: 7, dropped: 0, writeErrors: 0 });
});

test("while the store is unreachable chunks are kept to retry, in order, up to maxQueue records; beyond, new records are dropped and counted", async () => {
  let down = true;
  const errors: boolean[] = [];
  const to = sink(() => (down ? new StoreError("unavailable", "db", "connection refused") : undefined));
  const log = new EncodedPredictionLog(to, { flushIntervalMs: 0, batchSize: 2, maxQueue: 5 }, { onError: (_error, _n, retry) => void errors.push(retry) });
  log.append(records(4));
  await assert.rejects(log.flush(), /connection refused/);
  assert.equal(log.pending, 4);
  log.append(records(3, 4)); // room for one
  assert.deepEqual(log.counts, { queued: 5, written: 0, dropped: 2, writeErrors: 2 });
  down = false;
  await log.flush();
  assert.deepEqual(to.chunks.map(ids), [["p0", "p1"], ["p2", "p3"], ["p4"]]);
  assert.deepEqual(errors, [true, true]);
  assert.deepEqual(log.counts, { queued: 0, written: 5, dropped: 2, writeErrors: 2 });
});

test("a chunk the store refuses for good (a conflict) is dropped and counted; records lost with the thread are counted as dropped", async () => {
  let lose = false;
  const to = sink((lines) => (lines.startsWith("p0\t") ? new StoreError("conflict", "prediction p0", "already logged") : undefined), () => lose);
  const log = new EncodedPredictionLog(to, { flushIntervalMs: 0, batchSize: 10 });
  log.append(records(3));
  await assert.rejects(log.flush(), /already logged/);
  await log.flush();
  assert.deepEqual(log.counts, { queued: 0, written: 0, dropped: 3, writeErrors: 1 });
  log.append(records(2, 10));
  await log.flush();
  assert.deepEqual(to.chunks.map(ids), [["p10", "p11"]]);
  lose = true;
  log.append(records(4, 20));
  await assert.rejects(log.flush(), /the thread stopped/);
  assert.deepEqual(log.counts, { queued: 0, written: 2, dropped: 7, writeErrors: 2 });
});

test("close writes what is queued; records after close are dropped and counted", async () => {
  const to = sink();
  const log = new EncodedPredictionLog(to, { flushIntervalMs: 1000, batchSize: 100 });
  log.append(records(7));
  await log.close();
  assert.equal(to.chunks.flat().length, 7);
  log.append(records(2));
  log.record("late", "2026-01-01T00:00:00.000Z", "m", 1, "{}", "{}");
  assert.equal(log.counts.dropped, 3);
});

test("LogThread writes chunks through its own connection and gives each buffer back; a refused chunk comes back with its bytes", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { openStore } = await import("../tracking/index.js");
  const { LogThread } = await import("./prediction-log.js");
  const home = mkdtempSync(join(tmpdir(), "learnloop-log-chunks-"));
  const store = await openStore({ home });
  // Nothing staged (see the staging tests in prediction-log.test.ts): each chunk is logged, or refused, at once.
  const thread = new LogThread(store.location, { maxStagedBytes: 0 });
  try {
    const log = new EncodedPredictionLog(thread, { flushIntervalMs: 0, batchSize: 2 });
    log.append(records(5, 0, (i) => ({ city: i === 3 ? "Zürich" : "Bern", i })));
    await log.flush();
    assert.deepEqual(log.counts, { queued: 0, written: 5, dropped: 0, writeErrors: 0 });
    assert.deepEqual((await store.getPrediction("p3"))?.inputs, { city: "Zürich", i: 3 });
    assert.equal((await store.predictionCounts("m")).predictions, 5);

    const bytes = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    const used = bytes.write(`${records(1, 1)[0]}\n`);
    await assert.rejects(thread.writeChunk(bytes, used), (error: unknown) => {
      assert.ok(error instanceof ChunkFailure);
      assert.ok(error.failure instanceof StoreError && error.failure.code === "conflict", String(error.failure));
      assert.equal(error.bytes?.toString("utf8", 0, used), `${records(1, 1)[0]}\n`);
      return true;
    });
    assert.equal(bytes.length, 0, "the chunk was transferred to the thread");
    await assert.rejects(async () => thread.writeChunk(Buffer.from("p9\n"), 3), /must own its whole ArrayBuffer/);
  } finally {
    await thread.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
