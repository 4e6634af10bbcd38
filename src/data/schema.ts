/**
 * The Schema of a dataset: what a model keeps so that new data is read exactly as its training data was
 * (feature order and kinds, category dictionaries, date parts, derived-column expressions, the target).
 * Everything comes from the Dataset itself: date-part columns carry `derivedFrom`, and the dataset
 * carries the `derived` expressions it was read with.
 */
import { InvalidParameterError } from "../core/errors.js";
import type { Dataset, FeatureSpec, Schema, TargetColumn, TargetSpec } from "../core/types.js";

/** The FeatureSpecs of a dataset's features (category dictionaries and date provenance copied). */
export function featureSpecsOf(dataset: Dataset): FeatureSpec[] {
  return dataset.features.map((column): FeatureSpec => {
    if (column.kind === "categorical") return { name: column.name, kind: "categorical", categories: [...column.categories] };
    return column.derivedFrom ? { name: column.name, kind: "numeric", derivedFrom: { ...column.derivedFrom } } : { name: column.name, kind: "numeric" };
  });
}

/**
 * The TargetSpec of a target column. A classification target built without class labels gets "0", "1",
 * ... up to its largest class index (at least "0", "1" for binary).
 */
export function targetSpecOf(target: TargetColumn): TargetSpec {
  if (target.task === "regression") return { name: target.name, task: target.task };
  if (target.classes) return { name: target.name, task: target.task, classes: [...target.classes] };
  let nClasses = target.task === "binary" ? 2 : 0;
  for (const value of target.values) if (value + 1 > nClasses) nClasses = value + 1;
  return { name: target.name, task: target.task, classes: Array.from({ length: nClasses }, (_, k) => String(k)) };
}

/**
 * The schema of a dataset with a target, to save in a model and to read new data with.
 * @example const schema = schemaOf(train); const test = await readDataset("test.csv", { schema, requireTarget: true });
 */
export function schemaOf(dataset: Dataset): Schema {
  if (!dataset.target) throw new InvalidParameterError("dataset", "a dataset with a target", "a dataset without one", "schemaOf");
  const schema: Schema = { features: featureSpecsOf(dataset), target: targetSpecOf(dataset.target) };
  const derived = dataset.derived?.map(({ name, expression }) => ({ name, expression }));
  return derived && derived.length > 0 ? { ...schema, derived } : schema;
}
