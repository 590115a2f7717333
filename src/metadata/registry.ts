import type { WeftConfig } from "../config/resolve.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { MetadataProvider } from "./types.ts";

export interface MetadataSettings {
  kind: string;
  /** The datastore's backend; the local provider keeps its files there. */
  backend: StorageBackend;
  /** The resolved configuration, when the caller has it; a task process reads what the runner passed it. */
  config?: WeftConfig;
}

const PROVIDERS: Record<string, (settings: MetadataSettings) => Promise<MetadataProvider>> = {
  local: async ({ backend }) => new (await import("./local/local-metadata.ts")).LocalMetadata(backend),
  service: async ({ config }) => {
    const { serviceConnectionFromEnv, serviceConnectionOf } = await import("../config/task-environment.ts");
    const connection = config ? serviceConnectionOf(config.values) : serviceConnectionFromEnv();
    if (!connection) {
      throw new WeftError("CONFIG", "WEFT_DEFAULT_METADATA is service but WEFT_SERVICE_URL is not set.", {
        hint: "Set WEFT_SERVICE_URL to the metadata service, e.g. http://127.0.0.1:8080 (start one with `weft service`).",
      });
    }
    return new (await import("./service/service-metadata.ts")).ServiceMetadata(connection);
  },
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
