// learnloop's side of the linear benchmark: reads a CSV, fits LinearEstimator (the CLI's --model linear,
// defaults: alpha 1e-4, ridge, tol 1e-6) on all rows REPEAT times, prints one JSON line with the fit
// times (wall and CPU seconds) and the fit's report; writes the encoded design (the same columns the
// model fitted) into OUT_DIR so the scikit-learn side fits the very same matrix.
// With NEWTON_CYCLES > 0 it also runs that many cycles of block Newton (the path used before L-BFGS, which
// the automatic choice now skips here) on the same design and reports its CPU seconds per cycle.
// usage: node --import tsx bench/linear-learnloop.mjs FILE TARGET OUT_DIR REPEAT [NEWTON_CYCLES]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readDataset } from "../src/data/read.js";
import { DesignTransform } from "../src/features/design.js";
import { LinearEstimator, solveLogistic } from "../src/models/linear/index.js";

const [file, target, outDir, repeatText, newtonText] = process.argv.slice(2);
const data = await readDataset(file, { target });
const estimator = new LinearEstimator({});
const fits = [];
let model;
for (let rep = 0; rep < Number(repeatText ?? 1); rep++) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  model = estimator.fit(data);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  fits.push({ wall, cpu: (used.user + used.system) / 1e6 });
}

const design = DesignTransform.fit(data, { standardize: true, maxCategories: 256 }).encode(data);
mkdirSync(outDir, { recursive: true });
const bytes = (array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
writeFileSync(join(outDir, "dense.f64"), bytes(design.dense));
writeFileSync(join(outDir, "codes.i32"), bytes(design.codes));
writeFileSync(join(outDir, "y.i32"), bytes(Int32Array.from(data.target.values)));
const meta = { nRows: design.nRows, nColumns: design.nColumns, nDense: design.nDense, nCodes: design.nCodes, nClasses: data.target.classes.length, alpha: 1e-4 };
writeFileSync(join(outDir, "meta.json"), JSON.stringify(meta));
let newton = null;
const newtonCycles = Number(newtonText ?? 0);
if (newtonCycles > 0) {
  const y = Int32Array.from(data.target.values);
  const problem = { design, y, nClasses: meta.nClasses, sampleWeight: new Float64Array(design.nRows).fill(1), l1: 0, l2: model.fitInfo.l2, fitIntercept: true, maxIter: newtonCycles, tol: 1e-6, method: "newton" };
  const cpu = process.cpuUsage();
  const result = solveLogistic(problem);
  const used = process.cpuUsage(cpu);
  newton = { cycles: result.nIter, cpuPerCycle: (used.user + used.system) / 1e6 / result.nIter, violation: result.violation, converged: result.converged };
}
console.log(JSON.stringify({ ...meta, fits, fit: model.fitInfo, newton }));
