// Writes test/fixtures/forest-drawn/predictions.json: the predictions of forests grown by the grower of
// commit 6b4d0f9, which built every feature's histogram at every node, for test/forest-drawn-histograms.test.ts
// (a forest whose nodes draw few features builds only theirs since; the predictions must not change where
// the sums are exact, binary targets, nor where every node searches every feature). Kept to say how the
// fixture was made.
// Since forests break ties between equal gains at random (src/models/gbdt/grower.ts, RandomNodeFeatures:
// features in the order drawn, drawn for every tree also when all are), DIR's grower is 6b4d0f9's with
// that sampler, and its forest.ts makes one for every tree (`new RandomNodeFeatures(rng, featuresPerSplit)`).
// usage: LEARNLOOP_LIB=DIR node --import tsx bench/forest/make-drawn-fixture.ts
//   DIR: the src/ of commit 6b4d0f9 (git archive 6b4d0f9 src | tar -x -C /tmp/old; link node_modules)
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { narrowRegression, wideBinary } from "../../test/support/forest-drawn-data.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const lib = process.env.LEARNLOOP_LIB;
if (!lib) throw new Error("LEARNLOOP_LIB=DIR: the src/ of commit 6b4d0f9");
const { RandomForest } = await import(join(lib, "models", "forest", "index.js"));

const wideParams = { nTrees: 20, seed: 4, threads: 1, minSamplesLeaf: 5 };
const regressionParams = { nTrees: 20, seed: 4, threads: 1 };
const halfParams = { nTrees: 20, seed: 4, threads: 1, maxFeatures: 0.5 };
const wide = new RandomForest(wideParams).fit(wideBinary(1)).predictProba(wideBinary(2, 100)).data;
const regression = new RandomForest(regressionParams).fit(narrowRegression(5)).predict(narrowRegression(6, 80));
const half = new RandomForest(halfParams).fit(narrowRegression(5)).predict(narrowRegression(6, 80));
const fixture = {
  note: "Predictions of the forests of commit 6b4d0f9 (every feature's histogram at every node), made by bench/forest/make-drawn-fixture.ts",
  wideBinary: { params: wideParams, train: "wideBinary(1)", test: "wideBinary(2, 100)", probabilityYes: Array.from({ length: 100 }, (_, r) => wide[2 * r + 1]) },
  narrowRegression: { params: regressionParams, train: "narrowRegression(5)", test: "narrowRegression(6, 80)", prediction: Array.from(regression) },
  narrowRegressionHalf: { params: halfParams, train: "narrowRegression(5)", test: "narrowRegression(6, 80)", prediction: Array.from(half) },
};
writeFileSync(join(root, "test", "fixtures", "forest-drawn", "predictions.json"), JSON.stringify(fixture, null, 1) + "\n");
