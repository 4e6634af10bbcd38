import assert from "node:assert/strict";
import { test } from "node:test";
import { StoreError } from "../core/errors.js";
import { encodePrediction } from "../tracking/prediction-lines.js";
import { ChunkFailure } from "./encoded-log.js";
import { PredictionLogWriter, type LogThread } from "./prediction-log.js";

/** Records as the service queues them: lines of text (src/tracking/prediction-lines.ts). */
const records = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => encodePrediction({ id: `p${from + i}`, at: "2026-01-01T00:00:00.000Z", model: "m", version: 1, inputs: { x: i }, outputs: { prediction: 0 } }));
const idOf = (line: string): string => line.slice(0, line.indexOf("\t"));
/** Writes lines through a LogThread as the service's log does: a chunk of UTF-8 lines, each ending in "\n". */
const writeLines = (thread: LogThread, lines: readonly string[]): Promise<Buffer> => {
  const text = lines.map((line) => `${line}\n`).join("");
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  return thread.writeChunk(bytes, bytes.write(text));
};

test("records are written in batches of batchSize, in order, and flush writes what is queued", async () => {
  const batches: string[][] = [];
  const writer = new PredictionLogWriter(async (batch) => void batches.push(batch.map(idOf)), { flushIntervalMs: 0, batchSize: 3 });
  writer.append(records(2));
  assert.equal(writer.pending, 2);
  assert.deepEqual(batches, []);
  writer.append(records(5, 2));
  await writer.flush();
  assert.deepEqual(batches, [["p0", "p1", "p2"], ["p3", "p4", "p5"], ["p6"]]);
  assert.deepEqual(writer.counts, { queued: 0, written: 7, dropped: 0, writeErrors: 0 });
});

test("a full batch is written on the next turn of the event loop, without waiting for the timer", async () => {
  let written = 0;
  const writer = new PredictionLogWriter(async (batch) => void (written += batch.length), { flushIntervalMs: 60_000, batchSize: 4 });
  writer.append(records(4));
  assert.equal(written, 0);
  await new Promise((resolve) => setImmediate(resolve));
  await writer.flush();
  assert.equal(written, 4);
  await writer.close();
});

test("the timer writes queued records every flushIntervalMs", async () => {
  let written = 0;
  const writer = new PredictionLogWriter(async (batch) => void (written += batch.length), { flushIntervalMs: 20, batchSize: 100 });
  writer.append(records(3));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(written, 3);
  await writer.close();
});

test("while the store is unreachable records are kept to retry, up to maxQueue; beyond, dropped and counted", async () => {
  let down = true;
  const written: string[] = [];
  const errors: boolean[] = [];
  const writer = new PredictionLogWriter(
    async (batch) => {
      if (down) throw new StoreError("unavailable", "db", "connection refused");
      written.push(...batch.map(idOf));
    },
    { flushIntervalMs: 0, batchSize: 2, maxQueue: 5 },
    { onError: (_error, _n, retry) => void errors.push(retry) },
  );
  writer.append(records(4));
  await assert.rejects(writer.flush(), /connection refused/);
  assert.equal(writer.pending, 4);
  writer.append(records(3, 4)); // room for one
  // Both batches were sent, both failed.
  assert.deepEqual(writer.counts, { queued: 5, written: 0, dropped: 2, writeErrors: 2 });
  down = false;
  await writer.flush();
  assert.deepEqual(written, ["p0", "p1", "p2", "p3", "p4"]);
  assert.deepEqual(errors, [true, true]);
});

test("a batch the store refuses for good (a conflict) is dropped and counted, not retried forever", async () => {
  let calls = 0;
  const writer = new PredictionLogWriter(
    async () => {
      calls++;
      throw new StoreError("conflict", "prediction p0", "already logged");
    },
    { flushIntervalMs: 0, batchSize: 10 },
  );
  writer.append(records(3));
  await assert.rejects(writer.flush(), /already logged/);
  await writer.flush();
  assert.equal(calls, 1);
  assert.deepEqual(writer.counts, { queued: 0, written: 0, dropped: 3, writeErrors: 1 });
});

test("close writes what is queued; records appended after close are dropped and counted", async () => {
  let written = 0;
  const writer = new PredictionLogWriter(async (batch) => void (written += batch.length), { flushIntervalMs: 1000, batchSize: 100 });
  writer.append(records(7));
  await writer.close();
  assert.equal(written, 7);
  writer.append(records(2));
  assert.equal(writer.counts.dropped, 2);
});

test("LogThread writes through its own connection, and closes even before it is ready", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { openStore } = await import("../tracking/index.js");
  const { LogThread } = await import("./prediction-log.js");
  const home = mkdtempSync(join(tmpdir(), "learnloop-log-thread-"));
  const store = await openStore({ home });
  try {
    // Closed at once: it must not hang (nor let the process exit early) while the thread opens its store.
    await new LogThread(store.location).close();
    // Nothing staged (see the staging tests below): each chunk is logged, or refused, at once.
    const thread = new LogThread(store.location, { maxStagedBytes: 0 });
    await writeLines(thread, records(3));
    // A failed write gives the chunk back, records intact, to be retried (the service keeps no copy).
    await assert.rejects(writeLines(thread, records(1)), (error: unknown) => {
      assert.ok(error instanceof ChunkFailure);
      assert.ok(error.failure instanceof StoreError && error.failure.code === "conflict", String(error.failure));
      assert.equal(error.bytes?.toString("utf8"), `${records(1)[0]}\n`);
      return true;
    });
    await thread.close();
    assert.deepEqual((await store.getPrediction("p1"))?.inputs, { x: 1 });
    assert.equal((await store.predictionCounts("m")).predictions, 3);
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test("on Linux the writer thread runs as SCHED_BATCH (its wake-ups do not preempt the service's thread), where chrt is installed", async (t) => {
  const { execFileSync } = await import("node:child_process");
  const { mkdtempSync, readFileSync, readdirSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  if (process.platform !== "linux") return t.skip("Linux only");
  try {
    execFileSync("chrt", ["--version"], { stdio: "ignore" });
  } catch {
    return t.skip("no chrt (util-linux) on this machine");
  }
  const { openStore } = await import("../tracking/index.js");
  const { LogThread } = await import("./prediction-log.js");
  const home = mkdtempSync(join(tmpdir(), "learnloop-log-batch-"));
  const store = await openStore({ home });
  // The scheduling policy of each thread of this process (field 41 of /proc/<pid>/task/<tid>/stat: 0 normal, 3 batch).
  const policy = (tid: string): number => {
    try {
      return Number(readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ")[38]);
    } catch {
      return -1; // the thread ended meanwhile
    }
  };
  const policies = (): number[] => readdirSync(`/proc/${process.pid}/task`).map(policy);
  assert.equal(policies().filter((policy) => policy === 3).length, 0, "no thread runs as SCHED_BATCH before");
  const thread = new LogThread(store.location);
  try {
    await writeLines(thread, records(1));
    let batch = 0;
    for (let i = 0; i < 100 && batch === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      batch = policies().filter((policy) => policy === 3).length;
    }
    assert.equal(batch, 1, "one thread (the writer) runs as SCHED_BATCH");
    assert.equal(policy(String(process.pid)), 0, "the main thread keeps the normal policy");
  } finally {
    await thread.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test("LogThread starts in a process run with V8 options a worker refuses (node --trace-gc)", async () => {
  const { execFile } = await import("node:child_process");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const home = mkdtempSync(join(tmpdir(), "learnloop-log-thread-flags-"));
  const script = `
    const { openStore } = await import(${JSON.stringify(new URL("../tracking/index.ts", import.meta.url).href)});
    const { LogThread } = await import(${JSON.stringify(new URL("./prediction-log.ts", import.meta.url).href)});
    const store = await openStore({ home: ${JSON.stringify(home)} });
    const thread = new LogThread(store.location);
    const text = ${JSON.stringify(records(1, 100)[0] + "\n")};
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    await thread.writeChunk(bytes, bytes.write(text));
    await thread.close();
    console.log("logged " + (await store.predictionCounts("m")).predictions + " " + JSON.stringify((await store.getPrediction("p100")).inputs));
    await store.close();`;
  try {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--trace-gc", "--import", "tsx", "--input-type=module", "-e", script], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)));
    });
    assert.match(output, /^logged 1 \{"x":0\}$/m);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("SQLite store: a repeated id inside a multi-row INSERT refuses the whole batch, and the store keeps logging", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { openStore } = await import("../tracking/index.js");
  const home = mkdtempSync(join(tmpdir(), "learnloop-log-conflict-"));
  const store = await openStore({ home });
  const refused = "prediction log: a prediction id in the batch of 40 is already logged (or repeated in the batch); nothing of the batch was logged";
  try {
    await store.logPredictionLines(records(40).join("\n"));
    // 40 records: two INSERTs of 16 rows and 8 of one row. The repeats fall inside the 16-row statements.
    const inside = [...records(20, 100), records(1, 5)[0]!, ...records(19, 200)];
    await assert.rejects(store.logPredictionLines(inside.join("\n")), (error: unknown) => error instanceof StoreError && error.code === "conflict" && error.message === refused);
    const repeated = [...records(10, 300), ...records(10, 300), ...records(20, 400)];
    await assert.rejects(store.logPredictionLines(repeated.join("\n")), (error: unknown) => error instanceof StoreError && error.code === "conflict");
    for (const id of ["p100", "p119", "p200", "p300", "p400"]) assert.equal(await store.getPrediction(id), undefined, `${id} is not logged`);
    assert.equal((await store.predictionCounts("m")).predictions, 40);
    // The refused batches left no transaction open: the next batch is logged.
    await store.logPredictionLines(records(33, 500).join("\n"));
    assert.deepEqual((await store.getPrediction("p532"))?.inputs, { x: 32 });
    assert.equal((await store.predictionCounts("m")).predictions, 73);
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});

/** The SQLite store under `home` as another reader sees it, without settling anything: staged chunks and logged records. */
async function rawCounts(file: string): Promise<{ staged: number; logged: number; counted: number }> {
  const { default: Sqlite } = await import("better-sqlite3");
  const db = new Sqlite(file, { readonly: true });
  try {
    const one = (sql: string): number => Number((db.prepare(sql).get() as { n: number | null }).n ?? 0);
    return { staged: one("SELECT COUNT(*) AS n FROM prediction_chunks"), logged: one("SELECT COUNT(*) AS n FROM predictions"), counted: one("SELECT SUM(predictions) AS n FROM prediction_counts") };
  } finally {
    db.close();
  }
}

/** rawCounts once nothing is staged (polled every 25 ms), or as they are after 5 s. */
async function countsOnceSettled(file: string): Promise<{ staged: number; logged: number; counted: number }> {
  let counts = await rawCounts(file);
  for (let i = 0; i < 200 && counts.staged > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    counts = await rawCounts(file);
  }
  return counts;
}

async function withThreadStore(work: (store: import("../tracking/types.js").Store) => Promise<void>): Promise<void> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { openStore } = await import("../tracking/index.js");
  const home = mkdtempSync(join(tmpdir(), "learnloop-log-staged-"));
  const store = await openStore({ home });
  try {
    await work(store);
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

test("LogThread under load stages each chunk as one row, and logs them when asked (settle) and when it closes", async () => {
  const { LogThread } = await import("./prediction-log.js");
  await withThreadStore(async (store) => {
    // Every chunk after the first comes "under load"; nothing is settled for being idle.
    const thread = new LogThread(store.location, { busyGapMs: 60_000, idleMs: 60_000 });
    await writeLines(thread, records(3, 0));
    await Promise.all([writeLines(thread, records(3, 3)), writeLines(thread, records(3, 6))]);
    assert.deepEqual(await rawCounts(store.location), { staged: 2, logged: 3, counted: 3 }, "the first chunk logged, the next two staged");
    // Each staged chunk's bytes, without the last line's "\n".
    assert.equal(thread.stagedBytes, Buffer.byteLength(records(3, 3).join("\n")) + Buffer.byteLength(records(3, 6).join("\n")));
    await thread.settle();
    assert.deepEqual(await rawCounts(store.location), { staged: 0, logged: 9, counted: 9 });
    assert.equal(thread.stagedBytes, 0);
    assert.deepEqual((await store.getPrediction("p7"))?.inputs, { x: 1 });
    await Promise.all([writeLines(thread, records(2, 9)), writeLines(thread, records(2, 11))]);
    assert.deepEqual(await rawCounts(store.location), { staged: 2, logged: 9, counted: 9 });
    await thread.close();
    assert.deepEqual(await rawCounts(store.location), { staged: 0, logged: 13, counted: 13 }, "a clean stop leaves nothing staged");
  });
});

test("LogThread logs staged chunks once no chunk has come for idleMs", async () => {
  const { LogThread } = await import("./prediction-log.js");
  await withThreadStore(async (store) => {
    const thread = new LogThread(store.location, { busyGapMs: 60_000, idleMs: 100 });
    try {
      await writeLines(thread, records(3, 0));
      await Promise.all([writeLines(thread, records(3, 3)), writeLines(thread, records(3, 6))]);
      const counts = await countsOnceSettled(store.location);
      assert.deepEqual(counts, { staged: 0, logged: 9, counted: 9 });
    } finally {
      await thread.close();
    }
  });
});

test("chunks a crashed writer left staged are logged by the next thread once it is idle, without being asked", async () => {
  const { LogThread } = await import("./prediction-log.js");
  await withThreadStore(async (store) => {
    await store.stagePredictionLines(new TextEncoder().encode(records(4, 0).join("\n")));
    await store.stagePredictionLines(new TextEncoder().encode(records(2, 4).join("\n")));
    assert.deepEqual(await rawCounts(store.location), { staged: 2, logged: 0, counted: 0 });
    const thread = new LogThread(store.location, { idleMs: 50 });
    try {
      const counts = await countsOnceSettled(store.location);
      assert.deepEqual(counts, { staged: 0, logged: 6, counted: 6 });
    } finally {
      await thread.close();
    }
  });
});

test("LogThread stages at most maxStagedBytes; beyond, chunks are logged at once", async () => {
  const { LogThread } = await import("./prediction-log.js");
  await withThreadStore(async (store) => {
    // Room for one chunk of three records (the bytes without the last line's "\n"; ids of two digits each).
    const oneChunk = Buffer.byteLength(records(3, 10).join("\n"));
    const thread = new LogThread(store.location, { busyGapMs: 60_000, idleMs: 60_000, maxStagedBytes: oneChunk });
    try {
      await writeLines(thread, records(3, 10));
      await writeLines(thread, records(3, 13));
      await writeLines(thread, records(3, 16));
      assert.deepEqual(await rawCounts(store.location), { staged: 1, logged: 6, counted: 6 });
      await thread.settle();
      // Settled, the room is free again.
      await writeLines(thread, records(3, 19));
      assert.deepEqual(await rawCounts(store.location), { staged: 1, logged: 9, counted: 9 });
    } finally {
      await thread.close();
    }
  });
});

test("chunks another reader logged (learnloop models show while the service is under load) no longer count as the thread's staged bytes", async () => {
  const { LogThread } = await import("./prediction-log.js");
  await withThreadStore(async (store) => {
    const oneChunk = Buffer.byteLength(records(3, 10).join("\n"));
    const thread = new LogThread(store.location, { busyGapMs: 60_000, idleMs: 60_000, maxStagedBytes: oneChunk });
    try {
      await writeLines(thread, records(3, 10));
      await writeLines(thread, records(3, 13));
      assert.equal(thread.stagedBytes, oneChunk);
      // Another connection reads the log, which logs the staged chunk first.
      assert.deepEqual(await store.predictionCounts("m"), { predictions: 6, labelled: 0 });
      await thread.settle();
      assert.equal(thread.stagedBytes, 0);
      // The room is free: the next chunk under load is staged again.
      await writeLines(thread, records(3, 16));
      assert.deepEqual(await rawCounts(store.location), { staged: 1, logged: 6, counted: 6 });
    } finally {
      await thread.close();
    }
  });
});

test("a staged chunk holding an id already logged: its other records are logged and the thread reports the one skipped", async () => {
  const { LogThread } = await import("./prediction-log.js");
  await withThreadStore(async (store) => {
    const skipped: [number, string][] = [];
    const thread = new LogThread(store.location, { busyGapMs: 60_000, idleMs: 60_000, onSkipped: (n, detail) => skipped.push([n, detail]) });
    try {
      await writeLines(thread, records(3, 0));
      // Staged without a look inside: the repeat of p1 is found when the chunk is logged.
      await writeLines(thread, [records(1, 3)[0]!, records(1, 1)[0]!, records(1, 4)[0]!]);
      await thread.settle();
      assert.deepEqual(skipped, [[1, "each held an id already logged, or was not a prediction record"]]);
      assert.deepEqual(await rawCounts(store.location), { staged: 0, logged: 5, counted: 5 });
      assert.deepEqual((await store.getPrediction("p4"))?.inputs, { x: 0 });
      assert.deepEqual((await store.getPrediction("p1"))?.inputs, { x: 1 }, "the record logged first is kept");
    } finally {
      await thread.close();
    }
  });
});

test("SQLite store: settling with nothing staged takes no write lock (a writer of another process holding one does not hold it up)", async () => {
  const { default: Sqlite } = await import("better-sqlite3");
  await withThreadStore(async (store) => {
    const other = new Sqlite(store.location, { timeout: 0 });
    try {
      other.prepare("BEGIN IMMEDIATE").run();
      assert.deepEqual(await store.settlePredictionLog(), { records: 0, skipped: 0, blocks: 0, bytes: 0 });
      assert.deepEqual(await store.predictionCounts("m"), { predictions: 0, labelled: 0 });
      other.prepare("ROLLBACK").run();
    } finally {
      other.close();
    }
  });
});

test("SQLite store: a staged block is found by every read, which logs it first; a block with repeats or lines that are not records logs the rest", async () => {
  await withThreadStore(async (store) => {
    const block = (lines: readonly string[]) => new TextEncoder().encode(lines.join("\n"));
    await store.stagePredictionLines(block(records(20, 0)));
    await store.stagePredictionLines(block(records(5, 20)));
    assert.deepEqual(await rawCounts(store.location), { staged: 2, logged: 0, counted: 0 });
    assert.deepEqual(await store.predictionCounts("m"), { predictions: 25, labelled: 0 });
    assert.deepEqual(await rawCounts(store.location), { staged: 0, logged: 25, counted: 25 });

    await store.stagePredictionLines(block(records(2, 30)));
    assert.deepEqual([...(await store.predictionVersions("m", ["p31", "p99"]))], [["p31", 1]]);
    await store.stagePredictionLines(block(records(2, 40)));
    assert.deepEqual(await store.recordOutcomes("m", [{ id: "p41", label: 1 }]), { recorded: 1, unknown: [] });
    await store.stagePredictionLines(block(records(1, 50)));
    assert.equal((await store.getPrediction("p50"))?.id, "p50");

    // Repeated ids (in the log, and within the block) and a line that is not a record.
    const mixed = [records(1, 60)[0]!, records(1, 0)[0]!, "not a record", "", records(1, 61)[0]!, records(1, 61)[0]!, ""];
    await store.stagePredictionLines(block(mixed));
    await store.stagePredictionLines(block(records(1, 70)));
    const bytes = block(mixed).length + block(records(1, 70)).length;
    assert.deepEqual(await store.settlePredictionLog(), { records: 3, skipped: 3, blocks: 2, bytes });
    assert.deepEqual(await store.predictionCounts("m"), { predictions: 33, labelled: 1 });
    assert.deepEqual(await store.settlePredictionLog(), { records: 0, skipped: 0, blocks: 0, bytes: 0 });
    await store.stagePredictionLines(new Uint8Array(0));
    assert.deepEqual(await rawCounts(store.location), { staged: 0, logged: 33, counted: 33 });
  });
});
