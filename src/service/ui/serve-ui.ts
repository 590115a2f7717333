import { readFileSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../api/routes/context.ts";

/**
 * The web UI's Content-Security-Policy: its own scripts and styles only, no inline
 * script, requests to its own origin only, images from itself or data: URLs (artifact
 * previews), frames only from itself (cards, sandboxed). Nothing from a run can run.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

const secure = (reply: FastifyReply) => reply.header("content-security-policy", UI_CSP).header("referrer-policy", "no-referrer").header("x-frame-options", "DENY");

/** The UI's files under /_ui/ (Vite's `base`), from `dir` only; hashed names are cached for a year. */
export function serveUiFiles(app: App, dir: string): void {
  const root = resolve(dir);
  app.get("/_ui/*", { schema: { hide: true } }, async (request, reply) => {
    const relative = decodeURIComponent((request.params as { "*": string })["*"]);
    const path = resolve(root, relative);
    const type = TYPES[extname(path)];
    if (!path.startsWith(root + sep) || !type || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
      return reply.code(404).send({ error: "not_found", message: `No UI file ${relative}.` });
    }
    const immutable = /[.-][A-Za-z0-9_-]{8,}\.(js|css)$/.test(path);
    return secure(reply)
      .header("content-type", type)
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .send(readFileSync(path));
  });
}

/**
 * Pages: any GET a browser navigates to (it asks for HTML) that no API route takes gets
 * the UI's index.html, whose script reads the pathspec from the URL.
 */
export function uiFallback(dir: string): (request: FastifyRequest, reply: FastifyReply) => unknown {
  const index = join(dir, "index.html");
  return (request, reply) => {
    if (!(request.headers.accept ?? "").includes("text/html")) {
      return reply.code(404).send({ error: "not_found", message: `No route GET ${request.url.split("?")[0]}; the routes are listed at /openapi.json.` });
    }
    return secure(reply).header("content-type", TYPES[".html"]!).header("cache-control", "no-cache").send(readFileSync(index));
  };
}
