import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshDatabase, postgresUnavailable, type FreshDatabase } from "../../../test/helpers/postgres.ts";
import type { Database } from "./database.ts";
import { migrate, SCHEMA_VERSION } from "./migrate.ts";
import * as initial from "./migrations/0001-initial.ts";
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

/** A database as a service of the first schema left it: numeric ids, a run with a task, an attempt and an artifact. */
async function atFirstSchema(db: Database): Promise<void> {
  await db.exec(`CREATE TABLE weft_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
    ${initial.up}
    INSERT INTO weft_migrations (name) VALUES ('0001-initial');
    INSERT INTO flows (name, last_run) VALUES ('TrainFlow', 10);
    INSERT INTO runs (flow, run, user_name, created_at, tags, system_tags) VALUES ('TrainFlow', 10, 'ada', now(), '{}', '{}');
    INSERT INTO steps (flow, run, step) VALUES ('TrainFlow', 10, 'train');
    INSERT INTO tasks (flow, run, step, task, created_at, foreach_stack) VALUES ('TrainFlow', 10, 'train', 7, now(), '[]');
    INSERT INTO attempts (flow, run, step, task, attempt, start) VALUES ('TrainFlow', 10, 'train', 7, 0, '{}');
    INSERT INTO artifacts (flow, run, step, task, attempt, name, sha, type, size, location) VALUES ('TrainFlow', 10, 'train', 7, 0, 'model', 'ab', 't', 1, 'l');`);
}

/** Migrates a database of the first schema with rows in it, and checks 0002 kept them under text ids (0004 follows). */
async function checkTextIdsMigration(db: Database): Promise<void> {
  await atFirstSchema(db);
  assert.deepEqual(await migrate(db), ["0002-text-ids", "0003-cards-metrics", "0004-ui-run-spec", "0005-run-orchestrator"]);
  const [row] = await db.query<{ run: unknown; task: unknown; last_run: unknown }>(
    "SELECT a.run, a.task, f.last_run::text AS last_run FROM artifacts a JOIN flows f ON f.name = a.flow WHERE a.run = '10' AND a.task = '7'",
  );
  assert.deepEqual(row, { run: "10", task: "7", last_run: "10" });
  const ids = await db.query<{ c: string }>(
    `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name IN ('run', 'task', 'origin_run') AND data_type <> 'text' ORDER BY 1`,
  );
  assert.deepEqual(ids, []);
  // The foreign keys are back: deleting the run cascades to everything recorded under it.
  await db.query("DELETE FROM runs WHERE flow = 'TrainFlow' AND run = '10'");
  for (const table of ["steps", "tasks", "attempts", "artifacts"]) assert.deepEqual(await db.query(`SELECT 1 FROM ${table}`), [], table);
}

describe("migrations on PGlite", () => {
  it("run once: a second start applies nothing and the version is the newest migration", async () => {
    const db = await PgliteDatabase.open();
    try {
      const applied = await migrate(db);
      assert.equal(applied.at(-1), SCHEMA_VERSION);
      assert.deepEqual(applied, [...applied].sort());
      assert.deepEqual(await migrate(db), []);
    } finally {
      await db.close();
    }
  });

  it("0002 turns numeric run and task ids into text, keeping the rows, the keys and the allocation counter", async () => {
    const db = await PgliteDatabase.open();
    try {
      await checkTextIdsMigration(db);
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
      assert.deepEqual(applied.map((m) => m.length > 0).sort(), [false, true]);
      assert.equal(applied.flat().at(-1), SCHEMA_VERSION);
      assert.deepEqual(await migrate(a), []);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("0002 turns numeric run and task ids into text, keeping the rows and the keys", async () => {
    const other = await freshDatabase();
    const db = new PgDatabase(other.url);
    try {
      await checkTextIdsMigration(db);
    } finally {
      await db.close();
      await other.drop();
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
