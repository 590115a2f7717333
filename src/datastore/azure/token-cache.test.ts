import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cachingCredential, REFRESH_MARGIN_MS, TokenFileCache, identityHash, type CachedToken } from "./token-cache.ts";

const SCOPE = ["https://storage.azure.com/.default"];
const fresh = (): CachedToken => ({ token: "eyJ.secret.token", expiresOnTimestamp: Date.now() + 3600_000 });
const cacheIn = (dir: string, identity = identityHash(["tenant", "client"])) => new TokenFileCache({ dir, identity });
const skip = process.getuid === undefined ? "no POSIX owners here" : false;

test("a token written by one process is read by the next; folder 0700, file 0600, name without the token", { skip }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), "weft-tokens-")), "azure-tokens");
  cacheIn(dir).write(SCOPE, fresh());
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
  assert.ok(!files[0]!.includes("secret"));
  assert.equal(cacheIn(dir).read(SCOPE)?.token, "eyJ.secret.token");
  assert.equal(cacheIn(dir, identityHash(["tenant", "other-client"])).read(SCOPE), null, "another identity has its own entry");
  assert.equal(cacheIn(dir).read(["https://vault.azure.net/.default"]), null, "another scope has its own entry");
});

test("a token with REFRESH_MARGIN_MS or less left is not used", { skip }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), "weft-tokens-")), "t");
  cacheIn(dir).write(SCOPE, { token: "t", expiresOnTimestamp: Date.now() + REFRESH_MARGIN_MS - 1000 });
  assert.equal(cacheIn(dir).read(SCOPE), null);
});

test("a file others could read, or a link in place of the folder, is never used", { skip }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), "weft-tokens-")), "t");
  cacheIn(dir).write(SCOPE, fresh());
  const file = join(dir, readdirSync(dir)[0]!);
  chmodSync(file, 0o644);
  assert.equal(cacheIn(dir).read(SCOPE), null);
  const link = join(mkdtempSync(join(tmpdir(), "weft-tokens-")), "t");
  symlinkSync(dir, link);
  chmodSync(file, 0o600);
  assert.equal(cacheIn(link).read(SCOPE), null);
  cacheIn(link).write(SCOPE, fresh());
  assert.equal(readdirSync(dir).length, 1, "nothing written through the link");
});

test("a folder of ours that others may enter is closed to 0700 before use", { skip }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), "weft-tokens-")), "t");
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  cacheIn(dir).write(SCOPE, fresh());
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  writeFileSync(join(dir, "junk.json"), "not json", { mode: 0o600 });
  assert.equal(cacheIn(dir).read(SCOPE)?.token, "eyJ.secret.token");
});

test("cachingCredential makes the credential only on a miss, and bypasses the cache for claims", { skip }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "weft-tokens-")), "t");
  let made = 0;
  let asked = 0;
  const make = async () => {
    made++;
    return { getToken: async () => (asked++, fresh()) };
  };
  assert.equal((await cachingCredential(cacheIn(dir), make).getToken(SCOPE))?.token, "eyJ.secret.token");
  assert.deepEqual([made, asked], [1, 1]);
  const second = cachingCredential(cacheIn(dir), make);
  await second.getToken(SCOPE[0]!);
  assert.deepEqual([made, asked], [1, 1], "a second process reads the cache and loads no credential");
  await second.getToken(SCOPE, { claims: "{}" });
  assert.deepEqual([made, asked], [2, 2]);
});
