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
