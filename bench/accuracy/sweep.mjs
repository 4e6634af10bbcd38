// Measures candidate learnloop defaults on the accuracy benchmark over several seeded splits, so that a
// recommendation rests on more than the luck of one 75/25 split. Runs run.mjs once per (config, split seed)
// with --cached-anchors (the anchors' scores of each split are computed once, by a plain run.mjs --split-seed N,
// or on first use)
// and prints, per config: the mean gain vs XGBoost and vs HGB over all data sets and seeds, how many
// (data set, seed) pairs break the "no worse than the weaker anchor" rule, the worst case, and per data set the
// mean gain over the weaker anchor.
// usage: node bench/accuracy/sweep.mjs --seeds 0,1,2,3,4 [--only a,b] [--learnloop dir] "defaults=" "msl5=--min-samples-leaf 5" ...
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const seeds = (take("--seeds") ?? "0").split(",").map(Number);
const only = take("--only");
const learnloopRoot = take("--learnloop");
const configs = args.map((spec) => {
  const at = spec.indexOf("=");
  return { name: spec.slice(0, at), flags: spec.slice(at + 1).split(" ").filter(Boolean) };
});
if (configs.length === 0) {
  console.error('usage: node bench/accuracy/sweep.mjs --seeds 0,1,2 "defaults=" "msl5=--min-samples-leaf 5"');
  process.exit(2);
}
const work = join(tmpdir(), `learnloop-accuracy-sweep-${process.pid}`);
mkdirSync(work, { recursive: true });
const HEADLINE = { binary: "roc_auc", multiclass: "accuracy", regression: "rmse" };
const gain = (task, ll, anchor) => (task === "regression" ? 1 - ll / anchor : ll - anchor);

const lines = [];
const perSet = new Map(); // data set -> config -> gains vs weaker
for (const config of configs) {
  const vsX = [];
  const vsH = [];
  const vsWeaker = [];
  let failures = 0;
  let worst = { gain: Infinity };
  for (const seed of seeds) {
    const dataDir = join(here, "..", "data", "accuracy", ...(seed === 0 ? [] : [`seed-${seed}`]));
    if (!existsSync(dataDir)) {
      console.error(`no split with seed ${seed}: run node bench/run.mjs accuracy --split-seed ${seed} first (it also computes the anchors)`);
      process.exit(2);
    }
    const save = join(work, `${config.name}-${seed}.json`);
    process.stderr.write(`${config.name} seed ${seed}...\n`);
    execFileSync(
      process.execPath,
      [join(here, "run.mjs"), "--cached-anchors", "--split-seed", String(seed), "--save", save, ...(only ? ["--only", only] : []), ...(learnloopRoot ? ["--learnloop", learnloopRoot] : []), ...config.flags],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    for (const { meta, scored } of JSON.parse(readFileSync(save, "utf8")).rows) {
      const metric = HEADLINE[meta.task];
      const [ll, xg, hg] = ["learnloop", "xgboost", "hgb"].map((t) => scored[t].metrics[metric]);
      const weaker = meta.task === "regression" ? Math.max(xg, hg) : Math.min(xg, hg);
      const g = gain(meta.task, ll, weaker);
      vsX.push(gain(meta.task, ll, xg));
      vsH.push(gain(meta.task, ll, hg));
      vsWeaker.push(g);
      const limit = meta.task === "regression" ? 1 - 1.03 : -0.01;
      if (g < limit - 1e-12) failures++;
      if (g < worst.gain) worst = { gain: g, name: meta.name, seed };
      if (!perSet.has(meta.name)) perSet.set(meta.name, new Map());
      const bySet = perSet.get(meta.name);
      if (!bySet.has(config.name)) bySet.set(config.name, []);
      bySet.get(config.name).push(g);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  lines.push(
    `| ${config.name} | ${config.flags.join(" ") || "(defaults)"} | ${mean(vsX) >= 0 ? "+" : ""}${mean(vsX).toFixed(4)} | ${mean(vsH) >= 0 ? "+" : ""}${mean(vsH).toFixed(4)} | ${failures} / ${vsWeaker.length} | ${worst.gain.toFixed(4)} (${worst.name}, seed ${worst.seed}) |`,
  );
}
console.log(`Sweep over split seeds ${seeds.join(", ")}; gain = AUC/accuracy points or fraction of RMSE removed (positive: learnloop better)\n`);
console.log("| config | learnloop flags | mean gain vs XGBoost | mean gain vs HGB | (set, seed) pairs failing | worst gain vs weaker |");
console.log("|---|---|---|---|---|---|");
console.log(lines.join("\n"));
console.log(`\nMean gain over the weaker anchor per data set (over the ${seeds.length} splits):\n`);
console.log(`| data set | ${configs.map((c) => c.name).join(" | ")} |`);
console.log(`|---|${configs.map(() => "---").join("|")}|`);
for (const [name, byConfig] of perSet) {
  const cells = configs.map((c) => {
    const gs = byConfig.get(c.name) ?? [];
    const m = gs.reduce((a, b) => a + b, 0) / gs.length;
    return `${m >= 0 ? "+" : ""}${m.toFixed(4)}`;
  });
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
