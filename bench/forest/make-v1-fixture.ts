// Wrote forest-v1-multiclass.bin and forest-v1-multiclass.json with the forest of commit 7ad77e6, whose
// multiclass model grows one tree per class on the class indicator (the model file layout before the
// Gini trees); kept to say how the fixture was made. The JSON holds the data the forest was fitted on
// and the probabilities it gave, which a model loaded from the file must still give bit for bit.
// usage: node --import tsx bench/forest/make-v1-fixture.ts (writes into src/models/forest/fixtures/)
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Random } from "../../src/core/rng.js";
import type { Dataset } from "../../src/core/types.js";
import { RandomForest } from "../../src/models/forest/index.js";

const here = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "models", "forest", "fixtures");
const rng = new Random(7);
const n = 60;
const x = Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : Math.round(rng.next() * 1000) / 100));
const codes = Array.from({ length: n }, () => rng.int(4));
const y = Array.from({ length: n }, (_, r) => ((Number.isNaN(x[r]!) ? 0 : x[r]! > 5 ? 1 : 2) + (codes[r] === 3 ? 1 : 0)) % 3);
const data: Dataset = {
  nRows: n,
  features: [
    { kind: "numeric", name: "x", values: Float64Array.from(x) },
    { kind: "categorical", name: "c", codes: Int32Array.from(codes), categories: ["p", "q", "r", "s"] },
  ],
  target: { name: "y", task: "multiclass", values: Float64Array.from(y), classes: ["a", "b", "c"] },
  fingerprint: "forest-v1-fixture",
};
const model = new RandomForest({ nTrees: 4, minSamplesLeaf: 2, seed: 3, threads: 1 }).fit(data);
writeFileSync(join(here, "forest-v1-multiclass.bin"), model.toBytes());
const proba = model.predictProba(data);
// null stands for NaN (JSON has no NaN).
writeFileSync(join(here, "forest-v1-multiclass.json"), JSON.stringify({ x: x.map((v) => (Number.isNaN(v) ? null : v)), codes, y, categories: ["p", "q", "r", "s"], classes: ["a", "b", "c"], proba: Array.from(proba.data) }) + "\n");
