import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { freshDatabase, postgresUnavailable } from "../helpers/postgres.ts";
import { repoRoot, runWeft, tempProject } from "../helpers/weft-cli.ts";

// `weft service --migrate-only` is what the Kubernetes init container runs
// (deploy/kubernetes/base/deployment.yaml): it must migrate, exit 0, and never listen.
const dir = tempProject("weft-migrate-");
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { HOME: dir };
/** Every migration Weft ships, in order: what a fresh database must get. */
const MIGRATIONS = readdirSync(join(repoRoot, "src", "service", "db", "migrations")).filter((f) => /^\d{4}-.*\.ts$/.test(f) && !f.endsWith(".test.ts")).map((f) => f.replace(/\.ts$/, "")).sort();
const applied = MIGRATIONS.join(", ").replace(/\./g, "\\.");

test("weft service --migrate-only applies every migration to the embedded database and exits without listening", { timeout: 120_000 }, async () => {
  const first = await runWeft(["service", "--migrate-only"], { cwd: dir, env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`^Migrated embedded PostgreSQL \\(PGlite\\) in .*service-db: applied ${applied}\\.\n$`));
  assert.doesNotMatch(first.stderr, /listening/);

  const second = await runWeft(["service", "--migrate-only"], { cwd: dir, env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, new RegExp(`is already at schema ${MIGRATIONS.at(-1)}; nothing to migrate\\.`));
});

test("weft service --migrate-only migrates a PostgreSQL database named by WEFT_SERVICE_DATABASE_URL", { timeout: 60_000 }, async (t) => {
  const why = await postgresUnavailable();
  if (why) return t.skip(why);
  const database = await freshDatabase();
  try {
    const result = await runWeft(["service", "--migrate-only"], { cwd: dir, env: { ...env, WEFT_SERVICE_DATABASE_URL: database.url } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^Migrated PostgreSQL at postgres://.*: applied ${applied}\\.\n$`));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const rows = (await client.query("SELECT name FROM weft_migrations ORDER BY name")).rows;
      assert.deepEqual(rows, MIGRATIONS.map((name) => ({ name })));
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
});

test("weft service --migrate-only exits 2 naming the URL when PostgreSQL cannot be reached", { timeout: 60_000 }, async () => {
  const result = await runWeft(["service", "--migrate-only", "--database-url", "postgres://weft:hunter2@127.0.0.1:1/weft"], { cwd: dir, env });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Cannot connect to PostgreSQL at postgres:\/\/weft:\*\*\*\*@127\.0\.0\.1:1\/weft/);
  assert.doesNotMatch(result.stderr, /hunter2/);
});
