#!/usr/bin/env node
/** The `learnloop` executable: runs the CLI and sets the exit status. */
import { formatError } from "../core/messages.js";
import { main } from "./main.js";

// `learnloop predict model data | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`learnloop: internal error: ${formatError(error)}\n`);
    process.exitCode = 1;
  },
);
