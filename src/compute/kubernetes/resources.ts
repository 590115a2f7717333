// Requests and limits of the task container. The rules, and why (docs/kubernetes.md):
// - cpu: a request, no limit. A CPU limit throttles a task even on an idle node (CFS
//   quota), which slows numeric code unpredictably; the request alone reserves it.
// - memory: limit = request. A task that grows past its request on a busy node is the
//   first killed by the kernel at a random moment; with limit = request it is OOMKilled
//   at a size the user chose, and the failure names that size.
// - ephemeral-storage (disk): limit = request, for the same reason: past it the pod is
//   evicted with a message naming the limit, rather than filling the node's disk.
// - gpu: limit = request (Kubernetes requires it for extended resources), under the
//   vendor's resource name.

/** What a task asks for; memory and disk in MB (treated as MiB, as Kubernetes counts). */
export interface ResourceAmounts {
  cpu: number;
  memoryMb: number;
  diskMb: number;
  gpu: number;
  gpuVendor: "nvidia" | "amd";
}

/** A container's `resources`, as quantities. */
export interface ResourceRequirements {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

/** The extended resource a GPU vendor's device plugin advertises. */
export const GPU_RESOURCE = { nvidia: "nvidia.com/gpu", amd: "amd.com/gpu" } as const;

/** The container resources for `amounts`, by the rules above. */
export function containerResources(amounts: ResourceAmounts): ResourceRequirements {
  const memory = mebibytes(amounts.memoryMb);
  const disk = mebibytes(amounts.diskMb);
  const requests: Record<string, string> = { cpu: cpuQuantity(amounts.cpu), memory, "ephemeral-storage": disk };
  const limits: Record<string, string> = { memory, "ephemeral-storage": disk };
  if (amounts.gpu > 0) {
    requests[GPU_RESOURCE[amounts.gpuVendor]] = String(amounts.gpu);
    limits[GPU_RESOURCE[amounts.gpuVendor]] = String(amounts.gpu);
  }
  return { requests, limits };
}

/** Whole cores as "2", fractions as millicores ("0.5" → "500m"), rounded up to 1m (Kubernetes' precision). */
export function cpuQuantity(cpu: number): string {
  const millicores = Math.ceil(Math.round(cpu * 1e6) / 1e3);
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** MB as a whole number of MiB, rounded up: "4096Mi". */
export function mebibytes(mb: number): string {
  return `${Math.ceil(mb)}Mi`;
}
