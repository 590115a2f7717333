// A loopback HTTPS impersonation of Microsoft Entra ID, enough for @azure/identity (MSAL):
// OpenID discovery, the v2.0 token endpoint (client secret, client assertion) and an
// App Service managed-identity endpoint. Tokens are HS256 JWTs that Azurite's
// `--oauth basic` accepts (iss https://sts.windows.net/<tenant>/, aud of the resource).
//
//   const entra = await startTokenServer();
//   after(() => entra.stop());
//   const credential = new ClientSecretCredential(entra.tenantId, entra.clientId, entra.clientSecret,
//     { authorityHost: entra.authorityHost, disableInstanceDiscovery: true, ...trustOptions(entra.caCertPath) });
//   entra.requests   // [{ method, path, grant?, resource? }] in arrival order
//
// Wrong tenant, client id, secret or assertion get Entra-style JSON errors with AADSTS codes.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse } from "node:http";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Claims, nowSeconds, signJwt } from "./jwt.ts";
import { selfSignedCert } from "./tls.ts";

export { caBundle, trustOptions } from "./tls.ts";

export interface TokenServerRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  /** `grant_type` of a token request; `managed_identity` for the App Service endpoint. */
  grant?: string;
  /** Resource the token was asked for (scope without `/.default`, or `resource=`). */
  resource?: string;
  /** How a token request authenticated the client. */
  clientAuth?: "client_secret" | "client_assertion";
}

export interface TokenServer {
  /** `https://127.0.0.1:PORT`, for `authorityHost` / AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** File holding a client assertion JWT (AZURE_FEDERATED_TOKEN_FILE). */
  federatedTokenFile: string;
  /** App Service managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER. */
  identityEndpoint: string;
  identityHeader: string;
  caCertPath: string;
  requests: TokenServerRequest[];
  /**
   * An access token for `resource` (e.g. `https://storage.azure.com`) issued directly;
   * `overrides` replace claims (e.g. `{ exp: 1 }`) to test what a service rejects.
   */
  issueToken(resource: string, overrides?: Claims): { accessToken: string; expiresOn: number };
  stop(): Promise<void>;
}

const TOKEN_LIFETIME_S = 3600;
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class EntraError extends Error {
  constructor(readonly status: number, readonly error: string, readonly code: number, description: string) {
    super(`AADSTS${code}: ${description}`);
  }
}

/** Starts the server on a free 127.0.0.1 port with a fresh tenant, app and secret. */
export async function startTokenServer(): Promise<TokenServer> {
  const cert = await selfSignedCert("entra");
  const dir = mkdtempSync(join(tmpdir(), "weft-entra-"));
  const tenantId = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `weft~${randomBytes(18).toString("base64url")}`;
  const identityHeader = randomUUID();
  const signingKey = randomBytes(32);
  const requests: TokenServerRequest[] = [];
  const assertion = signJwt({ iss: "https://oidc.weft.invalid/", sub: "system:serviceaccount:weft:runner", aud: "api://AzureADTokenExchange", iat: nowSeconds(), nbf: nowSeconds(), exp: nowSeconds() + TOKEN_LIFETIME_S }, signingKey);
  const federatedTokenFile = join(dir, "azure-identity-token");
  writeFileSync(federatedTokenFile, assertion);

  const issueToken = (resource: string, overrides: Claims = {}) => {
    const now = nowSeconds();
    const expiresOn = now + TOKEN_LIFETIME_S;
    const accessToken = signJwt({
      aud: resource, iss: `https://sts.windows.net/${tenantId}/`, iat: now, nbf: now, exp: expiresOn,
      appid: clientId, appidacr: "1", idtyp: "app", oid: clientId, sub: clientId, tid: tenantId, uti: randomUUID(), ver: "1.0", ...overrides,
    }, signingKey);
    return { accessToken, expiresOn };
  };

  let origin = "";
  const openIdConfiguration = (tenant: string) => {
    const base = `${origin}/${tenant}`;
    return {
      issuer: `${base}/v2.0`, token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`, end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`, tenant_region_scope: "WW", cloud_instance_name: "weft.invalid",
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"], scopes_supported: ["openid", "profile", "email", "offline_access"],
      subject_types_supported: ["pairwise"], id_token_signing_alg_values_supported: ["RS256"], request_uri_parameter_supported: false,
    };
  };

  const checkTenant = (tenant: string) => {
    if (tenant !== tenantId && tenant !== "organizations" && tenant !== "common") {
      throw new EntraError(400, "invalid_tenant", 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
  };

  const token = (form: URLSearchParams, record: TokenServerRequest) => {
    const grant = form.get("grant_type") ?? "";
    record.grant = grant;
    if (grant !== "client_credentials") throw new EntraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`);
    const id = form.get("client_id");
    if (id !== clientId) throw new EntraError(400, "unauthorized_client", 700016, `Application with identifier '${id}' was not found in the directory '${tenantId}'.`);
    const scope = form.get("scope") ?? "";
    const resource = scope.split(" ").find((s) => s.endsWith("/.default"))?.slice(0, -"/.default".length);
    if (!resource) throw new EntraError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`);
    record.resource = resource;
    const secret = form.get("client_secret");
    const clientAssertion = form.get("client_assertion");
    record.clientAuth = secret !== null ? "client_secret" : clientAssertion !== null ? "client_assertion" : undefined;
    if (secret !== null) {
      if (secret !== clientSecret) throw new EntraError(401, "invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    } else if (clientAssertion !== null) {
      if (form.get("client_assertion_type") !== ASSERTION_TYPE) throw new EntraError(400, "invalid_request", 90014, `The request body must contain the following parameter: 'client_assertion_type' = '${ASSERTION_TYPE}'.`);
      if (clientAssertion !== assertion) throw new EntraError(400, "invalid_client", 700211, "No matching federated identity record found for presented assertion issuer.");
    } else {
      throw new EntraError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const { accessToken } = issueToken(resource);
    return { token_type: "Bearer", expires_in: TOKEN_LIFETIME_S, ext_expires_in: TOKEN_LIFETIME_S, access_token: accessToken };
  };

  const managedIdentity = (url: URL, req: IncomingMessage, record: TokenServerRequest) => {
    record.grant = "managed_identity";
    if (req.headers["x-identity-header"] !== identityHeader) throw new EntraError(401, "invalid_request", 0, "X-IDENTITY-HEADER is missing or does not match IDENTITY_HEADER.");
    const resource = url.searchParams.get("resource");
    if (!resource) throw new EntraError(400, "invalid_request", 0, "The 'resource' query parameter is required.");
    if (url.searchParams.get("api-version") !== "2019-08-01") throw new EntraError(400, "invalid_request", 0, "api-version must be 2019-08-01.");
    const requested = url.searchParams.get("client_id");
    if (requested !== null && requested !== clientId) throw new EntraError(400, "invalid_request", 0, `No managed identity with client_id '${requested}' is assigned to this app.`);
    record.resource = resource;
    const { accessToken, expiresOn } = issueToken(resource);
    return { access_token: accessToken, expires_on: String(expiresOn), resource, token_type: "Bearer", client_id: clientId };
  };

  const route = async (req: IncomingMessage): Promise<[number, unknown]> => {
    const url = new URL(req.url ?? "/", origin);
    const record: TokenServerRequest = { method: req.method ?? "GET", path: url.pathname };
    requests.push(record);
    const segments = url.pathname.split("/").filter(Boolean);
    const tenant = segments[0] ?? "";
    const rest = segments.slice(1).join("/");
    if (url.pathname === "/msi/token" && req.method === "GET") return [200, managedIdentity(url, req, record)];
    if (rest === "v2.0/.well-known/openid-configuration" && req.method === "GET") {
      checkTenant(tenant);
      return [200, openIdConfiguration(tenant)];
    }
    if (rest === "oauth2/v2.0/token" && req.method === "POST") {
      checkTenant(tenant);
      return [200, token(new URLSearchParams(await readBody(req)), record)];
    }
    throw new EntraError(404, "not_found", 0, `The fake Entra ID does not serve ${req.method} ${url.pathname}.`);
  };

  const server = createServer({ cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) }, (req: IncomingMessage, res: ServerResponse) => {
    route(req).then(
      ([status, body]) => send(res, status, body),
      (error: unknown) => send(res, ...errorBody(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  let stopped = false;
  return {
    authorityHost: origin, tenantId, clientId, clientSecret, federatedTokenFile,
    identityEndpoint: `${origin}/msi/token`, identityHeader, caCertPath: cert.certPath, requests, issueToken,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cert.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function errorBody(error: unknown): [number, unknown] {
  if (!(error instanceof EntraError)) return [500, { error: "server_error", error_description: String(error) }];
  const traceId = randomUUID();
  const description = `${error.message} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`;
  const body = { error: error.error, error_description: error.code ? description : error.message.replace(/^AADSTS0: /, ""), error_codes: error.code ? [error.code] : [], timestamp: new Date().toISOString(), trace_id: traceId };
  return [error.status, body];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}
