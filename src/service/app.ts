import { z } from "zod";
import { openBackend } from "../datastore/registry.ts";
import { weftPackage } from "../runtime/package-root.ts";
import { createApiApp } from "./api/create-api-app.ts";
import { uiRoutes } from "./api/routes/ui.ts";
import { serveUiFiles, uiFallback } from "./ui/serve-ui.ts";
import { ServiceUiSource, type DatastoreOpener } from "./ui/service-source.ts";
import { artifactRoutes } from "./api/routes/artifacts.ts";
import { cardRoutes } from "./api/routes/cards.ts";
import { metricRoutes } from "./api/routes/metrics.ts";
import type { App } from "./api/routes/context.ts";
import { runRoutes } from "./api/routes/runs.ts";
import { taskRoutes } from "./api/routes/tasks.ts";
import type { Authenticator } from "./auth/oidc-auth.ts";
import type { Database } from "./db/database.ts";
import { SCHEMA_VERSION } from "./db/migrate.ts";
import { AttemptsRepository } from "./repositories/attempts-repository.ts";
import { CardsRepository } from "./repositories/cards-repository.ts";
import { MetricsRepository } from "./repositories/metrics-repository.ts";
import { RunsRepository } from "./repositories/runs-repository.ts";
import { TasksRepository } from "./repositories/tasks-repository.ts";

export interface AppOptions {
  db: Database;
  heartbeatTimeoutMs: number;
  /** When set, every route but /healthz needs a valid bearer token. */
  auth?: Authenticator;
  /** Origins whose web pages may call the API (CORS). */
  corsOrigins?: readonly string[];
  /** Serves the web UI from this folder (dist/ui) beside the API: `weft service --ui`. */
  uiDir?: string;
  /** Opens the datastore a run's outline names, for its logs and artifact previews; default: the registry with no configuration. */
  openDatastore?: DatastoreOpener;
}

/** The metadata service's HTTP app, without a listening socket (tests inject requests). */
export async function buildApp({ db, heartbeatTimeoutMs, auth, corsOrigins, uiDir, openDatastore }: AppOptions): Promise<App> {
  const app = await createApiApp({ title: "Weft metadata service", ...(auth ? { auth } : {}), ...(corsOrigins ? { corsOrigins } : {}), ...(uiDir ? { fallback: uiFallback(uiDir) } : {}) });
  if (uiDir) serveUiFiles(app, uiDir);

  app.get("/healthz", { schema: { tags: ["service"], summary: "Answers 200 while the database answers" } }, async (_request, reply) => {
    try {
      await db.query("SELECT 1");
      return { status: "ok", database: db.kind };
    } catch {
      return reply.code(503).send({ status: "unavailable", database: db.kind });
    }
  });
  const version = { service: weftPackage().version, schema: SCHEMA_VERSION, api: 1 };
  app.get("/version", { schema: { tags: ["service"], response: { 200: z.object({ service: z.string(), schema: z.string(), api: z.number() }) } } }, () => version);

  const repositories = { runs: new RunsRepository(db, heartbeatTimeoutMs), tasks: new TasksRepository(db), attempts: new AttemptsRepository(db), cards: new CardsRepository(db), metrics: new MetricsRepository(db) };
  runRoutes(app, repositories);
  taskRoutes(app, repositories);
  artifactRoutes(app, repositories);
  cardRoutes(app, repositories);
  metricRoutes(app, repositories);
  uiRoutes(app, new ServiceUiSource(repositories, openDatastore ?? ((kind, root) => openBackend({ kind, root }))));
  await app.ready();
  return app;
}
