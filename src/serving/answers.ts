/**
 * Predictions and their answer: the response body as JSON text, and each row's record for the prediction
 * log (the row as JSON.stringify writes it, and the outputs as the very text of the answer without the id).
 *
 * The body is written here rather than by a serialiser from objects: each answered row would otherwise
 * be an object holding a probabilities object keyed by class labels, which the generic serialisers walk
 * key by key. The labels' JSON is computed once per loaded model. Numbers are written with String(x),
 * which is what JSON.stringify writes for a finite number.
 */
import { newPredictionId } from "./ids.js";
import type { PredictionSink } from "./encoded-log.js";
import type { ServedModel } from "./models.js";
import { RowValidationError, type UnknownCategoryPolicy } from "./rows.js";

/** JSON fragments of one loaded model's answers, and its one-row scratch buffers. */
interface AnswerText {
  /** `{"model":{"name":...,"version":...},"predictions":[` */
  readonly head: string;
  /** `"<class>":` for each class, in probability-column order. */
  readonly classKeys: readonly string[];
  /** `"<class>"` for each class. */
  readonly labels: readonly string[];
  /** The one-row path's feature vector and model output, reused by every single-row request (predict is synchronous). */
  readonly vector: Float64Array;
  readonly output: Float64Array;
  /** Rows per class of the last call (one count for regression); see PredictedRows.counts. */
  readonly counts: Float64Array;
}

const texts = new WeakMap<ServedModel, AnswerText>();

function answerText(served: ServedModel): AnswerText {
  let text = texts.get(served);
  if (!text) {
    const classes = served.classes ?? [];
    text = {
      head: `{"model":${JSON.stringify({ name: served.name, version: served.version })},"predictions":[`,
      classKeys: classes.map((c) => `${JSON.stringify(c)}:`),
      labels: classes.map((c) => JSON.stringify(c)),
      vector: new Float64Array(served.reader.nFeatures),
      output: new Float64Array(Math.max(1, classes.length)),
      counts: new Float64Array(Math.max(1, classes.length)),
    };
    texts.set(served, text);
  }
  return text;
}

/** What `predict` makes: the body to send, and rows per class (one count for regression). */
export interface PredictedRows {
  readonly body: string;
  /** Reused by the next call of `predict` with the same model: read it before. */
  readonly counts: Float64Array;
}

function number(x: number): string {
  return Number.isFinite(x) ? String(x) : "null";
}

/**
 * Predicts `rows` with one model: one row through the model's one-row path when it has one (no
 * Dataset), a batch through a Dataset and predictProba (classifiers) or predict (regression). The label
 * is the most probable class (for binary, P(classes[1]) > 0.5, as Model.predict); the decision is
 * classes[1] when P(classes[1]) >= the model's saved threshold, as `learnloop predict` writes it.
 * Each row's record goes to `log` once every row is predicted (a bad row logs nothing). Throws
 * RowValidationError for a bad row.
 */
export function predict(served: ServedModel, rows: readonly unknown[], unknown: UnknownCategoryPolicy, now: number, log: PredictionSink): PredictedRows {
  const { model, reader, classes, threshold, name, version } = served;
  const text = answerText(served);
  const n = rows.length;
  const counts = text.counts;
  counts.fill(0);
  // One clock reading for the request: its ids' timestamps and the records' time are the same millisecond.
  const at = isoTime(now);
  // One row goes through the model's one-row path into this model's scratch buffers: no Dataset, no
  // arrays per request.
  const oneRow = n === 1 && served.predictRow !== undefined;
  if (oneRow) {
    const output = served.predictRow!(reader.toVector(rows[0], 0, unknown, text.vector), text.output);
    let outputs: string;
    if (classes) outputs = classifiedText(text, output, 0, threshold);
    else {
      outputs = `"prediction":${number(output[0]!)}}`;
      counts[0] = 1;
    }
    const inputs = rowJson(rows[0], 0);
    const id = newPredictionId(now);
    log.record(id, at, name, version, inputs, `{${outputs}`);
    return { body: `${text.head}{"id":"${id}",${outputs}]}`, counts };
  }
  // Each row's text, joined once at the end: appending to one string made a chain of 10,000 pieces
  // that lived (and was copied by every scavenge) until the answer was sent.
  const parts: string[] = new Array(n);
  // Every row's JSON before any is logged: a row that cannot be written refuses the request, and the
  // rows before it must not be logged as answered.
  const inputs: string[] = new Array(n);
  for (let i = 0; i < n; i++) inputs[i] = rowJson(rows[i], i);
  if (!classes) {
    const values = model.predict(reader.toDataset(rows, unknown));
    for (let i = 0; i < n; i++) {
      const id = newPredictionId(now);
      const outputs = `"prediction":${number(values[i]!)}}`;
      parts[i] = `{"id":"${id}",${outputs}`;
      log.record(id, at, name, version, inputs[i]!, `{${outputs}`);
    }
    counts[0] = n;
    return { body: `${text.head}${parts.join(",")}]}`, counts };
  }
  const k = classes.length;
  const proba = model.predictProba(reader.toDataset(rows, unknown)).data;
  for (let i = 0; i < n; i++) {
    const id = newPredictionId(now);
    const outputs = classifiedText(text, proba, i * k, threshold);
    parts[i] = `{"id":"${id}",${outputs}`;
    log.record(id, at, name, version, inputs[i]!, `{${outputs}`);
  }
  return { body: `${text.head}${parts.join(",")}]}`, counts };
}

/**
 * A row's JSON, as the log keeps it. JSON.parse reads arrays nested a million levels deep, but
 * JSON.stringify recurses and runs out of stack some thousands of levels down: such a row is a bad row,
 * not a 500. One row is written after its fields are read (so the deep value is a field the model does not
 * read); a batch's rows are written before the batch is read, so a deep row is refused before a bad field
 * of an earlier row is found.
 */
function rowJson(row: unknown, index: number): string {
  try {
    return JSON.stringify(row);
  } catch {
    throw new RowValidationError({
      code: "invalid_value",
      index,
      field: "",
      row: index + 1,
      detail: "a value in the row is nested too deeply (thousands of levels of arrays or objects) to be written to the prediction log; send flat values",
    });
  }
}

/**
 * One classified row's answer after its id, `"prediction":...,"probabilities":{...},"decision":...}`
 * (the log keeps it, with "{" before, as the row's outputs), from its probabilities at `proba[from]`
 * onwards; counts the row in `text.counts`.
 */
function classifiedText(text: AnswerText, proba: Float64Array, from: number, threshold: number | undefined): string {
  const { classKeys, labels } = text;
  const k = classKeys.length;
  let best = 0;
  if (k === 2) best = proba[from + 1]! > 0.5 ? 1 : 0;
  else for (let c = 1; c < k; c++) if (proba[from + c]! > proba[from + best]!) best = c;
  text.counts[best]++;
  let probabilityText = `${classKeys[0]}${number(proba[from]!)}`;
  for (let c = 1; c < k; c++) probabilityText += `,${classKeys[c]}${number(proba[from + c]!)}`;
  const decisionText = threshold !== undefined ? `,"decision":${labels[proba[from + 1]! >= threshold ? 1 : 0]}` : "";
  return `"prediction":${labels[best]},"probabilities":{${probabilityText}}${decisionText}}`;
}

let isoMs = -1;
let isoText = "";
/** `ms` as ISO-8601 text, made once per millisecond (many requests share one at load). */
function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoText;
}
