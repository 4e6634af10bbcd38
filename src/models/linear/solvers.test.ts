/**
 * The solvers on their own: the compact one-hot layout gives the same answer as the same design
 * written out densely, and the multinomial shift step finds the exact minimizer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../../core/rng.js";
import { mixedToDense } from "../../kernels/mixed.js";
import { optimalShift, solveLogistic, type DesignArrays } from "./solver-logistic.js";
import { solveLeastSquares } from "./solver-least-squares.js";
import { chooseLogisticMethod } from "./solver-lbfgs.js";

/** 150 rows: 3 dense columns, two categorical features with 4 and 3 categories (some rows with none). */
function compactDesign(): DesignArrays {
  const rng = new Random(11);
  const nRows = 150;
  const dense = new Float64Array(nRows * 3).map(() => rng.next() * 4 - 1);
  const codes = new Int32Array(nRows * 2);
  for (let i = 0; i < nRows; i++) {
    codes[i * 2] = rng.next() < 0.1 ? -1 : 3 + rng.int(4);
    codes[i * 2 + 1] = rng.next() < 0.1 ? -1 : 7 + rng.int(3);
  }
  return { nRows, nColumns: 10, nDense: 3, dense, nCodes: 2, codes };
}

function expanded(design: DesignArrays): DesignArrays {
  const dense = new Float64Array(design.nRows * design.nColumns);
  mixedToDense(design.dense, design.nDense, design.codes, design.nCodes, design.nRows, design.nColumns, dense);
  return { nRows: design.nRows, nColumns: design.nColumns, nDense: design.nColumns, dense, nCodes: 0, codes: new Int32Array(0) };
}

function assertClose(a: Float64Array, b: Float64Array, tolerance: number, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tolerance, `${what}[${i}]: ${v} vs ${b[i]}`));
}

test("solveLogistic: the compact one-hot layout and the dense matrix give the same fit", () => {
  const design = compactDesign();
  const rng = new Random(12);
  const weights = new Float64Array(design.nRows).map(() => 0.5 + rng.next());
  for (const nClasses of [2, 3]) {
    const y = Int32Array.from({ length: design.nRows }, (_, i) => (design.dense[i * 3]! + (design.codes[i * 2]! === 4 ? 1 : 0) + rng.next() * 2 > 2 ? 1 : 0) + (nClasses === 3 && rng.next() < 0.3 ? 1 : 0));
    for (const [l1, l2] of [[0, 0.01], [0.01, 0.002]] as const) {
      const problem = { y, nClasses, sampleWeight: weights, l1, l2, fitIntercept: true, maxIter: 200, tol: 1e-11 };
      const compact = solveLogistic({ ...problem, design });
      const dense = solveLogistic({ ...problem, design: expanded(design) });
      assert.ok(compact.converged && dense.converged);
      assertClose(compact.coef, dense.coef, 1e-8, `coef K=${nClasses} l1=${l1}`);
      assertClose(compact.intercept, dense.intercept, 1e-8, `intercept K=${nClasses} l1=${l1}`);
    }
  }
});

test("solveLeastSquares: one-hot columns centered through the Gram correction match dense centering", () => {
  const design = compactDesign();
  const rng = new Random(13);
  const y = Float64Array.from({ length: design.nRows }, (_, i) => 5 + design.dense[i * 3 + 1]! - 2 * (design.codes[i * 2 + 1]! === 8 ? 1 : 0) + rng.next());
  const weights = new Float64Array(design.nRows).map(() => 0.5 + rng.next());
  for (const [l1, l2] of [[0, 0], [0, 0.1], [0.05, 0.02]] as const) {
    for (const fitIntercept of [true, false]) {
      const problem = { y, sampleWeight: weights, l1, l2, fitIntercept, maxIter: 100000, tol: 1e-12 };
      const compact = solveLeastSquares({ ...problem, design });
      const dense = solveLeastSquares({ ...problem, design: expanded(design) });
      assert.ok(compact.converged && dense.converged);
      assertClose(compact.coef, dense.coef, 1e-8, `coef l1=${l1} l2=${l2} intercept=${fitIntercept}`);
      assertClose(compact.intercept, dense.intercept, 1e-8, `intercept l1=${l1} l2=${l2}`);
    }
  }
});

test("optimalShift minimizes sum l1 |v - c| + l2/2 (v - c)^2 (checked against a fine grid)", () => {
  const objective = (v: number[], c: number, l1: number, l2: number) => v.reduce((s, x) => s + l1 * Math.abs(x - c) + 0.5 * l2 * (x - c) ** 2, 0);
  const cases: [number[], number, number][] = [
    [[0.3, -1.2, 2.5], 1, 0],
    [[0.3, -1.2, 2.5], 1, 0.4],
    [[0.3, -1.2, 2.5, 0.9], 0.2, 3],
    [[0, 0, 1.5], 0.5, 0.1],
    [[-2, 4, 4, 1, 0.5], 0, 1],
  ];
  for (const [values, l1, l2] of cases) {
    const c = optimalShift(Float64Array.from(values), values.length, l1, l2);
    let best = Infinity;
    for (let g = -3; g <= 5; g += 1e-4) best = Math.min(best, objective(values, g, l1, l2));
    assert.ok(objective(values, c, l1, l2) <= best + 1e-9, `${values} l1=${l1} l2=${l2}: c=${c}`);
  }
  // Pure L1 on three values: the median.
  assert.equal(optimalShift(Float64Array.of(0.3, -1.2, 2.5), 3, 1, 0), 0.3);
});

/** nRows rows: 2 dense columns and one categorical feature with `levels` categories, `nClasses` classes driven by both. */
function manyClassProblem(nRows: number, levels: number, nClasses: number, seed: number): { design: DesignArrays; y: Int32Array; weights: Float64Array } {
  const rng = new Random(seed);
  const dense = new Float64Array(nRows * 2).map(() => rng.next() * 2 - 1);
  const codes = Int32Array.from({ length: nRows }, () => (rng.next() < 0.05 ? -1 : 2 + rng.int(levels)));
  const y = Int32Array.from({ length: nRows }, (_, i) => {
    const pull = Math.floor(((dense[i * 2]! + 1) / 2) * nClasses) + (codes[i]! >= 0 ? codes[i]! % 3 : 0);
    return rng.next() < 0.6 ? pull % nClasses : rng.int(nClasses);
  });
  const weights = new Float64Array(nRows).map(() => 0.5 + rng.next());
  return { design: { nRows, nColumns: 2 + levels, nDense: 2, dense, nCodes: 1, codes }, y, weights };
}

test("solveLogistic: the L-BFGS path reaches block Newton's optimum (binary, multinomial, one-hot, weights, with and without intercept)", () => {
  const cases = [
    { ...manyClassProblem(150, 7, 2, 41), label: "binary" },
    { ...manyClassProblem(150, 7, 3, 42), label: "3 classes" },
    { ...manyClassProblem(400, 40, 12, 43), label: "12 classes, 40 levels" },
  ];
  for (const { design, y, weights, label } of cases) {
    const nClasses = Math.max(...y) + 1;
    for (const [l2, fitIntercept] of [[0.01, true], [1e-4, true], [0.01, false]] as const) {
      const problem = { design, y, nClasses, sampleWeight: weights, l1: 0, l2, fitIntercept, maxIter: 5000, tol: 1e-9 };
      const newton = solveLogistic({ ...problem, method: "newton" });
      const lbfgs = solveLogistic({ ...problem, method: "lbfgs" });
      const what = `${label}, l2=${l2}, intercept ${fitIntercept}`;
      assert.equal(newton.method, "newton");
      assert.equal(lbfgs.method, "lbfgs");
      assert.ok(newton.converged && lbfgs.converged, `${what}: both converge (violation ${newton.violation}, ${lbfgs.violation})`);
      assert.ok(lbfgs.violation <= 1e-9);
      // |w - w*| <= |gradient| / (smallest curvature): with curvature >= l2 = 1e-4 and both gradients
      // <= 1e-9, 1e-5 at worst; in practice far closer.
      assertClose(lbfgs.coef, newton.coef, 1e-5, `coef ${what}`);
      assertClose(lbfgs.intercept, newton.intercept, 1e-5, `intercept ${what}`);
      assert.ok(Math.abs(lbfgs.objective - newton.objective) <= 1e-12, `objective ${what}: ${lbfgs.objective} vs ${newton.objective}`);
    }
  }
});

test("solveLogistic L-BFGS: stops at maxIter unconverged, reports each iteration, refuses an L1 term", () => {
  const { design, y, weights } = manyClassProblem(200, 20, 5, 44);
  const seen: number[] = [];
  const problem = { design, y, nClasses: 5, sampleWeight: weights, l1: 0, l2: 1e-3, fitIntercept: true, tol: 1e-10 };
  const capped = solveLogistic({ ...problem, maxIter: 3, method: "lbfgs", onIteration: (i) => seen.push(i) });
  assert.equal(capped.converged, false);
  assert.equal(capped.nIter, 3);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.ok(capped.violation > 1e-10 && Number.isFinite(capped.violation));
  const full = solveLogistic({ ...problem, maxIter: 1000, method: "lbfgs" });
  assert.ok(full.converged && full.objective < capped.objective, "more iterations lower the objective to convergence");
  assert.throws(() => solveLogistic({ ...problem, l1: 1e-3, maxIter: 10, method: "lbfgs" }), /the L-BFGS path has no L1 term/);
});

test("chooseLogisticMethod: Newton for few columns and for L1, L-BFGS when K p^3 dominates", () => {
  // The sklearn fixtures' shapes (a few numeric columns) and a binary problem with 100k rows x 20 columns.
  assert.equal(chooseLogisticMethod(200, 5, 1, 6, 3, 0), "newton");
  assert.equal(chooseLogisticMethod(200, 5, 1, 6, 1, 0), "newton");
  assert.equal(chooseLogisticMethod(100_000, 20, 1, 21, 1, 0), "newton");
  // airports by state: 2 numeric columns, 4 categorical features + intercept, 772 columns, 56 classes.
  assert.equal(chooseLogisticMethod(3364, 2, 5, 772, 56, 0), "lbfgs");
  assert.equal(chooseLogisticMethod(3364, 2, 5, 772, 56, 1e-4), "newton");
  // A binary problem with one 500-level category: 500^3/3 per Newton step against passes over 2 codes.
  assert.equal(chooseLogisticMethod(5000, 3, 2, 504, 1, 0), "lbfgs");
  // auto follows it: the many-class problem above (12 classes, 43 columns) stays on Newton.
  const { design, y, weights } = manyClassProblem(400, 40, 12, 43);
  assert.equal(solveLogistic({ design, y, nClasses: 12, sampleWeight: weights, l1: 0, l2: 0.01, fitIntercept: true, maxIter: 100, tol: 1e-6 }).method, "newton");
});
