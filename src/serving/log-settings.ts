/** What both prediction logs (./prediction-log.ts's writer of lines, ./encoded-log.ts's chunks) set up alike. */
import type { PredictionLogOptions } from "./prediction-log.js";

/** The options with their defaults, as PredictionLogOptions documents them. */
export function logSettings(options: PredictionLogOptions): { flushIntervalMs: number; batchSize: number; maxQueue: number } {
  return { flushIntervalMs: options.flushIntervalMs ?? 1000, batchSize: options.batchSize ?? 1000, maxQueue: options.maxQueue ?? 100_000 };
}

/**
 * Calls `flush` every `intervalMs` (never when 0) without keeping the process alive; a failed flush is
 * the log's events' business, and the next tick tries again.
 */
export function flushTimer(intervalMs: number, flush: () => Promise<void>): NodeJS.Timeout | undefined {
  if (intervalMs <= 0) return undefined;
  const timer = setInterval(() => void flush().catch(() => undefined), intervalMs);
  timer.unref();
  return timer;
}
