// The random forest benchmark, one command: node bench/forest/run.mjs [--seeds 0,1,2,3,4] [--lib DIR] [--binning]
// Prepares small tabular sets once into bench/data/forest/ with /usr/bin/python3 (scikit-learn 1.2):
// vega-datasets' seattle-weather (5 classes) and penguins (3), scikit-learn's bundled iris, wine, digits
// (10 classes), make_classification (20,000 x 20, 5 classes), breast cancer (binary), diabetes and Boston
// (regression); numeric features only (the penguins' island and sex as codes), so both forests see the
// same numbers. For every seed, one 75/25 split (stratified for classification) and one forest seed;
// learnloop's RandomForest and scikit-learn's RandomForestClassifier / Regressor are fitted on it with the
// same settings: 100 trees, bootstrap, min samples leaf 1, sqrt of the features per split
// (classification) or all of them (regression), one thread each. scikit-learn's metrics score both
// sides' test predictions; the table shows medians over the seeds and the ratio of fit times
// (learnloop / scikit-learn).
// --binning: instead, one make_classification set (50,000 x 20, 5 classes) with continuous features and
// with each feature cut into 200 equal-frequency levels: what learnloop's 255 bins cost a fully grown forest.
// --wide: instead, five wide sets of R's modeldata package (bench/forest/wide-sets.R, then wide.py):
// pd_speech (252 x 751), ad_data (333 x 130) and cells (2019 x 56), binary; meats (215 x 100, protein)
// and Chicago (5698 x 48, ridership), regression. Needs Rscript with modeldata.
// learnloop runs from src/ (through tsx) unless --lib DIR names another copy of the library: a build
// (dist) or the src/ of another commit (git archive COMMIT src | tar -x -C /tmp/old; link node_modules).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const seeds = option("seeds", "0,1,2,3,4");
const lib = option("lib", join(root, "src"));
const python = "/usr/bin/python3";
const binning = args.includes("--binning");
const wide = args.includes("--wide");
const dataDir = join(root, "bench", "data", "forest", `${binning ? "binning-" : wide ? "wide-" : ""}seeds-${seeds.replaceAll(",", "-")}`);
const outDir = join(root, "bench", "data", "forest", "out");
mkdirSync(outDir, { recursive: true });
if (wide && !existsSync(join(dataDir, "pd_speech.json"))) {
  process.stderr.write(`preparing ${dataDir}...\n`);
  const raw = join(root, "bench", "data", "forest", "wide-raw");
  execFileSync("Rscript", [join(here, "wide-sets.R"), raw], { stdio: "inherit" });
  execFileSync(python, [join(here, "wide.py"), raw, dataDir, seeds], { stdio: "inherit" });
} else if (!wide && !existsSync(join(dataDir, binning ? "binning-continuous.json" : "make-classification.json"))) {
  process.stderr.write(`preparing ${dataDir}...\n`);
  execFileSync(python, [join(here, "anchor.py"), binning ? "prepare-binning" : "prepare", dataDir, seeds], { stdio: "inherit" });
}
const ours = join(outDir, "learnloop.json");
const theirs = join(outDir, "sklearn.json");
process.stderr.write(`learnloop from ${lib}\n`);
execFileSync(process.execPath, ["--import", "tsx", join(here, "learnloop.mjs"), dataDir, ours], { cwd: root, stdio: "inherit", env: { ...process.env, LEARNLOOP_LIB: lib } });
execFileSync(python, [join(here, "anchor.py"), "fit", dataDir, theirs], { stdio: "inherit" });
const scores = JSON.parse(execFileSync(python, [join(here, "anchor.py"), "score", dataDir, ours, theirs], { encoding: "utf8" }));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const l = scores[ours];
const s = scores[theirs];
const nSeeds = seeds.split(",").length;
console.log(`Random forest: learnloop vs scikit-learn 1.2, 100 trees, bootstrap, min samples leaf 1, max features sqrt (classification) / all (regression), 1 thread; medians over ${nSeeds} seeds (75/25 split and forest seed)`);
console.log("");
console.log("| set | task | rows x features | metric | learnloop | scikit-learn | fit s learnloop | fit s scikit-learn | fit ratio |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const name of Object.keys(s)) {
  const a = l[name];
  const b = s[name];
  const task = b.task === "multiclass" ? `multiclass (${b.classes})` : b.task;
  const metrics = b.task === "regression" ? ["rmse"] : b.task === "binary" ? ["accuracy", "logLoss", "rocAuc"] : ["accuracy", "logLoss"];
  const fitA = median(a.runs.map((r) => r.fitSeconds));
  const fitB = median(b.runs.map((r) => r.fitSeconds));
  metrics.forEach((metric, i) => {
    const ma = median(a.runs.map((r) => r[metric]));
    const mb = median(b.runs.map((r) => r[metric]));
    const digits = metric === "rmse" ? 2 : 4;
    const fit = i === 0 ? `${fitA.toFixed(3)} | ${fitB.toFixed(3)} | ${(fitA / fitB).toFixed(2)}` : " | | ";
    console.log(`| ${i === 0 ? name : ""} | ${i === 0 ? task : ""} | ${i === 0 ? `${b.rows} x ${b.features}` : ""} | ${metric} | ${ma.toFixed(digits)} | ${mb.toFixed(digits)} | ${fit} |`);
  });
}
console.log("");
console.log("Per seed (learnloop / scikit-learn):");
for (const name of Object.keys(s)) {
  const metric = s[name].task === "regression" ? "rmse" : "accuracy";
  const second = s[name].task === "regression" ? null : "logLoss";
  const fmt = (runs, m) => runs.map((r) => r[m].toFixed(3)).join(" ");
  console.log(`  ${name} ${metric}: ${fmt(l[name].runs, metric)} / ${fmt(s[name].runs, metric)}${second ? `; ${second}: ${fmt(l[name].runs, second)} / ${fmt(s[name].runs, second)}` : ""}`);
}
