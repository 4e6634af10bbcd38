/**
 * A new, empty database on the test PostgreSQL server (LEARNLOOP_TEST_POSTGRES), so that a test file or
 * test never meets another's tables: the helper the PostgreSQL tests share. `drop` removes it (closing
 * any connection still open) and ends the admin connection.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface ThrowawayDatabase {
  /** The database's name. */
  readonly name: string;
  /** Its connection URL: the server's with the database's name as path. */
  readonly url: string;
  /** A connection to the server's own database, open until `drop` (e.g. to read pg_stat_activity). */
  readonly admin: pg.Client;
  drop(): Promise<void>;
}

export async function throwawayDatabase(serverUrl: string, prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
