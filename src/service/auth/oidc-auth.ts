// Optional bearer-JWT authentication of the metadata service against an OpenID
// Connect issuer (Entra ID, or any issuer with discovery and a JWKS). Every rejection
// says what was wrong with the token and what to do, without quoting the token.
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from "jose";
import { WeftError } from "../../errors/weft-error.ts";

export interface OidcSettings {
  /** The issuer URL exactly as tokens carry it in `iss` (a trailing slash is tolerated). */
  issuer: string;
  /** The value that must appear in the token's `aud` claim. */
  audience: string;
  /** optional: a value that must appear in the token's `roles` claim (Entra ID app roles) or space-separated `scp` claim */
  requiredRole?: string;
}

/** Tuning that deployments do not normally change; tests shorten the JWKS cooldown. */
export interface AuthenticatorOptions {
  /**
   * After a JWKS fetch, how long a token naming an unknown `kid` is rejected without
   * fetching again (default 30 000 ms, jose's default). It bounds how often tokens
   * with made-up key ids can make this service call the issuer; a real key rotation
   * is seen once it has passed, since issuers publish new keys before using them.
   */
  jwksCooldownMs?: number;
}

export type AuthOutcome =
  | { ok: true; subject: string; claims: import("jose").JWTPayload }
  | { ok: false; status: 401 | 403; error: "invalid_request" | "invalid_token" | "insufficient_scope"; message: string; /** the WWW-Authenticate header value to send (RFC 6750) */ wwwAuthenticate: string };

export interface Authenticator {
  /**
   * Checks an `Authorization` header value. Never throws for a bad, missing or
   * unverifiable token (including an unreachable JWKS endpoint): those are outcomes.
   */
  authenticate(authorization: string | undefined): Promise<AuthOutcome>;
}

/** Asymmetric signatures only: a shared-secret (HS*) or unsigned token proves nothing about the issuer. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
const CLOCK_TOLERANCE_S = 30;
const DISCOVERY_TIMEOUT_MS = 5000;
const SEND_BEARER = "send `Authorization: Bearer <JWT>` (the Weft runtime sends WEFT_SERVICE_AUTH_TOKEN)";
const ISSUER_HINT =
  "Check --oidc-issuer / WEFT_SERVICE_OIDC_ISSUER: it must be the issuer URL that tokens carry in `iss`, reachable from this service, " +
  "e.g. https://login.microsoftonline.com/<tenant-id>/v2.0 for Entra ID.";

interface Discovered {
  /** The issuer as the discovery document spells it, which is what tokens carry. */
  issuer: string;
  jwksUri: URL;
}

/**
 * Fetches the issuer's OpenID discovery document (so a wrong issuer fails at service start, not at the first request) and returns an authenticator; JWKS fetched via jose createRemoteJWKSet (cached, refetched on unknown kid).
 * Throws WeftError CONFIG when discovery fails or names another issuer.
 */
export async function createAuthenticator(settings: OidcSettings, options: AuthenticatorOptions = {}): Promise<Authenticator> {
  const discovered = await discover(settings.issuer);
  const remote = createRemoteJWKSet(discovered.jwksUri, { cooldownDuration: options.jwksCooldownMs ?? 30_000 });
  // Separate "the issuer's keys could not be fetched" from "the token names an unknown key".
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw new KeyFetchFailed(describeError(err), { cause: err });
    }
  };
  const context: VerifyContext = { ...settings, issuer: discovered.issuer, jwksUri: discovered.jwksUri.href, getKey };
  return { authenticate: (authorization) => authenticate(authorization, context) };
}

class KeyFetchFailed extends Error {}

interface VerifyContext {
  issuer: string;
  audience: string;
  requiredRole?: string | undefined;
  jwksUri: string;
  getKey: JWTVerifyGetKey;
}

async function discover(configured: string): Promise<Discovered> {
  const url = `${trimSlash(configured)}/.well-known/openid-configuration`;
  const fail = (what: string, cause?: unknown, hint = ISSUER_HINT) =>
    new WeftError("CONFIG", `Cannot use OIDC issuer "${configured}": GET ${url} ${what}.`, { hint, cause });
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
  } catch (err) {
    throw fail(`failed (${describeError(err)})`, err);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw fail(`answered HTTP ${response.status}, not 200 with the OpenID discovery document`);
  }
  let doc: unknown;
  try {
    doc = await response.json();
  } catch (err) {
    throw fail(`did not return JSON (${describeError(err)})`, err);
  }
  const { issuer, jwks_uri: jwksUri } = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  if (typeof jwksUri !== "string" || !URL.canParse(jwksUri)) throw fail(`returned a document without a valid jwks_uri (got ${quote(jwksUri)})`);
  if (typeof issuer !== "string" || trimSlash(issuer) !== trimSlash(configured)) {
    throw fail(`returned the document of issuer ${quote(issuer)}, not "${configured}"`, undefined,
      `Set --oidc-issuer / WEFT_SERVICE_OIDC_ISSUER to the issuer exactly as its discovery document and its tokens name it.`);
  }
  return { issuer, jwksUri: new URL(jwksUri) };
}

async function authenticate(authorization: string | undefined, context: VerifyContext): Promise<AuthOutcome> {
  const token = bearerToken(authorization);
  if (typeof token !== "string") return token;
  // A tagged result, never `"ok" in header`: the header is attacker-controlled JSON.
  const read = readHeader(token);
  if (!read.valid) return read.outcome;
  const header = read.header;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, context.getKey, {
      issuer: context.issuer,
      audience: context.audience,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "sub"],
    }));
  } catch (err) {
    return invalidToken(explainFailure(err, header, context));
  }
  const subject = payload.sub;
  if (typeof subject !== "string" || subject === "") return invalidToken(`The bearer token's subject (sub) is ${quote(subject)}, not a name; this service needs it to know who is calling.`);
  if (context.requiredRole !== undefined) {
    const denied = checkRole(subject, payload, context.requiredRole);
    if (denied) return denied;
  }
  return { ok: true, subject, claims: payload };
}

/** The token of a `Bearer` header, or the outcome explaining why there is none. */
function bearerToken(authorization: string | undefined): string | AuthOutcome {
  const value = authorization?.trim() ?? "";
  if (value === "") return noCredentials(`This metadata service requires a bearer token: ${SEND_BEARER}.`);
  const [, scheme = "", rest = ""] = /^(\S+)\s*(.*)$/s.exec(value) ?? [];
  if (scheme.toLowerCase() === "bearer") {
    const token = rest.trim();
    if (token) return token;
    return fail401("invalid_request", `The Authorization header says Bearer but carries no token: ${SEND_BEARER}.`);
  }
  // A lone word is most likely a token sent without its scheme: never echo it.
  if (rest === "") return noCredentials(`The Authorization header has no scheme: ${SEND_BEARER}.`);
  const named = /^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(scheme) ? `the "${scheme}" scheme` : "an unsupported scheme";
  return noCredentials(`The Authorization header uses ${named}; this service accepts only Bearer tokens: ${SEND_BEARER}.`);
}

/** The JWS header, or the outcome for a token that is not a signed JWT with an accepted algorithm. */
function readHeader(token: string): { valid: true; header: ProtectedHeaderParameters } | { valid: false; outcome: AuthOutcome } {
  const reject = (message: string) => ({ valid: false as const, outcome: invalidToken(message) });
  const parts = token.split(".").length;
  if (parts === 5) {
    return reject("The bearer token is an encrypted JWT (JWE, five parts); this service accepts only signed JWTs (three parts): send the issuer's access token.");
  }
  if (parts !== 3) {
    return reject(`The bearer token is not a JWT: expected three base64url parts separated by dots, got ${parts}. Send an access token from the issuer, not an opaque token or a secret.`);
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return reject("The bearer token is not a JWT: its header is not base64url-encoded JSON. Send an access token from the issuer.");
  }
  const alg = header.alg;
  if (typeof alg !== "string" || alg === "") return reject("The bearer token's header names no algorithm (alg); send an access token from the issuer.");
  if (alg.toLowerCase() === "none") {
    return reject(`The bearer token is unsigned (alg ${quote(alg)}); this service accepts only tokens signed with the issuer's published keys (${ALGORITHMS.join(", ")}).`);
  }
  if (!ALGORITHMS.includes(alg)) {
    const kind = /^HS/i.test(alg) ? ", a shared-secret algorithm" : "";
    return reject(`The bearer token is signed with ${quote(alg)}${kind}; this service accepts only tokens signed with the issuer's published keys (${ALGORITHMS.join(", ")}).`);
  }
  return { valid: true, header };
}

/** The 401 message for an error thrown by jwtVerify; rethrows what is not a token problem. */
function explainFailure(err: unknown, header: ProtectedHeaderParameters, context: VerifyContext): string {
  if (err instanceof KeyFetchFailed) {
    return `This service could not fetch the signing keys of issuer "${context.issuer}" from ${context.jwksUri} (${err.message}), so it cannot verify the bearer token; retry later, and check that the service can reach the issuer.`;
  }
  if (err instanceof errors.JWTExpired) return `The bearer token expired at ${isoTime(err.payload.exp)}; get a new token.`;
  if (err instanceof errors.JWTClaimValidationFailed) return explainClaim(err, context);
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return `The bearer token's signature does not verify with key ${quote(header.kid)} of issuer "${context.issuer}": it was not signed by that issuer, or it was altered after signing. Get a new token from the issuer.`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    const key = header.kid === undefined ? "names no key (kid), and none" : `is signed with key ${quote(header.kid)}, which none`;
    return `The bearer token ${key} of the keys issuer "${context.issuer}" publishes at ${context.jwksUri} fits; get a token from that issuer (if it just rotated its keys, retry in a minute).`;
  }
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return `The bearer token names no key (kid) and issuer "${context.issuer}" publishes several that fit; send a token whose header names its key.`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `The bearer token is signed with ${quote(header.alg)}, which this service does not accept (${ALGORITHMS.join(", ")}).`;
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return `The bearer token is not a valid JWT (${err.message}); send an access token from the issuer.`;
  if (err instanceof errors.JOSEError) return `The bearer token was rejected (${err.message}); get a new token from the issuer.`;
  throw err;
}

function explainClaim(err: InstanceType<typeof errors.JWTClaimValidationFailed>, context: VerifyContext): string {
  const { claim, reason, payload } = err;
  const missing = reason === "missing";
  switch (claim) {
    case "aud":
      return missing
        ? `The bearer token has no audience (aud); this service expects "${context.audience}": request a token for that audience.`
        : `The bearer token is for audience ${quote(payload.aud)} but this service expects "${context.audience}": request a token for "${context.audience}".`;
    case "iss":
      return missing
        ? `The bearer token names no issuer (iss); this service trusts only "${context.issuer}": get a token from that issuer.`
        : `The bearer token was issued by ${quote(payload.iss)} but this service trusts only "${context.issuer}": get a token from that issuer.`;
    case "nbf":
      return `The bearer token is not valid before ${isoTime(payload.nbf)}; retry then, or check that the clocks of the issuer and this service agree.`;
    case "exp":
      if (missing) return "The bearer token has no expiry (exp); this service accepts only tokens that expire.";
      break;
    case "sub":
      if (missing) return "The bearer token has no subject (sub); this service needs it to know who is calling.";
      break;
  }
  return `The bearer token's "${claim}" claim is invalid (${err.message}); get a new token from the issuer.`;
}

/** The 403 outcome when the token carries neither the role nor the scope `role`; null when it does. */
function checkRole(subject: string, claims: JWTPayload, role: string): AuthOutcome | null {
  const roles = strings(claims.roles);
  const scopes = typeof claims.scp === "string" ? claims.scp.split(/\s+/).filter(Boolean) : strings(claims.scp);
  if (roles.includes(role) || scopes.includes(role)) return null;
  const has = roles.length + scopes.length === 0 ? "no roles or scopes" : `roles ${quote(roles)} and scopes ${quote(scopes)}`;
  const message =
    `${quote(subject)} lacks the role "${role}" that this metadata service requires; its token carries ${has}. ` +
    `Assign the "${role}" app role to this identity (Entra ID: Enterprise applications, Users and groups) or grant that scope, then get a new token.`;
  return { ok: false, status: 403, error: "insufficient_scope", message, wwwAuthenticate: challenge("insufficient_scope", message) };
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function invalidToken(message: string): AuthOutcome {
  return fail401("invalid_token", message);
}

function fail401(error: "invalid_request" | "invalid_token", message: string): AuthOutcome {
  return { ok: false, status: 401, error, message, wwwAuthenticate: challenge(error, message) };
}

/** RFC 6750 §3.1: a request without (Bearer) credentials gets a challenge without an error code. */
function noCredentials(message: string): AuthOutcome {
  return { ok: false, status: 401, error: "invalid_request", message, wwwAuthenticate: 'Bearer realm="weft"' };
}

/** A WWW-Authenticate value; the description is cut to printable ASCII so it is a legal header value. */
function challenge(error: string, description: string): string {
  const safe = description.replace(/[^\x20-\x7e]/g, "?").replace(/[\\"]/g, (c) => `\\${c}`);
  return `Bearer realm="weft", error="${error}", error_description="${safe}"`;
}

/** A claim value for a message: JSON, cut short, since it comes from an untrusted token. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isoTime(seconds: unknown): string {
  const date = typeof seconds === "number" ? new Date(seconds * 1000) : new Date(NaN);
  return Number.isNaN(date.getTime()) ? quote(seconds) : date.toISOString();
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** An error's message with its causes (fetch puts the socket error in `cause`). */
function describeError(err: unknown): string {
  if (err instanceof Error && err.name === "TimeoutError") return `timed out after ${DISCOVERY_TIMEOUT_MS / 1000} s`;
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 4; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(": ");
}
