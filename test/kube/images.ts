// Container images for the fake kubelet: an image is a "filesystem" of local folders put
// on PATH, its ENV, working directory and ENTRYPOINT/CMD, looked up by exact reference.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface FakeImage {
  /** Folders on the container's PATH, in order. */
  path: string[];
  /** The image's ENV (PATH comes from `path`). */
  env?: Record<string, string>;
  /** The image's WORKDIR, for the record: the container runs in a fresh empty folder. */
  workingDir?: string;
  /** ENTRYPOINT; a container's `command` replaces it. */
  entrypoint?: string[];
  /** CMD; a container's `args` (or `command`) replaces it. */
  cmd?: string[];
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Weft's runtime image (see Dockerfile and docs/runtime-image.md): ENTRYPOINT `weft`,
 * a `weft` on PATH that runs `node <repo>/bin/weft.mjs`, and the current `node`'s folder
 * on PATH. The CLI runs from dist/, so build first (`node scripts/build.mjs`). The folder
 * is derived from the repository path and rewritten on each call, so repeated calls share it.
 */
export function weftRuntimeImage(): FakeImage {
  const dir = join(tmpdir(), `weft-fake-image-${Buffer.from(repoRoot).toString("base64url").slice(-24)}`);
  mkdirSync(dir, { recursive: true });
  const script = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot, "bin", "weft.mjs"))} "$@"\n`;
  writeFileSync(join(dir, "weft"), script, { mode: 0o755 });
  return { path: [dir, dirname(process.execPath)], env: { NODE_ENV: "production" }, workingDir: "/home/node", entrypoint: ["weft"] };
}
