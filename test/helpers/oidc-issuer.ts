// A local OpenID Connect issuer for tests of bearer-JWT authentication: OpenID
// discovery and a JWKS of RS256 keys, on 127.0.0.1 only. It does not implement any
// grant; tests mint tokens directly with `sign`.
//
//   const idp = await startOidcIssuer({ audience: "api://weft" });
//   after(() => idp.stop());
//   const token = await idp.sign({ roles: ["Weft.Write"] });
//   idp.jwksRequests   // how many times GET /jwks was served
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export interface OidcIssuerOptions {
  /** Default `aud` of signed tokens; without it tokens carry no `aud` unless `sign` adds one. */
  audience?: string;
  /** The `issuer` the discovery document names instead of this server's URL, to test a misconfigured issuer. */
  advertisedIssuer?: string;
}

export interface SignOptions {
  /** `kid` header instead of the signing key's own. */
  kid?: string;
  /** Seconds from now to `exp` (negative: already expired). Default 300. */
  expiresIn?: number;
  /** Seconds from now to `nbf` (positive: not yet valid). Default: no `nbf`. */
  notBefore?: number;
  /** `iss` instead of this issuer's URL. */
  issuer?: string;
  /** `aud` instead of the issuer's default audience. */
  audience?: string | string[];
  /** `"unknown"`: sign with a key that the JWKS does not publish (kid "unpublished" unless `kid` is given). */
  key?: "unknown";
}

export interface OidcIssuer {
  /** `http://127.0.0.1:PORT`, the `iss` of its tokens. */
  issuer: string;
  /**
   * A compact RS256 JWT. Defaults: iss = issuer, sub "ada@example.com", iat now,
   * exp now+300s, aud the default audience; `claims` override them (a claim set to
   * `undefined` is left out), and `opts` override `claims`.
   */
  sign(claims?: JWTPayload, opts?: SignOptions): Promise<string>;
  /** Publishes a new key and signs with it from then on; older keys stay published. */
  rotate(): Promise<void>;
  /** Number of GET /jwks requests served so far. */
  readonly jwksRequests: number;
  /** Closes the server; idempotent. Signing still works afterwards. */
  stop(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, publicJwk };
}

/** Starts the issuer on 127.0.0.1 and an ephemeral port. */
export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const published: SigningKey[] = [await newKey("key-1")];
  const unpublished = await newKey("unpublished");
  let current = published[0]!;
  let jwksRequests = 0;
  let issuer = "";

  const respond = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET") return respond(res, 405, { error: "method not allowed" });
    if (req.url === "/.well-known/openid-configuration") {
      return respond(res, 200, { issuer: options.advertisedIssuer ?? issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ["RS256"] });
    }
    if (req.url === "/jwks") {
      jwksRequests += 1;
      return respond(res, 200, { keys: published.map((k) => k.publicJwk) });
    }
    respond(res, 404, { error: "not found" });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;

  return {
    issuer,
    get jwksRequests() {
      return jwksRequests;
    },
    async sign(claims = {}, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: issuer,
        sub: "ada@example.com",
        iat: now,
        exp: now + 300,
        ...(options.audience === undefined ? {} : { aud: options.audience }),
        ...claims,
        ...(opts.expiresIn === undefined ? {} : { exp: now + opts.expiresIn }),
        ...(opts.notBefore === undefined ? {} : { nbf: now + opts.notBefore }),
        ...(opts.issuer === undefined ? {} : { iss: opts.issuer }),
        ...(opts.audience === undefined ? {} : { aud: opts.audience }),
      };
      const key = opts.key === "unknown" ? unpublished : current;
      return new SignJWT(payload).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: opts.kid ?? key.kid }).sign(key.privateKey);
    },
    async rotate() {
      current = await newKey(`key-${published.length + 1}`);
      published.push(current);
    },
    stop() {
      // closeAllConnections: keep-alive sockets from fetch would otherwise hold close() open.
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
