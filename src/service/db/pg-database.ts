import pg from "pg";
import type { Database, Queryable } from "./database.ts";

/** A pool of connections to a PostgreSQL server. */
export class PgDatabase implements Database {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;

  constructor(url: string, poolSize = 16) {
    // A host that drops packets must fail the start or the request, not hang it.
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
    // An idle connection dropped by the server must not crash the service; the pool replaces it.
    this.pool.on("error", () => {});
  }

  async query<Row>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work({
        query: async <Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as Row[],
        exec: async (script) => void (await client.query(script)),
      });
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
