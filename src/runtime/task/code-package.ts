import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageBackend } from "../../datastore/types.ts";
import { WeftError } from "../../errors/weft-error.ts";

/**
 * The SHA-256 that names a code package: over the bundle, a NUL and its source map, as
 * `weft run` computes it (src/flow/load/load-flow.ts). The map is part of the package
 * because stack traces depend on it.
 */
export function codePackageSha(code: Uint8Array, map: Uint8Array): string {
  return createHash("sha256").update(code).update("\0").update(map).digest("hex");
}

/**
 * A path on this machine of a run's code package, for `import()`.
 *
 * On a backend with local files, the datastore's own file. Otherwise a copy under
 * `cacheDir/<sha>/flow.mjs` (source map beside it), shared by every task on this
 * machine: it is used only if it hashes to `sha`, else downloaded again. A download goes
 * to temp files in the same folder, is verified, then renamed into place, so concurrent
 * tasks never import a half-written file. Throws NOT_FOUND when the package is missing
 * from the datastore, DATASTORE when its bytes do not hash to `sha`.
 */
export async function codePackagePath(
  backend: StorageBackend,
  codePackage: { sha: string; key: string },
  where: { flow: string; run: string },
  cacheDir: string = join(tmpdir(), "weft-code"),
): Promise<string> {
  const { key, sha } = codePackage;
  const local = backend.localPath(key);
  if (local && existsSync(local)) return local;
  const run = `${where.flow}/${where.run}`;
  // The sha becomes a folder name: only a hex digest may.
  if (!/^[0-9a-f]{64}$/.test(sha)) {
    throw new WeftError("DATASTORE", `The run spec of ${run} names code package "${sha}", which is not a SHA-256 (64 hex digits).`, { hint: "The run spec was changed by hand or is damaged; start a new run." });
  }
  const dir = join(cacheDir, sha);
  const path = join(dir, "flow.mjs");
  if (await isVerifiedCopy(path, sha)) return path;

  const [code, map] = await backend.getBytes([key, `${key}.map`]);
  if (!code || !map) {
    const missing = code ? `${key}.map` : key;
    throw new WeftError("NOT_FOUND", `The code package of run ${run} is missing from ${backend.root} (${missing}).`, {
      hint: "The run's files were deleted or the datastore root differs from the one the run was started with; start a new run.",
    });
  }
  const actual = codePackageSha(code, map);
  if (actual !== sha) {
    throw new WeftError("DATASTORE", `The code package of run ${run} in ${backend.root} (${key}) is corrupt: its SHA-256 is ${actual}, expected ${sha}.`, {
      hint: "Its bytes changed after `weft run` stored them. Start a new run, which stores the package again; if this recurs, check the storage account for faults.",
    });
  }
  await mkdir(dir, { recursive: true });
  // The map first: a reader that sees the new code also sees its map.
  await replaceFile(`${path}.map`, map);
  await replaceFile(path, code);
  return path;
}

/** Whether a cached copy (code and map) exists and hashes to `sha`; a small file, cheap to check. */
async function isVerifiedCopy(path: string, sha: string): Promise<boolean> {
  try {
    const [code, map] = await Promise.all([readFile(path), readFile(`${path}.map`)]);
    return codePackageSha(code, map) === sha;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Writes a unique temp file beside `path` and renames it over `path`: readers see old or new, whole. */
async function replaceFile(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}
