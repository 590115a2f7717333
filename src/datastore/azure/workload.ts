/** How much the Azure datastore does at once, by WEFT_AZURE_STORAGE_WORKLOAD_TYPE. */
export interface WorkloadSizing {
  /** Blobs read or written at the same time by one batch call. */
  parallelBlobs: number;
  /** Block size of a large upload or download. */
  blockBytes: number;
  /** Blocks in flight for one large blob; its memory is at most blockBytes × blockConcurrency. */
  blockConcurrency: number;
  /** Blobs up to this size move in one request. */
  singleShotBytes: number;
}

const MiB = 1024 * 1024;

/**
 * `default` suits a laptop or a small pod. `highCpu` has many cores: more blobs and
 * blocks in flight. `highMemory` can hold bigger blocks: fewer, larger requests for
 * large artifacts. Metaflow's `general` and `high_throughput` are aliases of the first
 * two (resolved in config).
 */
export const WORKLOADS: Record<"default" | "highCpu" | "highMemory", WorkloadSizing> = {
  default: { parallelBlobs: 16, blockBytes: 8 * MiB, blockConcurrency: 8, singleShotBytes: 8 * MiB },
  highCpu: { parallelBlobs: 64, blockBytes: 8 * MiB, blockConcurrency: 16, singleShotBytes: 8 * MiB },
  highMemory: { parallelBlobs: 32, blockBytes: 32 * MiB, blockConcurrency: 8, singleShotBytes: 64 * MiB },
};
