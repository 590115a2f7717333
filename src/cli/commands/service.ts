import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { resolveConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from "../../metadata/types.ts";
import { importOptional } from "../optional-import.ts";

interface ServiceOptions {
  host: string;
  port: number;
  databaseUrl?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcRequiredRole?: string;
  heartbeatTimeout: number;
  migrateOnly?: boolean;
  ui?: boolean;
  corsOrigin: string[];
}

const whole = (what: string, min: number, max: number) => (text: string) => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}, got "${text}".`);
  return n;
};

/** An origin as browsers send it: scheme, host and port, no path. */
function checkOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--cors-origin must be an origin such as https://weft.example.com, got "${value}".`);
  }
  if (url.origin === "null" || url.origin !== value.replace(/\/$/, "")) throw new InvalidArgumentError(`--cors-origin must be an origin such as https://weft.example.com (scheme, host, port; no path), got "${value}".`);
  return url.origin;
}

export function serviceCommand(): Command {
  return new Command("service")
    .description("run the metadata service: an HTTP JSON API over PostgreSQL (embedded PGlite in $WEFT_HOME/service-db unless --database-url)")
    .option("--host <address>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", whole("--port", 0, 65535), 8080)
    .option("--database-url <url>", "PostgreSQL URL, e.g. postgres://user:password@host:5432/weft [WEFT_SERVICE_DATABASE_URL]")
    .option("--oidc-issuer <url>", "require bearer JWTs from this OIDC issuer on every route but /healthz [WEFT_SERVICE_OIDC_ISSUER]")
    .option("--oidc-audience <audience>", "the audience those JWTs must carry [WEFT_SERVICE_OIDC_AUDIENCE]")
    .option("--oidc-required-role <role>", "a role (roles or scp claim) those JWTs must carry [WEFT_SERVICE_OIDC_REQUIRED_ROLE]")
    .option("--heartbeat-timeout <seconds>", "a running run silent this long is shown as failed", whole("--heartbeat-timeout", 1, 86_400), HEARTBEAT_TIMEOUT_MS / 1000)
    .option("--migrate-only", "bring the database schema up to date, then exit without listening (a Kubernetes init container, a deploy step)")
    .option("--ui", "also serve the web UI, at the service's own address")
    .option("--cors-origin <origin>", "let web pages from this origin (e.g. https://weft.example.com) call the API; repeat for several", (value: string, all: string[]) => [...all, checkOrigin(value)], [] as string[])
    .action(async (opts: ServiceOptions) => {
      const config = resolveConfig({
        flags: { serviceDatabaseUrl: opts.databaseUrl, serviceOidcIssuer: opts.oidcIssuer, serviceOidcAudience: opts.oidcAudience, serviceOidcRequiredRole: opts.oidcRequiredRole },
      });
      const v = config.values;
      if (Boolean(v.serviceOidcIssuer) !== Boolean(v.serviceOidcAudience)) {
        throw new WeftError("CONFIG", `Bearer authentication needs both an OIDC issuer and an audience; only the ${v.serviceOidcIssuer ? "issuer" : "audience"} is set.`, {
          hint: "Pass --oidc-issuer and --oidc-audience (WEFT_SERVICE_OIDC_ISSUER, WEFT_SERVICE_OIDC_AUDIENCE), or neither to run without authentication.",
        });
      }
      if (opts.heartbeatTimeout * 1000 < 3 * HEARTBEAT_INTERVAL_MS) {
        process.stderr.write(`Warning: runs send heartbeats every ${HEARTBEAT_INTERVAL_MS / 1000} s; with --heartbeat-timeout ${opts.heartbeatTimeout} a live run can be shown as failed between two. Use ${(3 * HEARTBEAT_INTERVAL_MS) / 1000} or more.\n`);
      }
      // The server stack is optional (left out of a task-only install); PGlite loads while starting.
      const { startService, migrateOnly } = await importOptional(() => import("../../service/server.ts"));
      const { redactUrl } = await importOptional(() => import("../../service/db/open-database.ts"));
      const dataDir = join(v.home, "service-db");
      const database = v.serviceDatabaseUrl ? `PostgreSQL at ${redactUrl(v.serviceDatabaseUrl)}` : `embedded PostgreSQL (PGlite) in ${dataDir}`;
      if (opts.migrateOnly) {
        const { SCHEMA_VERSION } = await importOptional(() => import("../../service/db/migrate.ts"));
        const applied = await migrateOnly(v.serviceDatabaseUrl ? { url: v.serviceDatabaseUrl } : { dataDir });
        process.stderr.write(applied.length ? `Migrated ${database}: applied ${applied.join(", ")}.\n` : `${database} is already at schema ${SCHEMA_VERSION}; nothing to migrate.\n`);
        return;
      }
      const uiDir = opts.ui ? (await importOptional(() => import("../../service/ui/ui-apps.ts"))).uiDirectory() : undefined;
      const { openBackend } = await import("../../datastore/registry.ts");
      const service = await importOptional(() => startService({
        database: v.serviceDatabaseUrl ? { url: v.serviceDatabaseUrl } : { dataDir },
        host: opts.host,
        port: opts.port,
        heartbeatTimeoutMs: opts.heartbeatTimeout * 1000,
        corsOrigins: opts.corsOrigin,
        ...(uiDir ? { uiDir } : {}),
        // Runs name their datastore; the service reads it (logs, artifact previews) with its own configuration.
        openDatastore: (kind, root) => openBackend({ kind, root, config }),
        ...(v.serviceOidcIssuer && v.serviceOidcAudience ? { oidc: { issuer: v.serviceOidcIssuer, audience: v.serviceOidcAudience, ...(v.serviceOidcRequiredRole ? { requiredRole: v.serviceOidcRequiredRole } : {}) } } : {}),
      }));
      process.stderr.write(
        `Weft metadata service listening on ${service.url} (${database}${service.migrated.length ? `; migrated: ${service.migrated.join(", ")}` : ""}${v.serviceOidcIssuer ? `; bearer JWTs from ${v.serviceOidcIssuer} required` : ""}).\n` +
          `Point runs at it with WEFT_DEFAULT_METADATA=service WEFT_SERVICE_URL=${service.url}\n` +
          (uiDir ? `Web UI: ${service.url}/\n` : ""),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stderr.write("Stopping the metadata service…\n");
          void service.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
