import type { StorageBackend } from "../datastore/types.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { MetadataProvider } from "./types.ts";

export interface MetadataSettings {
  kind: string;
  /** The datastore's backend; the local provider keeps its files there. */
  backend: StorageBackend;
}

const PROVIDERS: Record<string, (settings: MetadataSettings) => Promise<MetadataProvider>> = {
  local: async ({ backend }) => new (await import("./local/local-metadata.ts")).LocalMetadata(backend),
};

export async function openMetadata(settings: MetadataSettings): Promise<MetadataProvider> {
  const open = PROVIDERS[settings.kind];
  if (!open) {
    throw new WeftError("CONFIG", `Unknown metadata provider "${settings.kind}" [WEFT_DEFAULT_METADATA].`, {
      hint: `Known providers: ${Object.keys(PROVIDERS).join(", ")}.`,
    });
  }
  return open(settings);
}
