// learnloop on the prepared bench/highcard sets: GradientBoosting with its defaults (as `learnloop train` fits),
// trained on DIR/<set>/train.csv read by the CLI's reader, scored on test.csv with the same headline metric as
// the anchors (ROC AUC for binary, accuracy for multiclass, RMSE for regression). Prints one JSON line per set.
//
// usage: node --import tsx bench/highcard/learnloop.mts DATA_DIR [set ...]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readDataset, schemaOf } from "../../src/data/index.js";
import { evaluateHoldout } from "../../src/evaluation/holdout.js";
import { GradientBoosting } from "../../src/models/gbdt/index.js";

const [dataDir, ...only] = process.argv.slice(2);
if (!dataDir) {
  console.error("usage: node --import tsx bench/highcard/learnloop.mts DATA_DIR [set ...]");
  process.exit(2);
}
const sets = only.length > 0 ? only : readdirSync(dataDir).sort();
for (const set of sets) {
  const folder = join(dataDir, set);
  const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")) as { task: "binary" | "multiclass" | "regression" };
  const train = await readDataset(join(folder, "train.csv"), { target: "target", task: meta.task, onWarning: () => {} });
  const test = await readDataset(join(folder, "test.csv"), { schema: schemaOf(train), requireTarget: true, onWarning: () => {} });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const model = new GradientBoosting({}).fit(train);
  const fitS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const metric = { binary: "roc_auc", multiclass: "accuracy", regression: "rmse" }[meta.task];
  const score = evaluateHoldout(model, train, test, { bootstrap: 0, metrics: [metric] }).metrics[metric]!;
  console.log(JSON.stringify({ set, [metric]: score, fit_s: fitS, fit_cpu_s: (cpu.user + cpu.system) / 1e6 }));
}
