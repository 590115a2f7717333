// Worker thread behind AzureBackend.getBytesSync: a step reads `this.x` synchronously,
// so the download runs here while the main thread waits (synckit).
import { runAsWorker } from "synckit";
import { isWeftError } from "../../errors/weft-error.ts";
import { readBlob } from "./blob-adapter.ts";
import type { AzureSettings } from "./credentials.ts";
import { translateAzureError } from "./errors.ts";

export type SyncReadResult = { bytes: Uint8Array | null } | { error: { code: string; message: string; hint: string | undefined } };

runAsWorker(async (settings: AzureSettings, blobName: string): Promise<SyncReadResult> => {
  try {
    return { bytes: await readBlob(settings, blobName) };
  } catch (error) {
    const weft = isWeftError(error) ? error : translateAzureError(error, settings, "reading a blob");
    return { error: { code: weft.code, message: weft.message, hint: weft.hint } };
  }
});
