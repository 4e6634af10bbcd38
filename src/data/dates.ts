/**
 * Dates and timestamps become numeric features: year, month (1-12), day of month (1-31), day of week
 * (0 = Monday .. 6 = Sunday, as pandas' `dt.dayofweek`) and, for timestamps, hour (0-23). All parts are
 * taken in UTC: a timestamp with a time zone is converted to UTC first, so the same instant always gives
 * the same parts whatever the machine's zone.
 *
 * Readers hand over milliseconds since 1970-01-01 UTC (one number per row is a fifth of the bytes of five
 * parts) and the parts are computed here with integer civil-calendar arithmetic, which is several times
 * faster than going through `Date` objects.
 */
import type { DatePart } from "../core/types.js";

/** The parts a date column expands into, in feature order. */
export const dateParts: readonly DatePart[] = ["year", "month", "day", "dayofweek"];
/** The parts a timestamp column expands into, in feature order. */
export const timestampParts: readonly DatePart[] = ["year", "month", "day", "dayofweek", "hour"];

/** The feature name of one part of a date column: `<column>_<part>`. */
export function datePartName(column: string, part: DatePart): string {
  return `${column}_${part}`;
}

const msPerDay = 86_400_000;
const msPerHour = 3_600_000;

/**
 * Writes the parts of `epochMs[start..end)` into `outputs` at `outOffset..`; an output left undefined is
 * skipped. NaN (a missing date) gives NaN in every part.
 *
 * Civil-from-days is Howard Hinnant's algorithm (eras of 400 years, March-based years), exact for every
 * date a JavaScript number of milliseconds can hold.
 */
export function writeDateParts(
  epochMs: ArrayLike<number>,
  start: number,
  end: number,
  outputs: {
    year?: Float64Array;
    month?: Float64Array;
    day?: Float64Array;
    dayofweek?: Float64Array;
    hour?: Float64Array;
  },
  outOffset: number,
): void {
  const { year, month, day, dayofweek, hour } = outputs;
  // Rows often come in time order, so consecutive rows share a day: the calendar arithmetic is redone
  // only when the day changes (this halved the date-part time on the flights data).
  let lastDays = NaN;
  let y = 0;
  let m = 0;
  let d = 0;
  let weekday = 0;
  for (let i = start, o = outOffset; i < end; i++, o++) {
    const ms = epochMs[i]!;
    if (ms !== ms) {
      if (year) year[o] = NaN;
      if (month) month[o] = NaN;
      if (day) day[o] = NaN;
      if (dayofweek) dayofweek[o] = NaN;
      if (hour) hour[o] = NaN;
      continue;
    }
    const days = Math.floor(ms / msPerDay);
    if (hour) hour[o] = Math.floor((ms - days * msPerDay) / msPerHour);
    if (days !== lastDays) {
      lastDays = days;
      // 1970-01-01 was a Thursday (3 when Monday is 0).
      weekday = (((days + 3) % 7) + 7) % 7;
      const z = days + 719_468;
      const era = Math.floor(z / 146_097);
      const dayOfEra = z - era * 146_097;
      const yearOfEra = Math.floor(
        (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
      );
      const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
      const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
      m = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
      d = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
      y = yearOfEra + era * 400 + (m <= 2 ? 1 : 0);
    }
    if (year) year[o] = y;
    if (month) month[o] = m;
    if (day) day[o] = d;
    if (dayofweek) dayofweek[o] = weekday;
  }
}
