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
    const thread = new LogThread(store.location);
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
