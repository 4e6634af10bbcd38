/**
 * The confusion matrix of a classifier's predictions as `evaluate` and `score` show it: a table on
 * stderr (rows: the true class, columns: the predicted class) and `confusionMatrix` in their --json.
 */
import { confusionMatrix } from "../metrics/index.js";
import { formatTable } from "./output.js";

/** Counts of rows by true class (row) and predicted class (column), classes named by their labels. */
export interface ConfusionMatrixResult {
  labels: string[];
  counts: number[][];
}

/** Beyond this many classes the table is too wide for a terminal: it is only in --json. */
const MOST_CLASSES_SHOWN = 20;

/** The confusion matrix of class indices `yTrue` and `yPred` over every class of `labels`. */
export function confusionOf(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: readonly string[]): ConfusionMatrixResult {
  return { labels: [...labels], counts: confusionMatrix(yTrue, yPred, labels.length) };
}

/**
 * The matrix as text for people.
 *
 * @example
 * formatConfusion({ labels: ["no", "yes"], counts: [[5, 1], [2, 7]] });
 * // confusion matrix (rows: true class, columns: predicted class)
 * // true \ predicted  no  yes
 * // ...
 */
export function formatConfusion(matrix: ConfusionMatrixResult): string {
  const title = "confusion matrix (rows: true class, columns: predicted class)";
  if (matrix.labels.length > MOST_CLASSES_SHOWN) return `${title}: ${matrix.labels.length} classes, too many to print (it is in --json)\n`;
  const rows = matrix.labels.map((label, i) => [label, ...matrix.counts[i]!]);
  return `${title}\n${formatTable(["true \\ predicted", ...matrix.labels], rows)}`;
}
