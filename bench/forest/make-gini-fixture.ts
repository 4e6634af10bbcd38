// Wrote forest-gini-multiclass.bin and forest-gini-multiclass.json with the forest of commit 6b4d0f9,
// whose multiclass model grows one Gini tree per bag and stores it once per class (state.multiclassTrees
// "gini", each copy holding its class's leaf shares); kept to say how the fixture was made. The JSON holds
// the data, the settings, and what that code gave: the probabilities and classes of the fitted model (which
// the file, loaded, must still give bit for bit, and a refit with the same seed too, whatever layout it
// stores), its out-of-bag score and its feature importances (gain and split).
// usage: node --import tsx bench/forest/make-gini-fixture.ts (writes into src/models/forest/fixtures/)
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Random } from "../../src/core/rng.js";
import type { Dataset } from "../../src/core/types.js";
import { RandomForest } from "../../src/models/forest/index.js";

const here = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "models", "forest", "fixtures");
const rng = new Random(11);
const n = 240;
const categories = ["p", "q", "r", "s", "t", "u"];
const classes = ["a", "b", "c", "d"];
const x = Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : Math.round(rng.next() * 1000) / 100));
const z = Array.from({ length: n }, () => (rng.next() < 0.05 ? NaN : Math.round(rng.next() * 100) / 10));
// -1: a missing category.
const codes = Array.from({ length: n }, () => (rng.next() < 0.05 ? -1 : rng.int(categories.length)));
const y = Array.from({ length: n }, (_, r) => {
  const base = Number.isNaN(x[r]!) ? 0 : x[r]! > 6 ? 1 : x[r]! > 3 ? 2 : 3;
  const shift = codes[r]! >= 4 ? 1 : 0;
  return (base + shift + (rng.next() < 0.15 ? rng.int(4) : 0)) % 4;
});
const data: Dataset = {
  nRows: n,
  features: [
    { kind: "numeric", name: "x", values: Float64Array.from(x) },
    { kind: "numeric", name: "z", values: Float64Array.from(z) },
    { kind: "categorical", name: "c", codes: Int32Array.from(codes), categories },
  ],
  target: { name: "y", task: "multiclass", values: Float64Array.from(y), classes },
  fingerprint: "forest-gini-fixture",
};
const params = { nTrees: 6, minSamplesLeaf: 2, seed: 5, threads: 1 };
const model = new RandomForest(params).fit(data);
if (model.state.multiclassTrees !== "gini") throw new Error(`expected the "gini" layout, got ${String(model.state.multiclassTrees)}`);
writeFileSync(join(here, "forest-gini-multiclass.bin"), model.toBytes());
// null stands for NaN (JSON has no NaN).
const plain = (values: number[]) => values.map((v) => (Number.isNaN(v) ? null : v));
writeFileSync(
  join(here, "forest-gini-multiclass.json"),
  JSON.stringify({
    commit: "6b4d0f9",
    params,
    x: plain(x),
    z: plain(z),
    codes,
    y,
    categories,
    classes,
    proba: Array.from(model.predictProba(data).data),
    predict: Array.from(model.predict(data)),
    oobScore: model.state.oobScore,
    importanceGain: model.importance("gain"),
    importanceSplit: model.importance("split"),
    nTrees: model.nTrees,
  }) + "\n",
);
