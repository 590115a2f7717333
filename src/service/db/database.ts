/** Something that runs one parameterised statement: the database, or a transaction. */
export interface Queryable {
  /** Runs `sql` with `$1…$n` bound to `params` (never interpolated) and returns the rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/**
 * The service's view of PostgreSQL: the same SQL runs on a real server (`pg`) and on
 * the embedded PGlite, so both paths are exercised by one set of repositories.
 */
export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
