/**
 * The service's Prometheus metrics, in a registry of its own (two services in one process, as in the
 * tests, do not collide). Per-row counts are summed per request before they reach prom-client: a
 * labelled `inc` hashes its labels, which is a cost worth paying once per class, not once per row.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { PredictionLogCounts } from "./prediction-log.js";

/** Latency buckets in seconds: single-row predictions take well under a millisecond on loopback. */
const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Every series the service exports. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"model" | "route" | "method" | "status">;
  readonly latency: Histogram<"model" | "route" | "method" | "status">;
  readonly predictions: Counter<"model" | "version" | "class">;
  readonly feedback: Counter<"model" | "result">;
  readonly modelVersion: Gauge<"model">;
  readonly modelSwaps: Counter<"model">;
  readonly modelLoadFailures: Counter<"model">;
  readonly logWritten: Counter<string>;
  readonly logDropped: Counter<string>;
  readonly logWriteErrors: Counter<string>;
  readonly logFlushSeconds: Histogram<string>;

  constructor(logCounts: () => PredictionLogCounts) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "learnloop_" });
    this.requests = new Counter({ name: "learnloop_http_requests_total", help: "HTTP requests answered, by model, route, method and status", labelNames: ["model", "route", "method", "status"], registers });
    this.latency = new Histogram({
      name: "learnloop_http_request_duration_seconds",
      help: "Time from receiving a request to sending its answer, by model, route, method and status",
      labelNames: ["model", "route", "method", "status"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.predictions = new Counter({ name: "learnloop_predictions_total", help: "Rows predicted, by model, version and predicted class (empty for regression)", labelNames: ["model", "version", "class"], registers });
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
  }
}
