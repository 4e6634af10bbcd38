#!/usr/bin/env node
// One command for every benchmark: `npm run bench -- <name> [options]`. Each name maps to a script
// that runs learnloop and its anchor side by side in one run and prints a table with ratios.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const BENCHES = {
  load: { script: "load.mjs", what: "loading CSV / Parquet into a Dataset vs DuckDB's scan and pandas" },
  gbdt: { script: "gbdt/run.mjs", what: "GBDT training and prediction vs XGBoost 1.7 hist" },
  profile: { script: "profile.mjs", what: "`learnloop profile` on the 3M flights" },
  accuracy: { script: "accuracy/run.mjs", what: "held-out accuracy on 10+ public data sets vs XGBoost and sklearn HGB" },
  serve: { script: "serve/run.mjs", what: "the prediction service vs a bare Fastify handler (autocannon)" },
  highcard: { script: "highcard/run.mjs", what: "categorical columns with hundreds to thousands of categories vs XGBoost and sklearn HGB" },
  linear: { script: "linear.mjs", what: "many-class logistic regression (airports, zipcodes by state) vs scikit-learn lbfgs" },
};

const [name, ...rest] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHES[name];
if (!bench || !existsSync(join(here, bench.script))) {
  const list = Object.entries(BENCHES)
    .filter(([, b]) => existsSync(join(here, b.script)))
    .map(([n, b]) => `  ${n.padEnd(10)}${b.what}`)
    .join("\n");
  console.error(`${name === undefined ? "usage" : `unknown benchmark "${name}"`}: npm run bench -- <name> [options]\n${list}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, [join(here, bench.script), ...rest], { stdio: "inherit" });
process.exit(result.status ?? 1);
