/**
 * A separate process for audit.test.ts: runs `learnloop models promote <name> <v> --db <db> --actor <pid>`
 * for each version in argv[4..], through the CLI's main, and prints its pid, then each command's first
 * stderr line with its exit status, one per line: "<status> <line>".
 */
import { main } from "../../src/cli/main.js";
import type { Console } from "../../src/cli/output.js";

const [db, name, ...versions] = process.argv.slice(2);
process.stdout.write(`${process.pid}\n`);
for (const version of versions) {
  let stderr = "";
  const console: Console = { out: () => undefined, err: (text) => void (stderr += text), interactive: false };
  const code = await main(["models", "promote", name!, version, "--db", db!, "--actor", `pid${process.pid}`, "--reason", `to ${version}`], console);
  process.stdout.write(`${code} ${stderr.split("\n")[0]}\n`);
}
