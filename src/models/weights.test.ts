import assert from "node:assert/strict";
import { test } from "node:test";
import { formatError } from "../core/messages.js";
import { balancedRowWeights, checkSampleWeights } from "./weights.js";

test("balanced weights: rows / (classes present x rows of the class), a class without rows not counted", () => {
  // scikit-learn 1.2: compute_sample_weight("balanced", [0, 0, 0, 1]) = [2/3, 2/3, 2/3, 2]; class 2 of the
  // dictionary has no row and must not change the weights.
  assert.deepEqual([...balancedRowWeights([0, 0, 0, 1], 3)], [4 / 6, 4 / 6, 4 / 6, 2]);
  assert.deepEqual([...balancedRowWeights(new Float64Array([0, 0, 0, 1]), 2, new Float64Array([1, 2, 0, 0.5]))], [4 / 6, 2 * (4 / 6), 0, 1]);
  // Balanced classes weigh 1 each.
  assert.deepEqual([...balancedRowWeights([2, 0, 1, 2, 1, 0], 3)], [1, 1, 1, 1, 1, 1]);
});

test("sample weights: one finite weight >= 0 per row, at least one positive, each error naming the row", () => {
  const message = (weights: number[], rows: number): string => {
    try {
      checkSampleWeights(new Float64Array(weights), rows, "people.csv");
      return "no error";
    } catch (error) {
      return formatError(error);
    }
  };
  assert.equal(message([1, 0, 2], 3), "no error");
  assert.equal(message([1, 2], 3), 'people.csv, column "sampleWeight": columns have different lengths (expected 3 weights (one per row), got 2)');
  assert.equal(message([1, -1, 2], 3), 'people.csv, row 2, column "sampleWeight": invalid value (expected a finite weight >= 0, got -1)');
  assert.equal(message([1, 1, Number.NaN], 3), 'people.csv, row 3, column "sampleWeight": invalid value (expected a finite weight >= 0, got NaN)');
  assert.equal(message([0, 0], 2), 'people.csv, column "sampleWeight": invalid value (expected at least one weight > 0, got all weights 0)');
});
