import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FlowAnalysis } from "./analyze.ts";

/** What one earlier load of a flow file produced, and what it was made from. */
interface CacheEntry {
  runtime: string;
  /** Every file the bundle was built from, by absolute path, with its SHA-256. */
  inputs: Record<string, string>;
  analysis: FlowAnalysis;
  codeSha: string;
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/**
 * Identifies the Weft build doing the load: a rebuilt Weft may export other names to
 * bundles, so its entries do not carry over.
 */
function runtimeIdentity(): string {
  const here = fileURLToPath(import.meta.url);
  return `${here}@${statSync(here).mtimeMs}`;
}

const entryPath = (cacheDir: string, file: string) => join(cacheDir, "flows", `${sha256(resolve(file))}.json`);

/**
 * The analysis and code package of an unchanged flow: valid while every input file of
 * its bundle still has the same content and the same Weft is loading it. Saves parsing
 * and bundling (about a third of a second) on every run of a flow that did not change.
 */
export async function readFlowCache(cacheDir: string, file: string): Promise<{ analysis: FlowAnalysis; codeSha: string } | undefined> {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(await readFile(entryPath(cacheDir, file), "utf8")) as CacheEntry;
  } catch {
    return undefined;
  }
  if (entry.runtime !== runtimeIdentity() || !existsSync(join(cacheDir, "code", entry.codeSha, "flow.mjs"))) return undefined;
  for (const [path, expected] of Object.entries(entry.inputs)) {
    try {
      if (sha256(await readFile(path)) !== expected) return undefined;
    } catch {
      return undefined;
    }
  }
  return { analysis: entry.analysis, codeSha: entry.codeSha };
}

export async function writeFlowCache(cacheDir: string, file: string, analysis: FlowAnalysis, codeSha: string, inputs: string[]): Promise<void> {
  const hashes = Object.fromEntries(await Promise.all(inputs.map(async (p) => [p, sha256(await readFile(p))] as const)));
  const entry: CacheEntry = { runtime: runtimeIdentity(), inputs: hashes, analysis, codeSha };
  const path = entryPath(cacheDir, file);
  await mkdir(join(cacheDir, "flows"), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(entry));
  await rename(`${path}.tmp`, path);
}
