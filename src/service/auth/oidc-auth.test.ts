import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { type OidcIssuer, startOidcIssuer } from "../../../test/helpers/oidc-issuer.ts";
import { closedPort } from "../../../test/helpers/processes.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { type Authenticator, type AuthOutcome, createAuthenticator } from "./oidc-auth.ts";

const AUDIENCE = "api://weft-metadata";

type Rejection = Extract<AuthOutcome, { ok: false }>;

/** Asserts a rejection and that neither the token nor any long piece of it is echoed. */
function rejected(outcome: AuthOutcome, expected: { status: 401 | 403; error: Rejection["error"]; message: RegExp }, token?: string): Rejection {
  assert.equal(outcome.ok, false, "expected a rejection");
  const failure = outcome as Rejection;
  assert.equal(failure.status, expected.status);
  assert.equal(failure.error, expected.error);
  assert.match(failure.message, expected.message);
  if (token !== undefined) assertNotEchoed(failure, token);
  return failure;
}

function assertNotEchoed(failure: Rejection, token: string): void {
  for (const piece of [token, ...token.split(".").filter((p) => p.length >= 8)]) {
    assert.ok(!failure.message.includes(piece), `message echoes the token: ${failure.message}`);
    assert.ok(!failure.wwwAuthenticate.includes(piece), `WWW-Authenticate echoes the token: ${failure.wwwAuthenticate}`);
  }
}

/** The WeftError that `promise` rejects with, after checking its code. */
async function weftErrorOf(promise: Promise<unknown>, code: string): Promise<WeftError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof WeftError, `expected a WeftError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail("expected a WeftError");
}


const hs256 = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode("a shared secret that is 32 bytes"));

describe("bearer-JWT authentication", () => {
  let idp: OidcIssuer;
  let auth: Authenticator;
  const bearer = (token: string) => auth.authenticate(`Bearer ${token}`);

  before(async () => {
    idp = await startOidcIssuer({ audience: AUDIENCE });
    auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE });
  });
  after(() => idp.stop());

  it("accepts a valid token and returns its subject and claims", async () => {
    const outcome = await bearer(await idp.sign({ name: "Ada" }));
    assert.equal(outcome.ok, true);
    assert.ok(outcome.ok);
    assert.equal(outcome.subject, "ada@example.com");
    assert.equal(outcome.claims.name, "Ada");
  });

  it("accepts the Bearer scheme in any letter case", async () => {
    const outcome = await auth.authenticate(`bearer ${await idp.sign()}`);
    assert.equal(outcome.ok, true);
  });

  it("accepts a token that expired within the 30 s clock tolerance", async () => {
    assert.equal((await bearer(await idp.sign({}, { expiresIn: -10 }))).ok, true);
  });

  it("rejects a request without an Authorization header, with a bare Bearer challenge", async () => {
    for (const header of [undefined, "", "   "]) {
      const failure = rejected(await auth.authenticate(header), { status: 401, error: "invalid_request", message: /requires a bearer token: send `Authorization: Bearer <JWT>`.*WEFT_SERVICE_AUTH_TOKEN/ });
      assert.equal(failure.wwwAuthenticate, 'Bearer realm="weft"');
    }
  });

  it("rejects another scheme, naming the scheme received", async () => {
    const failure = rejected(await auth.authenticate("Basic YWRhOnMzY3IzdA=="), { status: 401, error: "invalid_request", message: /"Basic" scheme.*only Bearer/ }, "YWRhOnMzY3IzdA==");
    assert.equal(failure.wwwAuthenticate, 'Bearer realm="weft"');
  });

  it("rejects a token sent without a scheme, without echoing it", async () => {
    const token = await idp.sign();
    rejected(await auth.authenticate(token), { status: 401, error: "invalid_request", message: /has no scheme: send `Authorization: Bearer <JWT>`/ }, token);
  });

  it("rejects the Bearer scheme without a token", async () => {
    rejected(await auth.authenticate("Bearer"), { status: 401, error: "invalid_request", message: /says Bearer but carries no token/ });
  });

  it("rejects a token that is not a JWT", async () => {
    const opaque = "s3cr3t-opaque-access-token";
    const failure = rejected(await bearer(opaque), { status: 401, error: "invalid_token", message: /not a JWT: expected three base64url parts separated by dots, got 1/ }, opaque);
    assert.match(failure.wwwAuthenticate, /^Bearer realm="weft", error="invalid_token", error_description="The bearer token is not a JWT/);
    rejected(await bearer("bm90.anNvbg.c2ln"), { status: 401, error: "invalid_token", message: /header is not base64url-encoded JSON/ });
  });

  it("rejects an expired token, saying when it expired", async () => {
    const token = await idp.sign({}, { expiresIn: -120 });
    const expiredAt = new Date(decodeJwt(token).exp! * 1000).toISOString();
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: new RegExp(`expired at ${expiredAt.replace(/\./g, "\\.")}; get a new token`) }, token);
  });

  it("rejects a token that is not yet valid, saying from when it is", async () => {
    const token = await idp.sign({}, { notBefore: 120 });
    const from = new Date(decodeJwt(token).nbf! * 1000).toISOString();
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: new RegExp(`not valid before ${from.replace(/\./g, "\\.")}.*clocks`) }, token);
  });

  it("rejects a token for another audience, quoting the audience received and the one expected", async () => {
    const token = await idp.sign({}, { audience: "api://other-app" });
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: /audience "api:\/\/other-app" but this service expects "api:\/\/weft-metadata"/ }, token);
    const none = await idp.sign({ aud: undefined });
    rejected(await bearer(none), { status: 401, error: "invalid_token", message: /no audience \(aud\); this service expects "api:\/\/weft-metadata"/ }, none);
  });

  it("rejects a token from another issuer, quoting both issuers", async () => {
    const token = await idp.sign({}, { issuer: "https://login.example.org/other" });
    const expected = new RegExp(`issued by "https://login.example.org/other" but this service trusts only "${idp.issuer}"`);
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: expected }, token);
  });

  it("rejects a token signed by a key the issuer does not publish", async () => {
    const token = await idp.sign({}, { key: "unknown" });
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: /signed with key "unpublished", which none of the keys issuer .* publishes at .*\/jwks fits/ }, token);
  });

  it("rejects a token whose signature does not verify with the key it names", async () => {
    const kid = (await idp.sign()).split(".")[0]!;
    const known = JSON.parse(Buffer.from(kid, "base64url").toString()).kid as string;
    const token = await idp.sign({}, { key: "unknown", kid: known });
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: new RegExp(`signature does not verify with key "${known}".*altered`) }, token);
  });

  it("rejects an HS256 token, naming the algorithm", async () => {
    const token = await hs256({ iss: idp.issuer, aud: AUDIENCE, sub: "mallory", exp: Math.floor(Date.now() / 1000) + 300 });
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: /signed with "HS256", a shared-secret algorithm; .*RS256/ }, token);
  });

  it("rejects an unsigned token (alg none)", async () => {
    const token = new UnsecuredJWT({ iss: idp.issuer, aud: AUDIENCE, sub: "mallory" }).setExpirationTime("5m").encode();
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: /unsigned \(alg "none"\)/ }, token);
  });

  it("rejects a forged token whose header imitates a successful outcome", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const header = { alg: "RS256", kid: "forged", ok: true, subject: "root", claims: {} };
    const token = await new SignJWT({ iss: idp.issuer, aud: AUDIENCE, sub: "root" }).setProtectedHeader(header).setExpirationTime("5m").sign(privateKey);
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: /key "forged"/ }, token);
  });

  it("rejects a token without a subject", async () => {
    const token = await idp.sign({ sub: undefined });
    rejected(await bearer(token), { status: 401, error: "invalid_token", message: /no subject \(sub\)/ }, token);
  });

  it("escapes quotes in the WWW-Authenticate error description and keeps it printable ASCII", async () => {
    const token = await idp.sign({}, { audience: 'say "hi"\n\u00e9' });
    const failure = rejected(await bearer(token), { status: 401, error: "invalid_token", message: /audience/ }, token);
    const description = /error_description="((?:[^"\\]|\\.)*)"$/.exec(failure.wwwAuthenticate)?.[1];
    assert.ok(description, `no quoted error_description in ${failure.wwwAuthenticate}`);
    assert.match(description, /\\"/);
    assert.match(failure.wwwAuthenticate, /^[\x20-\x7e]*$/);
  });

  it("never puts the token in a message or challenge", async () => {
    const tokens = [
      await idp.sign({}, { expiresIn: -600 }),
      await idp.sign({}, { audience: "x" }),
      await idp.sign({}, { issuer: "https://evil.example" }),
      await idp.sign({}, { key: "unknown" }),
      await hs256({ sub: "x" }),
      new UnsecuredJWT({ sub: "x" }).encode(),
      "not-a-jwt-but-a-long-secret-value",
    ];
    for (const token of tokens) {
      for (const header of [`Bearer ${token}`, token, `Token ${token}`]) {
        const outcome = await auth.authenticate(header);
        assert.equal(outcome.ok, false);
        assertNotEchoed(outcome as Rejection, token);
      }
    }
  });
});

describe("bearer-JWT authentication with a required role", () => {
  let idp: OidcIssuer;
  let auth: Authenticator;

  before(async () => {
    idp = await startOidcIssuer({ audience: AUDIENCE });
    auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE, requiredRole: "Weft.Write" });
  });
  after(() => idp.stop());

  it("accepts a token whose roles claim holds the role", async () => {
    assert.equal((await auth.authenticate(`Bearer ${await idp.sign({ roles: ["Weft.Read", "Weft.Write"] })}`)).ok, true);
  });

  it("accepts a token whose space-separated scp claim holds the role", async () => {
    assert.equal((await auth.authenticate(`Bearer ${await idp.sign({ scp: "openid Weft.Write profile" })}`)).ok, true);
  });

  it("refuses a token without the role with 403 insufficient_scope, naming the subject, the role and the roles it has", async () => {
    const token = await idp.sign({ roles: ["Weft.Read"], scp: "openid" });
    const failure = rejected(await auth.authenticate(`Bearer ${token}`), {
      status: 403,
      error: "insufficient_scope",
      message: /"ada@example.com" lacks the role "Weft.Write".*roles \["Weft.Read"\] and scopes \["openid"\]/,
    }, token);
    assert.match(failure.wwwAuthenticate, /^Bearer realm="weft", error="insufficient_scope", error_description="/);
    rejected(await auth.authenticate(`Bearer ${await idp.sign({ scp: "Weft.Writer" })}`), { status: 403, error: "insufficient_scope", message: /scopes \["Weft.Writer"\]/ });
    rejected(await auth.authenticate(`Bearer ${await idp.sign()}`), { status: 403, error: "insufficient_scope", message: /carries no roles or scopes/ });
  });
});

describe("signing keys", () => {
  const issuers: OidcIssuer[] = [];
  const issuer = async () => {
    const idp = await startOidcIssuer({ audience: AUDIENCE });
    issuers.push(idp);
    return idp;
  };
  after(() => Promise.all(issuers.map((idp) => idp.stop())));

  it("fetches the JWKS once for many valid requests", async () => {
    const idp = await issuer();
    const auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE });
    assert.equal(idp.jwksRequests, 0, "discovery alone does not fetch the JWKS");
    const outcomes = await Promise.all(Array.from({ length: 10 }, async () => auth.authenticate(`Bearer ${await idp.sign()}`)));
    outcomes.push(await auth.authenticate(`Bearer ${await idp.sign()}`));
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(idp.jwksRequests, 1);
  });

  it("accepts a token signed with a new key after the issuer rotates, by fetching the JWKS again", async () => {
    const idp = await issuer();
    const auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE }, { jwksCooldownMs: 0 });
    assert.equal((await auth.authenticate(`Bearer ${await idp.sign()}`)).ok, true);
    assert.equal(idp.jwksRequests, 1);
    await idp.rotate();
    const outcome = await auth.authenticate(`Bearer ${await idp.sign()}`);
    assert.equal(outcome.ok, true, outcome.ok ? "" : outcome.message);
    assert.equal(idp.jwksRequests, 2);
  });

  it("does not fetch the JWKS again for an unknown key within the cooldown", async () => {
    const idp = await issuer();
    const auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE });
    assert.equal((await auth.authenticate(`Bearer ${await idp.sign()}`)).ok, true);
    for (let i = 0; i < 3; i++) {
      rejected(await auth.authenticate(`Bearer ${await idp.sign({}, { key: "unknown", kid: `made-up-${i}` })}`), { status: 401, error: "invalid_token", message: /made-up-/ });
    }
    assert.equal(idp.jwksRequests, 1);
  });

  it("answers 401 invalid_token, without throwing, when the issuer's JWKS cannot be fetched", async () => {
    const idp = await issuer();
    const auth = await createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE });
    const token = await idp.sign();
    await idp.stop();
    rejected(await auth.authenticate(`Bearer ${token}`), {
      status: 401,
      error: "invalid_token",
      message: new RegExp(`could not fetch the signing keys of issuer "${idp.issuer}" from ${idp.issuer}/jwks \\(fetch failed: .+\\), so it cannot verify`),
    }, token);
  });
});

describe("createAuthenticator", () => {
  it("rejects an unreachable issuer with CONFIG, quoting the URL and the cause", async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const error = await weftErrorOf(createAuthenticator({ issuer, audience: AUDIENCE }), "CONFIG");
    assert.match(error.message, new RegExp(`GET ${issuer}/\\.well-known/openid-configuration failed \\(.*ECONNREFUSED`));
    assert.match(error.hint ?? "", /--oidc-issuer \/ WEFT_SERVICE_OIDC_ISSUER/);
  });

  it("rejects an issuer whose discovery document names another issuer", async () => {
    const idp = await startOidcIssuer({ advertisedIssuer: "https://login.example.org/tenant/v2.0" });
    try {
      const error = await weftErrorOf(createAuthenticator({ issuer: idp.issuer, audience: AUDIENCE }), "CONFIG");
      assert.match(error.message, /returned the document of issuer "https:\/\/login.example.org\/tenant\/v2.0", not "http:\/\/127.0.0.1:\d+"/);
      assert.match(error.hint ?? "", /--oidc-issuer \/ WEFT_SERVICE_OIDC_ISSUER/);
    } finally {
      await idp.stop();
    }
  });

  it("rejects an issuer URL without a discovery document", async () => {
    const idp = await startOidcIssuer();
    try {
      const error = await weftErrorOf(createAuthenticator({ issuer: `${idp.issuer}/wrong-tenant`, audience: AUDIENCE }), "CONFIG");
      assert.match(error.message, /wrong-tenant\/\.well-known\/openid-configuration answered HTTP 404/);
    } finally {
      await idp.stop();
    }
  });

  it("tolerates a trailing slash on the configured issuer", async () => {
    const idp = await startOidcIssuer({ audience: AUDIENCE });
    try {
      const auth = await createAuthenticator({ issuer: `${idp.issuer}/`, audience: AUDIENCE });
      assert.equal((await auth.authenticate(`Bearer ${await idp.sign()}`)).ok, true);
    } finally {
      await idp.stop();
    }
  });
});
