// A loopback HTTPS impersonation of the Azure Key Vault secrets data plane, enough for
// @azure/keyvault-secrets' SecretClient.getSecret: the bearer challenge, token checks
// against the fake Entra ID (test/azure/token-server.ts), GET latest / by version, and the
// service's error bodies. Anything else gets 501 from the fake, never a made-up success.
//
//   const vault = await startKeyVault({ entra });   // its certificate joins caBundle()
//   after(() => vault.stop());
//   const v1 = vault.setSecret("db-password", "s3cret", { contentType: "text/plain" });
//   const client = new SecretClient(vault.url, credential,
//     { disableChallengeResourceVerification: true, ...trustOptions(vault.caCertPath) });
//   vault.deny(entra.clientId, "rbac");    // 403 Forbidden / innererror ForbiddenByRbac
//   vault.requests                         // [{ method, path, apiVersion, auth, status }]
//
// Order of checks, as the service does it: bearer token (401 + challenge), api-version
// (400 BadParameter), permission (403, checked before the secret is looked up, so a denied
// caller learns nothing), then the secret (404 SecretNotFound, 403 SecretDisabled).
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse } from "node:http";
import { createServer } from "node:https";
import { isIP } from "node:net";
import { decodeJwt, nowSeconds, type Claims } from "../azure/jwt.ts";
import { selfSignedCert } from "../azure/tls.ts";
import type { TokenServer } from "../azure/token-server.ts";

/** The audience of every Key Vault token and the `resource` of the challenge. */
export const KEY_VAULT_RESOURCE = "https://vault.azure.net";
/** Data-plane versions the service accepts (SecretClient 4.11 sends 2025-07-01). */
export const SUPPORTED_API_VERSIONS = ["2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"];
const LATEST_API_VERSION = "2025-07-01";
/** Entra ID validators accept tokens up to 5 minutes past `exp` (and before `nbf`). */
const CLOCK_SKEW_S = 300;

export interface KeyVaultRequest {
  method: string;
  /** URL path without the query string, e.g. `/secrets/db-password/`. */
  path: string;
  apiVersion?: string;
  /** Whether an Authorization header was sent (valid or not). */
  auth: boolean;
  status: number;
}

export type PermissionModel = "rbac" | "accessPolicy";

export interface SetSecretOptions {
  /** 32 lowercase hex digits; a fresh random one if omitted. */
  version?: string;
  enabled?: boolean;
  contentType?: string;
  tags?: Record<string, string>;
}

export interface KeyVaultHandle {
  /** `https://127.0.0.1:PORT`, the vault URL for SecretClient. */
  url: string;
  vaultName: string;
  caCertPath: string;
  requests: KeyVaultRequest[];
  /** Adds a version (the latest from now on) and returns its id. */
  setSecret(name: string, value: string, options?: SetSecretOptions): string;
  /** Makes every read by `principal` (a token's `oid` or `appid`; `"*"` for all) a 403 worded for the vault's permission model. */
  deny(principal: string, model: PermissionModel): void;
  /** Undoes `deny` for `principal`. */
  allow(principal: string): void;
  /** Soft-deletes every version: reads get 404 SecretNotFound (the deleted-secrets API is not served). */
  softDelete(name: string): void;
  stop(): Promise<void>;
}

interface Version { id: string; value: string; enabled: boolean; created: number; contentType?: string; tags?: Record<string, string> }
interface Secret { name: string; versions: Version[]; deleted: boolean }

class VaultError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly inner?: string) {
    super(message);
  }
}

const NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9a-f]{32}$/;
const isLoopback = (host: string) => host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));

/** Starts the vault on a free loopback port; refuses any other address. */
export async function startKeyVault(options: { entra: TokenServer; /** Only 127.0.0.1 is accepted. */ host?: string; vaultName?: string }): Promise<KeyVaultHandle> {
  const { entra, host = "127.0.0.1", vaultName = "weft-test-kv" } = options;
  if (host !== "127.0.0.1") throw new Error(`startKeyVault: refusing to listen on ${host}: the fake Key Vault binds to loopback only, 127.0.0.1 (the address its certificate names)`);
  const authority = new URL(entra.authorityHost);
  if (authority.protocol !== "https:" || !isLoopback(authority.hostname.replace(/^\[|\]$/g, ""))) {
    throw new Error(`startKeyVault: the token server must be a loopback https authority, got ${entra.authorityHost}`);
  }
  const cert = await selfSignedCert("keyvault");
  const secrets = new Map<string, Secret>(); // Key Vault names are case-insensitive
  const denied = new Map<string, PermissionModel>();
  const requests: KeyVaultRequest[] = [];
  const challenge = `Bearer authorization="${entra.authorityHost}/${entra.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
  const issuers = [`https://sts.windows.net/${entra.tenantId}/`, `${entra.authorityHost}/${entra.tenantId}/v2.0`];

  const unauthorized = (message: string) => new VaultError(401, "Unauthorized", message);
  /** The token's claims if the token server signed it for this vault, tenant and moment. */
  const authenticate = (header: string | undefined): Claims => {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
    if (!token) throw unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
    let claims: Claims;
    try {
      claims = decodeJwt(token);
    } catch {
      throw unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
    }
    // issueToken is a deterministic HMAC over the claims in a fixed order: re-signing the
    // presented claims reproduces the token only if the token server signed exactly these.
    if (typeof claims.aud !== "string" || entra.issueToken(claims.aud, claims).accessToken !== token) {
      throw unauthorized("Token signature validation failed: the token was not issued by this tenant's authority.");
    }
    if (claims.aud !== KEY_VAULT_RESOURCE && claims.aud !== `${KEY_VAULT_RESOURCE}/`) {
      throw unauthorized(`AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${claims.aud}.`);
    }
    if (!issuers.includes(String(claims.iss))) throw unauthorized(`AKV10032: Invalid issuer. Expected one of ${issuers.join(", ")}, found ${claims.iss}.`);
    const now = nowSeconds();
    if (typeof claims.exp !== "number" || claims.exp + CLOCK_SKEW_S <= now) throw unauthorized(`Token is expired (exp ${claims.exp}, now ${now}).`);
    if (typeof claims.nbf === "number" && claims.nbf - CLOCK_SKEW_S > now) throw unauthorized(`Token is not yet valid (nbf ${claims.nbf}, now ${now}).`);
    return claims;
  };

  const checkApiVersion = (apiVersion: string | null) => {
    if (!apiVersion) throw new VaultError(400, "BadParameter", "The api-version query parameter is missing. It is required for all requests.");
    if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
      throw new VaultError(400, "BadParameter", `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`);
    }
  };

  const authorize = (claims: Claims, name: string) => {
    const model = denied.get("*") ?? denied.get(String(claims.oid)) ?? denied.get(String(claims.appid));
    if (!model) return;
    const caller = `appid=${claims.appid};oid=${claims.oid};iss=${claims.iss}`;
    const where = `${vaultName};location=westeurope`;
    if (model === "accessPolicy") {
      throw new VaultError(403, "Forbidden", `The user, group or application '${caller}' does not have secrets get permission on key vault '${where}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`, "AccessDenied");
    }
    const resource = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/weft-test/providers/microsoft.keyvault/vaults/${vaultName}/secrets/${name}`;
    throw new VaultError(403, "Forbidden", ["Caller is not authorized to perform action on resource.", "If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
      `Caller: ${caller}`, "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'", `Resource: '${resource}'`, "Assignment: (not found)",
      "DenyAssignmentId: null", "DecisionReason: null ", `Vault: ${where}`, ""].join("\r\n"), "ForbiddenByRbac");
  };

  const getSecret = (origin: string, name: string, version: string): unknown => {
    const secret = secrets.get(name.toLowerCase());
    const wanted = version.toLowerCase();
    const found = secret && !secret.deleted ? (wanted ? secret.versions.find((v) => v.id === wanted) : secret.versions.at(-1)) : undefined;
    if (!secret || !found) {
      throw new VaultError(404, "SecretNotFound", `A secret with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
    }
    if (!found.enabled) throw new VaultError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
    return {
      value: found.value, ...(found.contentType !== undefined && { contentType: found.contentType }), id: `${origin}/secrets/${secret.name}/${found.id}`,
      attributes: { enabled: true, created: found.created, updated: found.created, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 },
      ...(found.tags && { tags: found.tags }),
    };
  };

  const route = (req: IncomingMessage, record: KeyVaultRequest): unknown => {
    const url = new URL(req.url ?? "/", `https://${req.headers.host ?? "127.0.0.1"}`);
    record.apiVersion = url.searchParams.get("api-version") ?? undefined;
    const claims = authenticate(req.headers.authorization);
    checkApiVersion(url.searchParams.get("api-version"));
    const parts = url.pathname.split("/").slice(1).map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        throw new VaultError(400, "BadParameter", `The request URI path is not valid: ${url.pathname}`);
      }
    });
    if (req.method === "GET" && parts[0] === "secrets" && parts[1] && parts.length <= 3) {
      authorize(claims, parts[1]);
      return getSecret(url.origin, parts[1], parts[2] ?? "");
    }
    throw new VaultError(501, "NotImplemented", `The fake Key Vault (test/keyvault/key-vault-server.ts) does not serve ${req.method} ${url.pathname}.`);
  };

  const server = createServer({ cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) }, (req: IncomingMessage, res: ServerResponse) => {
    const record: KeyVaultRequest = { method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0] ?? "/", auth: req.headers.authorization !== undefined, status: 0 };
    requests.push(record);
    req.resume(); // SecretClient sends no body on reads; drain anything else
    let status = 200;
    let body: unknown;
    const headers: Record<string, string> = {};
    try {
      body = route(req, record);
    } catch (error) {
      const e = error instanceof VaultError ? error : new VaultError(500, "InternalServerError", String(error));
      status = e.status;
      body = { error: { code: e.code, message: e.message, ...(e.inner && { innererror: { code: e.inner } }) } };
      if (status === 401) headers["www-authenticate"] = challenge;
    }
    record.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...headers, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-cache", pragma: "no-cache", expires: "-1",
      "x-ms-keyvault-region": "westeurope", "x-ms-request-id": randomUUID(), "x-ms-keyvault-service-version": "1.9.0.0",
      ...(typeof req.headers["x-ms-client-request-id"] === "string" && { "x-ms-client-request-id": req.headers["x-ms-client-request-id"] }),
    });
    res.end(text);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  let stopped = false;
  return {
    url: `https://${host}:${port}`, vaultName, caCertPath: cert.certPath, requests,
    setSecret(name, value, { version = randomBytes(16).toString("hex"), enabled = true, contentType, tags } = {}) {
      if (!NAME.test(name)) throw new Error(`setSecret: '${name}' is not a Key Vault secret name (1-127 letters, digits and hyphens)`);
      if (!VERSION.test(version)) throw new Error(`setSecret: version '${version}' must be 32 lowercase hex digits`);
      const secret = secrets.get(name.toLowerCase()) ?? { name, versions: [], deleted: false };
      if (secret.deleted) throw new Error(`setSecret: '${name}' is soft-deleted; Key Vault answers 409 Conflict until it is recovered or purged`);
      if (secret.versions.some((v) => v.id === version)) throw new Error(`setSecret: '${name}' already has version ${version}`);
      secret.versions.push({ id: version, value, enabled, created: nowSeconds(), contentType, tags });
      secrets.set(name.toLowerCase(), secret);
      return version;
    },
    deny: (principal, model) => void denied.set(principal, model),
    allow: (principal) => void denied.delete(principal),
    softDelete(name) {
      const secret = secrets.get(name.toLowerCase());
      if (!secret || secret.deleted) throw new Error(`softDelete: no secret '${name}' to delete`);
      secret.deleted = true;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cert.dispose();
    },
  };
}
