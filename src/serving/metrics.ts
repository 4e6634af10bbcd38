/**
 * The service's Prometheus metrics, in a registry of its own (two services in one process, as in the
 * tests, do not collide). A labelled prom-client update validates and hashes its labels on every call:
 * the counters a request updates (requests, predictions per class) are therefore counted here, in
 * series resolved once, and handed to prom-client when /metrics is read (their `collect`); only the
 * latency histogram is updated per request, with a labels object reused per series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from "prom-client";
import type { PredictionLogCounts } from "./prediction-log.js";

/** Latency buckets in seconds: single-row predictions take well under a millisecond on loopback. */
const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

type RequestLabels = Record<"model" | "route" | "method" | "status", string>;

/** One series of the per-request counters: its labels and what it counted since the last scrape. */
interface RequestSeries {
  readonly labels: RequestLabels;
  pending: number;
  /** Its latency series (kept across scrapes, as histograms are). */
  readonly latency: LatencySeries;
}

/** One series of the latency histogram: observations per bucket (the last one above every bound), sum, count. */
interface LatencySeries {
  readonly labels: RequestLabels;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * The request latency histogram, kept here and handed to prom-client's registry as a metric of its
 * own: prom-client's Histogram.observe hashes its labels object on every call (0.6 us of the 1.5 us a
 * single-row request spent in metrics, measured in bench/serve/RESULTS.md); here a request's series is
 * resolved once per scrape interval with its counter and observing is a bucket increment. The text at
 * /metrics is the same as prom-client's histogram writes (buckets with `le` first, then _sum, _count).
 */
class LatencyHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly labelNames: readonly string[];
  readonly #series = new Map<string, LatencySeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
    labelNames: readonly string[],
  ) {
    this.labelNames = labelNames;
  }

  /** The series of `key` (its labels' identity), made on first use. */
  series(key: string, labels: RequestLabels): LatencySeries {
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  observe(series: LatencySeries, seconds: number): void {
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += seconds;
    series.count++;
  }

  async get(): Promise<{ name: string; help: string; type: "histogram"; aggregator: "sum"; values: { value: number; labels: Record<string, string | number>; metricName: string }[] }> {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let b = 0; b <= this.bounds.length; b++) {
        cumulative += series.counts[b]!;
        values.push({ value: cumulative, labels: { le: b < this.bounds.length ? this.bounds[b]! : "+Inf", ...series.labels }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: series.sum, labels: { ...series.labels }, metricName: `${this.name}_sum` });
      values.push({ value: series.count, labels: { ...series.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}

/** Rows predicted per class by one loaded model version since the last scrape. */
interface PredictionSeries {
  readonly labels: readonly Record<"model" | "version" | "class", string>[];
  readonly pending: Float64Array;
}

/** Every series the service exports. */
export class ServiceMetrics {
  readonly #requestSeries = new Map<string, RequestSeries>();
  /** The series of a loaded model's answered predict requests (recordAnswered), until the next scrape. */
  readonly #answered = { byModel: new WeakMap<object, RequestSeries>() };
  readonly #predictionSeries = new Map<object, PredictionSeries>();
  /** Requests the HTTP parser refused (recordUnparsed), by the status they were answered, until the next scrape. */
  readonly #unparsed = new Map<number, number>();
  readonly registry = new Registry();
  readonly requests: Counter<"model" | "route" | "method" | "status">;
  readonly latency: LatencyHistogram;
  readonly predictions: Counter<"model" | "version" | "class">;
  readonly feedback: Counter<"model" | "result">;
  readonly modelVersion: Gauge<"model">;
  readonly modelSwaps: Counter<"model">;
  readonly modelLoadFailures: Counter<"model">;
  readonly logWritten: Counter<string>;
  readonly logDropped: Counter<string>;
  readonly logWriteErrors: Counter<string>;
  readonly logFlushSeconds: Histogram<string>;

  /** `stagedBytes`: what the log's writer thread staged under load and has not moved yet (none without one). */
  constructor(logCounts: () => PredictionLogCounts, stagedBytes: () => number = () => 0) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "learnloop_" });
    const requestSeries = this.#requestSeries;
    const answered = this.#answered;
    const predictionSeries = this.#predictionSeries;
    const unparsed = this.#unparsed;
    this.requests = new Counter({
      name: "learnloop_http_requests_total",
      help: 'HTTP requests answered, by model, route, method and status (route "unmatched": no route takes it; "unparsed": not valid HTTP)',
      labelNames: ["model", "route", "method", "status"],
      registers,
      collect() {
        for (const series of requestSeries.values()) if (series.pending > 0) this.inc(series.labels, series.pending);
        for (const [status, count] of unparsed) this.inc({ model: "", route: "unparsed", method: "", status: String(status) }, count);
        unparsed.clear();
        // Dropped after each scrape: a series resolved again costs one object a scrape, and request
        // paths seen once (model names that are not served) are not kept for ever.
        requestSeries.clear();
        answered.byModel = new WeakMap();
      },
    });
    this.latency = new LatencyHistogram(
      "learnloop_http_request_duration_seconds",
      "Time from receiving a request to sending its answer, by model, route, method and status",
      LATENCY_BUCKETS,
      ["model", "route", "method", "status"],
    );
    this.registry.registerMetric(this.latency as unknown as Metric);
    this.predictions = new Counter({
      name: "learnloop_predictions_total",
      help: "Rows predicted, by model, version and predicted class (empty for regression)",
      labelNames: ["model", "version", "class"],
      registers,
      collect() {
        for (const series of predictionSeries.values()) {
          for (let c = 0; c < series.labels.length; c++) if (series.pending[c]! > 0) this.inc(series.labels[c]!, series.pending[c]!);
        }
        predictionSeries.clear();
      },
    });
    this.feedback = new Counter({ name: "learnloop_feedback_total", help: "Outcomes received, by model and result (recorded, or unknown prediction id)", labelNames: ["model", "result"], registers });
    this.modelVersion = new Gauge({ name: "learnloop_model_version", help: "Registry version of the model being served", labelNames: ["model"], registers });
    this.modelSwaps = new Counter({ name: "learnloop_model_swaps_total", help: "New champions loaded and swapped in without a restart", labelNames: ["model"], registers });
    this.modelLoadFailures = new Counter({ name: "learnloop_model_load_failures_total", help: "Champions refused because they failed to load or verify (the previous model kept serving)", labelNames: ["model"], registers });
    this.logWritten = new Counter({ name: "learnloop_prediction_log_written_total", help: "Prediction records written to the store", registers });
    this.logDropped = new Counter({ name: "learnloop_prediction_log_dropped_total", help: "Prediction records dropped (queue full while the store was down, or refused by the store)", registers });
    this.logWriteErrors = new Counter({ name: "learnloop_prediction_log_write_errors_total", help: "Failed writes of a batch of prediction records", registers });
    this.logFlushSeconds = new Histogram({ name: "learnloop_prediction_log_write_seconds", help: "Time to write one batch of prediction records", buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers });
    new Gauge({
      name: "learnloop_prediction_log_queue",
      help: "Prediction records waiting to be written",
      registers,
      collect() {
        this.set(logCounts().queued);
      },
    });
    new Gauge({
      name: "learnloop_prediction_log_staged_bytes",
      help: "Bytes of prediction records the writer thread committed whole under load and has not moved into the prediction log yet (SQLite)",
      registers,
      collect() {
        this.set(stagedBytes());
      },
    });
  }

  /** One answered request: counted in learnloop_http_requests_total, its time in the latency histogram. */
  recordRequest(model: string, route: string, method: string, status: number, seconds: number): void {
    const series = this.#series(model, route, method, status);
    series.pending++;
    this.latency.observe(series.latency, seconds);
  }

  /**
   * A request Node's HTTP parser refused, answered `status` (400, 431 for headers over the limit, 408)
   * before any route saw it. Counted in learnloop_http_requests_total, as route "unparsed" (beside
   * "unmatched", for requests no route takes) with an empty model and method (what the parser could not
   * read is no label: any text a client sends would make a series of its own): an operator's sums of the
   * requests by status then see malformed traffic with the rest, and can pick it out by its route, where
   * a counter of its own would be missed by those sums. It has no latency (no request was read to time):
   * the duration histogram's count leaves these out.
   */
  recordUnparsed(status: number): void {
    this.#unparsed.set(status, (this.#unparsed.get(status) ?? 0) + 1);
  }

  /**
   * A predict request answered 200 by one loaded model (`served`: its identity keys the series), as
   * recordRequest(model, route, "POST", 200, seconds) without making the series' key each time.
   */
  recordAnswered(served: object, model: string, route: string, seconds: number): void {
    let series = this.#answered.byModel.get(served);
    if (series === undefined) {
      series = this.#series(model, route, "POST", 200);
      this.#answered.byModel.set(served, series);
    }
    series.pending++;
    this.latency.observe(series.latency, seconds);
  }

  #series(model: string, route: string, method: string, status: number): RequestSeries {
    const key = `${status} ${method} ${route} ${model}`;
    let series = this.#requestSeries.get(key);
    if (series === undefined) {
      const labels = { model, route, method, status: String(status) };
      series = { labels, pending: 0, latency: this.latency.series(key, labels) };
      this.#requestSeries.set(key, series);
    }
    return series;
  }

  /**
   * Rows predicted by one loaded model (`served`: its identity keys the series), `counts[c]` of class
   * `classes[c]` (one count and no classes for regression).
   */
  recordPredictions(served: object, model: string, version: number, classes: readonly string[] | undefined, counts: Float64Array): void {
    let series = this.#predictionSeries.get(served);
    if (series === undefined) {
      const names = classes ?? [""];
      series = { labels: names.map((name) => ({ model, version: String(version), class: name })), pending: new Float64Array(names.length) };
      this.#predictionSeries.set(served, series);
    }
    for (let c = 0; c < series.pending.length; c++) series.pending[c]! += counts[c]!;
  }
}
