/**
 * The prediction service: a Fastify app that serves the registry's champions over HTTP.
 *
 *   POST /v1/models/{name}/predict    {"rows": [{...}, ...]} -> predictions with ids, probabilities, decision
 *   POST /v1/models/{name}/feedback   {"outcomes": [{"id", "label"}, ...]} (bearer token) -> recorded / unknown
 *   GET  /v1/models                   the models served, their versions and the fields a row needs
 *   GET  /v1/models/{name}/live       live metrics: the logged predictions scored against their outcomes
 *   POST /v1/admin/reload             (bearer token) check the registry for new champions now
 *   GET  /healthz, /readyz, /metrics, /openapi.json
 *
 * Requests never wait for the store: predictions are logged through an in-memory queue written in
 * batches (./prediction-log.ts). Champions are polled and hot-swapped (./models.ts). Every error body is
 * {"error": "<one line>"}.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, IncomingMessage, maxHeaderSize, STATUS_CODES, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { StoreError, describeValue } from "../core/errors.js";
import { formatError } from "../core/messages.js";
import { LEARNLOOP_VERSION } from "../models/format.js";
import { MAX_MODEL_NAME_LENGTH } from "../tracking/sql-store.js";
import type { Store } from "../tracking/types.js";
import { ServiceMetrics } from "./metrics.js";
import { ModelHost, type ModelCheck, type OutcomeLabels, type ServedModel } from "./models.js";
import { EncodedPredictionLog } from "./encoded-log.js";
import { LineLogWriter, LogThread, type PredictionLog, type PredictionLogEvents, type PredictionLogOptions } from "./prediction-log.js";
import { predict } from "./answers.js";
import { DEFAULT_LIVE_LIMIT, MAX_LIVE_LIMIT, liveReport } from "./live.js";
import { RowValidationError, formatRowIssue, type UnknownCategoryPolicy } from "./rows.js";
import * as schemas from "./schemas.js";

/** Options of `createService`. */
export interface ServiceOptions {
  /** Where the registry, the artifacts and the prediction log are. The caller opens and closes it. */
  readonly store: Store;
  /** Models to serve, by name (default: every registered model that has a champion, checked at each poll). */
  readonly models?: readonly string[];
  /** The bearer token of the feedback and admin routes. */
  readonly token: string;
  /** Most rows in one predict request (default 10000). */
  readonly maxBatch?: number;
  /** Largest request body in bytes (default 64 MiB: 10000 wide rows fit). */
  readonly bodyLimit?: number;
  /** Longest a request may take, from its first byte to its answer, in ms (default 10000); then 503. */
  readonly requestTimeoutMs?: number;
  /** How often the registry is checked for new champions, in ms (default 1000; 0: only on /v1/admin/reload). */
  readonly pollIntervalMs?: number;
  /** What an unknown category becomes when the request does not say (`?unknown=`): "error" (default, a 400) or "missing". */
  readonly unknownCategories?: UnknownCategoryPolicy;
  /** The prediction log's batching (see ./prediction-log.ts). */
  readonly predictionLog?: PredictionLogOptions;
  /**
   * Write the prediction log from a worker thread with its own connection (default: true for a SQLite
   * store, whose writes are synchronous; a PostgreSQL store writes without blocking the thread anyway).
   */
  readonly logThread?: boolean;
  /** One line for each event an operator wants to see (a model loaded or refused, log write failures). */
  readonly onEvent?: (line: string) => void;
}

/** What the service exposes beside the Fastify app (as `app.learnloop`). */
export interface ServiceControl {
  readonly host: ModelHost;
  readonly log: PredictionLog;
  readonly metrics: ServiceMetrics;
  /** Resolves when the first check of the registry is done (models loaded, or refused). */
  readonly loaded: Promise<ModelCheck[]>;
  /** Checks the registry for new champions now (also retries refused ones). */
  reload(): Promise<ModelCheck[]>;
  /** Requests received and not yet answered (a slow upload counts from its first byte). */
  readonly inFlight: number;
}

declare module "fastify" {
  interface FastifyInstance {
    learnloop: ServiceControl;
  }
  interface FastifyRequest {
    /** A JSON body's text, kept by the JSON parser for the error handler's words when it is refused. */
    bodyText: string;
  }
}

const DEFAULT_MAX_BATCH = 10_000;
const PREDICT_PATH = "/v1/models/:name/predict";
const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A request as the service's server hands it to Fastify: stamped when its headers were read (see
 * `serverFactory` below). The server makes its requests of this class, so the two fields are there from
 * the start rather than added to each request (which would change its shape, and allocate, every time).
 */
class StampedRequest extends IncomingMessage {
  /** performance.now() when its headers were read: the request-time limit and the request's latency count from it. */
  receivedAt = 0;
  /**
   * True for a request that came through the service's server (stamped and tracked by its listener);
   * false for one Fastify's inject() made in process, which the listener never sees (stamped when routed).
   */
  viaServer = false;
}

/** An answer to send as {"error": message} with `status`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the service. It starts loading the champions at once; /readyz answers 503 until they are
 * loaded. Close it with `app.close()`: it stops polling and writes the queued prediction log (the store
 * stays open: its owner closes it).
 *
 * @example
 * const store = await openStore();
 * const app = await createService({ store, token: process.env.LEARNLOOP_TOKEN! });
 * await app.listen({ port: 8080 });
 */
export async function createService(options: ServiceOptions): Promise<FastifyInstance> {
  const { store } = options;
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const defaultUnknown = options.unknownCategories ?? "error";
  const say = options.onEvent ?? (() => undefined);
  const tokenDigest = digest(options.token);

  let metrics: ServiceMetrics | undefined;
  let lastLogError = "";
  const given = options.predictionLog ?? {};
  const thread =
    (options.logThread ?? store.backend === "sqlite")
      ? new LogThread(store.location, {
          ...(given.maxStagedBytes !== undefined ? { maxStagedBytes: given.maxStagedBytes } : {}),
          onSkipped(records, detail) {
            (log as EncodedPredictionLog).lost(records);
            say(`prediction log: ${records} staged record${records === 1 ? "" : "s"} dropped: ${detail}`);
          },
        })
      : undefined;
  // With a writer thread, records are handed over every 100 ms (or 256 records) and committed there at
  // once: a crash loses a tenth of a second of predictions, not a second. 256 a commit, measured against
  // 128 and 1024 (bench/serve/RESULTS.md): 1024 takes the writer a sixth less CPU a record, but each
  // commit then holds a core for milliseconds, which the p99 latency showed (2.9-3.1 against 2.3 ms).
  const logOptions: PredictionLogOptions = {
    flushIntervalMs: given.flushIntervalMs ?? (thread ? 100 : 1000),
    batchSize: given.batchSize ?? (thread ? 256 : 1000),
    ...(given.maxQueue !== undefined ? { maxQueue: given.maxQueue } : {}),
  };
  // Records dropped before the current streak of write failures began, to say how many it cost.
  let droppedBeforeFailing = 0;
  const logEvents: PredictionLogEvents = {
    onWritten(records, seconds) {
      metrics?.logWritten.inc(records);
      metrics?.logFlushSeconds.observe(seconds);
      // The end of a streak of failures is said too, as the registry's checks say it: the operator who
      // read "kept to retry" learns that the kept records were written, and how many were dropped.
      if (lastLogError !== "") say(`prediction log: writing works again (${records} records written; ${log.counts.dropped - droppedBeforeFailing} dropped while it failed)`);
      lastLogError = "";
    },
    onError(error, records, willRetry) {
      metrics?.logWriteErrors.inc();
      if (lastLogError === "") droppedBeforeFailing = log.counts.dropped - (willRetry ? 0 : records);
      const line = formatError(error);
      // One line per streak of the same failure, not one per second while the store is down.
      if (line !== lastLogError) say(`prediction log: writing ${records} records failed (${willRetry ? "kept to retry" : "dropped"}): ${line}`);
      lastLogError = line;
    },
    onDropped(records) {
      metrics?.logDropped.inc(records);
    },
  };
  // With a thread, records are written as bytes into chunks handed over whole (./encoded-log.ts): they
  // never wait on the service's heap, where the young-generation collector copied them.
  const log: PredictionLog = thread
    ? new EncodedPredictionLog(thread, logOptions, logEvents)
    : new LineLogWriter((lines) => store.logPredictionLines(lines.join("\n")), logOptions, logEvents);
  metrics = new ServiceMetrics(() => log.counts, () => thread?.stagedBytes ?? 0);
  const serviceMetrics = metrics;

  const host = new ModelHost(store, options.models, {
    onLoaded(model, previous) {
      serviceMetrics.modelVersion.set({ model: model.name }, model.version);
      if (previous) serviceMetrics.modelSwaps.inc({ model: model.name });
      say(previous ? `${model.name}: now serving version ${model.version} (was ${previous.version})` : `${model.name}: serving version ${model.version} (${model.model.kind}, ${model.model.task})`);
    },
    onRefused(name, version, message) {
      serviceMetrics.modelLoadFailures.inc({ model: name });
      const current = host.get(name);
      say(`${name}: version ${version} refused, ${current ? `version ${current.version} keeps serving` : "nothing to serve"}: ${message}`);
    },
  });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  // One line per streak of the same failure (not one a second while the store is down), and one when
  // a check works again, as the prediction log does.
  let pollFailure = "";
  const onPollError = (error: unknown): void => {
    const line = formatError(error);
    if (line !== pollFailure) say(`checking the registry failed: ${line}`);
    pollFailure = line;
  };
  const onPollChecked = (): void => {
    if (pollFailure === "") return;
    pollFailure = "";
    say("checking the registry works again");
  };
  const loaded = host.check();
  loaded.then(
    () => host.start(pollIntervalMs, onPollError, onPollChecked),
    (error: unknown) => {
      onPollError(error);
      host.start(pollIntervalMs, onPollError, onPollChecked);
    },
  );

  // Every request is stamped and tracked by the server's own request listener, before Fastify routes it,
  // rather than by an onRequest hook: with a hook on the predict route, Fastify runs its hook machinery
  // for every prediction (0.6 us a request of the service's thread, bench/serve/RESULTS.md).
  //
  // The request-time limit: requests are watched from their first byte (a slow upload counts) by one
  // sweep over the requests in flight, oldest first, rather than by a timer and an AbortController per
  // request (Fastify's handlerTimeout), which cost the single-row path measurably. A prediction is
  // synchronous: once it runs it finishes; the limit catches slow bodies and slow stores. Each answer
  // takes its request out of `inFlight` (the predict handler, the error and not-found handlers, the other
  // routes' onResponse hooks); one that is missed is dropped by the sweep once it is older than the limit.
  const inFlight = new Map<StampedRequest, ServerResponse>();
  // Shutting down (app.close()): requests in flight are answered, with `Connection: close` so that a
  // keep-alive client does not hold the drain open for the keep-alive timeout (72 s); requests that
  // come after are answered 503. A request pipelined behind one in flight on the same connection takes
  // the close over from it (the connection must stay open for its 503).
  let closing = false;
  let requestCount = 0;
  const closingAnswers = new WeakMap<object, ServerResponse>();
  // Routes by path pattern, with their methods: the not-found handler answers 405 with them, and the
  // answers written before Fastify routes a request (503s) are counted under their route.
  const routes: { path: string; pattern: RegExp; methods: string[] }[] = [];

  const app = Fastify({
    bodyLimit,
    // Fastify's own server, with the listener that stamps and tracks each request first (see above),
    // and Fastify's settings for it: a keep-alive timeout of 72 s, no timeouts of Node's own (the
    // request-time limit is the sweep's).
    serverFactory: (handler) => {
      const server = createServer({ IncomingMessage: StampedRequest }, (request, response) => {
        request.receivedAt = performance.now();
        request.viaServer = true;
        if (closing) {
          refuseWhileClosing(request, response);
          return;
        }
        inFlight.set(request, response);
        handler(request, response);
      });
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      server.setTimeout(0);
      return server;
    },
    // Fastify's own request ids ("req-" and a counter in base 36); a request made by inject(), which the
    // server's listener did not see, is stamped here, as it is routed.
    genReqId: (request) => {
      const stamped = request as StampedRequest;
      if (stamped.viaServer !== true) {
        stamped.receivedAt = performance.now();
        stamped.viaServer = false;
      }
      requestCount = (requestCount + 1) & 0x7fffffff;
      return `req-${requestCount.toString(36)}`;
    },
    // The registry takes model names of up to 128 characters (src/tracking/sql-store.ts); Fastify's
    // default of 100 answered 414 to every request for a served model with a longer name. Set among the
    // router's options: Fastify 5 warns (FSTDEP022) on every start when it is given at the top level.
    routerOptions: { maxParamLength: MAX_MODEL_NAME_LENGTH },
    // Requests that come once the service is closing are answered 503 by refuseWhileClosing, in the
    // service's {"error": one line} shape, not Fastify's own body.
    return503OnClosing: false,
    forceCloseConnections: "idle",
    logger: false,
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    // A request Node's HTTP parser refuses never reaches Fastify's routes: it is answered here, in the
    // service's {"error": one line} shape with the parser's reason, rather than Fastify's default body
    // ("Client Error", which says nothing of what was wrong). The connection cannot be read on.
    clientErrorHandler(error: NodeJS.ErrnoException & { reason?: string }, socket) {
      if (error.code === "ECONNRESET" || socket.destroyed) return;
      const [status, message] =
        error.code === "HPE_HEADER_OVERFLOW"
          ? [431, `the request's headers are larger than the limit of ${maxHeaderSize.toLocaleString("en-US")} bytes`]
          : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? [408, "the request's headers took too long to arrive"]
            : [400, `the request is not valid HTTP/1.1: ${error.reason ?? error.message}`];
      const body = JSON.stringify({ error: message });
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        countRefused(socket, status);
      }
      socket.destroy(error);
    },
    // Errors Fastify finds before routing (a URL with broken %-encoding, a parameter too long) get the
    // service's {"error": one line} too, not Fastify's own four-field body.
    frameworkErrors(error, request, reply) {
      const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 400;
      const message =
        error.code === "FST_ERR_BAD_URL"
          ? `the URL ${describeValue(request.url)} is not valid (broken %-encoding?)`
          : error.code === "FST_ERR_MAX_PARAM_LENGTH"
            ? `the model name in the URL has ${(/^\/v1\/models\/([^/?]*)/.exec(request.url)?.[1] ?? "").length} characters; a registered name has at most ${MAX_MODEL_NAME_LENGTH}`
            : firstLine(error.message);
      void (reply as FastifyReply).code(status).send({ error: message });
      inFlight.delete(request.raw as StampedRequest);
      recordRequest("unmatched", request as FastifyRequest, reply as FastifyReply);
    },
  });
  app.decorateRequest("bodyText", "");
  // Fastify reads text/plain bodies as strings, which the schema then refused with a 400 "must be object":
  // the service takes JSON only, so text/plain gets the 415 every other non-JSON body gets.
  app.removeContentTypeParser("text/plain");
  // Fastify's JSON parser answers every bad body "Body is not valid JSON", even a valid one holding a
  // "__proto__" key, and reads a compressed body as bad JSON: say where the JSON breaks (V8's message
  // gives the position, in a body of 10,000 rows), which key is refused, or that the encoding is not taken.
  // The body's text is kept on the request for the error handler (which words the refusal): no function
  // is made per request on the path every prediction takes.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body: string, done) => {
    const encoding = request.headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") {
      done(new HttpError(415, `the request body must not be compressed (Content-Encoding: ${encoding}); send it as plain JSON`), undefined);
      return;
    }
    request.bodyText = body;
    parseJson(request, body, done);
  });
  app.decorate("learnloop", {
    host,
    log,
    metrics: serviceMetrics,
    loaded,
    reload: () => host.check({ retry: true }),
    get inFlight() {
      return inFlight.size;
    },
  } satisfies ServiceControl);

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "learnloop prediction service", version: LEARNLOOP_VERSION, description: "Predictions from the registry's champion models, feedback on them, health and metrics." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });

  // The model label is the name only when it is served: any text a client puts in the URL would
  // otherwise become a series of its own, and /metrics would grow without bound.
  const servedName = (request: FastifyRequest): string => {
    const name = (request.params as { name?: string } | undefined)?.name;
    return name !== undefined && host.get(name) !== undefined ? name : "";
  };
  const recordRequest = (route: string, request: FastifyRequest, reply: FastifyReply): void => {
    const model = servedName(request);
    serviceMetrics.recordRequest(model, route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  };
  // The predict route has no onResponse hook, so Fastify keeps no start time for it (reply.elapsedTime is 0).
  const recordPredictRequest = (request: FastifyRequest, status: number): void => {
    const model = servedName(request);
    serviceMetrics.recordRequest(model, PREDICT_PATH, request.method, status, (performance.now() - (request.raw as StampedRequest).receivedAt) / 1000);
  };
  /** The route that takes a request Fastify may not have routed (yet), and the request's path. */
  const routeOf = (request: StampedRequest): { path: string; route: (typeof routes)[number] | undefined } => {
    const path = (request.url ?? "").split("?")[0]!;
    const method = request.method ?? "";
    return { path, route: routes.find((candidate) => candidate.pattern.test(path) && candidate.methods.includes(method)) };
  };
  /** Counts an answer the service wrote itself, before or without Fastify: under its route's path (or "unmatched"), and its model when served. */
  const recordWritten = (request: StampedRequest, status: number): void => {
    const { path, route } = routeOf(request);
    const method = request.method ?? "";
    let name: string | undefined;
    try {
      const segment = /^\/v1\/models\/([^/]+)\//.exec(path)?.[1];
      name = segment === undefined ? undefined : decodeURIComponent(segment);
    } catch {
      // broken %-encoding: no model
    }
    const model = route !== undefined && name !== undefined && host.get(name) !== undefined ? name : "";
    serviceMetrics.recordRequest(model, route?.path ?? "unmatched", method, status, (performance.now() - request.receivedAt) / 1000);
  };
  /**
   * Counts, once, a request the HTTP parser refused and clientErrorHandler answered `status` on `socket`.
   * Most never had their head read: no route saw them, and they are counted as route "unparsed" (see
   * ServiceMetrics.recordUnparsed). One whose body broke (a bad chunk) is in flight under its route: the
   * predict route's and one no route takes are counted by the error handler once the broken body reaches
   * Fastify; the other routes count in their onResponse hook, which a connection destroyed mid-body never
   * reaches, so those are counted here, under their route, with the status the client got.
   */
  const countRefused = (socket: Socket, status: number): void => {
    let request: StampedRequest | undefined;
    for (const candidate of inFlight.keys()) if (candidate.socket === socket) request = candidate;
    if (request === undefined) {
      serviceMetrics.recordUnparsed(status);
      return;
    }
    const { route } = routeOf(request);
    if (route === undefined || route.path === PREDICT_PATH) return;
    writtenByService.add(inFlight.get(request)!);
    inFlight.delete(request);
    recordWritten(request, status);
  };
  /** Answers the service wrote itself, bypassing Fastify (which may still count them in a route's onResponse hook). */
  const writtenByService = new WeakSet<ServerResponse>();
  /** Answers `request` 503 with `message`, unless its answer is already written, and counts it. */
  const answer503 = (request: StampedRequest, response: ServerResponse, message: string, close: boolean): void => {
    if (response.headersSent || response.writableEnded || response.destroyed) return;
    writtenByService.add(response);
    const body = JSON.stringify({ error: message });
    const headers = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) };
    response.writeHead(503, close ? { ...headers, connection: "close" } : headers);
    response.end(body);
    recordWritten(request, 503);
  };
  const refuseWhileClosing = (request: StampedRequest, response: ServerResponse): void => {
    const before = closingAnswers.get(request.socket);
    if (before !== undefined && !before.headersSent && !before.writableEnded) before.removeHeader("connection");
    answer503(request, response, "the service is shutting down; send the request again", true);
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const [status, message] = answerFor(error, request, bodyLimit);
    if (status >= 500 && status !== 503) say(`${request.method} ${request.url}: ${message}`);
    void reply.code(status).send({ error: message });
    if (request.is404) {
      inFlight.delete(request.raw as StampedRequest);
      recordRequest("unmatched", request, reply);
    } else {
      // Not in flight any more: the sweep answered it and counted it (unless inject() made it).
      const raw = request.raw as StampedRequest;
      if ((inFlight.delete(raw) || !raw.viaServer) && request.routeOptions.url === PREDICT_PATH) recordPredictRequest(request, reply.statusCode);
    }
  });
  app.setNotFoundHandler((request, reply) => {
    inFlight.delete(request.raw as StampedRequest);
    const path = request.url.split("?")[0]!;
    // A path that is a route, asked with a method it does not take: 405 with the methods it takes.
    const allowed = routes.filter((route) => route.pattern.test(path)).flatMap((route) => route.methods);
    if (allowed.length > 0) {
      const methods = [...new Set(allowed)].join(", ");
      void reply.code(405).header("allow", methods).send({ error: `${path} does not take ${request.method}; it takes ${methods} (the routes are listed at /openapi.json)` });
      recordRequest("unmatched", request, reply);
      return;
    }
    void reply.code(404).send({ error: `no route ${request.method} ${path} (the routes are listed at /openapi.json)` });
    recordRequest("unmatched", request, reply);
  });

  // Request metrics: each route gets its own onResponse hook that knows the route's path (reading
  // request.routeOptions builds an object of a dozen fields on every call), and no global hook runs for
  // every request: requests no route matched are counted by the not-found handler (and the error
  // handler, for those that fail before it) once their answer is written.
  // The predict route has no onResponse hook at all: with one, Fastify listens for the end of every
  // response (0.5 us and more a request, measured); its answers are counted where they are sent: by its
  // handler, the error handler, or the request-time sweep.
  app.addHook("onRoute", (route) => {
    const path = route.url ?? route.path;
    const pattern = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_]+/g, "[^/]+")}$`);
    routes.push({ path, pattern, methods: [route.method].flat() });
    if (path === PREDICT_PATH) return;
    const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      inFlight.delete(request.raw as StampedRequest);
      // A 503 the sweep wrote (raw) is counted there.
      if (!writtenByService.has(reply.raw)) recordRequest(path, request, reply);
      done();
    };
    const given = route.onResponse;
    route.onResponse = given === undefined ? onResponse : [...(Array.isArray(given) ? given : [given]), onResponse];
  });

  const requireToken = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const header = request.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 11.1): "bearer x" is as good as "Bearer x".
    const given = typeof header === "string" && header.length > 7 && header.slice(0, 7).toLowerCase() === "bearer " ? header.slice(7).trim() : undefined;
    // Digests of equal length make the comparison constant-time whatever the token's length.
    if (given === undefined || !timingSafeEqual(digest(given), tokenDigest)) {
      void reply.code(401).header("www-authenticate", 'Bearer realm="learnloop"').send({
        error: given === undefined ? "this route needs a bearer token: send Authorization: Bearer $LEARNLOOP_TOKEN" : "the bearer token is wrong",
      });
      return;
    }
    done();
  };

  app.addHook("preClose", (done) => {
    closing = true;
    for (const [request, response] of inFlight) {
      if (response.headersSent || response.writableEnded) continue;
      response.setHeader("connection", "close");
      closingAnswers.set(request.socket, response);
    }
    // Answers in flight end their connection at once too: Node reads the keep-alive timeout when each
    // answer ends, and server.close() only closes the connections idle now.
    app.server.keepAliveTimeout = 1;
    done();
  });
  const sweep = setInterval(() => {
    for (const [request, response] of inFlight) {
      if (performance.now() - request.receivedAt < requestTimeoutMs) break;
      inFlight.delete(request);
      answer503(request, response, `the request took longer than the limit of ${requestTimeoutMs} ms; retry, or send fewer rows per request`, false);
    }
  }, Math.max(10, Math.min(1000, Math.floor(requestTimeoutMs / 4))));
  sweep.unref();

  const servedOrThrow = (name: string): ServedModel => {
    const served = host.get(name);
    if (served) return served;
    const refused = host.refusal(name);
    if (refused) throw new HttpError(503, `model "${name}" is not served: its champion, version ${refused.version}, failed to load: ${refused.error}`);
    const names = host.all().map((model) => model.name);
    throw new HttpError(404, `no model named "${name}" is served (${names.length > 0 ? `serving: ${names.join(", ")}` : "no model is loaded yet"})`);
  };

  app.post<{ Params: { name: string }; Querystring: { unknown?: UnknownCategoryPolicy }; Body: { rows: unknown[] } }>(
    PREDICT_PATH,
    { schema: schemas.predictRoute },
    (request, reply) => {
      // Answered 503 by the request-time limit while its body was arriving: nothing more to do.
      if (reply.sent) return reply;
      const served = servedOrThrow(request.params.name);
      const rows = request.body.rows;
      if (rows.length === 0) throw new HttpError(400, "rows: expected at least one row");
      if (rows.length > maxBatch) {
        // A 400, as the issue maps batch size (413 is the body's size, which Fastify checks while reading it).
        throw new HttpError(400, `rows: ${rows.length} rows is more than the ${maxBatch} a request may hold; split the batch (or start the service with a larger --max-batch)`);
      }
      const answer = predict(served, rows, request.query.unknown ?? defaultUnknown, Date.now(), log);
      serviceMetrics.recordPredictions(served, served.name, served.version, served.classes, answer.counts);
      // The answer is built as JSON text here (./answers.ts), so Fastify sends it as is.
      void reply.type("application/json; charset=utf-8").send(answer.body);
      inFlight.delete(request.raw as StampedRequest);
      serviceMetrics.recordAnswered(served, served.name, PREDICT_PATH, (performance.now() - (request.raw as StampedRequest).receivedAt) / 1000);
      return reply;
    },
  );

  app.post<{ Params: { name: string }; Body: { outcomes: { id: string; label: unknown }[] } }>(
    "/v1/models/:name/feedback",
    { schema: schemas.feedbackRoute, onRequest: requireToken },
    async (request) => {
      const name = request.params.name;
      const served = servedOrThrow(name);
      const given = request.body.outcomes;
      if (given.length > maxBatch) {
        throw new HttpError(400, `outcomes: ${given.length} outcomes is more than the ${maxBatch} a request may hold; split the batch (or start the service with a larger --max-batch)`);
      }
      // The predictions may still be in the queue, or staged by the writer: log them first, so their ids are known.
      await log.settle();
      // Each label is checked against the classes of the version that made its prediction (a hot swap
      // may have dropped or renamed a class since), found for all ids in one query; an id not logged
      // is checked against the version served now, and comes back unknown. One bad label refuses all.
      const versions = await store.predictionVersions(name, given.map((outcome) => outcome.id));
      const current = await host.outcomeLabels(name, served.version);
      const labelsByVersion = new Map<number, OutcomeLabels>([[served.version, current]]);
      for (const version of new Set(versions.values())) {
        if (!labelsByVersion.has(version)) labelsByVersion.set(version, await host.outcomeLabels(name, version));
      }
      const outcomes = given.map((outcome, i) => {
        const version = versions.get(outcome.id);
        return { id: outcome.id, label: checkedLabel(version === undefined ? current : labelsByVersion.get(version)!, served.version, outcome.label, i) };
      });
      const result = await store.recordOutcomes(name, outcomes);
      if (result.recorded > 0) serviceMetrics.feedback.inc({ model: name, result: "recorded" }, result.recorded);
      if (result.unknown.length > 0) serviceMetrics.feedback.inc({ model: name, result: "unknown" }, result.unknown.length);
      return { recorded: result.recorded, unknown: result.unknown.length, unknownIds: result.unknown };
    },
  );

  app.get("/v1/models", { schema: schemas.modelsRoute }, () => ({
    models: host.all().map((served) => ({
      name: served.name,
      version: served.version,
      kind: served.model.kind,
      task: served.model.task,
      target: served.model.schema.target.name,
      ...(served.classes ? { classes: [...served.classes] } : {}),
      ...(served.threshold !== undefined ? { threshold: served.threshold } : {}),
      fields: [...served.reader.fields],
      loadedAt: served.loadedAt,
    })),
    // Champions that failed to load or verify: the operator sees them here too, not only in the log.
    refused: host.refusals().map((refused) => {
      const serving = host.get(refused.name)?.version;
      return { ...refused, ...(serving !== undefined ? { serving } : {}) };
    }),
  }));

  app.get<{ Params: { name: string }; Querystring: { limit?: unknown } }>("/v1/models/:name/live", { schema: schemas.liveRoute }, async (request) => {
    const name = request.params.name;
    servedOrThrow(name);
    const raw = request.query.limit;
    const limit = raw === undefined ? DEFAULT_LIVE_LIMIT : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIVE_LIMIT)) throw new HttpError(400, `limit: expected a whole number from 1 to ${MAX_LIVE_LIMIT}, got ${describeValue(raw)}`);
    // Only predictions with an outcome count, and feedback writes the queue before recording one: no flush.
    const rows = await store.labelledPredictions(name, { limit });
    return liveReport(name, rows, (version) => host.outcomeLabels(name, version));
  });

  app.post("/v1/admin/reload", { schema: schemas.reloadRoute, onRequest: requireToken }, async () => ({ models: await host.check({ retry: true }) }));

  app.get("/healthz", { schema: schemas.healthRoute }, () => ({ status: "ok" }));

  app.get("/readyz", { schema: schemas.readyRoute }, (_request, reply) => {
    if (!host.ready) {
      return (reply as FastifyReply).code(503).send({ error: "not ready: the models are not loaded yet" });
    }
    return { status: "ready", models: host.all().map((served) => ({ name: served.name, version: served.version })) };
  });

  app.get("/metrics", { schema: schemas.metricsRoute }, async (_request, reply) => {
    // prom-client writes a NaN value "Nan" (the event-loop percentiles before any sample); the text format
    // spells it "NaN" (prometheus.io, exposition formats). Prometheus reads either (Go's ParseFloat ignores
    // case), other readers of the format need not. Done here, per scrape: nothing on the predict path.
    const text = (await serviceMetrics.registry.metrics()).replace(/^([^#\n].*) Nan$/gm, "$1 NaN");
    return reply.type(serviceMetrics.registry.contentType).send(text);
  });

  app.get("/openapi.json", { schema: schemas.openapiRoute }, () => app.swagger());

  app.addHook("onClose", async () => {
    clearInterval(sweep);
    await host.stop();
    // The store may be away for a moment just as the service stops (a restart of the database, a network
    // blip): what is queued is retried every 200 ms for as long as a request may take, and given up only then.
    const giveUpAt = performance.now() + requestTimeoutMs;
    for (let tries = 0; ; tries++) {
      try {
        await log.close();
        break;
      } catch (error) {
        if (log.pending > 0 && performance.now() < giveUpAt) {
          if (tries === 0) say(`prediction log: ${log.pending} records wait for the store at shutdown; retrying for up to ${requestTimeoutMs} ms (--timeout) before giving them up`);
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        say(`prediction log: ${log.pending} records could not be written at shutdown: ${formatError(error)}`);
        break;
      }
    }
    await thread?.close();
  });

  return app;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * An outcome's label, checked against the version that made the prediction (`labels`): one of its classes
 * (as their text), or a finite number. The message names that version when it is not the one served now.
 */
function checkedLabel(labels: OutcomeLabels, servedVersion: number, label: unknown, index: number): string | number {
  const classes = labels.classes;
  const older = labels.version !== servedVersion;
  if (classes) {
    const text = typeof label === "string" ? label : typeof label === "number" || typeof label === "boolean" ? String(label) : undefined;
    if (text !== undefined && classes.includes(text)) return text;
    const shown = classes.slice(0, 8).map((c) => JSON.stringify(c)).join(", ");
    const whose = older ? `version ${labels.version} of "${labels.name}", which made the prediction` : `"${labels.name}"`;
    throw new HttpError(400, `outcomes[${index}].label: expected one of the classes of ${whose} (${shown}${classes.length > 8 ? ", ..." : ""}), got ${describeValue(label)}`);
  }
  if (typeof label === "number" && Number.isFinite(label)) return label;
  const of = older ? `, which version ${labels.version} of "${labels.name}" predicted` : "";
  throw new HttpError(400, `outcomes[${index}].label: expected a finite number (the observed value of "${labels.target}"${of}), got ${describeValue(label)}`);
}

/** The status and one-line message of an error, for {"error": message}. */
function answerFor(error: FastifyError | HttpError | Error, request: FastifyRequest, bodyLimit: number): [number, string] {
  if (error instanceof HttpError) return [error.status, error.message];
  if (error instanceof RowValidationError) return [400, formatRowIssue(error.issue)];
  const fastifyError = error as FastifyError;
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return [413, `the request body is larger than the limit of ${bodyLimit.toLocaleString("en-US")} bytes; send fewer rows per request`];
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return [415, `the request body must be JSON (Content-Type: application/json), got ${describeValue(request.headers["content-type"])}`];
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return [400, "the request body is empty; expected a JSON object"];
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return [400, jsonProblem(request.bodyText)];
  }
  if (fastifyError.validation && fastifyError.validation.length > 0) {
    const issue = fastifyError.validation[0]!;
    const where = `${fastifyError.validationContext ?? "body"}${issue.instancePath.replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".")}`;
    const missing = (issue.params as { missingProperty?: string }).missingProperty;
    if (missing) return [400, `${where === "body" ? "" : where + "."}${missing}: required`.replace(/^body\./, "")];
    if (fastifyError.validationContext === "querystring" && issue.keyword === "type") {
      // A parameter given twice (?limit=1&limit=2) reaches the schema as an array of its values.
      const name = issue.instancePath.slice(1);
      const sent = (request.query as Record<string, unknown>)[name];
      if (Array.isArray(sent)) return [400, `${name}: given ${sent.length} times (${sent.map((value) => `${name}=${String(value)}`).join("&")}); give it once`];
    }
    // AJV says only "must be object" or "must be equal to one of the allowed values": say what was
    // expected there, and what was sent.
    const context = fastifyError.validationContext ?? "body";
    const path = issue.instancePath.split("/").slice(1);
    let sent: unknown = context === "querystring" ? request.query : context === "params" ? request.params : context === "headers" ? request.headers : request.body;
    for (const key of path) sent = sent !== null && typeof sent === "object" ? (sent as Record<string, unknown>)[key] : undefined;
    const field = where.replace(/^(body|querystring|params|headers)\.?/, "") || "request body";
    const allowed = (issue.params as { allowedValues?: unknown[] }).allowedValues;
    if (allowed) return [400, `${field}: expected one of ${allowed.map((value) => JSON.stringify(value)).join(", ")}, got ${describeValue(sent)}`];
    if (issue.keyword === "type") {
      // A POST without a body (and so without a Content-Type) reaches the schema as no body at all.
      if (field === "request body" && sent === undefined) return [400, "the request body is empty; expected a JSON object (Content-Type: application/json)"];
      return [400, `${field}: expected ${expectedOfType(field, String((issue.params as { type?: unknown }).type))}, got ${describeValue(sent)}`];
    }
    return [400, `${field}: ${issue.message ?? "invalid"}`];
  }
  if (error instanceof SyntaxError) return [400, `the request body is not valid JSON: ${firstLine(error.message)}`];
  if (error instanceof StoreError) {
    if (error.code === "unavailable") return [503, `the store is unavailable: ${formatError(error)}`];
    return [500, `the store failed: ${formatError(error)}`];
  }
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  if (status < 500) return [status, firstLine(error.message)];
  return [status, `internal error: ${firstLine(formatError(error))}`];
}

/** What a field of a request body a route's schema refused for its type should be, in a client's words. */
function expectedOfType(field: string, type: string): string {
  if (field === "request body") return "a JSON object";
  if (field === "rows") return "an array of rows (objects of feature values)";
  if (/^rows\[\d+\]$/.test(field)) return "an object of feature values";
  if (field === "outcomes") return 'an array of outcomes ({"id", "label"})';
  if (/^outcomes\[\d+\]$/.test(field)) return 'an outcome, {"id": "<prediction id>", "label": <observed value>}';
  if (/^outcomes\[\d+\]\.id$/.test(field)) return "a prediction id (a string)";
  const words: Record<string, string> = { object: "an object", array: "an array", string: "a string", integer: "a whole number", number: "a number", boolean: "true or false" };
  return words[type] ?? type;
}

/** Why a body Fastify's JSON parser refused was refused: where the JSON breaks, or the key it does not take. */
function jsonProblem(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return `the request body is not valid JSON: ${firstLine((error as Error).message)}`;
  }
  return 'the request body holds a "__proto__" key, or a "constructor" key holding "prototype", which the service refuses';
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
