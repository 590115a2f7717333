import type { WeftConfig } from "../config/resolve.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { ComputeBackend } from "./types.ts";

/** What a backend is opened with: the run's configuration and user. */
export interface ComputeContext {
  config: WeftConfig;
  user: string;
}

const BACKENDS: Record<string, (context: ComputeContext) => Promise<ComputeBackend>> = {
  local: async () => new (await import("./local/local-process.ts")).LocalProcessCompute(),
  kubernetes: async (context) => new (await import("./kubernetes/kubernetes-compute.ts")).KubernetesCompute(context),
};

/** The compute backend registered under `kind`; imported only when chosen. */
export async function openCompute(kind: string, context: ComputeContext): Promise<ComputeBackend> {
  const open = BACKENDS[kind];
  if (!open) throw new WeftError("CONFIG", `Unknown compute backend "${kind}".`, { hint: `Known backends: ${Object.keys(BACKENDS).join(", ")}.` });
  return open(context);
}
