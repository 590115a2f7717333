import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Authenticator } from "../auth/oidc-auth.ts";
import { createApiApp } from "./create-api-app.ts";

/** Refuses every request: what a preflight, which carries no token, would meet without CORS going first. */
const refuseAll: Authenticator = {
  authenticate: async () => ({ ok: false, status: 401, error: "invalid_request", message: "No bearer token.", wwwAuthenticate: 'Bearer realm="weft"' }),
};

async function app() {
  const built = await createApiApp({ title: "test", auth: refuseAll, corsOrigins: ["https://ui.example.com"] });
  built.get("/runs", () => ({ runs: [] }));
  await built.ready();
  return built;
}

describe("CORS", () => {
  it("answers a preflight from an allowed origin before authentication, naming the methods and headers", async () => {
    const res = await (await app()).inject({ method: "OPTIONS", url: "/runs", headers: { origin: "https://ui.example.com", "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers["access-control-allow-origin"], "https://ui.example.com");
    assert.match(String(res.headers["access-control-allow-headers"]), /authorization/);
    assert.match(String(res.headers["access-control-allow-methods"]), /GET/);
  });

  it("marks an answer to an allowed origin readable, and the request still needs its token", async () => {
    const res = await (await app()).inject({ method: "GET", url: "/runs", headers: { origin: "https://ui.example.com" } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers["access-control-allow-origin"], "https://ui.example.com");
  });

  it("allows no other origin", async () => {
    const res = await (await app()).inject({ method: "OPTIONS", url: "/runs", headers: { origin: "https://evil.example.com", "access-control-request-method": "GET" } });
    assert.equal(res.headers["access-control-allow-origin"], undefined);
    assert.notEqual(res.statusCode, 204);
  });
});
