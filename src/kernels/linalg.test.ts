import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../core/rng.js";
import { choleskyFactor, choleskySolve, eigenSolve, gemv, lbfgsDirection, symmetricEigen } from "./linalg.js";

// Naive twins: the textbook formula, element by element, with 2-D arrays.

function naiveMatrix(a: Float64Array, nRows: number, nCols: number): number[][] {
  return Array.from({ length: nRows }, (_, i) => Array.from({ length: nCols }, (_, j) => a[i * nCols + j]!));
}

function naiveMatVec(m: number[][], x: ArrayLike<number>): number[] {
  return m.map((row) => row.reduce((sum, v, j) => sum + v * x[j]!, 0));
}

/** Gaussian elimination with partial pivoting: the twin of choleskyFactor + choleskySolve. */
function naiveSolve(m: number[][], b: number[]): number[] {
  const n = b.length;
  const a = m.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

function randomMatrix(rng: Random, nRows: number, nCols: number): Float64Array {
  const out = new Float64Array(nRows * nCols);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** B^T B for B nRows x nCols row-major, naively. */
function gram(b: Float64Array, nRows: number, nCols: number): Float64Array {
  const out = new Float64Array(nCols * nCols);
  for (let j = 0; j < nCols; j++) for (let l = 0; l < nCols; l++) for (let i = 0; i < nRows; i++) out[j * nCols + l] += b[i * nCols + j]! * b[i * nCols + l]!;
  return out;
}

/** A random symmetric positive definite matrix: B^T B + 0.5 I. */
function randomSpd(rng: Random, n: number): Float64Array {
  const out = gram(randomMatrix(rng, n + 3, n), n + 3, n);
  for (let i = 0; i < n; i++) out[i * n + i] += 0.5;
  return out;
}

test("gemv agrees with the naive product", () => {
  const rng = new Random(1);
  const a = randomMatrix(rng, 7, 5);
  const x = randomMatrix(rng, 1, 5);
  const out = new Float64Array(7);
  gemv(a, 7, 5, x, out);
  assertClose(out, naiveMatVec(naiveMatrix(a, 7, 5), x), 1e-14, "gemv");
});

test("choleskySolve after choleskyFactor agrees with Gaussian elimination", () => {
  const rng = new Random(4);
  for (const n of [1, 2, 6, 13]) {
    const a = randomSpd(rng, n);
    const b = randomMatrix(rng, 1, n);
    const l = new Float64Array(n * n);
    assert.equal(choleskyFactor(a, n, l), true);
    const x = new Float64Array(n);
    choleskySolve(l, n, b, x);
    assertClose(x, naiveSolve(naiveMatrix(a, n, n), Array.from(b)), 1e-10, `cholesky n=${n}`);
    // In place: factor into a copy of A, solve into b.
    const copy = a.slice();
    assert.equal(choleskyFactor(copy, n, copy), true);
    assertClose(copy, l, 0, "in-place factor");
    choleskySolve(copy, n, b, b);
    assertClose(b, x, 0, "in-place solve");
  }
});

test("choleskyFactor refuses a singular and an indefinite matrix", () => {
  // Rows (x, 1 - x, 1): exactly collinear columns, as one-hot columns beside an intercept.
  const design = new Float64Array([1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1]);
  assert.equal(choleskyFactor(gram(design, 4, 3), 3, new Float64Array(9)), false);
  assert.equal(choleskyFactor(new Float64Array([1, 2, 2, 1]), 2, new Float64Array(4)), false);
  assert.equal(choleskyFactor(new Float64Array([2, 1, 1, 2]), 2, new Float64Array(4)), true);
});

test("symmetricEigen reconstructs A with orthonormal vectors", () => {
  const rng = new Random(5);
  for (const n of [1, 3, 8]) {
    const b = randomMatrix(rng, n, n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j]! + b[j * n + i]!;
    const values = new Float64Array(n);
    const vectors = new Float64Array(n * n);
    symmetricEigen(a, n, values, vectors, new Float64Array(n * n));
    const rebuilt: number[] = [];
    const gram: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let g = 0;
        for (let k = 0; k < n; k++) {
          s += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
          g += vectors[k * n + i]! * vectors[k * n + j]!;
        }
        rebuilt.push(s);
        gram.push(g);
      }
    }
    assertClose(rebuilt, a, 1e-12, `V diag V^T, n=${n}`);
    assertClose(gram, naiveMatrix(new Float64Array(n * n).map((_, k) => (k % (n + 1) === 0 ? 1 : 0)), n, n).flat(), 1e-12, "V^T V");
  }
});

test("eigenSolve gives the minimum-norm least-squares solution of a singular system", () => {
  // Design columns (x, 1-x, 1): rank 2. Regress y on them through the normal equations.
  const x = new Float64Array([1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1]);
  const y = new Float64Array([3, 1, 1, 3, 1]);
  const rhs = new Float64Array(3);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) rhs[j] += x[i * 3 + j]! * y[i]!;
  const values = new Float64Array(3);
  const vectors = new Float64Array(9);
  symmetricEigen(gram(x, 5, 3), 3, values, vectors, new Float64Array(9));
  const w = new Float64Array(3);
  eigenSolve(values, vectors, 3, rhs, 1e-10, new Float64Array(3), w);
  // Fitted values: 3 where x = 1, 1 where x = 0. Minimum norm among a x + b (1-x) + c with a + c = 3,
  // b + c = 1: minimize a^2 + b^2 + c^2 -> c = 4/3, a = 5/3, b = -1/3.
  assertClose(w, [5 / 3, -1 / 3, 4 / 3], 1e-12, "min-norm");
});

/**
 * The BFGS inverse-Hessian update written out as a matrix, oldest pair first:
 * H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T, from H0 = gamma I with gamma = s.y / y.y of the newest pair.
 */
function naiveBfgsInverse(pairs: { s: number[]; y: number[] }[], n: number): number[][] {
  const dotOf = (a: number[], b: number[]): number => a.reduce((sum, v, j) => sum + v * b[j]!, 0);
  const last = pairs[pairs.length - 1];
  const gamma = last ? dotOf(last.s, last.y) / dotOf(last.y, last.y) : 1;
  let h = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? gamma : 0)));
  for (const { s, y } of pairs) {
    const rho = 1 / dotOf(s, y);
    const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - rho * y[i]! * s[j]!)); // I - rho y s^T
    const vt = v[0]!.map((_, j) => v.map((row) => row[j]!));
    const times = (a: number[][], b: number[][]): number[][] => a.map((row) => b[0]!.map((_, j) => row.reduce((sum, x, k) => sum + x * b[k]![j]!, 0)));
    h = times(times(vt, h), v).map((row, i) => row.map((x, j) => x + rho * s[i]! * s[j]!));
  }
  return h;
}

test("lbfgsDirection agrees with -H g for the BFGS inverse built naively, through the ring's wrap-around", () => {
  const rng = new Random(31);
  const n = 6;
  const memory = 4;
  // A convex quadratic's gradient changes give pairs with s.y > 0: y = A s for a positive definite A.
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 3 + i : 0.3 / (1 + i + j))));
  const pairs = Array.from({ length: 7 }, () => {
    const s = Array.from({ length: n }, () => rng.next() - 0.5);
    return { s, y: naiveMatVec(a, s) };
  });
  const g = Float64Array.from({ length: n }, () => rng.next() - 0.5);
  const s = new Float64Array(memory * n);
  const y = new Float64Array(memory * n);
  const rho = new Float64Array(memory);
  const alpha = new Float64Array(memory);
  const out = new Float64Array(n);
  lbfgsDirection(g, n, s, y, rho, memory, 0, memory - 1, alpha, out);
  assert.deepEqual(Array.from(out), Array.from(g, (v) => -v), "no pairs: steepest descent");
  let newest = memory - 1;
  pairs.forEach((pair, index) => {
    newest = (newest + 1) % memory;
    s.set(pair.s, newest * n);
    y.set(pair.y, newest * n);
    rho[newest] = 1 / pair.s.reduce((sum, v, j) => sum + v * pair.y[j]!, 0);
    const count = Math.min(index + 1, memory);
    lbfgsDirection(g, n, s, y, rho, memory, count, newest, alpha, out);
    const h = naiveBfgsInverse(pairs.slice(index + 1 - count, index + 1), n);
    const expected = naiveMatVec(h, g).map((v) => -v);
    out.forEach((v, j) => assert.ok(Math.abs(v - expected[j]!) <= 1e-12 * Math.max(1, Math.abs(expected[j]!)), `pairs ${index + 1}, [${j}]: ${v} vs ${expected[j]}`));
  });
});
