/**
 * A plain CSV record counter, used only after DuckDB has failed on a file: DuckDB's sniffer rejects a
 * file whose sample holds a row with too many or too few fields without saying where, so this walks the
 * bytes once (RFC 4180 quoting) to find the first such row, or a quote that never closes. It is never on
 * the fast path.
 */
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { isGzipped } from "./formats.js";

/** The first structural problem in a delimited text file, with 1-based line numbers. */
export type CsvProblem =
  | { kind: "ragged"; line: number; expected: number; found: number }
  | { kind: "unterminated_quote"; line: number };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Scans `file` for the first record whose field count differs from the header's, or an unterminated
 * quoted field. Blank lines are skipped, as DuckDB skips them. Returns undefined when the file is sound.
 */
export async function findCsvProblem(file: string, delimiter: string): Promise<CsvProblem | undefined> {
  const separator = delimiter.charCodeAt(0);
  let line = 1; // physical line the scanner is on
  let recordLine = 1; // line where the current record started
  let fields = 1;
  let fieldHasContent = false;
  let inQuotes = false;
  let quoteClosed = false; // just saw a quote inside a quoted field: either "" or the closing quote
  let headerFields = -1;

  const endRecord = (): CsvProblem | undefined => {
    const blank = fields === 1 && !fieldHasContent;
    if (!blank) {
      if (headerFields < 0) headerFields = fields;
      else if (fields !== headerFields) return { kind: "ragged", line: recordLine, expected: headerFields, found: fields };
    }
    fields = 1;
    fieldHasContent = false;
    recordLine = line;
    return undefined;
  };

  const stream = isGzipped(file) ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (inQuotes) {
        if (quoteClosed) {
          quoteClosed = false;
          if (byte === QUOTE) continue; // "" is an escaped quote
          inQuotes = false; // the previous quote closed the field; fall through to handle this byte
        } else {
          if (byte === QUOTE) quoteClosed = true;
          else if (byte === LF) line++;
          continue;
        }
      }
      if (byte === QUOTE) {
        inQuotes = true;
        fieldHasContent = true;
      } else if (byte === separator) {
        fields++;
        fieldHasContent = true;
      } else if (byte === LF) {
        line++;
        const problem = endRecord();
        if (problem) return problem;
      } else if (byte !== CR) {
        fieldHasContent = true;
      }
    }
  }
  if (inQuotes && !quoteClosed) return { kind: "unterminated_quote", line: recordLine };
  return endRecord();
}

/** The delimiter a text file most likely uses: whichever of , tab ; | its first line holds most often. */
export function guessDelimiter(firstLine: string): string {
  let best = ",";
  let bestCount = 0;
  for (const candidate of [",", "\t", ";", "|"]) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The delimiter of a .csv file: a comma, unless the header has no comma outside quotes but has
 * semicolons (the "CSV" Excel writes where the comma is the decimal mark). Decided from the header
 * alone, so a ragged row further down is reported rather than changing the guess.
 * @example csvDelimiter("a;b;c") // ";"
 */
export function csvDelimiter(header: string): string {
  return splitRecord(header, ",").length === 1 && splitRecord(header, ";").length > 1 ? ";" : ",";
}

/** The fields of one CSV record held in `line` (RFC 4180 quotes; a trailing CR is dropped). */
export function splitRecord(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      fields.push(field);
      field = "";
    } else field += char;
  }
  fields.push(field);
  return fields;
}
