/**
 * PostgreSQL, the shared team store: a connection pool behind the Database seam. Placeholders become
 * $1, $2...; transactions run on one pooled client; rows that a transaction must own until it ends are
 * read with FOR UPDATE (this is what serialises two promotions of one model from different machines).
 */
import pg from "pg";
import { StoreError } from "../core/errors.js";
import type { Connection, Database, Row } from "./database.js";

/** `?` placeholders to PostgreSQL's numbered ones. The store's SQL never has a `?` inside a literal. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The URL with its password replaced, for messages and `store.location`. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

/**
 * Connects to the database at `url` (postgres://user:password@host:port/database) and checks that it
 * answers, so that a wrong URL is one clear error at open rather than at the first write.
 */
export async function openPostgresDatabase(url: string): Promise<PostgresDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits here; the next query reconnects or fails with a StoreError.
  pool.on("error", () => undefined);
  const db = new PostgresDatabase(pool, redactedUrl(url));
  try {
    await db.get("SELECT 1 AS ok");
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return db;
}

/** A pg connection pool behind the Database seam. */
export class PostgresDatabase implements Database {
  readonly dialect = "postgres" as const;
  readonly forUpdate = " FOR UPDATE";
  readonly location: string;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool, location: string) {
    this.#pool = pool;
    this.location = location;
  }

  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#query(this.#pool, sql, params).then((result) => result.rows);
  }

  get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return this.#query(this.#pool, sql, params).then((result) => result.rows[0]);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#query(this.#pool, sql, params).then((result) => result.rowCount ?? 0);
  }

  async transaction<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#unavailable(error);
    }
    const connection: Connection = {
      all: (sql, params = []) => this.#query(client, sql, params).then((result) => result.rows),
      get: (sql, params = []) => this.#query(client, sql, params).then((result) => result.rows[0]),
      run: (sql, params = []) => this.#query(client, sql, params).then((result) => result.rowCount ?? 0),
    };
    let broken = false;
    try {
      await connection.run("BEGIN");
      const result = await work(connection);
      await connection.run("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async runBatch(steps: readonly { readonly sql: string; readonly params: readonly unknown[] }[]): Promise<void> {
    await this.transaction(async (connection) => {
      for (const step of steps) await connection.run(step.sql, step.params);
    });
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: string }).code === "23505";
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query(on: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[]): Promise<pg.QueryResult<Row>> {
    try {
      return await on.query<Row>(numbered(sql), params as unknown[]);
    } catch (error) {
      if (isConnectionError(error)) throw this.#unavailable(error);
      throw error;
    }
  }

  #unavailable(error: unknown): StoreError {
    const message = (error as Error).message?.split("\n")[0] || String(error);
    return new StoreError("unavailable", this.location, `cannot reach the PostgreSQL store: ${message}`);
  }
}

/** Errors that mean the server cannot be used at all (network, authentication, missing database, shutdown). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  return (
    code.startsWith("08") ||
    code.startsWith("28") ||
    code === "3D000" ||
    code.startsWith("57P") ||
    ["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "EAI_AGAIN"].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test((error as Error).message ?? "")
  );
}
