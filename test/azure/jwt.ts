// Minimal JWTs for the fake Entra ID: HS256 signing and unchecked decoding.
//
//   const token = signJwt({ aud: "https://storage.azure.com", exp }, secret);
//   decodeJwt(token).aud  // claims, signature not verified
//
// Azurite's `--oauth basic` never verifies signatures, so the key only needs to exist.
import { createHmac } from "node:crypto";

export type Claims = Record<string, unknown>;

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

/** Signs `claims` as a compact HS256 JWT. */
export function signJwt(claims: Claims, secret: string | Buffer, kid = "weft-test"): string {
  const head = b64url(JSON.stringify({ typ: "JWT", alg: "HS256", kid }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}

/** The claims of a compact JWT, without checking its signature; throws if it is not one. */
export function decodeJwt(token: string): Claims {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) throw new Error(`not a compact JWT (expected header.payload.signature): ${token.slice(0, 20)}…`);
  const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  if (typeof claims !== "object" || claims === null) throw new Error("JWT payload is not a JSON object");
  return claims as Claims;
}

/** Seconds since the epoch, as JWT time claims count. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
