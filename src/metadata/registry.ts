import type { WeftConfig } from "../config/resolve.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { MetadataProvider } from "./types.ts";

export interface MetadataSettings {
  kind: string;
  /** The datastore's backend; the local provider keeps its files there. */
  backend: StorageBackend;
  /** The resolved configuration, when the caller has it; a task process resolves its own. */
  config?: WeftConfig;
}

const PROVIDERS: Record<string, (settings: MetadataSettings) => Promise<MetadataProvider>> = {
  local: async ({ backend }) => new (await import("./local/local-metadata.ts")).LocalMetadata(backend),
  service: async ({ config }) => {
    const { values } = config ?? (await import("../config/resolve.ts")).resolveConfig();
    if (!values.serviceUrl) {
      throw new WeftError("CONFIG", "WEFT_DEFAULT_METADATA is service but WEFT_SERVICE_URL is not set.", {
        hint: "Set WEFT_SERVICE_URL to the metadata service, e.g. http://127.0.0.1:8080 (start one with `weft service`).",
      });
    }
    const { ServiceMetadata } = await import("./service/service-metadata.ts");
    return new ServiceMetadata({ url: values.serviceUrl, ...(values.serviceAuthToken ? { token: values.serviceAuthToken } : {}) });
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
