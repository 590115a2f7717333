import type { App } from "./routes/context.ts";

/**
 * Lets a web UI served from another origin (`origins`, e.g. `https://weft.example.com`)
 * call the API from the browser: answers preflights, and marks answers to those origins
 * readable. Registered before authentication, so a preflight (which carries no token)
 * is answered; the request that follows still needs one. No origin is allowed by default.
 */
export function allowOrigins(app: App, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const allowed = new Set(origins.map((o) => o.replace(/\/$/, "")));
  app.addHook("onRequest", async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !allowed.has(origin)) return;
    reply.header("access-control-allow-origin", origin).header("vary", "Origin").header("access-control-expose-headers", "content-disposition");
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      return reply
        .code(204)
        .header("access-control-allow-methods", "GET, POST, PUT, OPTIONS")
        .header("access-control-allow-headers", "authorization, content-type")
        .header("access-control-max-age", "600")
        .send();
    }
  });
}
