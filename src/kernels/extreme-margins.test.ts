/**
 * Margins and probabilities of rows with extreme but finite values: mixedAffineRowScaled against an
 * exact twin in rational arithmetic (BigInt numerators and denominators, no rounding at all), and
 * softmaxRows's limits at infinite margins.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../core/rng.js";
import { softmaxRows } from "./glm.js";
import { mixedAffineRowScaled, mixedAffineRows, timesPowerOfTwo } from "./mixed.js";

interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** A double as the exact fraction it is: its significand over a power of two (or times one). */
function exact(x: number): Rational {
  assert.ok(Number.isFinite(x), `exact(${x})`);
  if (x === 0) return { num: 0n, den: 1n };
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const high = bits.getUint32(0);
  const low = bits.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  let significand = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  if (biased !== 0) significand |= 1n << 52n;
  const power = (biased === 0 ? 1 : biased) - 1075;
  const signed = x < 0 ? -significand : significand;
  return power >= 0 ? { num: signed << BigInt(power), den: 1n } : { num: signed, den: 1n << BigInt(-power) };
}

const add = (a: Rational, b: Rational): Rational => ({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
const sub = (a: Rational, b: Rational): Rational => ({ num: a.num * b.den - b.num * a.den, den: a.den * b.den });
const mul = (a: Rational, b: Rational): Rational => ({ num: a.num * b.num, den: a.den * b.den });
const div = (a: Rational, b: Rational): Rational => (b.num < 0n ? { num: -a.num * b.den, den: a.den * -b.num } : { num: a.num * b.den, den: a.den * b.num });

/** The double nearest a fraction (to 60 significant bits, then one rounding), ±Infinity beyond the range. */
function toNumber(r: Rational): number {
  if (r.num === 0n) return 0;
  const negative = r.num < 0n;
  const num = negative ? -r.num : r.num;
  // 2^shift * num / den has 60 to 62 bits whatever the magnitude.
  const shift = 61 - (num.toString(2).length - r.den.toString(2).length);
  const quotient = shift >= 0 ? (num << BigInt(shift)) / r.den : num / (r.den << BigInt(-shift));
  let value = Number(quotient);
  // Undo the shift one factor of two at a time: each step exact until the range's end.
  for (let i = 0; i < Math.abs(shift); i++) value = shift > 0 ? value / 2 : value * 2;
  return negative ? -value : value;
}

/** The exact margin of one row: sum_j w_j (raw_j - shift_j) / divisor_j + sum of coded w + b. */
function exactMargin(raw: number[], shift: number[], divisor: number[], codes: number[], w: number[], b: number): number {
  if (b === -Infinity) return -Infinity;
  let sum = exact(b);
  raw.forEach((x, j) => (sum = add(sum, mul(exact(w[j]!), div(sub(exact(x), exact(shift[j]!)), exact(divisor[j]!))))));
  for (const column of codes) if (column >= 0) sum = add(sum, exact(w[column]!));
  return toNumber(sum);
}

/** Margins through mixedAffineRowScaled and back with timesPowerOfTwo, for every row. */
function scaledMargins(raw: Float64Array, nDense: number, codes: Int32Array, nCodes: number, nRows: number, nColumns: number, shift: number[], divisor: number[], w: number[], b: number[]): number[] {
  const nOutputs = b.length;
  const out = new Float64Array(nOutputs);
  const margins: number[] = [];
  for (let i = 0; i < nRows; i++) {
    const power = mixedAffineRowScaled(raw, nDense, codes, nCodes, i, nColumns, Float64Array.from(shift), Float64Array.from(divisor), Float64Array.from(w), Float64Array.from(b), nOutputs, out, 0);
    for (let k = 0; k < nOutputs; k++) margins.push(timesPowerOfTwo(out[k]!, power));
  }
  return margins;
}

test("the exact twin reads doubles exactly: 5e-324, -0, 0.1, the largest double and its rounding back", () => {
  assert.deepEqual(exact(5e-324), { num: 1n, den: 1n << 1074n });
  assert.equal(toNumber(exact(-0)), 0);
  for (const x of [0.1, -3.75, 5e-324, 1e308, -1.7976931348623157e308, 2 ** -1022]) assert.equal(toNumber(exact(x)), x);
  assert.equal(toNumber(mul(exact(1e308), exact(2))), Infinity);
  assert.equal(toNumber(mul(exact(-1e308), exact(2))), -Infinity);
});

test("mixedAffineRowScaled: overflowing, cancelling and NaN-prone rows get the exact margin, or ±Infinity when it is beyond the double range", () => {
  // Two dense columns, one categorical slot (columns 2 and 3), two outputs.
  const shift = [2, -1e308];
  const divisor = [0.5, 4];
  const nColumns = 4;
  const w = [3, 0.25, 0.5, -1, /* output 1 */ 0, -1, 0, 2];
  const b = [1, -2];
  const rows = [
    // 3 (1e308 - 2) / 0.5 overflows: +Infinity. Output 1: 0 * Infinity is NaN in mixedAffineRows; exactly it is
    // -(1.7976931348623157e308 + 1e308) / 4 + 2 - 2, finite.
    { raw: [1e308, 1.7976931348623157e308], code: 3 },
    // Both columns extreme, opposite signs: output 0 is 3 * (-1e308 - 2) / 0.5 + 0.25 * (-1e308 + 1e308) / 4 + 0.5 + 1.
    { raw: [-1e308, -1e308], code: 2 },
    // Nothing extreme: the scaled path must give what mixedAffineRows gives, bit for bit.
    { raw: [0.75, 3], code: -1 },
    // The smallest subnormal and a negative zero.
    { raw: [5e-324, -0], code: 2 },
  ];
  const raw = Float64Array.from(rows.flatMap((r) => r.raw));
  const codes = Int32Array.from(rows.map((r) => r.code));
  const margins = scaledMargins(raw, 2, codes, 1, rows.length, nColumns, shift, divisor, w, b);
  const expected = rows.flatMap((r) => [0, 1].map((k) => exactMargin(r.raw, shift, divisor, [r.code], w.slice(k * nColumns, (k + 1) * nColumns), b[k]!)));
  assert.equal(margins[0], Infinity);
  assert.ok(Number.isFinite(margins[1]!) && margins[1]! < -6e307, `row 0 output 1: ${margins[1]}`);
  assert.equal(margins[2], -Infinity);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = Number.isFinite(expected[i]!) ? Math.abs(expected[i]!) * 1e-15 : 0;
    assert.ok(margins[i] === expected[i] || Math.abs(margins[i]! - expected[i]!) <= tolerance, `margin ${i}: ${margins[i]} vs exact ${expected[i]}`);
  }
  // Rows 2 and 3 against the fast kernel on the standardized values.
  const standardized = Float64Array.from(rows.slice(2).flatMap((r) => r.raw.map((x, j) => (x - shift[j]!) / divisor[j]!)));
  const fast = new Float64Array(4);
  mixedAffineRows(standardized, 2, codes.subarray(2), 1, 2, nColumns, Float64Array.from(w), Float64Array.from(b), 2, fast);
  assert.deepEqual(margins.slice(4), Array.from(fast));
});

test("mixedAffineRowScaled: a sum that cancels exactly, and an absent class's -Infinity intercept", () => {
  // (1e308 - 0) / 0.5 overflows in each column; their difference is 0, so the margin is the intercept.
  const margins = scaledMargins(new Float64Array([1e308, 1e308]), 2, new Int32Array(0), 0, 1, 2, [0, 0], [0.5, 0.5], [1, -1, 0, 0], [0.5, -Infinity]);
  assert.deepEqual(margins, [0.5, -Infinity]);
});

test("mixedAffineRowScaled: on inputs scaled by powers of two beyond the double range, the very sums of mixedAffineRows scaled back", () => {
  // Values times 2^900 and weights times 2^200 put every product near 2^1100; the kernel must give
  // mixedAffineRows's margins of the unscaled row times 2^1100, bit for bit (scaling by 2^k is exact).
  const rng = new Random(11);
  const nRows = 20;
  const nDense = 4;
  const raw = new Float64Array(nRows * nDense).map(() => (rng.next() - 0.5) * 10);
  const shift = Array.from({ length: nDense }, () => rng.next() - 0.5);
  const divisor = Array.from({ length: nDense }, () => 0.1 + rng.next());
  const w = Array.from({ length: 2 * nDense }, () => rng.next() * 4 - 2);
  const b = [0, 0];
  const standardized = raw.map((x, i) => (x - shift[i % nDense]!) / divisor[i % nDense]!);
  const fast = new Float64Array(nRows * 2);
  mixedAffineRows(standardized, nDense, new Int32Array(0), 0, nRows, nDense, Float64Array.from(w), Float64Array.from(b), 2, fast);
  const big = raw.map((x) => x * 2 ** 900);
  const out = new Float64Array(2);
  for (let i = 0; i < nRows; i++) {
    const power = mixedAffineRowScaled(big, nDense, new Int32Array(0), 0, i, nDense, Float64Array.from(shift, (s) => s * 2 ** 900), Float64Array.from(divisor), Float64Array.from(w, (x) => x * 2 ** 200), Float64Array.from(b), 2, out, 0);
    assert.ok(power > 0, "the row needs scaling");
    for (let k = 0; k < 2; k++) assert.equal(timesPowerOfTwo(out[k]!, power - 1100), fast[i * 2 + k], `row ${i} output ${k}`);
  }
});

test("timesPowerOfTwo reaches both ends of the range exactly", () => {
  assert.equal(timesPowerOfTwo(1, -1074), 5e-324);
  assert.equal(timesPowerOfTwo(5e-324, 1074), 1);
  assert.equal(timesPowerOfTwo(1.5, 1023), 1.5 * 2 ** 1023);
  assert.equal(timesPowerOfTwo(1, 1024), Infinity);
  assert.equal(timesPowerOfTwo(-3, 2000), -Infinity);
  assert.equal(timesPowerOfTwo(0, 2000), 0);
});

test("softmaxRows at infinite margins: the limits, never NaN", () => {
  const z = new Float64Array([Infinity, 3, -Infinity, /**/ Infinity, Infinity, 1e308, /**/ -Infinity, -Infinity, -Infinity, /**/ 1e308, -1e308, 0]);
  softmaxRows(z, 4, 3, z);
  // The last row is finite: exp(-1e308 - 1e308) and exp(-1e308) are 0, as the naive exp(z - max) / sum says.
  assert.deepEqual(Array.from(z), [1, 0, 0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 1, 0, 0]);
});
