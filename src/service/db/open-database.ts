import { mkdirSync } from "node:fs";
import { WeftError } from "../../errors/weft-error.ts";
import type { Database } from "./database.ts";
import { PgDatabase } from "./pg-database.ts";
import { PgliteDatabase } from "./pglite-database.ts";
import { holdDirectoryLock } from "./directory-lock.ts";

export type DatabaseTarget = { url: string } | { dataDir: string };

/** Opens PostgreSQL at a URL, or the embedded PGlite in a directory no other service holds. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if ("url" in target) {
    const db = new PgDatabase(target.url);
    try {
      await db.query("SELECT 1");
    } catch (error) {
      await db.close().catch(() => {});
      throw new WeftError("CONFIG", `Cannot connect to PostgreSQL at ${redactUrl(target.url)} [--database-url / WEFT_SERVICE_DATABASE_URL]: ${(error as Error).message}.`, {
        hint: "Check that the server runs and accepts connections from this machine, and the user, password and database in the URL (postgres://user:password@host:5432/database).",
        cause: error,
      });
    }
    return db;
  }
  mkdirSync(target.dataDir, { recursive: true });
  const release = holdDirectoryLock(target.dataDir);
  try {
    const db = await PgliteDatabase.open(target.dataDir);
    return { kind: db.kind, query: db.query.bind(db), exec: db.exec.bind(db), transaction: db.transaction.bind(db), close: async () => (await db.close(), release()) };
  } catch (error) {
    release();
    throw error;
  }
}

/** The URL without its passwords (the user part, and `pg`'s `password`/`sslpassword` parameters), for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    for (const key of ["password", "sslpassword"]) if (parsed.searchParams.has(key)) parsed.searchParams.set(key, "****");
    return parsed.toString();
  } catch {
    return "(a malformed URL)";
  }
}
