// What the serving benchmarks that start a server process share (run.mjs, threads.mjs, ab.mjs).
import { spawn } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

/**
 * Starts `node <argv...>` in the repository's root (a server script that prints {"port": ...} on a line of
 * stdout once it listens); resolves with the process and its port, rejects if it exits first.
 */
export function startServer(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve({ child, port: JSON.parse(line).port });
    });
    child.on("exit", (code) => reject(new Error(`server exited with status ${code}`)));
  });
}

/** Ends a server from startServer with SIGTERM; resolves once it has exited. */
export function stopServer(child) {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", resolve);
    child.kill("SIGTERM");
  });
}
