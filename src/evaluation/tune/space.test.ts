import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatError } from "../../core/messages.js";
import { Random } from "../../core/rng.js";
import { GBDT_PARAMS } from "../../models/gbdt/params.js";
import { FOREST_PARAMS } from "../../models/forest/params.js";
import { LINEAR_PARAMS } from "../../models/linear/params.js";
import { defaultSpace, drawFrom, parseSpace, readSpaceFile, sampleConfig, type SearchSpace } from "./space.js";

const work = mkdtempSync(join(tmpdir(), "learnloop-space-"));

test("drawFrom maps the unit draw onto each distribution (hand-worked points)", () => {
  assert.equal(drawFrom({ kind: "uniform", low: 0.5, high: 1 }, 0), 0.5);
  assert.equal(drawFrom({ kind: "uniform", low: 0.5, high: 1 }, 0.5), 0.75);
  assert.equal(drawFrom({ kind: "log_uniform", low: 0.01, high: 1 }, 0), 0.01);
  assert.ok(Math.abs((drawFrom({ kind: "log_uniform", low: 0.01, high: 1 }, 0.5) as number) - 0.1) < 1e-15, "the log midpoint is the geometric mean");
  // int [1, 3]: thirds of the unit interval.
  assert.deepEqual([0, 0.33, 0.34, 0.66, 0.67, 0.999999].map((u) => drawFrom({ kind: "int", low: 1, high: 3 }, u)), [1, 1, 2, 2, 3, 3]);
  // log_int [1, 3]: floor(exp(u * ln 4)); 2 from u = 0.5, 3 from u = ln 3 / ln 4 = 0.7925.
  assert.deepEqual([0, 0.49, 0.5, 0.79, 0.7925, 0.999999].map((u) => drawFrom({ kind: "log_int", low: 1, high: 3 }, u)), [1, 1, 2, 2, 3, 3]);
  assert.deepEqual([0, 0.5, 0.999].map((u) => drawFrom({ kind: "choice", values: [null, 64, 256] }, u)), [null, 64, 256]);
  assert.equal(drawFrom({ kind: "fixed", value: 63 }, 0.7), 63);
});

test("sampled configurations stay in range, follow their distribution, and repeat with the seed", () => {
  const space: SearchSpace = {
    learningRate: { kind: "log_uniform", low: 0.01, high: 1 },
    maxLeaves: { kind: "log_int", low: 8, high: 128 },
    minSamplesLeaf: { kind: "int", low: 1, high: 4 },
    subsample: { kind: "uniform", low: 0.5, high: 1 },
    l2: { kind: "choice", values: [0, 1, 10] },
  };
  const rng = new Random(7);
  const draws = Array.from({ length: 20000 }, () => sampleConfig(space, rng));
  const column = (name: string) => draws.map((draw) => draw[name] as number);
  const share = (values: number[], test: (value: number) => boolean) => values.filter(test).length / values.length;
  for (const value of column("learningRate")) assert.ok(value >= 0.01 && value <= 1);
  for (const value of column("maxLeaves")) assert.ok(Number.isInteger(value) && value >= 8 && value <= 128);
  for (const value of column("subsample")) assert.ok(value >= 0.5 && value <= 1);
  // Log-uniform: half the mass below the geometric mean 0.1 (a uniform draw would put 9% there).
  assert.ok(Math.abs(share(column("learningRate"), (v) => v < 0.1) - 0.5) < 0.015);
  // Log-int [8, 128]: P(< 32) = ln(32 / 8) / ln(129 / 8) = 0.4993.
  assert.ok(Math.abs(share(column("maxLeaves"), (v) => v < 32) - Math.log(4) / Math.log(129 / 8)) < 0.015);
  assert.ok(Math.abs(share(column("subsample"), (v) => v < 0.75) - 0.5) < 0.015);
  for (const k of [1, 2, 3, 4]) assert.ok(Math.abs(share(column("minSamplesLeaf"), (v) => v === k) - 0.25) < 0.015);
  for (const c of [0, 1, 10]) assert.ok(Math.abs(share(column("l2"), (v) => v === c) - 1 / 3) < 0.015);

  const again = new Random(7);
  assert.deepEqual(Array.from({ length: 5 }, () => sampleConfig(space, again)), draws.slice(0, 5), "the same seed draws the same configurations");
  const other = new Random(8);
  assert.notDeepEqual(sampleConfig(space, other), draws[0]);
  // Pinning one parameter leaves the other parameters' draws as they were.
  const pinned = { ...space, maxLeaves: { kind: "fixed", value: 31 } } as SearchSpace;
  const pinnedRng = new Random(7);
  const first = sampleConfig(pinned, pinnedRng);
  assert.equal(first.maxLeaves, 31);
  assert.deepEqual({ ...first, maxLeaves: draws[0]!.maxLeaves }, draws[0]);
});

test("every family's default space is valid against its own schema", () => {
  for (const [kind, schema] of [["gbdt", GBDT_PARAMS], ["forest", FOREST_PARAMS], ["linear", LINEAR_PARAMS]] as const) {
    const space = defaultSpace(kind);
    assert.deepEqual(parseSpace({}, kind, schema, "none.json"), space);
    for (const name of Object.keys(space)) assert.ok(name in schema, `${kind}: ${name}`);
  }
});

test("a space file (JSON or YAML) overrides the defaults it names; kebab-case keys; a list is a choice, a scalar is fixed", async () => {
  const json = join(work, "space.json");
  writeFileSync(json, JSON.stringify({ "learning-rate": { log_uniform: [0.02, 0.2] }, maxLeaves: { int: [8, 64] }, l2: [0, 1, 10], maxBins: 63, "early-stopping": 0 }));
  const yaml = join(work, "space.yaml");
  writeFileSync(yaml, "learning-rate:\n  log_uniform: [0.02, 0.2]\nmaxLeaves: {int: [8, 64]}\nl2: [0, 1, 10]\nmaxBins: 63\nearly-stopping: 0\n");
  const expected = {
    ...defaultSpace("gbdt"),
    learningRate: { kind: "log_uniform", low: 0.02, high: 0.2 },
    maxLeaves: { kind: "int", low: 8, high: 64 },
    l2: { kind: "choice", values: [0, 1, 10] },
    maxBins: { kind: "fixed", value: 63 },
    earlyStopping: { kind: "fixed", value: 0 },
  };
  assert.deepEqual(await readSpaceFile(json, "gbdt", GBDT_PARAMS), expected);
  assert.deepEqual(await readSpaceFile(yaml, "gbdt", GBDT_PARAMS), expected);
  assert.deepEqual(parseSpace({ maxLeaves: [null, 64] }, "forest", FOREST_PARAMS, "s.json").maxLeaves, { kind: "choice", values: [null, 64] });
});

test("a bad space is one line naming the file and the key", async () => {
  const bad = async (name: string, text: string, kind = "gbdt") => {
    const file = join(work, name);
    writeFileSync(file, text);
    const schema = kind === "gbdt" ? GBDT_PARAMS : kind === "forest" ? FOREST_PARAMS : LINEAR_PARAMS;
    try {
      await readSpaceFile(file, kind, schema);
    } catch (error) {
      return formatError(error).replace(work + "/", "");
    }
    assert.fail(`${name}: no error`);
  };
  assert.equal(
    await bad("unknown.json", '{"alpha": [0.1, 1], "gamma": 1}', "linear"),
    'unknown.json: gamma must be a parameter of model "linear" (alpha, l1Ratio, classWeight, fitIntercept, standardize, maxCategories, maxIter, tol), got 1',
  );
  assert.equal(await bad("range.yaml", "subsample:\n  uniform: [0.5, 1.5]\n"), "range.yaml: subsample must be a number > 0 and <= 1, got 1.5");
  assert.equal(await bad("order.json", '{"learningRate": {"log_uniform": [0.3, 0.01]}}'), 'order.json: learningRate must be a range [low, high] with low < high, got {"log_uniform":[0.3,0.01]}');
  assert.equal(await bad("logzero.json", '{"l2": {"log_uniform": [0, 1]}}'), 'logzero.json: l2 must be a log_uniform range with low > 0, got {"log_uniform":[0,1]}');
  assert.equal(await bad("integer.json", '{"maxLeaves": {"uniform": [8, 128]}}'), 'integer.json: maxLeaves must be an int or log_int range (an integer parameter), got {"uniform":[8,128]}');
  assert.equal(await bad("fraction.json", '{"maxLeaves": {"int": [8, 12.5]}}'), 'fraction.json: maxLeaves must be {"int": [low, high]} with two integers, got {"int":[8,12.5]}');
  assert.equal(await bad("small.json", '{"maxLeaves": {"int": [1, 12]}}'), "small.json: maxLeaves must be an integer >= 2 and <= 4096, got 1");
  assert.equal(
    await bad("form.json", '{"l2": {"normal": [0, 1]}}'),
    'form.json: l2 must be {"uniform": [low, high]}, {"log_uniform": [low, high]}, {"int": [low, high]}, {"log_int": [low, high]}, a list of choices or a single value, got {"normal":[0,1]}',
  );
  assert.equal(await bad("choice.json", '{"classWeight": ["none", "heavy"]}'), 'choice.json: classWeight must be one of "none", "balanced", got "heavy"');
  assert.equal(await bad("empty.json", '{"l2": []}'), "empty.json: l2 must be a non-empty list of choices, got []");
  assert.equal(await bad("enum.json", '{"classWeight": {"uniform": [0, 1]}}'), 'enum.json: classWeight must be a list of choices or a single value (an enum parameter), got {"uniform":[0,1]}');
  assert.equal(
    await bad("budget.json", '{"iterations": 100}'),
    "budget.json: iterations must be left out (it is the successive-halving budget: set the full budget with --iterations), got 100",
  );
  assert.equal(await bad("trees.yaml", "n-trees: [10, 20]\n", "forest"), "trees.yaml: n-trees must be left out (it is the successive-halving budget: set the full budget with --iterations), got [10,20]");
  assert.equal(await bad("seed.json", '{"seed": 3}'), "seed.json: seed must be left out (each trial's seed derives from --seed and the trial's number), got 3");
  assert.equal(await bad("threads.json", '{"threads": 2}'), "threads.json: threads must be left out (each trial runs on one thread; use --parallel), got 2");
  assert.equal(await bad("list.json", "[1, 2]"), "list.json: invalid value (expected a mapping of hyperparameter names to distributions, got a list)");
  assert.equal(await bad("empty.yaml", ""), "empty.yaml: invalid value (expected a mapping of hyperparameter names to distributions, got nothing)");
  assert.equal(await bad("syntax.json", '{"l2": [0, 1'), "syntax.json: cannot read the file (expected a JSON search space; Expected ',' or ']' after array element in JSON at position 12)");
  assert.equal(
    await bad("syntax.yaml", "l2: [0, 1\n"),
    "syntax.yaml: cannot read the file (expected a YAML search space; Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1)",
  );
  assert.equal(await bad("space.toml", "l2 = 1\n"), "space.toml: unsupported file type (expected a .json, .yaml or .yml search space, got .toml)");
  await assert.rejects(readSpaceFile(join(work, "missing.json"), "gbdt", GBDT_PARAMS), (error) => formatError(error) === `${join(work, "missing.json")}: file not found`);
});
