import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type OidcIssuer, startOidcIssuer } from "../../test/helpers/oidc-issuer.ts";
import { WeftError } from "../errors/weft-error.ts";
import { ServiceMetadata } from "../metadata/service/service-metadata.ts";
import type { App } from "./api/routes/context.ts";
import { buildApp } from "./app.ts";
import { createAuthenticator } from "./auth/oidc-auth.ts";
import type { Database } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { PgliteDatabase } from "./db/pglite-database.ts";
import { startService, type RunningService } from "./server.ts";

const AUDIENCE = "weft";
const ROLE = "Weft.Write";
const runBody = { user: "ada", tags: [], systemTags: ["user:ada"] };

interface Answer {
  status: number;
  body: { error?: string; message?: string } & Record<string, unknown>;
  headers: Record<string, unknown>;
}

/** One PGlite database and one app over it; `requiredRole` turns on the role check. */
async function appWithAuth(idp: OidcIssuer, requiredRole?: string): Promise<{ app: App; db: Database; close(): Promise<void> }> {
  const db = await PgliteDatabase.open();
  await migrate(db);
  const auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE, ...(requiredRole ? { requiredRole } : {}) });
  const app = await buildApp({ db, heartbeatTimeoutMs: 60_000, auth });
  return { app, db, close: async () => (await app.close(), await db.close()) };
}

function caller(app: () => App) {
  return async (method: "GET" | "POST", url: string, token?: string, payload?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const res = await app().inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {}, headers: res.headers };
  };
}

/** A 401 or 403 in the shape the service promises: JSON {error, message} and a Bearer challenge. */
function assertRefused(answer: Answer, status: 401 | 403, message: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(String(answer.headers["content-type"]), /^application\/json/);
  assert.equal(typeof answer.body.error, "string");
  assert.match(answer.body.message ?? "", message);
  assert.match(String(answer.headers["www-authenticate"]), /^Bearer /);
}

describe("the metadata service's HTTP API with bearer authentication on", () => {
  let idp: OidcIssuer;
  let served: Awaited<ReturnType<typeof appWithAuth>>;
  const call = caller(() => served.app);

  before(async () => {
    idp = await startOidcIssuer({ audience: AUDIENCE });
    served = await appWithAuth(idp);
  });
  after(async () => {
    await served?.close();
    await idp?.stop();
  });

  it("/healthz answers 200 without a token", async () => {
    const answer = await call("GET", "/healthz");
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { status: "ok", database: "pglite" });
  });

  for (const url of ["/flows", "/version", "/openapi.json", "/flows/TrainFlow/runs/1"]) {
    it(`GET ${url} without a token is a 401 with a JSON body that says to send a bearer token`, async () => {
      const answer = await call("GET", url);
      assertRefused(answer, 401, /requires a bearer token.*WEFT_SERVICE_AUTH_TOKEN/);
      assert.equal(answer.body.error, "invalid_request");
    });
  }

  it("a write without a token is refused before it writes anything", async () => {
    assertRefused(await call("POST", "/flows/TrainFlow/runs", undefined, runBody), 401, /bearer token/);
    assert.deepEqual((await call("GET", "/flows", await idp.sign())).body, []);
  });

  it("a valid token is accepted on reads and writes", async () => {
    const token = await idp.sign();
    const created = await call("POST", "/flows/AuthFlow/runs", token, runBody);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const flows = await call("GET", "/flows", token);
    assert.equal(flows.status, 200);
    assert.deepEqual((flows.body as unknown as { name: string }[]).map((f) => f.name), ["AuthFlow"]);
    assert.equal((await call("GET", "/version", token)).status, 200);
    assert.equal((await call("GET", "/flows/AuthFlow/runs/1", token)).body.user, "ada");
  });

  it("a token for another audience is a 401 whose message quotes both audiences", async () => {
    const answer = await call("GET", "/flows", await idp.sign({}, { audience: "other-api" }));
    assertRefused(answer, 401, /for audience "other-api" but this service expects "weft"/);
    assert.equal(answer.body.error, "invalid_token");
    assert.match(String(answer.headers["www-authenticate"]), /error="invalid_token"/);
  });

  it("an expired token is a 401 that says when it expired", async () => {
    const answer = await call("GET", "/flows", await idp.sign({}, { expiresIn: -600 }));
    assertRefused(answer, 401, /expired at \d{4}-\d\d-\d\dT.*get a new token/);
    assert.equal(answer.body.error, "invalid_token");
  });

  it("a token signed by a key the issuer does not publish is a 401", async () => {
    assertRefused(await call("GET", "/flows", await idp.sign({}, { key: "unknown" })), 401, /none of the keys/);
  });

  it("the OpenAPI document declares a bearer security scheme and requires it", async () => {
    const { status, body } = await call("GET", "/openapi.json", await idp.sign());
    assert.equal(status, 200);
    const doc = body as { components?: { securitySchemes?: Record<string, unknown> }; security?: unknown };
    assert.deepEqual(doc.components?.securitySchemes?.bearer, { type: "http", scheme: "bearer", bearerFormat: "JWT" });
    assert.deepEqual(doc.security, [{ bearer: [] }]);
  });

  it("the OpenAPI document of a service without auth declares no security scheme", async () => {
    const open = await buildApp({ db: served.db, heartbeatTimeoutMs: 60_000 });
    try {
      const doc = (await open.inject({ method: "GET", url: "/openapi.json" })).json() as { components?: { securitySchemes?: unknown }; security?: unknown };
      assert.equal(doc.components?.securitySchemes, undefined);
      assert.equal(doc.security, undefined);
    } finally {
      await open.close();
    }
  });
});

describe("the metadata service's HTTP API with a required role", () => {
  let idp: OidcIssuer;
  let served: Awaited<ReturnType<typeof appWithAuth>>;
  const call = caller(() => served.app);

  before(async () => {
    idp = await startOidcIssuer({ audience: AUDIENCE });
    served = await appWithAuth(idp, ROLE);
  });
  after(async () => {
    await served?.close();
    await idp?.stop();
  });

  it("a valid token lacking the role is a 403 insufficient_scope naming the role", async () => {
    const answer = await call("GET", "/flows", await idp.sign({ roles: ["Weft.Read"] }));
    assertRefused(answer, 403, /lacks the role "Weft.Write"/);
    assert.equal(answer.body.error, "insufficient_scope");
    assert.match(String(answer.headers["www-authenticate"]), /error="insufficient_scope"/);
  });

  it("a token carrying the role is accepted", async () => {
    assert.equal((await call("GET", "/flows", await idp.sign({ roles: [ROLE] }))).status, 200);
  });

  it("/healthz still answers without a token", async () => {
    assert.equal((await call("GET", "/healthz")).status, 200);
  });
});

describe("ServiceMetadata against a listening service with authentication", () => {
  let idp: OidcIssuer;
  let service: RunningService;
  let dataDir: string;
  const providers: ServiceMetadata[] = [];
  const provider = (token?: string) => {
    const meta = new ServiceMetadata({ url: service.url, ...(token === undefined ? {} : { token }) });
    providers.push(meta);
    return meta;
  };

  before(async () => {
    idp = await startOidcIssuer({ audience: AUDIENCE });
    dataDir = mkdtempSync(join(tmpdir(), "weft-service-auth-"));
    service = await startService({ database: { dataDir }, host: "127.0.0.1", port: 0, heartbeatTimeoutMs: 60_000, oidc: { issuer: idp.issuer, audience: AUDIENCE } });
  });
  after(async () => {
    for (const meta of providers) meta.close();
    await service?.close();
    await idp?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("with a token it creates and lists runs", async () => {
    const meta = provider(await idp.sign());
    const run = await meta.createRun({ flow: "TokenFlow", user: "ada", tags: ["t"], systemTags: ["user:ada"] });
    assert.equal(run.run, "1");
    const runs = await meta.listRuns("TokenFlow");
    assert.deepEqual(runs.map((r) => [r.run, r.user, r.tags]), [["1", "ada", ["t"]]]);
  });

  it("without a token a call rejects with METADATA_SERVICE, the 401 and a hint naming WEFT_SERVICE_AUTH_TOKEN", async () => {
    const meta = provider();
    const authorised = provider(await idp.sign());
    const before = (await authorised.listRuns("TokenFlow")).length;
    for (const call of [() => meta.listRuns("TokenFlow"), () => meta.createRun({ flow: "TokenFlow", user: "ada", tags: [], systemTags: [] })]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof WeftError, `expected a WeftError, got ${String(error)}`);
        assert.equal(error.code, "METADATA_SERVICE");
        assert.match(error.message, /\(401\)/);
        assert.match(error.message, new RegExp(service.url.replace(/[.]/g, "\\.")));
        assert.match(error.hint ?? "", /set WEFT_SERVICE_AUTH_TOKEN/);
        return true;
      });
    }
    // Nothing was written by the refused createRun.
    assert.equal((await authorised.listRuns("TokenFlow")).length, before);
  });

  it("with a token for another audience a call rejects saying the token was sent but not accepted", async () => {
    const meta = provider(await idp.sign({}, { audience: "other-api" }));
    await assert.rejects(meta.listFlows(), (error: unknown) => {
      assert.ok(error instanceof WeftError);
      assert.equal(error.code, "METADATA_SERVICE");
      assert.match(error.message, /\(401\).*audience "other-api"/);
      assert.match(error.hint ?? "", /WEFT_SERVICE_AUTH_TOKEN was sent but not accepted/);
      return true;
    });
  });
});
