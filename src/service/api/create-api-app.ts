import fastifySwagger from "@fastify/swagger";
import Fastify from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { weftPackage } from "../../runtime/package-root.ts";
import type { Authenticator } from "../auth/oidc-auth.ts";
import { allowOrigins } from "./cors.ts";
import { handleError } from "./error-handler.ts";
import type { App } from "./routes/context.ts";

export interface ApiAppOptions {
  title: string;
  /** When set, every route but /healthz needs a valid bearer token. */
  auth?: Authenticator;
  /** Origins whose web pages may call the API (CORS). */
  corsOrigins?: readonly string[];
  /** Answers a GET that no route takes (the web UI's pages); otherwise a 404 naming the route. */
  fallback?: (request: import("fastify").FastifyRequest, reply: import("fastify").FastifyReply) => unknown;
}

/**
 * A Fastify app speaking the service's API conventions: zod-validated JSON, errors as
 * `{ error, message, field? }`, the OpenAPI document at /openapi.json, optional CORS
 * and bearer authentication. The metadata service and `weft ui` on local metadata
 * both start from it, so the UI sees one API.
 */
export async function createApiApp({ title, auth, corsOrigins = [], fallback }: ApiAppOptions): Promise<App> {
  // Long path segments reach validation (and its message) instead of a bare 414. Bodies
  // are refused with a 413 beyond 1 MiB, which every bounded body fits; the attempt
  // routes set their own, larger limits (an attempt's end lists up to 10,000 artifacts).
  const app = Fastify({ logger: false, return503OnClosing: true, routerOptions: { maxParamLength: 2048 }, bodyLimit: 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  // JSON only: a form or text body gets 415 and a message, not a confusing schema error.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    if (fallback && request.method === "GET") return fallback(request, reply);
    return reply.code(404).send({ error: "not_found", message: `No route ${request.method} ${request.url.split("?")[0]}; the routes are listed at /openapi.json.` });
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title, version: weftPackage().version },
      ...(auth ? { components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } }, security: [{ bearer: [] }] } : {}),
    },
    transform: jsonSchemaTransform,
  });
  allowOrigins(app, corsOrigins);
  app.addHook("onSend", async (_request, reply) => {
    reply.header("x-content-type-options", "nosniff");
  });
  if (auth) {
    app.addHook("onRequest", async (request, reply) => {
      const path = request.url.split("?")[0]!;
      // The UI's files and pages (GETs no API route takes) carry no data: the page loads, then asks for a token.
      if (path === "/healthz" || (fallback && request.method === "GET" && (path.startsWith("/_ui/") || (request.is404 && isUiRequest(path, request.headers.accept))))) return;
      const outcome = await auth.authenticate(request.headers.authorization);
      if (!outcome.ok) return reply.code(outcome.status).header("www-authenticate", outcome.wwwAuthenticate).send({ error: outcome.error, message: outcome.message });
    });
  }
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  return app;
}

/** A request for the web UI: one of its files, or a page (a browser navigation asks for HTML). */
export function isUiRequest(path: string, accept: string | undefined): boolean {
  return path.startsWith("/_ui/") || (accept ?? "").includes("text/html");
}
