import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: { root: string; version: string } | undefined;

/** Weft's own package folder, found from wherever this module was bundled to. */
export function weftPackage(): { root: string; version: string; bin: string } {
  if (!cached) {
    for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
      const manifest = join(dir, "package.json");
      if (existsSync(manifest)) {
        const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
        if (parsed.name === "weft") {
          cached = { root: dir, version: parsed.version ?? "0.0.0" };
          break;
        }
      }
      if (dirname(dir) === dir) throw new Error("cannot find weft's package.json above " + fileURLToPath(import.meta.url));
    }
  }
  return { ...cached, bin: join(cached.root, "bin", "weft.mjs") };
}
