import assert from "node:assert/strict";
import { test } from "node:test";
import { entropyBits, mutualInformationBits, rocAucNaive } from "./information.js";

const close = (a: number, b: number, tolerance = 1e-12) => assert.ok(Math.abs(a - b) <= tolerance, `${a} vs ${b}`);

test("entropy in bits of hand-worked distributions", () => {
  close(entropyBits([5, 5]), 1);
  close(entropyBits([1, 1, 1, 1]), 2);
  close(entropyBits([7, 0]), 0);
  close(entropyBits([9, 91]), -(0.09 * Math.log2(0.09) + 0.91 * Math.log2(0.91)));
  assert.equal(entropyBits([]), 0);
});

test("mutual information: independent is 0, a copy is the entropy, a hand-worked 2x2", () => {
  const cell = (key: string, target: string, count: number) => ({ key, target, count });
  close(mutualInformationBits([cell("a", "0", 10), cell("a", "1", 10), cell("b", "0", 5), cell("b", "1", 5)]), 0);
  close(mutualInformationBits([cell("a", "0", 3), cell("b", "1", 1)]), entropyBits([3, 1]));
  // p(a,0)=.4 p(a,1)=.1 p(b,0)=.1 p(b,1)=.4: I = H(X) + H(Y) - H(X,Y) = 1 + 1 - H(.4,.1,.1,.4)
  const joint = -(2 * 0.4 * Math.log2(0.4) + 2 * 0.1 * Math.log2(0.1));
  close(mutualInformationBits([cell("a", "0", 4), cell("a", "1", 1), cell("b", "0", 1), cell("b", "1", 4)]), 2 - joint);
  // Repeated (key, target) cells (merged "(other)" keys) are summed before the joint entropy.
  close(mutualInformationBits([cell("o", "0", 2), cell("o", "0", 2), cell("o", "1", 1), cell("b", "0", 1), cell("b", "1", 4)]), 2 - joint);
});

test("naive ROC AUC: scikit-learn's hand-worked case and ties at half credit", () => {
  close(rocAucNaive([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  close(rocAucNaive([1, 1, 1, 1], [false, true, false, true]), 0.5);
  close(rocAucNaive([0, 1, 1, 2], [false, false, true, true]), 0.875);
});
