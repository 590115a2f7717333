// A fresh PostgreSQL database per test file, on the server this machine runs
// (127.0.0.1:5432, trust auth; `.ci/run` starts it).
//
//   const pg = await freshDatabase();      // undefined (skip) if no server, unless CI=true
//   after(() => pg?.drop());
//   new PgDatabase(pg.url)
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The maintenance connection; WEFT_TEST_DATABASE_URL overrides it. */
const ADMIN_URL = process.env.WEFT_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Why PostgreSQL tests are skipped, or undefined when the server answers. Under CI=true a missing server throws. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    const why = `PostgreSQL at ${ADMIN_URL} is not reachable (${(error as Error).message})`;
    if (process.env.CI === "true") throw new Error(`${why}; CI needs it: .ci/run starts it`);
    return why;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates an empty database with a random name; `drop` removes it, closing what still uses it. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const name = `weft_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
