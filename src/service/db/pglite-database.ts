import type { PGlite } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.ts";

/** The embedded PostgreSQL: one in-process instance over a data directory (or memory). */
export class PgliteDatabase implements Database {
  readonly kind = "pglite";
  private constructor(private readonly db: PGlite) {}

  /** Opens (creating if needed) the database in `dataDir`; in memory without one. */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const { PGlite } = await import("@electric-sql/pglite");
    const db = new PGlite(dataDir);
    await db.waitReady;
    return new PgliteDatabase(db);
  }

  async query<Row>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.db.query<Row>(sql, params)).rows;
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: async <Row>(sql: string, params: unknown[] = []) => (await tx.query<Row>(sql, params)).rows,
        exec: async (script) => void (await tx.exec(script)),
      }),
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
