/**
 * Checks that data handed to a fitted model has the features it was fitted on (the schema itself is
 * built by src/data's schemaOf).
 */
import { DataValidationError } from "../core/errors.js";
import type { Dataset, FeatureSpec } from "../core/types.js";

/**
 * Checks that `data` has the features a model was fitted on, in the same order and of the same kinds;
 * throws a DataValidationError ("missing_feature") naming the first one that differs. Data read with the
 * model's schema always passes.
 */
export function checkFeatures(features: readonly Pick<FeatureSpec, "name" | "kind">[], data: Dataset): void {
  for (const [f, spec] of features.entries()) {
    const column = data.features[f];
    if (!column || column.kind !== spec.kind || column.name !== spec.name) {
      throw new DataValidationError({
        code: "missing_feature",
        file: data.source,
        column: spec.name,
        expected: `${spec.kind} feature "${spec.name}" at position ${f + 1}`,
        received: column ? `${column.kind} column "${column.name}"` : "no column",
      });
    }
  }
  if (data.features.length !== features.length) {
    throw new DataValidationError({
      code: "missing_feature",
      file: data.source,
      column: data.features[features.length]!.name,
      expected: `${features.length} features`,
      received: `${data.features.length}`,
    });
  }
}
