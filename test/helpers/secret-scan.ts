import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";

/**
 * Every file under `dir` (artifact blobs decoded from their codec byte) searched for each
 * value as UTF-8 and UTF-16: where a secret would show up if Weft had written it.
 * Returns "<file>: <value>" for each hit.
 */
export function findSecretValues(dir: string, values: string[]): string[] {
  const hits: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      let bytes = readFileSync(full);
      if (/^[0-9a-f]{64}$/.test(entry) && bytes[0] === 1) bytes = inflateRawSync(bytes.subarray(1));
      for (const value of values) if (bytes.includes(Buffer.from(value, "utf8")) || bytes.includes(Buffer.from(value, "utf16le"))) hits.push(`${full}: ${value}`);
    }
  };
  walk(dir);
  return hits;
}
