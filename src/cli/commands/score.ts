import { DataValidationError, InvalidParameterError, MetricError, describeValue } from "../../core/errors.js";
import type { Column, Dataset, Task } from "../../core/types.js";
import { compareCodePoints } from "../../data/dictionary.js";
import { readDataset } from "../../data/index.js";
import { withClassLabels } from "../../evaluation/score-model.js";
import { computeMetrics, defaultMetricNames, labelsFromProba, METRICS } from "../../metrics/index.js";
import { choiceOption, listOption, type CommandSpec, type ParsedArgs } from "../args.js";
import { confusionOf, formatConfusion, type ConfusionMatrixResult } from "../confusion.js";
import { type Console, formatTable, notesTo } from "../output.js";

export const scoreCommand: CommandSpec = {
  name: "score",
  summary: "score the predictions of any system against labels",
  usage: "learnloop score <file> --label <col> (--score <col> | --proba-prefix <prefix> | --pred <col>) [options]",
  positionals: [1, 1],
  positionalNames: ["<file>"],
  options: {
    label: { type: "string", value: "<col>", doc: "the column with the true labels or values" },
    score: { type: "string", value: "<col>", doc: "binary: the column with the positive class's probability or score" },
    "proba-prefix": { type: "string", value: "<prefix>", doc: "columns <prefix><class> hold each class's probability (e.g. proba_)" },
    pred: { type: "string", value: "<col>", doc: "the column with predicted labels (classification) or values (regression)" },
    task: { type: "string", value: "<task>", doc: "binary, multiclass or regression (default: inferred from the labels)" },
    metrics: { type: "string", value: "<a,b>", doc: "metrics to compute (default: all that the given columns allow)", multiple: true },
  },
  examples: [
    "learnloop score predictions.csv --label delayed --score proba_true --json",
    "learnloop score scored.parquet --label species --proba-prefix proba_ --pred prediction",
    "learnloop score forecast.csv --label sales --pred forecast --metrics rmse,mae,r2",
  ],
};

/** The `--json` document of `learnloop score`. */
export interface ScoreResult {
  task: Task;
  rows: number;
  metrics: Record<string, number>;
  /**
   * Classification without --metrics, with predicted labels (given, or read from probabilities as the
   * label metrics do): rows by true class, columns by predicted class.
   */
  confusionMatrix?: ConfusionMatrixResult;
}

export async function runScore(args: ParsedArgs, console: Console): Promise<ScoreResult> {
  const [file] = args.positionals as [string];
  const values = args.values;
  if (typeof values.label !== "string") throw new InvalidParameterError("--label", "the name of the column with the true labels", undefined);
  const scoreName = typeof values.score === "string" ? values.score : undefined;
  const prefix = typeof values["proba-prefix"] === "string" ? values["proba-prefix"] : undefined;
  const predName = typeof values.pred === "string" ? values.pred : undefined;
  if (!scoreName && !prefix && !predName) {
    throw new InvalidParameterError("--score, --proba-prefix or --pred", "given: the column(s) holding the predictions", "none of them");
  }
  if (scoreName && prefix) throw new InvalidParameterError("--score", "left out when --proba-prefix is given (one source of probabilities)", scoreName);
  for (const [flag, name] of [["--pred", predName], ["--score", scoreName]] as const) {
    if (name === values.label) throw new InvalidParameterError(flag, "a column other than --label (the true labels)", name);
  }
  const task = choiceOption(values, "task", ["binary", "multiclass", "regression"] as const);
  /** The file's 1-based data row of the dataset's row `i`. */
  let fileRow = (i: number): number => i + 1;
  // A column whose name differs from an earlier one's only in case is read under another name
  // ("proba_had" beside "proba_hAd" as "proba_had_1": classes of mlbench's Vowel); it is found by the
  // name the file gives it.
  const fileNames = new Map<string, string>();
  const data = await readDataset(file, {
    onCaseRename: ({ from, to }) => void fileNames.set(to, from),
    target: values.label,
    ...(task ? { task } : {}),
    // Predictions scored on a slice of one class are meaningful (accuracy, recall); training on it is not.
    acceptSingleClass: true,
    onWarning: notesTo(console),
    // Rows without a label are dropped: messages name the file's rows, not the rows left.
    onRowsDropped: (kept) => void (fileRow = (i) => kept[i]! + 1),
  }).catch((error: unknown) => {
    // The reader's words are train's (--numeric is no flag of score): say it in score's.
    if (error instanceof InvalidParameterError && error.owner === "readDataset" && error.parameter === "task") {
      throw new InvalidParameterError("--task", `binary or multiclass for the text labels "${values.label}"`, error.received);
    }
    throw error;
  });
  const target = data.target!;
  const nameInFile = (column: Column) => fileNames.get(column.name) ?? column.name;
  const find = (name: string) => findColumn(data, file, name, nameInFile);

  const asked = listOption(values.metrics);
  let names = asked;
  let metrics: Record<string, number>;
  let confusion: ConfusionMatrixResult | undefined;
  let scoredTask: Task = target.task;
  if (target.task === "regression") {
    if (!predName) throw new InvalidParameterError("--pred", "the column of predicted values for a regression target", undefined);
    // Probabilities mean nothing to a regression: say so rather than drop the flag without a word.
    const unused = [...(prefix !== undefined ? ["--proba-prefix"] : []), ...(scoreName !== undefined ? ["--score"] : [])];
    if (unused.length > 0) console.err(`note: ${unused.join(" and ")} ${unused.length === 1 ? "is" : "are"} not used: "${target.name}" is scored as a regression, from --pred alone\n`);
    const yPred = numericValues(find(predName), file, fileRow);
    metrics = inUserTerms(file, fileRow, { yPred: predName }, () => computeMetrics("regression", names.length > 0 ? names : undefined, { yTrue: target.values, yPred }));
  } else {
    const labelColumn = predName ? find(predName) : undefined;
    if (labelColumn) refuseContinuousLabels(labelColumn, file, target.name, target.classes ?? []);
    // scikit-learn scores labels over the union of the true and the predicted labels: with labels alone,
    // a label only predicted is a class of its own (with probabilities, their columns name the classes;
    // with --task binary, a third label is an error, as sklearn's binary average is).
    // Probability columns do the same for a class no row has (a model's class missing from a small slice),
    // as sklearn's labels= does: the class counts and its probabilities are kept.
    // Labels of a single class take their other class from the predicted labels or the probability
    // columns; a lone 0 / 1 (false / true) implies it, as sklearn's pos_label=1 does.
    const single = target.classes?.length === 1;
    let extra =
      task === "binary" && !single
        ? []
        : prefix !== undefined
          ? prefixedClassesNotIn(data, prefix, target.classes ?? [], nameInFile)
          : labelColumn && (!scoreName || single)
            ? labelsNotIn(labelColumn, target.classes ?? [])
            : [];
    const implied = single && extra.length === 0 ? impliedOtherClass[target.classes![0]!] : undefined;
    if (implied !== undefined) extra = [implied];
    // --task binary with two other labels: the error below names the first of them.
    if (single && task === "binary" && extra.length > 1) extra = [];
    const classes = extra.length > 0 ? sklearnOrder([...(target.classes ?? []), ...extra]) : (target.classes ?? []);
    // The true labels' class indices, over `classes`.
    const yTrue = extra.length > 0 ? reindexed(target.values, target.classes ?? [], classes) : target.values;
    // One class and nothing to say which is positive: binary metrics count a positive class no row has
    // (precision, recall, f1 0 as sklearn's with pos_label=1); probabilities are of an unknown class.
    const positiveUnknown = classes.length === 1;
    if (extra.length > 0) scoredTask = classes.length === 2 && task !== "multiclass" ? "binary" : "multiclass";
    if (extra.length > 0 && implied === undefined) {
      const one = extra.length === 1;
      const firstFive = (text: (label: string) => string) => extra.slice(0, 5).map(text).join(", ") + (extra.length > 5 ? ", ..." : "");
      const shown = firstFive((label) => JSON.stringify(label));
      console.err(
        prefix !== undefined
          ? `note: ${file}: column${one ? "" : "s"} ${firstFive((label) => `"${prefix}${label}"`)} name${one ? "s a class" : " classes"} no row of "${target.name}" has (${shown}): ` +
              `${one ? "it counts as a class" : "they count as classes"}, as scikit-learn's labels= does\n`
          : `note: ${file}, column "${labelColumn!.name}": ${extra.length} predicted label${one ? " is not a label" : "s are not labels"} of "${target.name}" (${shown}): ` +
              `${one ? "it counts as a class of its own" : "they count as classes of their own"}, as in scikit-learn\n`,
      );
    }
    const nClasses = Math.max(classes.length, 2);
    const yPred = labelColumn ? labelIndices(labelColumn, classes, file, fileRow) : undefined;
    let proba: Float64Array | undefined;
    if (scoreName) {
      if (scoredTask !== "binary") throw new InvalidParameterError("--score", `used with a binary target only ("${target.name}" has ${classes.length} classes): give --proba-prefix`, scoreName);
      proba = numericValues(find(scoreName), file, fileRow);
      const outside = proba.find((value) => value < 0 || value > 1);
      if (outside !== undefined && names.length === 0) {
        // A decision function or any other ranking score: ROC AUC and average precision need only the
        // order; log loss, the Brier score and the labels at 0.5 would be meaningless.
        names = ["roc_auc", "average_precision", ...(yPred ? labelMetricNames("binary") : [])];
        console.err(`note: column "${scoreName}" holds scores outside [0, 1] (such as ${outside}), not probabilities: only the ranking metrics are computed from it\n`);
      }
    } else if (prefix) {
      const columns = classes.map((label) => numericValues(find(prefix + label), file, fileRow));
      if (positiveUnknown) proba = columns[0]!;
      else if (scoredTask === "binary") proba = columns[1]!;
      else {
        proba = new Float64Array(data.nRows * nClasses);
        for (let k = 0; k < nClasses; k++) {
          const column = columns[k]!;
          for (let i = 0; i < data.nRows; i++) proba[i * nClasses + k] = column[i]!;
        }
      }
    }
    if (names.length === 0 && !proba) names = labelMetricNames(scoredTask);
    const probaColumn = scoreName ?? (prefix !== undefined ? (scoredTask === "binary" ? prefix + classes[1] : `${prefix}*`) : undefined);
    const input = { yTrue, ...(yPred ? { yPred } : {}), ...(proba ? { proba } : {}), nClasses };
    const compute = (asked: readonly string[] | undefined) =>
      inUserTerms(file, fileRow, { yPred: predName, proba: probaColumn, yScore: probaColumn }, () => {
        try {
          if (positiveUnknown) for (const name of asked ?? defaultMetricNames(scoredTask)) checkDefinedOnOneClass(name, classes[0]!, yPred !== undefined);
          return computeMetrics(scoredTask, asked, input);
        } catch (error) {
          throw error instanceof MetricError ? withClassLabels(error, classes) : error;
        }
      });
    if (names.length > 0) metrics = compute(names);
    else {
      // The default set: a metric the rows leave undefined (ROC AUC one vs rest on rows that lack a class,
      // or on probabilities rounded so that a row sums to 1.01) is left out and said why, rather than
      // losing every other figure, as train and evaluate do; --metrics naming it is still the error.
      metrics = {};
      const undefinedMetrics: MetricError[] = [];
      for (const name of defaultMetricNames(scoredTask)) {
        try {
          Object.assign(metrics, compute([name]));
        } catch (error) {
          if (!(error instanceof MetricError)) throw error;
          undefinedMetrics.push(error);
        }
      }
      // Nothing left to report: the first reason is the answer.
      if (Object.keys(metrics).length === 0 && undefinedMetrics[0]) throw undefinedMetrics[0];
      for (const error of undefinedMetrics) console.err(`note: ${error.metric} is left out: ${error.reason}\n`);
    }
    // Labels read from scores outside [0, 1] at 0.5 would mean nothing: then only given labels count.
    const probabilities = proba !== undefined && !proba.some((value) => value < 0 || value > 1);
    const labels = yPred ?? (probabilities && !positiveUnknown ? labelsFromProba(proba!, data.nRows, nClasses) : undefined);
    // It belongs to the default report: --metrics asks for exactly the figures named.
    if (labels && asked.length === 0) confusion = positiveUnknown ? { labels: [...classes], counts: [[data.nRows]] } : confusionOf(yTrue, labels, classes);
    if (positiveUnknown && scoredTask === "binary" && yPred && ["precision", "recall", "f1"].some((name) => name in metrics)) {
      console.err(`note: ${file}: every label of "${target.name}" and of "${predName}" is ${JSON.stringify(classes[0])}: precision, recall and f1 are of a positive class no row has (0, as scikit-learn's with pos_label=1)\n`);
    }
  }
  console.err(
    `${scoredTask} predictions for "${target.name}" in ${file}: ${data.nRows.toLocaleString("en-US")} row${data.nRows === 1 ? "" : "s"}\n\n` +
      formatTable(["metric", "value"], Object.entries(metrics)) +
      (confusion ? "\n" + formatConfusion(confusion) : ""),
  );
  return { task: scoredTask, rows: data.nRows, metrics, ...(confusion ? { confusionMatrix: confusion } : {}) };
}

/** The class a lone label implies, where it is sklearn's positive class or its only other one (pos_label=1). */
const impliedOtherClass: Readonly<Record<string, string>> = { "0": "1", "1": "0", false: "true", true: "false" };

/**
 * Throws the MetricError of a metric that labels of one class (`label`), with no other class known, leave
 * undefined: ROC AUC as sklearn raises it, and whatever reads probabilities (or labels taken from them),
 * which cannot say which class they are of (sklearn asks for pos_label).
 */
function checkDefinedOnOneClass(name: string, label: string, labelsGiven: boolean): void {
  const shown = JSON.stringify(label);
  if (name.startsWith("roc_auc")) throw new MetricError(name, `only one class (${shown}) is present in y_true; ROC AUC is undefined`);
  const needs = (METRICS as Readonly<Record<string, { needs: string }>>)[name]?.needs;
  if (needs === "proba" || (needs === "label" && !labelsGiven)) {
    throw new MetricError(name, `only one class (${shown}) is present in y_true and no other is predicted, so the class the probabilities are of is unknown (scikit-learn asks for pos_label)`);
  }
}

/**
 * Refuses predicted "labels" that are numbers with a fractional part (3.7) and not a class of the target,
 * as scikit-learn refuses a mix of multiclass and continuous targets: an integer target (ratings 1 to 5)
 * is read as classes, and each distinct prediction would otherwise become a class of its own, every
 * metric 0 with an exit status of 0.
 */
function refuseContinuousLabels(column: Column, file: string, targetName: string, classes: readonly string[]): void {
  if (column.kind !== "numeric") return;
  const known = new Set(classes);
  const row = column.values.findIndex((value) => Number.isFinite(value) && !Number.isInteger(value) && !known.has(String(value)));
  if (row < 0) return;
  throw new DataValidationError({
    code: "invalid_value",
    file,
    row: row + 1,
    column: column.name,
    expected: `a class label of "${targetName}", which is scored as classes`,
    received: String(column.values[row]),
    detail: "to score numbers as a regression, give --task regression",
  });
}

/** Metrics that need only predicted labels. */
function labelMetricNames(task: Task): string[] {
  return task === "binary"
    ? ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "matthews_corrcoef", "cohen_kappa"]
    : ["accuracy", "balanced_accuracy", "f1_macro", "f1_micro", "f1_weighted", "precision_macro", "recall_macro"];
}

function findColumn(data: Dataset, file: string, name: string, nameInFile: (column: Column) => string): Column {
  const column = data.features.find((candidate) => nameInFile(candidate) === name);
  if (!column) {
    const available = data.features.map(nameInFile).slice(0, 12).join(", ");
    throw new DataValidationError({ code: "unknown_column", file, column: name, detail: `available: ${available}` });
  }
  return column;
}

/**
 * Runs `compute`, naming the file and the user's columns in a data error the metrics raise about their
 * own arguments (yPred, proba, yScore).
 */
function inUserTerms<T>(file: string, fileRow: (i: number) => number, columns: Readonly<Record<string, string | undefined>>, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    const issue = error instanceof DataValidationError ? error.issues[0] : undefined;
    const column = issue?.column !== undefined ? columns[issue.column] : undefined;
    if (!issue || column === undefined) throw error;
    throw new DataValidationError({ ...issue, file, column, ...(issue.row !== undefined ? { row: fileRow(issue.row - 1) } : {}) });
  }
}

function numericValues(column: Column, file: string, fileRow: (i: number) => number): Float64Array {
  if (column.kind === "numeric") {
    const missing = column.values.findIndex((value) => Number.isNaN(value));
    if (missing >= 0) throw new DataValidationError({ code: "invalid_value", file, row: fileRow(missing), column: column.name, expected: "a number", received: "a missing value" });
    return column.values;
  }
  // Read as text because some value is not a number: name the first such row, not a category that is one.
  const isNumber = column.categories.map((text) => text.trim() !== "" && Number.isFinite(Number(text)));
  const first = column.codes.findIndex((code) => code >= 0 && !isNumber[code]);
  const at = first >= 0 ? first : column.codes.findIndex((code) => code < 0);
  const received = first >= 0 ? describeValue(column.categories[column.codes[first]!]!) : "a missing value";
  throw new DataValidationError({ code: "not_numeric", file, ...(at >= 0 ? { row: fileRow(at) } : {}), column: column.name, expected: "numbers (probabilities or scores)", received });
}

/**
 * The text of row `i`'s label in a column of labels (undefined where it is missing), as the target's
 * classes are written. Booleans are read as 0 / 1: against boolean labels (classes "false", "true") they
 * are those words again, as numpy holds True == 1.
 */
function labelAt(column: Column, i: number, booleanClasses: boolean): string | undefined {
  if (column.kind === "numeric") {
    const value = column.values[i]!;
    if (booleanClasses && (value === 0 || value === 1)) return value === 1 ? "true" : "false";
    return Number.isNaN(value) ? undefined : String(value);
  }
  const code = column.codes[i]!;
  return code >= 0 ? column.categories[code] : undefined;
}

/** Whether `classes` are those of boolean labels (a column of booleans, possibly of one value). */
function isBoolean(classes: readonly string[]): boolean {
  return classes.length > 0 && classes.every((label) => label === "false" || label === "true");
}

/** Labels in np.unique's order, as the target's classes are: numbers by value when every label is one, else text by code point. */
function sklearnOrder(labels: readonly string[]): string[] {
  const numeric = labels.every((label) => label.trim() !== "" && Number.isFinite(Number(label)));
  return [...labels].sort(numeric ? (a, b) => Number(a) - Number(b) : compareCodePoints);
}

/** Class indices over `from` turned into indices of the same labels over `to`. */
function reindexed(values: ArrayLike<number>, from: readonly string[], to: readonly string[]): Float64Array {
  const position = from.map((label) => to.indexOf(label));
  return Float64Array.from(values, (k) => position[k]!);
}

/**
 * The classes named by columns `<prefix><class>` that are not among `classes`, in the file's column order:
 * only columns of probabilities (numbers in [0, 1]), so that a short prefix does not take in a column of
 * labels or prices.
 */
function prefixedClassesNotIn(data: Dataset, prefix: string, classes: readonly string[], nameInFile: (column: Column) => string): string[] {
  const known = new Set(classes);
  const probabilities = (column: Column) => column.kind === "numeric" && column.values.every((value) => value >= 0 && value <= 1);
  return data.features
    .map((column) => ({ column, name: nameInFile(column) }))
    .filter(({ column, name }) => name.startsWith(prefix) && name.length > prefix.length && probabilities(column))
    .map(({ name }) => name.slice(prefix.length))
    .filter((label) => !known.has(label));
}

/** The labels of `column` that are not among `classes`. */
function labelsNotIn(column: Column, classes: readonly string[]): string[] {
  const booleanClasses = isBoolean(classes);
  const known = new Set(classes);
  const extra = new Set<string>();
  const n = column.kind === "numeric" ? column.values.length : column.codes.length;
  for (let i = 0; i < n; i++) {
    const label = labelAt(column, i, booleanClasses);
    if (label !== undefined && !known.has(label)) extra.add(label);
  }
  return [...extra];
}

/** Maps a column of predicted labels onto the target's class indices, by the labels' text. */
function labelIndices(column: Column, classes: readonly string[], file: string, fileRow: (i: number) => number): Float64Array {
  const booleanClasses = isBoolean(classes);
  const index = new Map(classes.map((label, k) => [label, k] as const));
  const n = column.kind === "numeric" ? column.values.length : column.codes.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const label = labelAt(column, i, booleanClasses);
    const k = label === undefined ? undefined : index.get(label);
    if (k === undefined) {
      throw new DataValidationError({
        code: "invalid_value",
        file,
        row: fileRow(i),
        column: column.name,
        expected: `one of the labels' classes (${classes.slice(0, 8).join(", ")})`,
        received: label === undefined ? "a missing value" : JSON.stringify(label),
      });
    }
    out[i] = k;
  }
  return out;
}
