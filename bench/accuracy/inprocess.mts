// Candidate learnloop parameters on the accuracy benchmark's small sets, in one process: each config is fitted
// through the library on the same train.csv / test.csv as run.mjs (read with the CLI's reader, every training
// row fitted as `learnloop train --valid test.csv` does, the same headline metric), and compared with the
// anchors' cached scores (anchors.json, written by run.mjs --split-seed N). About a second per data set
// instead of the CLI's 5-10 s, so a candidate can be checked on every split before it goes through run.mjs.
// Sets above 10,000 training rows (early stopping) are skipped. Prints the same figures as sweep.mjs.
//
// usage: node --import tsx bench/accuracy/inprocess.mts --seeds 0,1,2,3,4,5 [--only a,b] [--data DIR]
//          "defaults={}" 'msl10={"minSamplesLeaf":10}'
//   --data DIR   another prepared folder with seed-N/<set>/{train,test,meta,anchors} (default bench/data/accuracy,
//                where split 0 is the folder itself)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readDataset, schemaOf } from "../../src/data/index.js";
import { evaluateHoldout } from "../../src/evaluation/holdout.js";
import { GradientBoosting } from "../../src/models/gbdt/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const take = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const seeds = (take("--seeds") ?? "0").split(",").map(Number);
const only = take("--only")?.split(",");
const customData = take("--data");
const dataRoot = customData ?? join(here, "..", "data", "accuracy");
const configs = args.map((spec) => {
  const at = spec.indexOf("=");
  return { name: spec.slice(0, at), params: JSON.parse(spec.slice(at + 1) || "{}") as Record<string, unknown> };
});
if (configs.length === 0) {
  console.error(`usage: node --import tsx bench/accuracy/inprocess.mts --seeds 0,1 "defaults={}" 'msl10={"minSamplesLeaf":10}'`);
  process.exit(2);
}
const HEADLINE: Record<string, string> = { binary: "roc_auc", multiclass: "accuracy", regression: "rmse" };
/** AUC/accuracy points, or the fraction of the anchor's RMSE removed: positive = learnloop better. */
const gain = (task: string, ours: number, anchor: number): number => (task === "regression" ? 1 - ours / anchor : ours - anchor);

interface Row { config: string; set: string; seed: number; gainX: number; gainH: number; fails: boolean; fitMs: number }
const rows: Row[] = [];
for (const seed of seeds) {
  const dir = seed === 0 && !customData ? dataRoot : join(dataRoot, `seed-${seed}`);
  if (!existsSync(dir)) throw new Error(`no split ${seed} in ${dataRoot}: run node bench/accuracy/run.mjs --split-seed ${seed} first`);
  for (const set of readdirSync(dir).sort()) {
    if (only && !only.includes(set)) continue;
    const folder = join(dir, set);
    if (!existsSync(join(folder, "meta.json")) || !existsSync(join(folder, "anchors.json"))) continue;
    const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")) as { task: string; train: number };
    if (meta.train > 10000) continue;
    const anchors = JSON.parse(readFileSync(join(folder, "anchors.json"), "utf8")) as Record<"xgboost" | "hgb", { metrics: Record<string, number> }>;
    const train = await readDataset(join(folder, "train.csv"), { target: "target", task: meta.task as never, onWarning: () => {} });
    const test = await readDataset(join(folder, "test.csv"), { schema: schemaOf(train), requireTarget: true, onWarning: () => {} });
    const metric = HEADLINE[meta.task]!;
    const x = anchors.xgboost.metrics[metric]!;
    const h = anchors.hgb.metrics[metric]!;
    for (const config of configs) {
      const started = performance.now();
      const model = new GradientBoosting(config.params).fit(train);
      const fitMs = performance.now() - started;
      const score = evaluateHoldout(model, train, test, { bootstrap: 0 }).metrics[metric]!;
      const gainX = gain(meta.task, score, x);
      const gainH = gain(meta.task, score, h);
      const fails = meta.task === "regression" ? score > Math.max(x, h) * 1.03 : Math.max(gainX, gainH) < -0.01;
      rows.push({ config: config.name, set, seed, gainX, gainH, fails, fitMs });
      process.stderr.write(`${config.name} split ${seed} ${set}: ${score.toFixed(4)} (XGBoost ${x.toFixed(4)}, HGB ${h.toFixed(4)})${fails ? " FAIL" : ""}\n`);
    }
  }
}
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
console.log(`Splits ${seeds.join(", ")}; gain = AUC/accuracy points or fraction of RMSE removed (positive: learnloop better)\n`);
console.log("| config | pairs | mean gain vs XGBoost | mean gain vs HGB | pairs failing | fit s (sum) |");
console.log("|---|---|---|---|---|---|");
for (const { name } of configs) {
  const mine = rows.filter((row) => row.config === name);
  const failing = mine.filter((row) => row.fails).map((row) => `${row.set}/${row.seed}`);
  console.log(`| ${name} | ${mine.length} | ${mean(mine.map((r) => r.gainX)).toFixed(4)} | ${mean(mine.map((r) => r.gainH)).toFixed(4)} | ${failing.length}${failing.length ? ` (${failing.join(", ")})` : ""} | ${(mine.reduce((a, r) => a + r.fitMs, 0) / 1000).toFixed(1)} |`);
}
console.log(`\nMean gain vs the weaker anchor per data set:\n\n| data set | ${configs.map((c) => c.name).join(" | ")} |\n|---|${configs.map(() => "---|").join("")}`);
for (const set of [...new Set(rows.map((row) => row.set))]) {
  console.log(`| ${set} | ${configs.map((c) => mean(rows.filter((r) => r.set === set && r.config === c.name).map((r) => Math.max(r.gainX, r.gainH))).toFixed(4)).join(" | ")} |`);
}
