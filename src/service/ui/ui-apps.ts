import { readFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import Fastify, { type FastifyInstance } from "fastify";
import type { StorageBackend } from "../../datastore/types.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { MetadataProvider } from "../../metadata/types.ts";
import { weftPackage } from "../../runtime/package-root.ts";
import { createApiApp, isUiRequest } from "../api/create-api-app.ts";
import type { App } from "../api/routes/context.ts";
import { uiRoutes } from "../api/routes/ui.ts";
import { uiResourceRoutes } from "../api/routes/ui-resources.ts";
import { LocalUiSource } from "./local-source.ts";
import { serveUiFiles, uiFallback } from "./serve-ui.ts";

/** The built UI in the package (`dist/ui`); a clear error when the build has not made it. */
export function uiDirectory(): string {
  const dir = join(weftPackage().root, "dist", "ui");
  if (!existsSync(join(dir, "index.html"))) {
    throw new WeftError("CONFIG", `The web UI is not built: ${join(dir, "index.html")} is missing.`, { hint: "Run `npm run build` in Weft's folder (it builds ui/ into dist/ui)." });
  }
  return dir;
}

/** `weft ui` on local metadata: the UI's API over this machine's metadata and datastore, and the UI. */
export async function buildLocalUiApp(meta: MetadataProvider, backend: StorageBackend, uiDir: string): Promise<App> {
  const app = await createApiApp({ title: "Weft UI (local metadata)", fallback: uiFallback(uiDir) });
  serveUiFiles(app, uiDir);
  const source = new LocalUiSource(meta, backend);
  uiResourceRoutes(app, source);
  uiRoutes(app, source);
  await app.ready();
  return app;
}

export interface ProxySettings {
  /** The metadata service, e.g. http://127.0.0.1:8080. */
  serviceUrl: string;
  /** Sent when the browser sends no token of its own (WEFT_SERVICE_AUTH_TOKEN or its file). */
  token?: () => string | undefined;
}

const FORWARDED_REQUEST = ["accept", "content-type", "authorization", "last-event-id"];
// A card's policy (it sandboxes the card) must reach the browser with it.
const FORWARDED_ANSWER = ["content-type", "content-disposition", "content-length", "cache-control", "www-authenticate", "retry-after", "content-security-policy", "referrer-policy", "x-weft-card"];

/**
 * `weft ui` on the metadata service: the UI, and every other request passed on to the
 * service, so the page needs no CORS and the configured token is added for it.
 */
export async function buildProxyUiApp(settings: ProxySettings, uiDir: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  serveUiFiles(app as unknown as App, uiDir);
  const page = uiFallback(uiDir);
  const base = settings.serviceUrl.replace(/\/*$/, "");
  app.all("/*", async (request, reply) => {
    if (request.method === "GET" && isUiRequest(request.url, request.headers.accept)) return page(request, reply);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const token = settings.token?.();
    if (!headers.authorization && token) headers.authorization = `Bearer ${token}`;
    let answer: Response;
    try {
      answer = await fetch(`${base}${request.url}`, { method: request.method, headers, ...(request.body ? { body: new Uint8Array(request.body as Buffer) } : {}), redirect: "manual" });
    } catch (error) {
      return reply.code(502).send({ error: "unavailable", message: `The metadata service at ${base} [WEFT_SERVICE_URL] cannot be reached: ${(error as Error).message}.` });
    }
    reply.code(answer.status);
    for (const name of FORWARDED_ANSWER) {
      const value = answer.headers.get(name);
      if (value !== null) reply.header(name, value);
    }
    reply.header("x-content-type-options", "nosniff");
    return reply.send(answer.body ? Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream) : null);
  });
  await app.ready();
  return app;
}

/** A token file's current content, read on each request so a rotated token is used. */
export const tokenFromFile = (file: string) => () => readFileSync(file, "utf8").trim() || undefined;
