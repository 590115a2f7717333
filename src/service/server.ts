import { WeftError } from "../errors/weft-error.ts";
import type { App } from "./api/routes/context.ts";
import { buildApp } from "./app.ts";
import type { OidcSettings } from "./auth/oidc-auth.ts";
import type { Database } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { openDatabase, type DatabaseTarget } from "./db/open-database.ts";
import type { DatastoreOpener } from "./ui/service-source.ts";

export interface ServiceOptions {
  database: DatabaseTarget;
  host: string;
  /** 0 picks a free port. */
  port: number;
  heartbeatTimeoutMs: number;
  oidc?: OidcSettings;
  corsOrigins?: readonly string[];
  uiDir?: string;
  openDatastore?: DatastoreOpener;
}

export interface RunningService {
  /** `http://host:port`. */
  url: string;
  /** Migrations applied at this start. */
  migrated: string[];
  app: App;
  db: Database;
  close(): Promise<void>;
}

/**
 * Opens the database, brings its schema up to date and closes it again: what a
 * Kubernetes init container or a deploy pipeline runs before the service starts
 * (`weft service --migrate-only`). Returns the names of the migrations applied now;
 * empty when the schema was already current.
 */
export async function migrateOnly(target: DatabaseTarget): Promise<string[]> {
  const db = await openDatabase(target);
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}

/** Opens the database, migrates it, and listens. Nothing listens if any step fails. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  // jose loads only when authentication is on.
  const auth = options.oidc && (await (await import("./auth/oidc-auth.ts")).createAuthenticator(options.oidc));
  const db = await openDatabase(options.database);
  try {
    const migrated = await migrate(db);
    const { corsOrigins, uiDir, openDatastore } = options;
    const app = await buildApp({ db, heartbeatTimeoutMs: options.heartbeatTimeoutMs, ...(auth ? { auth } : {}), ...(corsOrigins ? { corsOrigins } : {}), ...(uiDir ? { uiDir } : {}), ...(openDatastore ? { openDatastore } : {}) });
    await app.listen({ host: options.host, port: options.port }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE" && error.code !== "EADDRNOTAVAIL") throw error;
      throw new WeftError("CONFIG", `Cannot listen on ${options.host}:${options.port}: ${error.code === "EADDRINUSE" ? "the port is in use" : "no such address on this machine"}.`, {
        hint: "Pass another --port (0 picks a free one) or --host.",
      });
    });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    return {
      url: `http://${host}:${port}`,
      migrated,
      app,
      db,
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
