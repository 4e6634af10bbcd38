/**
 * `learnloop inspect`: a model file's summary, its feature importance by gain or split count, and its
 * trees as JSON, checked by walking the dumped trees by hand and comparing with the model's predictions.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readDataset } from "../src/data/index.js";
import type { DumpedNode } from "../src/models/gbdt/model.js";
import { type ForestModel, RandomForest } from "../src/models/forest/index.js";
import { loadModel } from "../src/models/registry.js";
import { runCli as run } from "./support/run-cli.js";
import { failure, scratch, splitCounts, trainJson } from "./support/tree-audit.js";

const { work, file } = scratch("learnloop-inspect-");

function leafOf(node: DumpedNode, row: Record<string, number | string | null>): number {
  while (!("leaf" in node)) {
    const value = row[node.feature];
    const left =
      value === null || (typeof value === "number" && Number.isNaN(value))
        ? node.missing === "left"
        : node.categories
          ? node.categories.includes(String(value))
          : (value as number) <= node.threshold!;
    node = left ? node.left : node.right;
  }
  return node.leaf;
}

test("learnloop inspect: the model's summary and importance (gain or split); --trees writes a dump whose walk gives the model's predictions", async () => {
  const lines = ["size,colour,y"];
  const colours = ["red", "green", "blue", "amber"];
  for (let i = 0; i < 400; i++) {
    const size = i % 9 === 0 ? "" : String((i * 13) % 50);
    const colour = i % 11 === 0 ? "" : colours[(i * 7) % 4]!;
    const y = ((size === "" ? 30 : Number(size)) > 25) !== (colour === "blue" || colour === "") ? 1 : 0;
    lines.push(`${size},${colour},${y ^ (i % 13 === 0 ? 1 : 0)}`);
  }
  const data = file("inspect.csv", lines.join("\n") + "\n");
  const modelFile = join(work, "inspect.model");
  await trainJson(data, "--target", "y", "--categorical", "colour", "--iterations", "30", "--min-samples-leaf", "5", "--out", modelFile);
  const dumpFile = join(work, "inspect-trees.json");
  const result = await run("inspect", modelFile, "--trees", dumpFile, "--json");
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as Record<string, any>;
  const model = loadModel(readFileSync(modelFile));
  assert.equal(doc.kind, "gbdt");
  assert.deepEqual(doc.classes, ["0", "1"]);
  assert.deepEqual(doc.features, [{ name: "size", kind: "numeric" }, { name: "colour", kind: "categorical", categories: 4 }]);
  assert.deepEqual(doc.importance, { type: "gain", features: model.importance() });
  assert.equal(doc.training.trees, 30);
  assert.match(result.stderr, /^.*inspect\.model: gbdt model, target "y" \(binary: 0, 1\), 2 features \(1 categorical\); saved /);
  assert.match(result.stderr, /\nwrote 30 trees to .*inspect-trees\.json\n$/);

  const dump = JSON.parse(readFileSync(dumpFile, "utf8")) as { baseScores: number[]; outputs: number; trees: { output: number; root: DumpedNode }[] };
  assert.equal(dump.outputs, 1);
  // New rows: missing values in both columns and a colour the model never saw ("violet", read as missing).
  const fresh = file("inspect-new.csv", "size,colour\n3,red\n40,blue\n,green\n12,\n47,violet\n,\n25,amber\n26,amber\n");
  const rows: Record<string, number | string | null>[] = [
    { size: 3, colour: "red" }, { size: 40, colour: "blue" }, { size: null, colour: "green" }, { size: 12, colour: null },
    { size: 47, colour: null }, { size: null, colour: null }, { size: 25, colour: "amber" }, { size: 26, colour: "amber" },
  ];
  const proba = model.predictProba(await readDataset(fresh, { schema: model.schema })).data;
  rows.forEach((row, i) => {
    const raw = dump.baseScores[0]! + dump.trees.reduce((sum, tree) => sum + leafOf(tree.root, row), 0);
    assert.ok(Math.abs(1 / (1 + Math.exp(-raw)) - proba[2 * i + 1]!) < 1e-12, `row ${i + 1}`);
  });

  const splits = await run("inspect", modelFile, "--importance", "split", "--json");
  const counts = splitCounts(dump.trees.map((tree) => tree.root));
  for (const entry of (JSON.parse(splits.stdout) as Record<string, any>).importance.features) assert.equal(entry.importance, counts.get(entry.feature) ?? 0, entry.feature);
});

test("learnloop inspect: a forest's dump averages to its predictions; a linear model has no trees to dump", async () => {
  const lines = ["a,b,y"];
  for (let i = 0; i < 200; i++) lines.push(`${(i * 17) % 41},${i % 7 === 0 ? "" : (i * 5) % 23},${((i * 17) % 41) * 0.5 + ((i * 5) % 23) + (i % 3)}`);
  const data = file("inspect-forest.csv", lines.join("\n") + "\n");
  const modelFile = join(work, "inspect-forest.model");
  await trainJson(data, "--target", "y", "--model", "forest", "--n-trees", "12", "--out", modelFile);
  const dumpFile = join(work, "inspect-forest.json");
  const result = await run("inspect", modelFile, "--trees", dumpFile);
  assert.equal(result.code, 0, result.stderr);
  const dump = JSON.parse(readFileSync(dumpFile, "utf8")) as { outputs: number; trees: { root: DumpedNode }[] };
  assert.equal(dump.trees.length, 12);
  const model = loadModel(readFileSync(modelFile));
  const fresh = file("inspect-forest-new.csv", "a,b\n3,4\n40,\n,22\n17,9\n");
  const predicted = model.predict(await readDataset(fresh, { schema: model.schema }));
  const rows = [{ a: 3, b: 4 }, { a: 40, b: null }, { a: null, b: 22 }, { a: 17, b: 9 }];
  rows.forEach((row, i) => {
    const mean = dump.trees.reduce((sum, tree) => sum + leafOf(tree.root, row), 0) / dump.trees.length;
    assert.ok(Math.abs(mean - predicted[i]!) < 1e-9, `row ${i + 1}: ${mean} vs ${predicted[i]}`);
  });

  const linear = join(work, "inspect-linear.model");
  await trainJson(data, "--target", "y", "--model", "linear", "--out", linear);
  assert.equal(await failure("inspect", linear, "--trees", join(work, "x.json")), `learnloop inspect: error: --trees must be used with a tree model (gbdt, forest); ${linear} is a linear model, got "${join(work, "x.json")}"`);
  assert.equal(await failure("inspect", modelFile, "--importance", "cover"), 'learnloop inspect: error: --importance must be one of gain, split, got "cover"');
});

/** A leaf of a multiclass forest stored with shared leaves, as `--trees` writes it. */
type SharedNode = { shares: Record<string, number>; count: number } | { feature: string; threshold?: number; categories?: string[]; missing: "left" | "right"; gain: number; count: number; left: SharedNode; right: SharedNode };

/** The leaf `row` reaches in a dumped shared-leaves tree (missing and unseen values go the `missing` side). */
function sharedLeafOf(node: SharedNode, row: Record<string, unknown>): Extract<SharedNode, { shares: unknown }> {
  while (!("shares" in node)) {
    const value = row[node.feature];
    const left = value === null || value === undefined ? node.missing === "left" : node.categories ? node.categories.includes(String(value)) : (value as number) <= node.threshold!;
    node = left ? node.left : node.right;
  }
  return node;
}

const PENGUINS = join(import.meta.dirname, "..", "node_modules", "vega-datasets", "data", "penguins.json");

test("learnloop inspect: a multiclass forest stored with shared leaves is shown as stored: each bag's tree once, each leaf with its class shares by name, counted once", async () => {
  // Every row in every tree (no bootstrap), so each leaf's shares and count can be counted from the raw rows.
  const model = new RandomForest({ nTrees: 3, maxLeaves: 4, bootstrap: false, seed: 3, threads: 1 }).fit(await readDataset(PENGUINS, { target: "Species" }));
  assert.equal(model.state.multiclassTrees, "gini-shared");
  const modelFile = join(work, "penguins-forest.model");
  writeFileSync(modelFile, model.toBytes());
  const dumpFile = join(work, "penguins-forest-trees.json");
  const result = await run("inspect", modelFile, "--trees", dumpFile, "--json");
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as Record<string, any>;
  const dump = JSON.parse(readFileSync(dumpFile, "utf8")) as { layout: string; outputs: number; classes: string[]; trees: { tree: number; output?: number; root: SharedNode }[] };

  // One tree per bag (not one per bag and class), in the summary, the dump and the line that says so.
  assert.equal(dump.layout, "gini-shared");
  assert.equal(dump.outputs, 3);
  assert.deepEqual(dump.classes, ["Adelie", "Chinstrap", "Gentoo"]);
  assert.deepEqual(dump.trees.map((tree) => [tree.tree, tree.output]), [[0, undefined], [1, undefined], [2, undefined]]);
  assert.equal(doc.training.trees, 3);
  assert.deepEqual(doc.trees, { out: dumpFile, count: 3 });
  let leaves = 0;
  let deepest = 0;
  const walk = (node: SharedNode, depth: number): void => {
    if ("shares" in node) {
      leaves++;
      deepest = Math.max(deepest, depth);
    } else {
      walk(node.left, depth + 1);
      walk(node.right, depth + 1);
    }
  };
  for (const tree of dump.trees) walk(tree.root, 0);
  assert.equal(leaves, 12); // maxLeaves 4, three trees
  assert.deepEqual(doc.sharedTrees, { layout: "gini-shared", trees: 3, classes: 3, leaves, maxDepth: deepest });
  const lines = result.stderr.split("\n");
  assert.equal(lines[1], "training: trees 3, bags 3, oobScore null, oobMetric null, oobRows 0, maxLeaves 4, featuresPerSplit 2, minSamplesLeaf 1");
  assert.equal(lines[2], `trees: 3 (one per bag, stored once: each leaf holds the shares of the 3 classes), 12 leaves, depth up to ${deepest}`);
  assert.match(result.stderr, /\nwrote 3 trees to .*penguins-forest-trees\.json\n$/);

  // Tree 0 as written: the penguins of each leaf counted by species (checked for every tree below).
  assert.deepEqual(dump.trees[0]!.root, {
    feature: "Beak Depth (mm)", missing: "right", gain: 100.00619605499513, count: 344, threshold: 16.45,
    left: { shares: { Adelie: 6 / 122, Chinstrap: 1 / 122, Gentoo: 115 / 122 }, count: 122 },
    right: {
      feature: "Body Mass (g)", missing: "left", gain: 11.985181443125356, count: 222, threshold: 5025,
      left: {
        feature: "Beak Length (mm)", missing: "left", gain: 74.26579828660435, count: 214, threshold: 44.7,
        left: { shares: { Adelie: 143 / 150, Chinstrap: 6 / 150, Gentoo: 1 / 150 }, count: 150 },
        right: { shares: { Adelie: 3 / 64, Chinstrap: 61 / 64, Gentoo: 0 }, count: 64 },
      },
      right: { shares: { Adelie: 0, Chinstrap: 0, Gentoo: 1 }, count: 8 },
    },
  });

  // Each leaf's count and class shares are those of the penguins that reach it; its shares sum to 1; the
  // mean of the reached leaves' shares is the model's probability.
  const penguins = JSON.parse(readFileSync(PENGUINS, "utf8")) as Record<string, unknown>[];
  for (const tree of dump.trees) {
    const reached = new Map<object, Map<string, number>>();
    for (const row of penguins) {
      const tally = reached.get(sharedLeafOf(tree.root, row)) ?? new Map<string, number>();
      tally.set(row.Species as string, (tally.get(row.Species as string) ?? 0) + 1);
      reached.set(sharedLeafOf(tree.root, row), tally);
    }
    assert.equal(reached.size, 4, `tree ${tree.tree}: every leaf reached`);
    for (const [leaf, tally] of reached as Map<Extract<SharedNode, { shares: unknown }>, Map<string, number>>) {
      const count = [...tally.values()].reduce((a, b) => a + b, 0);
      assert.equal(leaf.count, count, `tree ${tree.tree}`);
      assert.deepEqual(Object.keys(leaf.shares), dump.classes);
      for (const name of dump.classes) assert.ok(Math.abs(leaf.shares[name]! - (tally.get(name) ?? 0) / count) < 1e-15, `tree ${tree.tree}, ${name}`);
      assert.ok(Math.abs(Object.values(leaf.shares).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    }
  }
  const proba = model.predictProba(await readDataset(PENGUINS, { schema: model.schema })).data;
  penguins.forEach((row, r) => {
    dump.classes.forEach((name, c) => {
      const mean = dump.trees.reduce((sum, tree) => sum + sharedLeafOf(tree.root, row).shares[name]!, 0) / dump.trees.length;
      assert.ok(Math.abs(mean - proba[3 * r + c]!) < 1e-12, `row ${r + 1}, ${name}`);
    });
  });
});

test('learnloop inspect: a multiclass forest file of the older "gini" layout (each bag\'s tree stored once per class) is shown as before', async () => {
  const fixture = join(import.meta.dirname, "..", "src", "models", "forest", "fixtures", "forest-gini-multiclass.bin");
  const dumpFile = join(work, "gini-trees.json");
  const result = await run("inspect", fixture, "--trees", dumpFile);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stderr,
    [
      `${fixture}: forest model, target "y" (multiclass: a, b, c, d), 3 features (1 categorical); saved 2026-11-26T16:05:56.288Z by learnloop 0.1.0`,
      "training: trees 24, bags 6, oobScore 0.5991, oobMetric accuracy, oobRows 222, maxLeaves 120, featuresPerSplit 1, minSamplesLeaf 2",
      "parameters: nTrees 6, minSamplesLeaf 2, classWeight none, bootstrap true, maxBins 255, seed 5",
      "",
      "feature importance (total gain of its splits)",
      "feature  importance  share",
      "-------  ----------  ------",
      "x          458.6240   62.8%",
      "z          193.8971   26.5%",
      "c           77.8219   10.7%",
      "",
      `wrote 24 trees to ${dumpFile}`,
      "",
    ].join("\n"),
  );
  const dump = JSON.parse(readFileSync(dumpFile, "utf8")) as Record<string, any>;
  assert.equal(dump.layout, undefined);
  assert.equal(dump.outputs, 4);
  assert.equal(dump.prediction, "output k = the mean of the leaves reached in the trees of output k: each class's share (normalised to sum 1 over the classes)");
  const stored = loadModel(readFileSync(fixture)) as ForestModel;
  assert.deepEqual(dump.trees, stored.dumpTrees().map((root, tree) => ({ tree, output: tree % 4, root })));
  assert.equal((JSON.parse((await run("inspect", fixture, "--json")).stdout) as Record<string, unknown>).sharedTrees, undefined);
});
