// Prediction benchmark, one command: node bench/gbdt/predict.mjs [--data classification|flights] [--repeat 3] [--inner 3] [--threads 2]
// Times the prediction of the whole test set (learnloop predictProba from the columns; XGBoost predict with
// its DMatrix) with models trained once by bench/gbdt/learnloop.mjs and xgb.py (100 rounds, 31 leaves /
// depth 5; kept in bench/data/models/). Each library runs in its own process, --repeat processes each,
// interleaved, each predicting --inner times; the table gives the median wall and CPU seconds of all
// predictions and the median of each process's first (cold) prediction. learnloop and XGBoost run on
// --threads threads and on 1 thread.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const dataset = option("data", "classification");
const repeat = Number(option("repeat", 3));
const inner = Number(option("inner", 3));
const threads = Number(option("threads", 2));
const python = "/usr/bin/python3";
const dataName = dataset === "flights" ? "flights" : "classification-1000000";
const dataDir = join(root, "bench", "data", dataName);
if (!existsSync(join(dataDir, "meta.json"))) throw new Error(`${dataDir} is missing: run node bench/gbdt/run.mjs --data ${dataset} once to prepare it`);
const modelDir = join(root, "bench", "data", "models");
mkdirSync(modelDir, { recursive: true });
const useDist = existsSync(join(root, "dist", "index.js")) && !process.env.LEARNLOOP_SRC;
const node = (script, scriptArgs, env = {}) => {
  const command = useDist || process.env.LEARNLOOP_LIB ? [join(here, script), ...scriptArgs] : ["--import", "tsx", join(here, script), ...scriptArgs];
  return run(process.execPath, command, { LEARNLOOP_SRC: useDist ? "" : "1", ...env });
};
const run = (command, commandArgs, env = {}) => {
  const out = execFileSync(command, commandArgs, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop());
};

const learnloopModel = join(modelDir, `${dataName}.learnloop.model`);
if (!existsSync(learnloopModel)) {
  process.stderr.write(`training ${learnloopModel}...\n`);
  node("learnloop.mjs", [dataDir, "100", String(threads)], { LEARNLOOP_SAVE_MODEL: learnloopModel });
}
const xgbModel = (policy) => {
  const file = join(modelDir, `${dataName}.xgb-${policy}.ubj`);
  if (!existsSync(file)) {
    process.stderr.write(`training ${file}...\n`);
    run(python, [join(here, "xgb.py"), dataDir, policy, "100", String(threads)], { XGB_SAVE_MODEL: file });
  }
  return file;
};
const runs = [
  () => node("predict-learnloop.mjs", [dataDir, learnloopModel, String(threads), String(inner)]),
  () => node("predict-learnloop.mjs", [dataDir, learnloopModel, "1", String(inner)]),
  ...["depthwise", "lossguide"].map((policy) => () => run(python, [join(here, "predict-xgb.py"), dataDir, xgbModel(policy), policy, String(threads), String(inner)])),
  () => run(python, [join(here, "predict-xgb.py"), dataDir, xgbModel("lossguide"), "lossguide", "1", String(inner)]),
];
const results = runs.map(() => ({ name: "", wall: [], cpu: [], first: [], meanP1: 0 }));
for (let rep = 0; rep < repeat; rep++) {
  runs.forEach((runOne, i) => {
    const r = runOne();
    Object.assign(results[i], { name: r.name, meanP1: r.meanP1 });
    results[i].wall.push(...r.wall);
    results[i].cpu.push(...r.cpu);
    results[i].first.push(r.wall[0]);
    process.stderr.write(`  ${r.name}: ${r.wall.map((x) => x.toFixed(3)).join(" ")} s\n`);
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`Prediction benchmark: ${dataName} test set, 100 trees; ${repeat} processes x ${inner} predictions each, interleaved`);
console.log(["library".padEnd(44), "median s".padStart(9), "first s".padStart(8), "CPU s".padStart(7), "median / learnloop".padStart(19), "mean P(1)".padStart(10)].join(" "));
const base = median(results[0].wall);
for (const r of results) {
  console.log([r.name.padEnd(44), median(r.wall).toFixed(3).padStart(9), median(r.first).toFixed(3).padStart(8), median(r.cpu).toFixed(3).padStart(7), (median(r.wall) / base).toFixed(2).padStart(19), r.meanP1.toFixed(4).padStart(10)].join(" "));
}
console.log(`all wall seconds: ${JSON.stringify(results.map((r) => [r.name, r.wall.map((x) => Number(x.toFixed(3)))]))}`);
console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
