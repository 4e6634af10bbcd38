/**
 * `learnloop quickstart`, the README's first command, as a user meets it on a second start: the registry
 * already has a champion under the name, so it skips training and serves that champion until SIGTERM.
 * (The first start trains on the 3M flights, a minute of work: it is run by hand, not here.)
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { bundledFlightsFile } from "../../src/cli/commands/quickstart.js";
import { main } from "../../src/cli/main.js";
import type { Console } from "../../src/cli/output.js";

const work = mkdtempSync(join(tmpdir(), "learnloop-quickstart-"));
process.env.LEARNLOOP_HOME = join(work, "home");
delete process.env.LEARNLOOP_DB;

it("finds the bundled flights file in the installed vega-datasets package", () => {
  const file = bundledFlightsFile();
  assert.match(file, /vega-datasets[/\\]data[/\\]flights-3m\.parquet$/);
  assert.ok(existsSync(file));
});

it("serves the existing champion without training, answers predictions, and stops cleanly on SIGTERM", async () => {
  const quiet: Console = { out: () => undefined, err: () => undefined, interactive: false };
  const trained = await main(
    ["train", "node_modules/vega-datasets/data/penguins.json", "--target", "Species", "--iterations", "10", "--out", join(work, "p.model"), "--register", "flights-delays", "--promote"],
    quiet,
  );
  assert.equal(trained, 0);

  let stderr = "";
  const console: Console = { out: () => undefined, err: (text) => void (stderr += text), interactive: false };
  const exit = main(["quickstart", "--port", "0", "--out", join(work, "unused.model")], console);
  const deadline = Date.now() + 20_000;
  while (!/listening on (http:\/\/\S+)/.test(stderr)) {
    assert.ok(Date.now() < deadline, `the service did not start; stderr:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(stderr)![1]!;
  assert.match(stderr, /flights-delays: version 1 is the champion in sqlite .*; serving it \(--retrain to train a new one\)/);
  assert.doesNotMatch(stderr, /training on the bundled/);
  assert.ok(!existsSync(join(work, "unused.model")), "no training ran, so no model file was written");

  const answer = await fetch(`${url}/v1/models/flights-delays/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ rows: [{ Island: "Biscoe", "Beak Length (mm)": 48, "Beak Depth (mm)": 15, "Flipper Length (mm)": 220, "Body Mass (g)": 5500, Sex: "MALE" }] }),
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const body = (await answer.json()) as { model: { name: string; version: number }; predictions: { prediction: string }[] };
  assert.deepEqual(body.model, { name: "flights-delays", version: 1 });
  assert.equal(body.predictions[0]!.prediction, "Gentoo");

  process.emit("SIGTERM");
  assert.equal(await exit, 0);
  assert.match(stderr, /stopped: 1 prediction logged\n/);
});
