/**
 * The small seam between the store's logic (./sql-store.ts) and a database driver. The store writes SQL
 * once, with `?` placeholders and portable syntax (ON CONFLICT upserts, partial unique indexes); each
 * driver adapts placeholders, types and locking. What cannot be written portably is a named dialect
 * difference here (`forUpdate`) or a branch on `dialect` in the store.
 */

/** A row as the driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Statements on one connection (inside a transaction or not). */
export interface Connection {
  /** Every row of a query. */
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** The first row of a query, if any. */
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A database the store runs on. */
export interface Database extends Connection {
  readonly dialect: "sqlite" | "postgres";
  /** Appended to a SELECT that must lock the rows it reads until the transaction ends ("" where the whole transaction is serialised). */
  readonly forUpdate: string;
  /** Where it is, for messages. */
  readonly location: string;
  /**
   * Runs `work` in one write transaction: committed when it resolves, rolled back when it throws. Other
   * writers wait (SQLite takes the write lock at BEGIN; PostgreSQL locks rows with `forUpdate`).
   */
  transaction<T>(work: (connection: Connection) => Promise<T>): Promise<T>;
  /** Runs the statements in order in one transaction (SQLite: without returning to the event loop between them). */
  runBatch(steps: readonly { readonly sql: string; readonly params: readonly unknown[] }[]): Promise<void>;
  /** True when `error` is this driver's unique-constraint (or primary-key) violation. */
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}
