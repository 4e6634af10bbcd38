/**
 * The embedded DuckDB engine every DuckDB-backed reader shares: one in-memory instance, created on first
 * use, and one short-lived connection per read, so concurrent reads keep their temporary types apart.
 * Even the module is loaded on first use: the native library costs ~50 ms and ~58 MB of RSS, which
 * nobody who only reads Arrow files (or only splits rows) should pay.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

let instance: Promise<DuckDBInstance> | undefined;

/**
 * Result data DuckDB may compute ahead of the reader while it copies the previous chunks. With the 1 MB
 * default the scan threads stalled on every fetch (flights CSV: 0.9 s against 0.55 s on a quiet
 * machine); 4 and 8 MB were 5-10% slower than 16 MB, 32 MB no faster.
 */
const streamingBufferSize = "16MB";

/** Opens a connection to the shared in-memory DuckDB instance; the caller closes it. */
export async function openConnection(): Promise<DuckDBConnection> {
  instance ??= import("@duckdb/node-api").then(({ DuckDBInstance }) => DuckDBInstance.create(":memory:"));
  const connection = await (await instance).connect();
  // UTC so that date parts and text renderings of TIMESTAMPTZ do not depend on the machine's zone.
  await connection.run(`SET TimeZone = 'UTC'; SET streaming_buffer_size = '${streamingBufferSize}'`);
  return connection;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier (column names may hold spaces, quotes, anything). */
export function sqlName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
