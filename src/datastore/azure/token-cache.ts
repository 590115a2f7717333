// Shares a storage access token between the task processes of one user on one machine.
// Without it, every task process on a token credential loads @azure/identity and asks
// Entra ID (or the managed-identity endpoint) for a token of its own: two round trips,
// a TLS session and the identity SDK's start-up per task, and a load on Entra that
// grows with the foreach (docs/benchmarks.md, 2026-11-30 "Azure task overhead").
//
// The token is a secret. It is kept only in a folder that this user owns and nobody
// else may enter (0700), in a file only this user may read (0600), written to a fresh
// temporary file and renamed into place; a folder or file with any other owner or mode
// is never read and never written to. A token is used only while more than
// REFRESH_MARGIN_MS of its life is left. Anything unexpected makes the cache step
// aside: the credential then asks for a token as it would without one.
import { createHash, randomUUID } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ownPrivateFile, privateFolder } from "../../runtime/private-folder.ts";

/** What @azure/core-auth calls an AccessToken (only the fields kept here). */
export interface CachedToken {
  token: string;
  expiresOnTimestamp: number;
  tokenType?: string;
}

/** The part of @azure/core-auth's TokenCredential that the storage client calls. */
export interface TokenGetter {
  getToken(scopes: string | string[], options?: { claims?: string; tenantId?: string }): Promise<CachedToken | null>;
}

/** Where the cache lives and which identity it holds tokens of (a hash, never a secret). */
export interface TokenCacheSettings {
  dir: string;
  /** Hash of the tenant, client id, authority, federated token file and secret. */
  identity: string;
}

/** A token with less than this left is not used: the storage client refreshes 2 minutes ahead. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export class TokenFileCache {
  constructor(private readonly settings: TokenCacheSettings) {}

  private file(scopes: string[]): string {
    const name = createHash("sha256").update(`${this.settings.identity}\n${[...scopes].sort().join(" ")}`).digest("hex");
    return join(this.settings.dir, `${name}.json`);
  }

  /** A cached token for `scopes` with more than REFRESH_MARGIN_MS left, or null. */
  read(scopes: string[], now = Date.now()): CachedToken | null {
    let fd: number | undefined;
    try {
      if (!privateFolder(this.settings.dir, false)) return null;
      fd = openSync(this.file(scopes), constants.O_RDONLY | constants.O_NOFOLLOW);
      if (!ownPrivateFile(fstatSync(fd))) return null;
      const value = JSON.parse(readFileSync(fd, "utf8")) as Partial<CachedToken>;
      if (typeof value.token !== "string" || typeof value.expiresOnTimestamp !== "number") return null;
      if (value.expiresOnTimestamp - now <= REFRESH_MARGIN_MS) return null;
      return { token: value.token, expiresOnTimestamp: value.expiresOnTimestamp, ...(typeof value.tokenType === "string" ? { tokenType: value.tokenType } : {}) };
    } catch {
      return null;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Best effort: a failure to write leaves the cache as it was. */
  write(scopes: string[], token: CachedToken): void {
    const temp = join(this.settings.dir, `.${randomUUID()}.tmp`);
    try {
      if (!privateFolder(this.settings.dir, true)) return;
      const kept: CachedToken = { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp, ...(token.tokenType ? { tokenType: token.tokenType } : {}) };
      writeFileSync(temp, JSON.stringify(kept), { mode: 0o600, flag: "wx" });
      renameSync(temp, this.file(scopes));
    } catch {
      rmSync(temp, { force: true });
    }
  }
}

/**
 * A credential that answers from the cache when it can and otherwise asks `make()`'s
 * credential (created on first need, so a cache hit never loads @azure/identity) and
 * caches its answer. Requests with claims (a CAE challenge) or another tenant always
 * go to the credential.
 */
export function cachingCredential(cache: TokenFileCache, make: () => Promise<TokenGetter>): TokenGetter {
  let inner: Promise<TokenGetter> | undefined;
  return {
    async getToken(scopes, options) {
      const list = Array.isArray(scopes) ? scopes : [scopes];
      const plain = !options?.claims && !options?.tenantId;
      if (plain) {
        const hit = cache.read(list);
        if (hit) return hit;
      }
      inner ??= make();
      const token = await (await inner).getToken(scopes, options);
      if (token && plain) cache.write(list, token);
      return token;
    },
  };
}

/** The identity part of the cache key: a hash, so neither the file name nor the settings carry a secret. */
export function identityHash(parts: (string | undefined)[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}
