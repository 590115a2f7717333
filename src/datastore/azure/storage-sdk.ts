// The storage SDK (@azure/storage-blob and the core libraries), loaded on first use.
// From the build, it is one CommonJS file beside the entry points (scripts/build.mjs),
// compiled through a V8 code cache (runtime/code-cache.ts): loading the SDK cost every
// Azure task ~40 ms more CPU without it (docs/benchmarks.md, "a V8 code cache for the
// storage SDK"). From source (tsx, the unit tests), it is the package itself.
import { join } from "node:path";
import type * as StorageBlob from "@azure/storage-blob";
import { loadCommonJs } from "../../runtime/code-cache.ts";
import { weftPackage } from "../../runtime/package-root.ts";

export type StorageSdk = typeof StorageBlob;

declare global {
  interface ImportMeta {
    /** The SDK's CommonJS bundle under dist/, defined by the build; undefined from source. */
    readonly weftStorageSdkBundle?: string;
  }
}

let loaded: Promise<StorageSdk> | undefined;

/**
 * The SDK, once per process. `codeCacheDir` is the folder of its code cache (created
 * 0700); undefined compiles it without one.
 */
export function storageSdk(codeCacheDir: string | undefined): Promise<StorageSdk> {
  // The build folds this test away, so that it bundles no second, ESM copy of the SDK.
  loaded ??= import.meta.weftStorageSdkBundle
    ? Promise.resolve().then(() => loadCommonJs(join(weftPackage().root, "dist", import.meta.weftStorageSdkBundle!), codeCacheDir).exports as StorageSdk)
    : import("@azure/storage-blob");
  return loaded;
}
