// Where a regression forest's trees differ from scikit-learn's when the data do not decide: forests of
// 100 trees on every training row (no bootstrap, all features a node, min samples leaf 1), learnloop
// against scikit-learn 1.2's RandomForestRegressor on the same 75/25 splits as run.mjs --wide / run.mjs.
// Without a bootstrap the only randomness left is the order in which a node's features are searched, so
// the trees of a forest differ only where two splits have equal gains: how such ties are broken is then
// all that separates 100 averaged trees from one. Prints test RMSE per seed and training RMSE (0 for
// fully grown trees on distinct rows), each side.
// usage: node bench/forest/no-bootstrap.mjs [--lib DIR] [--sets meats,chicago] [--data DIR]
//   DIR: the library's src/ (default this checkout's); data: run.mjs's prepared sets (default wide-seeds-0-1-2-3-4)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const lib = option("lib", join(root, "src"));
const dataDir = option("data", join(root, "bench", "data", "forest", "wide-seeds-0-1-2-3-4"));
const sets = option("sets", "meats").split(",");

if (!process.env.NO_BOOTSTRAP_CHILD) {
  // Re-run under tsx so that a src/ of TypeScript loads.
  execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], { cwd: root, stdio: "inherit", env: { ...process.env, NO_BOOTSTRAP_CHILD: "1" } });
  process.exit(0);
}
const { RandomForest } = await import(pathToFileURL(join(lib, "models", "forest", "index.js")).href);
const rmse = (y, p) => Math.sqrt(y.reduce((s, v, i) => s + (v - p[i]) ** 2, 0) / y.length);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`no bootstrap, 100 trees, all features a node, min samples leaf 1; learnloop from ${lib}`);
for (const name of sets) {
  const path = join(dataDir, `${name}.json`);
  const doc = JSON.parse(readFileSync(path, "utf8"));
  const ours = [];
  for (const split of doc.splits) {
    const subset = (rows) => ({
      nRows: rows.length,
      features: doc.features.map((feature, f) => ({ kind: "numeric", name: feature, values: Float64Array.from(rows, (r) => doc.columns[f][r]) })),
      target: { name: "target", task: "regression", values: Float64Array.from(rows, (r) => doc.y[r]) },
      fingerprint: `${name}-${split.seed}`,
    });
    const train = subset(split.train);
    const test = subset(split.test);
    const model = new RandomForest({ nTrees: 100, bootstrap: false, minSamplesLeaf: 1, maxFeatures: 1, seed: split.seed, threads: 1 }).fit(train);
    ours.push({ seed: split.seed, test: rmse(test.target.values, model.predict(test)), train: rmse(train.target.values, model.predict(train)) });
  }
  const anchor = `
import json, sys
import numpy as np
from sklearn.ensemble import RandomForestRegressor
d = json.load(open(sys.argv[1]))
X = np.array(d["columns"]).T
y = np.array(d["y"])
out = []
for s in d["splits"]:
    tr, te = np.array(s["train"]), np.array(s["test"])
    m = RandomForestRegressor(n_estimators=100, bootstrap=False, min_samples_leaf=1, max_features=1.0, random_state=s["seed"], n_jobs=1).fit(X[tr], y[tr])
    rmse = lambda a, b: float(np.sqrt(np.mean((a - b) ** 2)))
    out.append({"seed": s["seed"], "test": rmse(y[te], m.predict(X[te])), "train": rmse(y[tr], m.predict(X[tr]))})
print(json.dumps(out))
`;
  const theirs = JSON.parse(execFileSync("/usr/bin/python3", ["-c", anchor, path], { encoding: "utf8" }));
  const f = (runs, key) => runs.map((r) => r[key].toFixed(3)).join(" ");
  console.log(`${name} test RMSE per seed: learnloop ${f(ours, "test")} (median ${median(ours.map((r) => r.test)).toFixed(3)}) / scikit-learn ${f(theirs, "test")} (median ${median(theirs.map((r) => r.test)).toFixed(3)})`);
  console.log(`${name} training RMSE: learnloop ${f(ours, "train")} / scikit-learn ${f(theirs, "train")}`);
}
