/**
 * Runs and the registry as a user meets them on the command line: train and evaluate record their runs,
 * `runs` lists, shows and compares them, `models` registers, promotes, rolls back and archives, and every
 * bad input is one line on stderr with a non-zero exit status. The store is a fresh LEARNLOOP_HOME.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { commandLine } from "../../src/cli/tracking.js";
import { openStore } from "../../src/tracking/index.js";
import { runCli as run } from "../support/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "learnloop-tracking-cli-"));
process.env.LEARNLOOP_HOME = join(work, "home");
delete process.env.LEARNLOOP_DB;
const PENGUINS = "node_modules/vega-datasets/data/penguins.json";

async function json(...argv: string[]): Promise<any> {
  const result = await run(...argv, "--json");
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Runs a command that must fail; returns its exit status and its one stderr line. */
async function failure(...argv: string[]): Promise<{ code: number; line: string }> {
  const result = await run(...argv);
  assert.notEqual(result.code, 0, `expected a failure, got exit 0; stderr: ${result.stderr}`);
  const lines = result.stderr.split("\n").filter((line) => line.length > 0 && !line.startsWith("note:"));
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${result.stderr}`);
  assert.equal(result.stdout, "");
  return { code: result.code, line: lines[0]! };
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("train and evaluate record their runs", () => {
  it("train --json names its run; runs show gives back its params, metrics, data, durations and model checksum", async () => {
    const out = join(work, "gbdt.model");
    const trained = await json("train", PENGUINS, "--target", "Species", "--out", out, "--seed", "7", "--iterations", "30");
    assert.match(trained.run, /^[0-9a-f]{12}$/);
    const { run } = await json("runs", "show", trained.run);
    assert.equal(run.id, trained.run);
    assert.equal(run.kind, "train");
    assert.equal(run.status, "finished");
    assert.equal(run.command, `learnloop train ${PENGUINS} --target Species --out ${out} --seed 7 --iterations 30 --json`);
    assert.equal(run.params.model, "gbdt");
    assert.equal(run.params.target, "Species");
    assert.equal(run.params.iterations, 30);
    assert.equal(run.params.seed, 7);
    assert.equal(run.params.testSize, 0.2);
    assert.deepEqual(run.metrics, trained.metrics);
    assert.deepEqual(run.folds, []);
    assert.equal(run.data.file, resolve(PENGUINS), "recorded absolute, so runs show from another folder still finds it");
    assert.equal(run.data.fingerprint, trained.fingerprint);
    assert.equal(run.data.rows, 344 - trained.rows.dropped);
    assert.equal(run.data.schema.target.name, "Species");
    assert.deepEqual(run.data.schema.target.classes, ["Adelie", "Chinstrap", "Gentoo"]);
    assert.equal(run.data.schema.features.length, trained.features);
    for (const phase of ["load", "audit", "fit", "evaluate", "save", "total"]) assert.equal(run.durations[phase], Math.round(trained.timings[phase] * 1000));
    assert.deepEqual(run.artifacts, [{ role: "model", path: out, bytes: readFileSync(out).byteLength, sha256: sha256(out) }]);
    assert.deepEqual(run.details.headline, trained.headline);
    assert.equal(run.learnloopVersion, "0.1.0");
    const store = await openStore();
    try {
      assert.ok(Buffer.from(await store.getArtifact(sha256(out))).equals(readFileSync(out)), "the model file is kept in the store");
    } finally {
      await store.close();
    }
  });

  it("train --cv records each fold's metrics", async () => {
    const trained = await json("train", PENGUINS, "--target", "Species", "--cv", "3", "--out", join(work, "cv.model"), "--iterations", "20");
    const { run } = await json("runs", "show", trained.run);
    assert.equal(run.params.cv, 3);
    assert.deepEqual(run.folds, trained.cv.perFold.map((fold: { metrics: unknown }) => fold.metrics));
    assert.deepEqual(run.metrics, trained.cv.mean);
  });

  it("a failing train is recorded as failed with the error line the user saw", async () => {
    const missing = join(work, "missing.csv");
    const { line } = await failure("train", missing, "--target", "y");
    assert.equal(line, `learnloop train: error: ${missing}: file not found`);
    const { runs } = await json("runs", "ls", "--limit", "1");
    assert.equal(runs[0].status, "failed");
    assert.equal(runs[0].error, `${missing}: file not found`);
    assert.equal(runs[0].data.file, missing);
  });

  it("evaluate records its metrics and the checksum of the model it measured", async () => {
    const model = join(work, "gbdt.model");
    const evaluated = await json("evaluate", model, PENGUINS);
    const { run } = await json("runs", "show", evaluated.run);
    assert.equal(run.kind, "evaluate");
    assert.deepEqual(run.metrics, evaluated.metrics);
    assert.equal(run.params.modelFile, model);
    assert.equal(run.data.rows, evaluated.rows);
    assert.deepEqual(run.artifacts, [{ role: "model", path: model, bytes: readFileSync(model).byteLength, sha256: sha256(model) }]);
  });

  it("--no-track records nothing; a store that cannot be opened is one warning and the command succeeds", async () => {
    const before = (await json("runs", "ls", "--limit", "1000")).runs.length;
    const quiet = await json("train", PENGUINS, "--target", "Species", "--out", join(work, "quiet.model"), "--no-track", "--iterations", "5");
    assert.equal(quiet.run, undefined);
    assert.equal((await json("runs", "ls", "--limit", "1000")).runs.length, before);
    const blocker = join(work, "a-file");
    writeFileSync(blocker, "not a folder");
    const result = await run("train", PENGUINS, "--target", "Species", "--out", join(work, "unrecorded.model"), "--db", join(blocker, "store.db"), "--json", "--iterations", "5");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).run, undefined);
    const warnings = result.stderr.split("\n").filter((line) => line.startsWith("warning: this run"));
    assert.deepEqual(warnings, [
      `warning: this run is not recorded: ${join(blocker, "store.db")}: cannot open the SQLite store: ${blocker} is a file, not a folder (--no-track to skip recording)`,
    ]);
  });
});

describe("runs", () => {
  it("the recorded command line hides a --db password and quotes what a shell would split", () => {
    assert.equal(
      commandLine("train", { positionals: ["my data.csv"], values: { target: "y", db: "postgres://ana:s3cret@db.internal/learnloop", ignore: ["a", "b"], json: true, debug: false } }),
      "learnloop train 'my data.csv' --target y --db 'postgres://ana:***@db.internal/learnloop' --ignore a --ignore b --json",
    );
  });

  it("ls lists newest first, by kind, at most --limit; compare puts two runs side by side", async () => {
    const gbdt = await json("train", PENGUINS, "--target", "Species", "--out", join(work, "a.model"), "--iterations", "10");
    const linear = await json("train", PENGUINS, "--target", "Species", "--out", join(work, "b.model"), "--model", "linear");
    const { runs } = await json("runs", "ls", "--kind", "train", "--limit", "2");
    assert.deepEqual(runs.map((r: { id: string }) => r.id), [linear.run, gbdt.run]);
    const evaluations = (await json("runs", "ls", "--kind", "evaluate")).runs;
    assert.ok(evaluations.length >= 1 && evaluations.every((r: { kind: string }) => r.kind === "evaluate"));
    const table = await run("runs", "ls", "--limit", "2");
    assert.equal(table.code, 0);
    assert.equal(table.stdout, "");
    const lines = table.stderr.trimEnd().split("\n");
    assert.match(lines[0]!, /^id\s+kind\s+status\s+started \(UTC\)\s+took\s+model\s+data\s+headline$/);
    assert.match(lines[2]!, new RegExp(`^${linear.run}  train  finished  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  \\S+ s\\s+linear  penguins.json  accuracy \\d\\.\\d+$`));

    const comparison = await json("runs", "compare", gbdt.run, linear.run);
    assert.equal(comparison.a.id, gbdt.run);
    assert.equal(comparison.b.id, linear.run);
    assert.equal(comparison.sameData, true);
    const accuracy = comparison.metrics.find((m: { name: string }) => m.name === "accuracy");
    assert.deepEqual(accuracy, { name: "accuracy", a: gbdt.metrics.accuracy, b: linear.metrics.accuracy, diff: linear.metrics.accuracy - gbdt.metrics.accuracy });
    assert.deepEqual(comparison.params.find((p: { name: string }) => p.name === "model"), { name: "model", a: "gbdt", b: "linear" });
    assert.deepEqual(comparison.params.find((p: { name: string }) => p.name === "iterations"), { name: "iterations", a: 10 });
    assert.equal(comparison.params.find((p: { name: string }) => p.name === "target"), undefined, "equal parameters are left out");
  });

  it("bad input is one line and a non-zero exit", async () => {
    assert.deepEqual(await failure("runs", "show", "0123456789ab"), {
      code: 5,
      line: `learnloop runs: error: run 0123456789ab: no such run in ${join(work, "home", "learnloop.db")} (learnloop runs ls lists them)`,
    });
    assert.deepEqual(await failure("runs", "list"), { code: 2, line: 'learnloop runs: error: subcommand must be one of ls, show, compare (usage: learnloop runs ls [--kind train] [--limit N] | show <id> | compare <id> <id>), got "list"' });
    assert.equal((await failure("runs", "compare", "x")).line, 'learnloop runs: error: runs compare must be 2 run ids (usage: learnloop runs ls [--kind train] [--limit N] | show <id> | compare <id> <id>), got "x"');
    assert.equal((await failure("runs", "ls", "--kind", "fit")).line, 'learnloop runs: error: --kind must be one of train, tune, evaluate, got "fit"');
    assert.equal((await failure("runs", "show", "x", "--limit", "3")).line, 'learnloop runs: error: --limit must be used with runs ls, got "3"');
    assert.equal((await failure("runs", "ls", "--db", "mysql://h/db")).line, 'learnloop runs: error: mysql://h/db: unsupported store URL scheme "mysql:" (expected postgres://..., postgresql://... or a SQLite file path)');
  });
});

describe("models", () => {
  it("train --register --promote registers the saved file as a champion linked to its run", async () => {
    const out = join(work, "registered.model");
    const trained = await json("train", PENGUINS, "--target", "Species", "--out", out, "--iterations", "10", "--register", "penguins", "--promote", "--actor", "ana");
    assert.deepEqual(trained.registered, { name: "penguins", version: 1, stage: "champion" });
    const shown = await json("models", "show", "penguins", "1");
    assert.equal(shown.version.runId, trained.run);
    assert.equal(shown.version.sha256, sha256(out));
    assert.equal(shown.version.kind, "gbdt");
    assert.equal(shown.version.task, "multiclass");
    assert.deepEqual(shown.version.metrics, trained.metrics);
    assert.equal(shown.run.id, trained.run);
    const { history } = await json("models", "show", "penguins");
    assert.deepEqual(history.map((c: any) => [c.version, c.from, c.to, c.actor, c.reason]), [
      [1, null, "challenger", "ana", "registered"],
      [1, "challenger", "champion", "ana", "trained by learnloop train"],
    ]);
    const { run } = await json("runs", "show", trained.run);
    assert.deepEqual(run.details.registered, { name: "penguins", version: 1, stage: "champion" });
  });

  it("train --register with --no-track still registers, unlinked to any run", async () => {
    const trained = await json("train", PENGUINS, "--target", "Species", "--out", join(work, "untracked.model"), "--iterations", "5", "--no-track", "--register", "untracked");
    assert.equal(trained.run, undefined);
    assert.deepEqual(trained.registered, { name: "untracked", version: 1, stage: "challenger" });
    assert.equal((await json("models", "show", "untracked", "1")).version.runId, undefined);
  });

  it("register, ls, show, promote, rollback and archive", async () => {
    const linear = join(work, "b.model");
    const registered = await json("models", "register", linear, "--name", "penguins", "--description", "linear baseline", "--actor", "bo");
    assert.equal(registered.version, 2);
    assert.equal(registered.stage, "challenger");
    assert.equal(registered.kind, "linear");
    assert.equal(registered.description, "linear baseline");
    assert.equal(registered.sha256, sha256(linear));
    assert.equal(registered.runId, undefined);
    const text = await run("models", "register", linear, "--name", "penguins-copy");
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr, `registered penguins-copy version 1 (challenger) from ${linear}: linear multiclass, ${readFileSync(linear).byteLength.toLocaleString("en-US")} bytes, sha256 ${sha256(linear)}\n`);

    const { models } = await json("models", "ls");
    assert.deepEqual(models.map((m: any) => [m.name, m.latestVersion, m.championVersion]), [["penguins", 2, 1], ["penguins-copy", 1, undefined], ["untracked", 1, undefined]]);

    const promoted = await json("models", "promote", "penguins", "2", "--reason", "simpler", "--actor", "bo");
    assert.deepEqual({ ...promoted, at: "" }, { name: "penguins", version: 2, from: "challenger", to: "champion", at: "", actor: "bo", reason: "simpler" });
    const shown = await run("models", "promote", "penguins", "1", "--reason", "back to trees");
    assert.equal(shown.stderr, "penguins version 1 is the champion (version 2 archived)\n");
    const rolled = await run("models", "rollback", "penguins", "--reason", "trees misbehave");
    assert.equal(rolled.stderr, "penguins rolled back to version 2 (version 1 archived)\n");
    const { versions } = await json("models", "show", "penguins");
    assert.deepEqual(versions.map((v: any) => [v.version, v.stage]), [[1, "archived"], [2, "champion"]]);
    assert.deepEqual(await failure("models", "archive", "penguins", "2"), {
      code: 5,
      line: 'learnloop models: error: model "penguins" version 2: it is the champion; promote another version or roll back first',
    });
    const archived = await json("models", "archive", "penguins-copy", "1", "--reason", "duplicate");
    assert.deepEqual([archived.from, archived.to, archived.reason], ["challenger", "archived", "duplicate"]);
  });

  it("bad input is one line and a non-zero exit", async () => {
    const notAModel = join(work, "notes.txt");
    writeFileSync(notAModel, "hello");
    assert.deepEqual(await failure("models", "register", notAModel, "--name", "x"), {
      code: 3,
      line: `learnloop models: error: ${notAModel}: not a learnloop model file (it does not start with the learnloop model signature)`,
    });
    assert.deepEqual(await failure("models", "register", join(work, "nope.model"), "--name", "x"), { code: 2, line: `learnloop models: error: ${join(work, "nope.model")}: file not found` });
    assert.equal((await failure("models", "register", join(work, "b.model"))).line, "learnloop models: error: --name must be the name to register the model under, got nothing");
    assert.equal(
      (await failure("models", "register", join(work, "b.model"), "--name", "a/b")).line,
      `learnloop models: error: model: name must be letters, digits, '.', '_' or '-' (starting with a letter or digit, at most 128), got "a/b"`,
    );
    assert.deepEqual(await failure("models", "register", join(work, "b.model"), "--name", "x", "--run", "feedfeedfeed"), {
      code: 5,
      line: "learnloop models: error: run feedfeedfeed: no such run to link the model version to",
    });
    assert.deepEqual(await failure("models", "promote", "penguins", "9"), { code: 5, line: 'learnloop models: error: model "penguins" version 9: no such version in the registry' });
    assert.deepEqual(await failure("models", "show", "penguins", "9"), { code: 5, line: 'learnloop models: error: model "penguins" version 9: no such version (it has versions 1 to 2)' });
    assert.deepEqual(await failure("models", "show", "ghost"), { code: 5, line: 'learnloop models: error: model "ghost": no such model in the registry' });
    assert.deepEqual(await failure("models", "rollback", "ghost"), { code: 5, line: 'learnloop models: error: model "ghost": no such model in the registry' });
    assert.equal((await failure("models", "promote", "penguins", "two")).line, 'learnloop models: error: <version> must be a version number (1, 2, 3...), got "two"');
    assert.equal((await failure("models", "ls", "--reason", "x")).line, 'learnloop models: error: --reason must be left out of models ls, got "x"');
    assert.equal((await failure("train", PENGUINS, "--target", "Species", "--promote")).line, "learnloop train: error: --promote must be used with --register <name>, got true");
    const blocker = join(work, "another-file");
    writeFileSync(blocker, "not a folder");
    assert.deepEqual(await failure("train", PENGUINS, "--target", "Species", "--register", "x", "--db", join(blocker, "s.db")), {
      code: 5,
      line: `learnloop train: error: ${join(blocker, "s.db")}: cannot open the SQLite store: ${blocker} is a file, not a folder`,
    });
    assert.equal(
      (await failure("train", PENGUINS, "--target", "Species", "--register", "no spaces")).line,
      `learnloop train: error: model: name must be letters, digits, '.', '_' or '-' (starting with a letter or digit, at most 128), got "no spaces"`,
    );
  });
});
