/**
 * The schema a model keeps: built from its training data, and checked against the data it predicts on.
 * Models may not import src/data (layers point down), so this small builder lives here for every model
 * family to share.
 */
import { DataValidationError } from "../core/errors.js";
import type { Dataset, FeatureSpec, Schema, TargetSpec } from "../core/types.js";

/**
 * The Schema of a dataset with a target: one FeatureSpec per feature column (with the category dictionary
 * of a categorical one, copied) and the TargetSpec (with the class labels of a classifier; "0", "1" for a
 * binary target that has none), the date column and part of a date-part feature, and the SQL
 * expressions of derived columns, so that new data is read exactly as the training data was.
 *
 * @example
 * const schema = datasetSchema(train); // { features: [{ name: "age", kind: "numeric" }, ...], target: {...} }
 */
export function datasetSchema(dataset: Dataset): Schema {
  const target = dataset.target;
  if (!target) {
    throw new DataValidationError({ code: "missing_feature", file: dataset.source, expected: "a dataset with a target column", received: "no target" });
  }
  const features = dataset.features.map((column): FeatureSpec => {
    if (column.kind === "categorical") return { name: column.name, kind: "categorical", categories: [...column.categories] };
    return column.derivedFrom ? { name: column.name, kind: "numeric", derivedFrom: { ...column.derivedFrom } } : { name: column.name, kind: "numeric" };
  });
  const targetSpec: TargetSpec =
    target.task === "regression"
      ? { name: target.name, task: target.task }
      : { name: target.name, task: target.task, classes: [...(target.classes ?? ["0", "1"])] };
  const derived = dataset.derived?.map(({ name, expression }) => ({ name, expression }));
  return derived && derived.length > 0 ? { features, target: targetSpec, derived } : { features, target: targetSpec };
}

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
