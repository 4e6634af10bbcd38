/**
 * `learnloop inspect`: a model file's summary, its feature importance by gain or split count, and its
 * trees as JSON, checked by walking the dumped trees by hand and comparing with the model's predictions.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readDataset } from "../src/data/index.js";
import type { DumpedNode } from "../src/models/gbdt/model.js";
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
