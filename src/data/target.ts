/**
 * Turning the target column into what models consume: class indices for classification, values for
 * regression, and the task itself when the user did not say.
 *
 * Task inference (when `task` is not given):
 * - text or boolean labels: binary with 2 classes, multiclass with 3 or more;
 * - numbers: binary with exactly 2 distinct values; multiclass when every value is an integer and there
 *   are 3 to 10 distinct values (ratings, counts of stars); regression otherwise.
 * - a single distinct value is an error (`single_class`) whatever the type: nothing can be learned. With
 *   `acceptSingleClass` (scoring) it is one class, binary unless the task says otherwise (scikit-learn's
 *   type_of_target calls one label binary); a single number that is not an integer is regression.
 * Listing the target in `categorical` makes any numeric target a classification target.
 *
 * Class order is scikit-learn's (np.unique): numeric order for numeric labels, code point order for text,
 * and ["false", "true"] for booleans. Labels are strings: `String(value)` for numbers.
 */
import { DataValidationError, describeValue } from "../core/errors.js";
import type { TargetColumn, Task } from "../core/types.js";
import { categoriesText, NumericCategoryLookup } from "./category-text.js";
import type { ColumnData } from "./columns.js";
import type { TargetPlan } from "./plan.js";

/** Most distinct integer values a numeric target may have to be inferred multiclass. */
export const maxInferredClasses = 10;

/** Encodes the (complete: no missing values) target column. */
export function encodeTarget(file: string, plan: TargetPlan, data: ColumnData): TargetColumn {
  const name = plan.name;
  const singleClass = (label: string): DataValidationError =>
    new DataValidationError({ code: "single_class", file, column: name, expected: "2 or more classes", received: `only ${describeValue(label)}` });
  const checkTask = (task: Task, classes: readonly string[]): Task => {
    if (task === "binary" && classes.length !== 2) {
      throw new DataValidationError({
        code: "invalid_value",
        file,
        column: name,
        expected: "2 classes for a binary task",
        received: `${classes.length} classes (${classes.slice(0, 5).join(", ")}${classes.length > 5 ? ", ..." : ""})`,
      });
    }
    return task;
  };

  if (data.kind === "category") {
    const classes = data.categories;
    const values = Float64Array.from(data.codes);
    if (!plan.classes) {
      if (classes.length === 1 && plan.acceptSingleClass) return { name, task: plan.task ?? "binary", values, classes };
      if (classes.length === 1) throw singleClass(classes[0]!);
      const task = plan.task ?? (classes.length === 2 ? "binary" : "multiclass");
      return { name, task: checkTask(task, classes), values, classes };
    }
    return { name, task: plan.task ?? "multiclass", values, classes };
  }

  const values = data.values;
  if (plan.task === "regression") return { name, task: "regression", values };

  if (plan.classes) {
    // Schema time: map each value to the model's class index.
    const index = new Map(plan.classes.map((label, i) => [label, i]));
    const out = new Float64Array(values.length);
    // A class that is this number written another way ("2.0" for 2): ./category-text.ts, built on a miss.
    let byNumber: NumericCategoryLookup | undefined;
    for (let i = 0; i < values.length; i++) {
      const label = labelOf(values[i]!, plan.sourceType === "boolean");
      let code = index.get(label);
      if (code === undefined && plan.sourceType !== "boolean") code = (byNumber ??= new NumericCategoryLookup(plan.classes)).codeOf(label);
      if (code === undefined) {
        throw new DataValidationError({
          code: "invalid_value",
          file,
          column: name,
          expected: `one of the model's classes (${categoriesText(plan.classes)})`,
          received: describeValue(label),
        });
      }
      out[i] = code;
    }
    return { name, task: plan.task ?? "multiclass", values: out, classes: plan.classes };
  }

  if (plan.sourceType === "boolean") {
    let seen = 0; // bit 0: false seen, bit 1: true seen
    for (let i = 0; i < values.length && seen !== 3; i++) seen |= values[i] ? 2 : 1;
    // One boolean still names both classes: the other is known.
    if (seen !== 3 && !plan.acceptSingleClass) throw singleClass(seen === 2 ? "true" : "false");
    const classes = ["false", "true"];
    return { name, task: checkTask(plan.task ?? "binary", classes), values, classes };
  }

  const classify = plan.task !== undefined || plan.classification === true;
  const distinct = distinctValues(values, classify ? Infinity : maxInferredClasses + 1);
  if (distinct.values.length === 1) {
    const value = distinct.values[0]!;
    if (!plan.acceptSingleClass) throw singleClass(labelOf(value, false));
    if (!classify && !Number.isInteger(value)) return { name, task: "regression", values };
    return { name, task: plan.task ?? "binary", values: new Float64Array(values.length), classes: [labelOf(value, false)] };
  }
  if (!classify) {
    const n = distinct.values.length;
    const isClassification = n === 2 || (distinct.integral && n >= 3 && n <= maxInferredClasses);
    if (!isClassification) return { name, task: "regression", values };
  }
  const sorted = distinct.values.sort((a, b) => a - b);
  const classes = sorted.map((value) => labelOf(value, false));
  const task = plan.task ?? (sorted.length === 2 ? "binary" : "multiclass");
  checkTask(task, classes);
  const code = new Map(sorted.map((value, i) => [value, i]));
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = code.get(values[i]!)!;
  return { name, task, values: out, classes };
}

function labelOf(value: number, boolean: boolean): string {
  if (boolean) return value ? "true" : "false";
  return Object.is(value, -0) ? "0" : String(value);
}

/** Distinct values, stopping early once `limit` are found; `integral` tells whether all are integers. */
function distinctValues(values: Float64Array, limit: number): { values: number[]; integral: boolean } {
  const seen = new Set<number>();
  let integral = true;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!seen.has(value)) {
      seen.add(value);
      if (!Number.isInteger(value)) integral = false;
      if (seen.size >= limit) break;
    }
  }
  return { values: [...seen], integral };
}
