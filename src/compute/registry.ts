import { WeftError } from "../errors/weft-error.ts";
import type { ComputeBackend } from "./types.ts";

const BACKENDS: Record<string, () => Promise<ComputeBackend>> = {
  local: async () => new (await import("./local/local-process.ts")).LocalProcessCompute(),
};

/** The compute backend registered under `kind`; imported only when chosen. */
export async function openCompute(kind: string): Promise<ComputeBackend> {
  const open = BACKENDS[kind];
  if (!open) throw new WeftError("CONFIG", `Unknown compute backend "${kind}".`, { hint: `Known backends: ${Object.keys(BACKENDS).join(", ")}.` });
  return open();
}
