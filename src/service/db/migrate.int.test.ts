import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshDatabase, postgresUnavailable, type FreshDatabase } from "../../../test/helpers/postgres.ts";
import type { Database } from "./database.ts";
import { migrate, SCHEMA_VERSION } from "./migrate.ts";
import { PgDatabase } from "./pg-database.ts";
import { PgliteDatabase } from "./pglite-database.ts";

/** Every column of the public schema, as `table.column type nullability`. */
async function schemaOf(db: Database): Promise<string[]> {
  const rows = await db.query<{ c: string }>(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS c
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  return rows.map((r) => r.c);
}

describe("migrations on PGlite", () => {
  it("run once: a second start applies nothing and the version is the newest migration", async () => {
    const db = await PgliteDatabase.open();
    try {
      assert.deepEqual(await migrate(db), [SCHEMA_VERSION]);
      assert.deepEqual(await migrate(db), []);
    } finally {
      await db.close();
    }
  });
});

const unavailable = await postgresUnavailable();
describe("migrations on PostgreSQL", { skip: unavailable }, () => {
  let fresh: FreshDatabase;
  before(async () => {
    fresh = await freshDatabase();
  });
  after(() => fresh?.drop());

  it("two services starting at once migrate once between them", async () => {
    const [a, b] = [new PgDatabase(fresh.url), new PgDatabase(fresh.url)];
    try {
      const applied = await Promise.all([migrate(a), migrate(b)]);
      assert.deepEqual(applied.map((m) => m.length).sort(), [0, 1]);
      assert.deepEqual(await migrate(a), []);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("produces the same schema as on PGlite: the same SQL runs on both", async () => {
    const pg = new PgDatabase(fresh.url);
    const lite = await PgliteDatabase.open();
    try {
      await migrate(pg);
      await migrate(lite);
      const [onPg, onLite] = [await schemaOf(pg), await schemaOf(lite)];
      assert.ok(onPg.length > 40, `${onPg.length} columns`);
      assert.deepEqual(onPg, onLite);
    } finally {
      await Promise.all([pg.close(), lite.close()]);
    }
  });
});
