import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { WeftError, type ErrorCode } from "../../errors/weft-error.ts";
import { weftPackage } from "../../runtime/package-root.ts";
import type { AzureSettings } from "./credentials.ts";
import type { SyncReadResult } from "./sync-worker.ts";

type ReadSync = (settings: AzureSettings, blobName: string) => SyncReadResult;
let readSync: ReadSync | undefined;

/**
 * The built worker script. It exchanges only plain data with this thread, so even under
 * tsx (where module hooks do not reach worker threads on Node 20) the built file serves.
 */
function workerPath(): string {
  const path = join(weftPackage().root, "dist", "azure-sync-worker.js");
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (the Azure datastore reads lazy artifacts through it)`);
  return path;
}

/**
 * Reads one blob synchronously through a worker thread; null when it does not exist.
 * synckit is loaded on the first such read, synchronously (its CommonJS build): most
 * tasks never make one, and importing it costs every Azure task ~40 ms of CPU.
 */
export function readBlobSync(settings: AzureSettings, blobName: string): Uint8Array | null {
  const path = workerPath();
  if (!readSync) {
    const { createSyncFn } = createRequire(import.meta.url)("synckit") as typeof import("synckit");
    readSync = createSyncFn(path) as unknown as ReadSync;
  }
  const result = readSync(settings, blobName);
  if ("error" in result) throw new WeftError(result.error.code as ErrorCode, result.error.message, result.error.hint ? { hint: result.error.hint } : {});
  return result.bytes;
}
