/**
 * Requests Node's HTTP parser refuses (not valid HTTP/1.1, headers over its limit) are answered by the
 * service's clientErrorHandler with a one-line 400 or 431, and counted at /metrics in
 * learnloop_http_requests_total as route "unparsed" (model and method empty: the parser read neither).
 * Before, /metrics never saw them, so an operator watching it missed malformed traffic.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { createService } from "../../src/serving/app.js";
import { openStore } from "../../src/tracking/index.js";
import type { Store } from "../../src/tracking/types.js";
import { listenLocally, promoteSpecies } from "../support/service.js";

const ROW = { Island: "Biscoe", "Beak Length (mm)": 45, "Beak Depth (mm)": 15, "Flipper Length (mm)": 215, "Body Mass (g)": 5000, Sex: "MALE" };

describe("/metrics counts the requests the HTTP parser refuses", () => {
  let home = "";
  let store: Store;
  let app: FastifyInstance;
  let base = "";

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "learnloop-client-error-metrics-"));
    store = await openStore({ url: join(home, "learnloop.db") });
    await promoteSpecies(store, 3);
    app = await createService({ store, token: "t", pollIntervalMs: 0, logThread: false });
    base = await listenLocally(app);
  });

  after(async () => {
    if (app) await app.close().catch(() => undefined);
    if (store) await store.close().catch(() => undefined);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** The status line the service answers to `text` written raw on a new connection, once it closes it. */
  function statusLine(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), "127.0.0.1");
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(answer.split("\r\n")[0]!));
      socket.write(text);
    });
  }

  /** The lines of /metrics that count requests answered as route "unparsed" (counter and histogram). */
  async function unparsedLines(): Promise<string[]> {
    const text = await (await fetch(`${base}/metrics`)).text();
    return text.split("\n").filter((line) => line.startsWith("learnloop_http_request") && line.includes('route="unparsed"'));
  }

  /** The lines of /metrics that count requests answered. */
  async function requestLines(): Promise<string[]> {
    const text = await (await fetch(`${base}/metrics`)).text();
    return text.split("\n").filter((line) => line.startsWith("learnloop_http_requests_total{"));
  }

  it("counts each one under its status, with the answered requests, and keeps the totals across scrapes", async () => {
    // A request the parser reads is counted under its route as before: one answered predict request.
    const answered = await fetch(`${base}/v1/models/species/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rows: [ROW] }) });
    assert.equal(answered.status, 200, await answered.text());
    assert.deepEqual(await unparsedLines(), []);

    const refused = [
      await statusLine("POST /v1/models/species/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
      await statusLine("HELLO there\r\n\r\n"),
      await statusLine(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`),
    ];
    assert.deepEqual(refused, ["HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request", "HTTP/1.1 431 Request Header Fields Too Large"]);
    assert.deepEqual(await unparsedLines(), [
      'learnloop_http_requests_total{model="",route="unparsed",method="",status="400"} 2',
      'learnloop_http_requests_total{model="",route="unparsed",method="",status="431"} 1',
    ]);

    // One more after a scrape: the counter goes on from its total (as a Prometheus counter must).
    assert.equal(await statusLine("GET / HTTP/9.9\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.deepEqual(
      text.split("\n").filter((line) => line.startsWith("learnloop_http_requests_total{")),
      [
        'learnloop_http_requests_total{model="species",route="/v1/models/:name/predict",method="POST",status="200"} 1',
        'learnloop_http_requests_total{model="",route="/metrics",method="GET",status="200"} 2',
        'learnloop_http_requests_total{model="",route="unparsed",method="",status="400"} 3',
        'learnloop_http_requests_total{model="",route="unparsed",method="",status="431"} 1',
      ],
    );
    assert.match(text, /^# HELP learnloop_http_requests_total HTTP requests answered, by model, route, method and status \(route "unmatched": no route takes it; "unparsed": not valid HTTP\)$/m);
  });

  it("a request whose body breaks after its head was read (a bad chunk) is counted once, under its route, with the status it got", async () => {
    const broken = (method: string, path: string, headers = ""): Promise<string> =>
      statusLine(`${method} ${path} HTTP/1.1\r\nHost: x\r\n${headers}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`);
    const before = await requestLines();
    const answers = [
      await broken("POST", "/v1/models/species/predict"),
      await broken("POST", "/v1/models/species/feedback", "Authorization: Bearer t\r\n"),
      await broken("POST", "/v1/admin/reload", "Authorization: Bearer t\r\n"),
      await broken("POST", "/no/such/route"),
    ];
    assert.deepEqual(answers, Array(4).fill("HTTP/1.1 400 Bad Request"));
    // The error handler counts a broken predict request once Fastify reads the broken body: not at once.
    for (let waited = 0; app.learnloop.inFlight > 0; waited += 20) {
      assert.ok(waited < 5000, `${app.learnloop.inFlight} requests still in flight`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const added = (await requestLines()).filter((line) => !before.includes(line) && !line.includes('route="/metrics"'));
    assert.deepEqual(added.sort(), [
      'learnloop_http_requests_total{model="",route="/v1/admin/reload",method="POST",status="400"} 1',
      'learnloop_http_requests_total{model="",route="unmatched",method="POST",status="400"} 1',
      'learnloop_http_requests_total{model="species",route="/v1/models/:name/feedback",method="POST",status="400"} 1',
      'learnloop_http_requests_total{model="species",route="/v1/models/:name/predict",method="POST",status="400"} 1',
    ]);
  });
});
