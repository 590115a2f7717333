import { checkFolder } from "../errors/fs-errors.ts";
import { WeftError } from "../errors/weft-error.ts";
import { LOCAL_ROOT_VARIABLE } from "./local/local-root.ts";
import type { WeftConfig } from "../config/resolve.ts";
import type { StorageBackend } from "./types.ts";

/** Which backend, and its root as the user configured it. */
export interface DatastoreSettings {
  kind: string;
  root: string;
  /** The resolved configuration, when the caller has it; a task process resolves its own. */
  config?: WeftConfig;
}

/** Backends by the key users type in config; each imported only when chosen. */
const BACKENDS: Record<string, (settings: DatastoreSettings) => Promise<StorageBackend>> = {
  local: async ({ root }) => {
    checkFolder({ root, variable: LOCAL_ROOT_VARIABLE });
    return new (await import("./local/local-backend.ts")).LocalBackend(root);
  },
  azure: async ({ root, config }) => {
    const { azureSettings } = await import("./azure/settings.ts");
    // A task process resolves only the keys it reads: the full config would load zod.
    const resolved = config ?? (await import("../config/core-config.ts")).resolveCoreConfig();
    const settings = await (await import("./azure/credential-secret.ts")).withCredentialSecret(azureSettings(resolved, root || undefined), resolved);
    return (await import("./azure/blob-adapter.ts")).AzureBackend.open(settings);
  },
};

export async function openBackend(settings: DatastoreSettings): Promise<StorageBackend> {
  const open = BACKENDS[settings.kind];
  if (!open) {
    throw new WeftError("CONFIG", `Unknown datastore "${settings.kind}" [WEFT_DEFAULT_DATASTORE].`, {
      hint: `Known datastores: ${Object.keys(BACKENDS).join(", ")}.`,
    });
  }
  return open(settings);
}
