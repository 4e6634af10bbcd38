#!/usr/bin/env node
// The linear-model benchmark, one command: node bench/linear.mjs [--repeat 3] [--tol 1e-6] [--only airports|zipcodes] [--newton-cycles 0]
// Many-class logistic regression, where block Newton paid a p x p Cholesky per class per cycle: vega-
// datasets' airports.csv and zipcodes.csv with target "state" (56 and 59 classes, ~770 and ~1000 design
// columns). learnloop's `--model linear` defaults (LinearEstimator: alpha 1e-4, ridge, tol 1e-6) against
// scikit-learn 1.2's LogisticRegression(lbfgs, multinomial, C = 1 / (alpha n), tol) on the very design
// learnloop encoded (bench/linear-learnloop.mjs writes it to bench/data/linear-<name>/, bench/linear.py
// reads it as sparse CSR). Each side runs in its own process, interleaved REPEAT times; the table gives
// median fit wall and CPU seconds, iterations, and learnloop's normalized objective and largest gradient
// at each side's answer (same objective, so the two should agree to about tol). --newton-cycles N also
// times N cycles of block Newton, the path these sets took before L-BFGS (seconds per cycle; it needs
// tens of cycles to converge, so a full fit is not run).
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const repeat = Number(option("repeat", 3));
const tol = option("tol", "1e-6");
const only = option("only", null);
const newtonCycles = option("newton-cycles", "0");
const SETS = [
  { name: "airports", file: "node_modules/vega-datasets/data/airports.csv", target: "state" },
  { name: "zipcodes", file: "node_modules/vega-datasets/data/zipcodes.csv", target: "state" },
].filter((set) => only === null || set.name === only);

const json = (command, commandArgs) => {
  const out = execFileSync(command, commandArgs, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split("\n").pop());
};
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const rows = [];
for (const set of SETS) {
  const dataDir = join(root, "bench", "data", `linear-${set.name}`);
  const ours = [];
  const theirs = [];
  for (let rep = 0; rep < repeat; rep++) {
    const l = json(process.execPath, ["--import", "tsx", join(here, "linear-learnloop.mjs"), set.file, set.target, dataDir, "1", rep === 0 ? newtonCycles : "0"]);
    ours.push(l);
    theirs.push(json("/usr/bin/python3", [join(here, "linear.py"), dataDir, "1", tol]));
  }
  const l = ours[0];
  const s = theirs[0];
  const lWall = median(ours.map((r) => r.fits[0].wall));
  const lCpu = median(ours.map((r) => r.fits[0].cpu));
  const sWall = median(theirs.map((r) => r.fits[0].wall));
  const sCpu = median(theirs.map((r) => r.fits[0].cpu));
  rows.push({ set: `${set.name} (${l.nRows} x ${l.nColumns}, ${l.nClasses} classes)`, side: `learnloop ${l.fit.solver}`, wall: lWall, cpu: lCpu, nIter: l.fit.nIter, objective: l.fit.objective, violation: l.fit.violation, ratio: 1 });
  if (l.newton) rows.push({ set: "", side: `learnloop block Newton, ${l.newton.cycles} cycles`, wall: NaN, cpu: l.newton.cpuPerCycle, nIter: "per cycle", objective: NaN, violation: l.newton.violation, ratio: NaN });
  rows.push({ set: "", side: "sklearn lbfgs", wall: sWall, cpu: sCpu, nIter: s.nIter, objective: s.objective, violation: s.violation, ratio: sCpu / lCpu });
}

const header = ["data set", "side", "fit wall s", "fit CPU s", "iterations", "objective", "max |gradient|", "CPU vs learnloop"];
const table = rows.map((r) => [r.set, r.side, Number.isNaN(r.wall) ? "" : r.wall.toFixed(3), r.cpu.toFixed(3), String(r.nIter), Number.isNaN(r.objective) ? "" : r.objective.toFixed(9), r.violation.toExponential(1), Number.isNaN(r.ratio) ? "" : r.ratio.toFixed(2)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
console.log(`medians of ${repeat} interleaved runs, tol ${tol}`);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of table) console.log(line(row));
