import fastifySwagger from "@fastify/swagger";
import Fastify from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { weftPackage } from "../runtime/package-root.ts";
import { handleError } from "./api/error-handler.ts";
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
}

/** The metadata service's HTTP app, without a listening socket (tests inject requests). */
export async function buildApp({ db, heartbeatTimeoutMs, auth }: AppOptions): Promise<App> {
  // Long path segments reach validation (and its message) instead of a bare 414. Bodies
  // are refused with a 413 beyond 1 MiB, which every bounded body fits; the attempt
  // routes set their own, larger limits (an attempt's end lists up to 10,000 artifacts).
  const app = Fastify({ logger: false, return503OnClosing: true, routerOptions: { maxParamLength: 2048 }, bodyLimit: 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  // JSON only: a form or text body gets 415 and a message, not a confusing schema error.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: "not_found", message: `No route ${request.method} ${request.url.split("?")[0]}; the routes are listed at /openapi.json.` }),
  );
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "Weft metadata service", version: weftPackage().version },
      ...(auth ? { components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } }, security: [{ bearer: [] }] } : {}),
    },
    transform: jsonSchemaTransform,
  });
  if (auth) {
    app.addHook("onRequest", async (request, reply) => {
      if (request.url.split("?")[0] === "/healthz") return;
      const outcome = await auth.authenticate(request.headers.authorization);
      if (!outcome.ok) return reply.code(outcome.status).header("www-authenticate", outcome.wwwAuthenticate).send({ error: outcome.error, message: outcome.message });
    });
  }

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
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());

  const repositories = { runs: new RunsRepository(db, heartbeatTimeoutMs), tasks: new TasksRepository(db), attempts: new AttemptsRepository(db), cards: new CardsRepository(db), metrics: new MetricsRepository(db) };
  runRoutes(app, repositories);
  taskRoutes(app, repositories);
  artifactRoutes(app, repositories);
  cardRoutes(app, repositories);
  metricRoutes(app, repositories);
  await app.ready();
  return app;
}
