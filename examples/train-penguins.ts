// Train a classifier on the penguins data shipped by vega-datasets, evaluate it on held-out rows,
// save it, load it back and predict. Run: node --import tsx examples/train-penguins.ts
import { readFileSync, writeFileSync } from "node:fs";
import { holdoutSplit, LinearEstimator, loadModel, readDataset, schemaOf, scoreModel, takeRows } from "../src/index.js";

const data = await readDataset("node_modules/vega-datasets/data/penguins.json", { target: "Species" });
const { train, test } = holdoutSplit(data.nRows, { testSize: 0.2, seed: 42, stratify: data.target!.values });
const model = new LinearEstimator({ alpha: 1e-3 }).fit(takeRows(data, train));
console.log("held-out metrics", scoreModel(model, takeRows(data, test)).metrics);

writeFileSync("penguins.model", model.toBytes({ fingerprint: data.fingerprint }));
const loaded = loadModel(readFileSync("penguins.model"));
const fresh = await readDataset("node_modules/vega-datasets/data/penguins.json", { schema: schemaOf(data) });
const proba = loaded.predictProba(fresh);
console.log("first row:", loaded.schema.target.classes!.map((label, k) => `${label} ${proba.data[k]!.toFixed(3)}`).join(", "));
