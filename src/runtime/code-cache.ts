// Loads a CommonJS file through a V8 code cache. Made for the one large file that a task
// on the Azure datastore compiles at every start, the storage SDK's bundle (1.3 MB,
// docs/benchmarks.md, "a V8 code cache for the storage SDK"): Node 20 keeps no compiled code between processes.
// The file is compiled with vm.Script and V8's cachedData; the cache is made when the
// process exits, after the file's code has run, so the functions a task called are in it,
// not just the top level.
//
// The cache is code that later processes run, so it is read only from a folder that this
// user owns and nobody else may enter (0700), and from a file of this user's that nobody
// else may write (private-folder.ts); it is written to a fresh temporary file and renamed
// into place. Its name is a hash of V8's stamp (its version and flags), Node's version, the
// architecture and the file's contents, so another Node, other V8 flags or a rebuilt file
// never meet it. V8 checks its header but not its body (a corrupted body with a good header
// crashes the process), so the body's SHA-256 is stored before it and checked first. A
// missing, foreign, corrupt or rejected cache is passed over and written anew: nothing here
// ever fails a load.
//
// Node 22.1+ has a compile cache of its own (module.enableCompileCache): there it is
// turned on, in the same private folder, and the file is loaded with require.
import { isAscii } from "node:buffer";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import module, { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { ownPrivateFile, privateFolder } from "./private-folder.ts";

const DIGEST_BYTES = 32;

/** What became of the cache when the file was compiled. */
export type CacheOutcome =
  /** V8 used the cache. */
  | "hit"
  /** No usable cache file (missing, foreign, or its checksum failed); compiled from source. */
  | "miss"
  /** V8 refused the cache file (it was made for other source or another V8); compiled from source. */
  | "rejected"
  /** No cache folder to use (none given, not private, or no user ids on this platform). */
  | "off"
  /** Node's own compile cache (Node 22.1+) did the work. */
  | "node";

/**
 * `require(file)` through the code cache in `cacheDir` (created 0700 when missing); without
 * a folder, a plain compile. After a miss or a rejection the cache is written, best effort,
 * when the process exits.
 */
export function loadCommonJs(file: string, cacheDir: string | undefined): { exports: unknown; outcome: CacheOutcome } {
  const usable = cacheDir !== undefined && safely(() => privateFolder(cacheDir, true));
  const enableCompileCache = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (enableCompileCache) {
    if (usable) enableCompileCache(cacheDir);
    return { exports: createRequire(file)(file), outcome: usable ? "node" : "off" };
  }
  const bytes = readFileSync(file);
  // An ASCII file (the build makes the SDK's bundle one) decodes faster as Latin-1, to the same string.
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const cacheFile = usable ? join(cacheDir, cacheName(file, bytes)) : undefined;
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  // Node's own CommonJS wrapper, on the first line so that line numbers stay the file's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const outcome: CacheOutcome = !cacheFile ? "off" : !cachedData ? "miss" : script.cachedDataRejected ? "rejected" : "hit";
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {} as unknown };
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  if (cacheFile && (outcome === "miss" || outcome === "rejected")) process.once("exit", () => writeCache(cacheFile, script));
  return { exports: mod.exports, outcome };
}

/**
 * `<file name>-<key>.v8cache`. The key covers what makes V8 refuse a cache (its version
 * and flags, read from the header of a cache it makes for an empty script), Node and the
 * architecture, and the source itself: V8 checks only the source's length.
 */
function cacheName(file: string, source: Buffer): string {
  const stamp = new Script("").createCachedData().subarray(0, 16);
  const key = createHash("sha256").update(stamp).update(`\0${process.version}\0${process.arch}\0`).update(source).digest("hex");
  return `${basename(file)}-${key.slice(0, 32)}.v8cache`;
}

/** The cache's body when the file is this user's, private, and its checksum holds. */
function readCache(cacheFile: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW);
    if (!ownPrivateFile(fstatSync(fd))) return undefined;
    const bytes = readFileSync(fd);
    const body = bytes.subarray(DIGEST_BYTES);
    if (bytes.length <= DIGEST_BYTES || !createHash("sha256").update(body).digest().equals(bytes.subarray(0, DIGEST_BYTES))) return undefined;
    return body;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The script's cache (what has been compiled so far), its checksum before it, into a temporary file, renamed over the old cache; older caches of the same file are removed. */
function writeCache(cacheFile: string, script: Script): void {
  const dir = dirname(cacheFile);
  const temp = join(dir, `.${randomUUID()}.tmp`);
  try {
    if (!privateFolder(dir, true)) return;
    const body = script.createCachedData();
    writeFileSync(temp, Buffer.concat([createHash("sha256").update(body).digest(), body]), { mode: 0o600, flag: "wx" });
    renameSync(temp, cacheFile);
    // A rebuilt file or a new Node leaves the old cache unused: one file per source is kept.
    const stem = basename(cacheFile).replace(/-[0-9a-f]{32}\.v8cache$/, "-");
    for (const name of readdirSync(dir)) if (name !== basename(cacheFile) && name.startsWith(stem) && /-[0-9a-f]{32}\.v8cache$/.test(name)) rmSync(join(dir, name), { force: true });
  } catch {
    rmSync(temp, { force: true });
  }
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
