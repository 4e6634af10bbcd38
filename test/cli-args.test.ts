import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "./support/run-cli.js";

test("option values the parser cannot take get one line naming the option and how to give it", async () => {
  const cases: [string[], string][] = [
    [["models", "register", "m.model", "--name", "-x"], `learnloop models: error: --name must be given as --name=<value> when the value starts with '-', got "-x"\n`],
    [["models", "register", "m.model", "--name"], "learnloop models: error: --name must be followed by a value, got nothing\n"],
    [["train", "data.csv", "--target", "y", "--no-track=1"], `learnloop train: error: --no-track must be given without a value (it is a switch), got "1"\n`],
    [["train", "data.csv", "--target", "y", "--bogus"], `learnloop train: error: option must be one of the options of "learnloop train" (see learnloop train --help), got "--bogus"\n`],
  ];
  for (const [argv, message] of cases) {
    const run = await runCli(...argv);
    assert.equal(run.code, 2, argv.join(" "));
    assert.equal(run.stderr, message, argv.join(" "));
  }
});
