/**
 * A separate process for the run-liveness tests: records a run the way the CLI's commands do
 * (startTracking, src/cli/tracking.ts) in the store at argv[2], prints {"run": id} on stdout, then works
 * until it is killed: "busy" blocks its main thread in one long synchronous loop (as fitting a model
 * does), "idle" waits on the event loop. It never finishes on its own within a minute. "step" is a
 * command's short life: a synchronous step of 2 s, the checkpoint the commands pass after a fit, then
 * writing the file at argv[4] ("saved" on stdout) and finishing.
 */
import { writeFileSync } from "node:fs";
import { startTracking } from "../../src/cli/tracking.js";

const [db, mode] = process.argv.slice(2);
const console = { out: (text: string) => void process.stdout.write(text), err: (text: string) => void process.stderr.write(text), interactive: false };
const tracking = await startTracking({ db: db! }, console, { kind: "train", command: `learnloop train (${mode})`, params: { mode } });
process.stdout.write(`${JSON.stringify({ run: tracking.runId })}\n`);
if (mode === "step") {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const until = Date.now() + 2000;
  while (Date.now() < until);
  await tracking.checkpoint();
  writeFileSync(process.argv[4]!, "model");
  process.stdout.write("saved\n");
} else if (mode === "busy") {
  // Give the line a moment to leave, then hold the main thread for a minute.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const until = Date.now() + 60_000;
  while (Date.now() < until);
} else {
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}
await tracking.finish({});
