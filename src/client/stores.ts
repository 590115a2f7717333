import type { WeftConfig } from "../config/resolve.ts";
import { openBackend } from "../datastore/registry.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { openMetadata } from "../metadata/registry.ts";
import type { MetadataProvider } from "../metadata/types.ts";

export interface Stores {
  backend: StorageBackend;
  metadata: MetadataProvider;
}

/** The datastore and metadata provider that the configuration names. */
export async function openStores(config: WeftConfig): Promise<Stores> {
  const v = config.values;
  const root = v.datastore === "local" ? v.datastoreSysrootLocal : (v.datastoreSysrootAzure ?? "");
  const backend = await openBackend({ kind: v.datastore, root, config });
  return { backend, metadata: await openMetadata({ kind: v.metadata, backend }) };
}
