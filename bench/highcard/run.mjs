// The high-cardinality categorical benchmark, one command: node bench/highcard/run.mjs [--only a,b] [--cached-anchors]
// On sets whose categorical columns have more categories than the 255 bins (prepared on first use into
// bench/data/highcard/<set>/{train,test,meta}; see the prepare scripts for each set's source and split), trains
// learnloop's GradientBoosting with its defaults (learnloop.mts, in process), XGBoost 1.7 hist with
// enable_categorical and scikit-learn 1.2 HistGradientBoosting with their defaults (anchors.py), and prints one
// table: ROC AUC (binary), accuracy (multiclass), RMSE (regression), fit seconds, and learnloop's gain over each.
//   --only a,b          these sets only
//   --cached-anchors    reuse the anchors' scores of an earlier run (anchors.json in each set's folder)
//   --learnloop <dir>   run learnloop.mts of another checkout (e.g. a `git archive` snapshot with a node_modules link)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const dataDir = join(root, "bench", "data", "highcard");
const python = "/usr/bin/python3";
const args = process.argv.slice(2);
const take = (flag, hasValue) => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const value = hasValue ? args[i + 1] : true;
  args.splice(i, hasValue ? 2 : 1);
  return value;
};
const only = take("--only", true)?.split(",");
const cachedAnchors = take("--cached-anchors", false) === true;
const learnloopRoot = take("--learnloop", true) ?? root;
if (args.length > 0) {
  console.error(`unknown arguments: ${args.join(" ")}\nusage: node bench/highcard/run.mjs [--only a,b] [--cached-anchors] [--learnloop DIR]`);
  process.exit(2);
}

const run = (command, commandArgs) => execFileSync(command, commandArgs, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 });
const prepared = (set) => existsSync(join(dataDir, set, "meta.json"));
const SETS = [
  { name: "synthetic-1000", prepare: () => run(process.execPath, ["--import", "tsx", join(here, "synthetic.mts"), dataDir]) },
  { name: "synthetic-250", prepare: () => run(process.execPath, ["--import", "tsx", join(here, "synthetic.mts"), dataDir]) },
  { name: "grants", prepare: () => run("Rscript", [join(here, "prepare.R"), dataDir]) },
  { name: "tate", prepare: () => run("Rscript", [join(here, "prepare.R"), dataDir]) },
  { name: "flights-route", prepare: () => run(python, [join(here, "prepare_flights.py"), join(root, "bench", "data", "flights-3m.csv"), join(dataDir, "flights-route")]) },
  { name: "zipcodes-county", prepare: () => run(python, [join(here, "prepare_zipcodes.py"), join(root, "node_modules", "vega-datasets", "data", "zipcodes.csv"), join(dataDir, "zipcodes-county")]) },
].filter((set) => !only || only.includes(set.name));

const METRIC = { binary: "roc_auc", multiclass: "accuracy", regression: "rmse" };
/** AUC/accuracy points, or the fraction of the anchor's RMSE removed: positive = learnloop better. */
const gain = (metric, ours, anchor) => (metric === "rmse" ? 1 - ours / anchor : ours - anchor);
const rows = [];
for (const set of SETS) {
  if (!prepared(set.name)) set.prepare();
  const folder = join(dataDir, set.name);
  const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
  const metric = METRIC[meta.task];
  const anchorsFile = join(folder, "anchors.json");
  if (!cachedAnchors || !existsSync(anchorsFile)) writeFileSync(anchorsFile, run(python, [join(here, "anchors.py"), folder]));
  const anchors = JSON.parse(readFileSync(anchorsFile, "utf8"));
  const ours = JSON.parse(run(process.execPath, ["--import", "tsx", join(learnloopRoot, "bench", "highcard", "learnloop.mts"), dataDir, set.name]).trim());
  rows.push({ set: set.name, meta, metric, anchors, ours });
  process.stderr.write(`${set.name}: learnloop ${ours[metric].toFixed(4)}, XGBoost ${anchors.xgboost[metric].toFixed(4)}, HGB ${anchors.hgb[metric].toFixed(4)}\n`);
}
console.log("| set | rows train/test | levels (> 255 in bold) | metric | learnloop | XGBoost 1.7 | HGB | gain vs XGBoost | gain vs HGB | fit s learnloop / XGBoost / HGB |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const { set, meta, metric, anchors, ours } of rows) {
  const levels = Object.entries(anchors.levels).map(([name, n]) => (n > 255 ? `**${name} ${n}**` : `${name} ${n}`)).join(", ");
  const f = (v) => v.toFixed(4);
  console.log(`| ${set} | ${meta.train}/${meta.test} | ${levels} | ${metric} | ${f(ours[metric])} | ${f(anchors.xgboost[metric])} | ${f(anchors.hgb[metric])} | ${gain(metric, ours[metric], anchors.xgboost[metric]).toFixed(4)} | ${gain(metric, ours[metric], anchors.hgb[metric]).toFixed(4)} | ${ours.fit_s.toFixed(2)} / ${anchors.xgboost.fit_s.toFixed(2)} / ${anchors.hgb.fit_s.toFixed(2)} |`);
}
console.log("\nGain: AUC or accuracy points, or the fraction of the anchor's RMSE removed; positive: learnloop better.");
console.log("HGB (1.2) refuses categorical features of more than 255 levels: it gets those as ordinal codes (numeric).");
