/**
 * The CLI run in-process the way a user types it, with what it prints captured: the one helper the
 * end-to-end tests share (each keeps its own expectations about failures on top of it).
 */
import { main } from "../../src/cli/main.js";
import type { Console } from "../../src/cli/output.js";

/** What a user sees from one command: its exit status and everything it wrote to stdout and stderr. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const console: Console = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), interactive: false };
  const code = await main(argv, console);
  return { code, stdout, stderr };
}
