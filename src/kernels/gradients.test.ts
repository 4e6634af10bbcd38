import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../core/rng.js";
import { logLoss, poisson, squaredError } from "../models/gbdt/loss.js";
import { rowGradients, type RowGradientLoss } from "./gradients.js";

test("rowGradients: hand-worked log loss, squared error and Poisson pairs", () => {
  const y = Float64Array.of(1, 0, 2);
  const raw = Float64Array.of(0, 0, Math.log(3));
  const gh = new Float32Array(6);
  rowGradients("log_loss", y.subarray(0, 2), null, raw, 0, 2, gh);
  // p = 1/2: g = p - y, h = p(1 - p).
  assert.deepEqual(Array.from(gh.subarray(0, 4)), [-0.5, 0.25, 0.5, 0.25]);
  rowGradients("squared_error", y, Float64Array.of(1, 2, 0.5), Float64Array.of(3, -1, 2), 0, 3, gh);
  // g = (f - y) w, h = w.
  assert.deepEqual(Array.from(gh), [2, 1, -2, 2, 0, 0.5]);
  rowGradients("poisson", y, null, raw, 2, 3, gh);
  // mu = 3: g = mu - y = 1, h = mu (within float32 rounding of exp(log 3)).
  assert.ok(Math.abs(gh[4]! - 1) < 1e-6 && Math.abs(gh[5]! - 3) < 1e-6, `${gh[4]} ${gh[5]}`);
});

test("rowGradients over any split into row ranges equals loss.ts's gradients bit for bit (weights or not, extreme scores)", () => {
  const rng = new Random(11);
  const n = 5000;
  const references = { log_loss: logLoss, squared_error: squaredError, poisson } as const;
  for (const name of Object.keys(references) as RowGradientLoss[]) {
    const y = Float64Array.from({ length: n }, () => (name === "log_loss" ? (rng.next() < 0.4 ? 1 : 0) : name === "poisson" ? rng.int(5) : rng.next() * 10 - 5));
    // Scores from confident (hessian floor, exp overflow to Infinity) to near zero.
    const raw = Float64Array.from({ length: n }, (_, r) => (r % 97 === 0 ? (r % 2 ? 800 : -800) : (rng.next() - 0.5) * (r % 3 ? 6 : 60)));
    for (const weights of [null, Float64Array.from({ length: n }, () => rng.next() * 3)]) {
      const expected = new Float32Array(2 * n);
      references[name].gradients(y, weights, raw, n, 1, expected);
      const actual = new Float32Array(2 * n).fill(NaN);
      // Uneven ranges, as threads claim chunks.
      const cuts = [0, 1, 777, 2048, 4999, n];
      for (let i = 0; i + 1 < cuts.length; i++) rowGradients(name, y, weights, raw, cuts[i]!, cuts[i + 1]!, actual);
      assert.deepEqual(Buffer.from(actual.buffer), Buffer.from(expected.buffer), `${name}, weights ${weights !== null}`);
    }
  }
});
