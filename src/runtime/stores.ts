import type { WeftConfig } from "../config/resolve.ts";
import { openBackend } from "../datastore/registry.ts";
import type { StorageBackend } from "../datastore/types.ts";
import { openMetadata } from "../metadata/registry.ts";
import type { MetadataProvider } from "../metadata/types.ts";

export interface Stores {
  backend: StorageBackend;
  metadata: MetadataProvider;
}

/** The root of the configured datastore: the local folder or the Azure sysroot as written. */
export function datastoreRoot(config: WeftConfig): string {
  const v = config.values;
  return v.datastore === "local" ? v.datastoreSysrootLocal : (v.datastoreSysrootAzure ?? "");
}

/** The datastore and metadata provider that the configuration names. */
export async function openStores(config: WeftConfig): Promise<Stores> {
  const backend = await openBackend({ kind: config.values.datastore, root: datastoreRoot(config), config });
  return { backend, metadata: await openMetadata({ kind: config.values.metadata, backend, config }) };
}
