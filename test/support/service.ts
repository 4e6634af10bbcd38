/**
 * The prediction service as the serving tests start it: in-process on a free local port (listenLocally),
 * or `learnloop serve` as its own process, the way an operator runs it (serveProcess); and the model
 * they serve (promoteSpecies).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { GradientBoosting, readDataset } from "../../src/index.js";
import type {} from "../../src/serving/app.js"; // its `declare module "fastify"`: app.learnloop
import { openStore } from "../../src/tracking/index.js";
import type { Store } from "../../src/tracking/types.js";

const BIN = join(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const PENGUINS = join(import.meta.dirname, "..", "..", "node_modules", "vega-datasets", "data", "penguins.json");

/**
 * Makes a GBDT of the penguins' species (`iterations` rounds, one thread) the champion of "species" in
 * `store`, or in the SQLite store at that path (opened and closed here): the model the serving tests serve.
 */
export async function promoteSpecies(store: Store | string, iterations: number): Promise<void> {
  if (typeof store === "string") {
    const opened = await openStore({ url: store });
    try {
      return await promoteSpecies(opened, iterations);
    } finally {
      await opened.close();
    }
  }
  const model = new GradientBoosting({ iterations, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
  const version = await store.registerModel({ name: "species", modelFile: model.toBytes(), kind: model.kind, task: model.task, actor: "test" });
  await store.promote("species", version.version, { actor: "test", reason: "test" });
}

/** Has a service made by createService listen on a free port of 127.0.0.1 and waits for its first load; returns its base URL. */
export async function listenLocally(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  await app.learnloop.loaded;
  return `http://127.0.0.1:${address.port}`;
}

/** `learnloop serve` running as a child process. */
export interface ServeProcess {
  readonly parent: ChildProcess;
  /** The URL it printed as listening on. */
  readonly url: string;
  /** Its exit status and everything it wrote to stderr, once it has exited. */
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `learnloop serve --db <db>` (and `options`) on a free port, with LEARNLOOP_TOKEN "t"; resolves once it prints its URL. */
export function serveProcess(db: string, options: readonly string[] = []): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const parent = spawn(process.execPath, ["--import", "tsx", BIN, "serve", "--db", db, "--port", "0", ...options], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LEARNLOOP_TOKEN: "t" } });
    let stderr = "";
    const exited = new Promise<{ code: number | null; stderr: string }>((done) => parent.on("exit", (code) => done({ code, stderr })));
    parent.stderr!.on("data", (chunk) => {
      stderr += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) resolve({ parent, url, exited });
    });
    void exited.then(({ code }) => reject(new Error(`learnloop serve exited (${code}) before listening: ${stderr}`)));
  });
}
