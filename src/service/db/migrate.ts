import { Umzug, type UmzugStorage } from "umzug";
import type { Database, Queryable } from "./database.ts";
import * as initial from "./migrations/0001-initial.ts";
import * as textIds from "./migrations/0002-text-ids.ts";
import * as cardsMetrics from "./migrations/0003-cards-metrics.ts";
import * as uiRunSpec from "./migrations/0004-ui-run-spec.ts";
import * as runOrchestrator from "./migrations/0005-run-orchestrator.ts";

/** Every migration, in order. A shipped migration is never edited: add the next one. */
const MIGRATIONS: { name: string; up: string }[] = [
  { name: "0001-initial", up: initial.up },
  { name: "0002-text-ids", up: textIds.up },
  { name: "0003-cards-metrics", up: cardsMetrics.up },
  { name: "0004-ui-run-spec", up: uiRunSpec.up },
  { name: "0005-run-orchestrator", up: runOrchestrator.up },
];

/** Arbitrary, fixed: serialises services starting at once against one database. */
const MIGRATION_LOCK = 7_364_118;

const storage: UmzugStorage<Queryable> = {
  async executed({ context }) {
    return (await context.query<{ name: string }>("SELECT name FROM weft_migrations ORDER BY name")).map((r) => r.name);
  },
  async logMigration({ name, context }) {
    await context.query("INSERT INTO weft_migrations (name) VALUES ($1)", [name]);
  },
  async unlogMigration({ name, context }) {
    await context.query("DELETE FROM weft_migrations WHERE name = $1", [name]);
  },
};

/**
 * Brings the schema up to date in one transaction (PostgreSQL's DDL is
 * transactional), holding an advisory lock so two services starting together do
 * not both migrate. Returns the names of the migrations applied now.
 */
export async function migrate(db: Database): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query("CREATE TABLE IF NOT EXISTS weft_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const umzug = new Umzug<Queryable>({
      migrations: MIGRATIONS.map(({ name, up }) => ({ name, up: async ({ context }) => context.exec(up) })),
      context: tx,
      storage,
      logger: undefined,
    });
    return (await umzug.up()).map((m) => m.name);
  });
}

/** The newest migration's name: the schema version this build expects. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.name;
