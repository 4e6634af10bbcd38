/**
 * Which reader a file goes to, decided by its extension alone: sniffing content would make a typo'd
 * `.cvs` silently read as something else, and the extension is what the user can see and fix.
 */
import { extname } from "node:path";
import { DataValidationError } from "../core/errors.js";

/** The file formats learnloop reads. */
export type FileFormat = "csv" | "tsv" | "text" | "parquet" | "json" | "ndjson" | "arrow";

const byExtension: Record<string, FileFormat> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
  ".txt": "text",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".json": "json",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".arrow": "arrow",
  ".feather": "arrow",
  ".ipc": "arrow",
};

/** Every extension readDataset accepts, in the order messages list them. */
export const supportedExtensions: readonly string[] = Object.keys(byExtension);

/**
 * Text formats that may also come gzip-compressed (`train.csv.gz`), as pandas reads them: DuckDB
 * decompresses while it streams. Parquet and Arrow compress inside the file.
 */
const gzippedExtensions: readonly string[] = [".csv", ".tsv", ".tab", ".txt", ".json", ".ndjson", ".jsonl"];

/** Whether `file` is gzip-compressed, by its extension (`.gz`). */
export function isGzipped(file: string): boolean {
  return extname(file).toLowerCase() === ".gz";
}

/**
 * The format of `file`, from its extension (case-insensitive).
 * @example formatOf("data/train.CSV") // "csv"
 * @example formatOf("data/train.csv.gz") // "csv"
 */
export function formatOf(file: string): FileFormat {
  if (isGzipped(file)) {
    const inner = extname(file.slice(0, -3)).toLowerCase();
    if (!gzippedExtensions.includes(inner)) {
      throw new DataValidationError({
        code: "unsupported_file_type",
        file,
        expected: `${gzippedExtensions.map((extension) => extension + ".gz").join(", ")} among compressed files (Parquet and Arrow compress inside the file)`,
        received: `"${inner}.gz"`,
      });
    }
    return byExtension[inner]!;
  }
  const extension = extname(file).toLowerCase();
  const format = byExtension[extension];
  if (!format) {
    throw new DataValidationError({
      code: "unsupported_file_type",
      file,
      expected: supportedExtensions.join(", "),
      received: extension ? `"${extension}"` : "a file name without an extension",
    });
  }
  return format;
}
