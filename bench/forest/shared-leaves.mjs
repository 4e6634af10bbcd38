// Multiclass forest layouts side by side, one command:
//   node bench/forest/shared-leaves.mjs [--before COMMIT] [--rounds 3] [--rows 50000]
// "before": the library of COMMIT (default 7bd8afa, the last to store each bag's Gini tree once per class,
// state.multiclassTrees "gini"), extracted with git archive into $TMPDIR/learnloop-forest-COMMIT/src (outside
// the repository, whose typecheck would read it; node_modules linked to this one's); "after":
// this tree's src/ (each bag's tree stored once with its leaves' class shares, "gini-shared"). Sets:
// scikit-learn's digits (1797 x 64, 10 classes) and make_classification (20,000 x 20, 5 classes) as
// bench/forest/run.mjs prepares them (split seed 0: 75/25). Each side fits 100 trees (bootstrap, sqrt
// features, min samples leaf 1, seed 0, one thread) and reports: fit seconds, model file bytes, load ms
// (decode + check, median of 9 after one), predictProba of the test rows (first call, which compiles the
// trees, and the median of 5 more) and of the test rows tiled to --rows rows on 1 and on 2 threads (median
// of 3 after one), and a hash of the test probabilities (equal hashes: bit-identical predictions). The sides
// run in separate processes, alternating within each round; the table shows medians over rounds and the
// ratio after / before.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const dataDir = join(root, "bench", "data", "forest", "seeds-0-1-2-3-4");
const SETS = ["digits", "make-classification"];

if (args[0] === "--side") await side(args[1], args[2], Number(args[3]));
else await main();

async function main() {
  const before = option("before", "7bd8afa");
  const rounds = Number(option("rounds", "3"));
  const rows = Number(option("rows", "50000"));
  if (!existsSync(join(dataDir, "digits.json"))) execFileSync("/usr/bin/python3", [join(here, "anchor.py"), "prepare", dataDir, "0,1,2,3,4"], { stdio: "inherit" });
  const beforeLib = join(tmpdir(), `learnloop-forest-${before}`);
  if (!existsSync(join(beforeLib, "src"))) {
    mkdirSync(beforeLib, { recursive: true });
    execFileSync("sh", ["-c", `git -C "${root}" archive ${before} src | tar -x -C "${beforeLib}"`], { stdio: "inherit" });
    symlinkSync(join(root, "node_modules"), join(beforeLib, "node_modules"));
  }
  const libs = { before: join(beforeLib, "src"), after: join(root, "src") };
  const results = { before: {}, after: {} };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ["before", "after"] : ["after", "before"];
    for (const name of order) {
      for (const set of SETS) {
        const out = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--side", libs[name], set, String(rows)], { cwd: root, encoding: "utf8" });
        const run = JSON.parse(out);
        (results[name][set] ??= []).push(run);
        process.stderr.write(`round ${round + 1} ${name} ${set}: ${JSON.stringify(run)}\n`);
      }
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const columns = [
    ["trees stored", "trees", 0],
    ["model file KB", "kb", 0],
    ["fit s", "fitS", 3],
    ["load ms", "loadMs", 2],
    ["predict test, first ms", "firstMs", 1],
    ["predict test ms", "predictMs", 2],
    [`predict ${rows} rows 1 thread ms`, "bigOneMs", 0],
    [`predict ${rows} rows 2 threads ms`, "bigTwoMs", 0],
  ];
  console.log(`Multiclass forest, before (${before}: each bag's tree stored once per class) / after (stored once, k shares a leaf); 100 trees, seed 0, split 0; medians over ${rounds} rounds`);
  console.log("");
  console.log("| set | measure | before | after | after / before |");
  console.log("|---|---|---|---|---|");
  for (const set of SETS) {
    const b = results.before[set];
    const a = results.after[set];
    for (const [label, key, digits] of columns) {
      const mb = median(b.map((r) => r[key]));
      const ma = median(a.map((r) => r[key]));
      console.log(`| ${label === columns[0][0] ? `${set} (${b[0].classes} classes, ${b[0].testRows} test rows)` : ""} | ${label} | ${mb.toFixed(digits)} | ${ma.toFixed(digits)} | ${(ma / mb).toFixed(3)} |`);
    }
    const hashes = new Set([...b, ...a].map((r) => r.probaHash));
    console.log(`| | test probabilities | ${b[0].probaHash} | ${a[0].probaHash} | ${hashes.size === 1 ? "bit-identical" : "DIFFER"} |`);
  }
}

/** One side's measures on one set, printed as JSON. */
async function side(lib, set, rows) {
  const { RandomForest, loadForestModel } = await import(join(lib, "models", "forest", "index.js"));
  const { decodeModelFile } = await import(join(lib, "models", "format.js"));
  const doc = JSON.parse(readFileSync(join(dataDir, `${set}.json`), "utf8"));
  const split = doc.splits[0];
  const subset = (indices) => ({
    nRows: indices.length,
    features: doc.features.map((name, f) => ({ kind: "numeric", name, values: Float64Array.from(indices, (r) => doc.columns[f][r]) })),
    target: { name: "target", task: doc.task, values: Float64Array.from(indices, (r) => doc.y[r]), classes: doc.classes },
    fingerprint: `${set}-${indices.length}`,
  });
  const train = subset(split.train);
  const test = subset(split.test);
  const big = subset(Array.from({ length: rows }, (_, i) => split.test[i % split.test.length]));
  let start = performance.now();
  const fitted = new RandomForest({ nTrees: 100, bootstrap: true, minSamplesLeaf: 1, maxFeatures: "sqrt", seed: 0, threads: 1 }).fit(train);
  const fitS = (performance.now() - start) / 1000;
  const bytes = fitted.toBytes();
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const time = (f, n) => median(Array.from({ length: n }, () => ((start = performance.now()), f(), performance.now() - start)));
  let model = loadForestModel(decodeModelFile(bytes));
  const loadMs = time(() => (model = loadForestModel(decodeModelFile(bytes))), 9);
  start = performance.now();
  const proba = model.predictProba(test, { threads: 1 }).data;
  const firstMs = performance.now() - start;
  const predictMs = time(() => model.predictProba(test, { threads: 1 }), 5);
  model.predictProba(big, { threads: 1 });
  const bigOneMs = time(() => model.predictProba(big, { threads: 1 }), 3);
  model.predictProba(big, { threads: 2 });
  const bigTwoMs = time(() => model.predictProba(big, { threads: 2 }), 3);
  const probaHash = createHash("sha256").update(new Uint8Array(proba.buffer, proba.byteOffset, proba.byteLength)).digest("hex").slice(0, 12);
  console.log(JSON.stringify({ classes: doc.classes.length, testRows: test.nRows, trees: model.nTrees, kb: bytes.length / 1024, fitS, loadMs, firstMs, predictMs, bigOneMs, bigTwoMs, probaHash }));
  process.exit(0);
}
