/**
 * A tuning worker: receives the shared dataset and the trial setup once, then evaluates the trials it is
 * sent, one at a time, and answers each with a score or an error sent as data.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Dataset } from "../../core/types.js";
import { sendableError } from "./transfer.js";
import { evaluateTrial, type TrialRequest, type TrialSetup } from "./trial.js";

/** A message from the pool: a trial to evaluate. */
export interface TrialMessage {
  readonly id: number;
  readonly request: TrialRequest;
}

const { data, setup } = workerData as { data: Dataset; setup: TrialSetup };
const port = parentPort!;
port.on("message", (message: TrialMessage) => {
  try {
    port.postMessage({ id: message.id, ok: true, score: evaluateTrial(data, setup, message.request) });
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, error: sendableError(error) });
  }
});
