/**
 * Times as the data writes them, read once (instantOf), and the check that rows a model is evaluated on
 * come after its training period (checkTrainingPeriod), by the rule train's test_not_later check uses.
 */
import type { Column } from "../../core/types.js";
import type { TrainingPeriodCheck } from "./types.js";

/** A date and time without a zone, which instantOf reads as UTC. */
const ZONELESS = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * The instant (milliseconds since 1970 UTC) a date's text names, NaN for text that names none. A date and
 * time without a zone, as DuckDB writes a timestamp, is read as UTC, as a date alone is; so "2014-12-31"
 * and "2014-12-31 00:00:00" name the same instant.
 *
 * @example
 * instantOf("2014-12-31") === instantOf("2014-12-31 00:00:00"); // true
 * Number.isNaN(instantOf("soon")); // true
 */
export function instantOf(text: string): number {
  const trimmed = text.trim();
  return Date.parse(ZONELESS.test(trimmed) ? `${trimmed.replace(" ", "T")}Z` : text);
}

/**
 * A time as the files write it: the first of `columns`' date texts that names it (instantOf), or the
 * number itself (numeric columns, or a time no text names).
 */
export function timeLabel(columns: readonly Column[]): (time: number) => string {
  const texts = new Map<number, string>();
  for (const column of columns) {
    if (column.kind !== "categorical") continue;
    for (const text of column.categories) {
      const instant = instantOf(text);
      if (!texts.has(instant)) texts.set(instant, text);
    }
  }
  return (time) => texts.get(time) ?? String(time);
}

/**
 * Where rows to evaluate a model on fall against the model's last training time: their range, how many
 * are at or before it, and how many earlier. Rows earlier than the last training time are the finding
 * (`earlier > 0`), as in train's test_not_later: rows at that time itself, with none before, are a split
 * at the cut. `times` holds one time per row in the units of `lastTrain` (NaN: the row has no time, left
 * out); `label` writes a time as the data does. Undefined when no row has a time.
 *
 * @example
 * checkTrainingPeriod("t", [3, 5, 9, NaN], 4, "4", String);
 * // { column: "t", lastTrain: "4", first: "3", last: "9", rows: 3, undated: 1, notLater: 1, earlier: 1 }
 */
export function checkTrainingPeriod(
  column: string,
  times: ArrayLike<number>,
  lastTrain: number,
  lastTrainLabel: string,
  label: (time: number) => string,
): TrainingPeriodCheck | undefined {
  let first = Infinity;
  let last = -Infinity;
  let rows = 0;
  let notLater = 0;
  let earlier = 0;
  for (let i = 0; i < times.length; i++) {
    const time = times[i]!;
    if (time !== time) continue;
    rows++;
    if (time < first) first = time;
    if (time > last) last = time;
    if (time <= lastTrain) notLater++;
    if (time < lastTrain) earlier++;
  }
  if (rows === 0) return undefined;
  return { column, lastTrain: lastTrainLabel, first: label(first), last: label(last), rows, undated: times.length - rows, notLater, earlier };
}
