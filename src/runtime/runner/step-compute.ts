import { openCompute } from "../../compute/registry.ts";
import type { ComputeBackend } from "../../compute/types.ts";
import type { WeftConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { StepDecorators } from "../../flow/decorators/specs.ts";
import { planSecrets } from "../../secrets/plan.ts";

/** Where each step runs: on Kubernetes with `@kubernetes` (or `--with kubernetes`), else on this machine. */
export function computeKinds(decorators: Record<string, StepDecorators>): Record<string, string> {
  return Object.fromEntries(Object.entries(decorators).map(([step, d]) => [step, d.kubernetes ? "kubernetes" : "local"]));
}

/**
 * Refuses, before anything is written, a run whose remote steps could not reach what
 * they need: pods cannot read this machine's files, nor secrets from its shell.
 */
export function checkRemoteSteps(kinds: Record<string, string>, decorators: Record<string, StepDecorators>, config: WeftConfig): void {
  const remote = Object.keys(kinds).filter((step) => kinds[step] !== "local");
  if (remote.length === 0) return;
  if (config.values.datastore !== "azure") {
    throw new WeftError("CONFIG", `Steps ${remote.join(", ")} run on Kubernetes, but the datastore is local (${config.values.datastoreSysrootLocal}): pods cannot read this machine's files.`, {
      hint: "Use the Azure datastore: WEFT_DEFAULT_DATASTORE=azure with WEFT_DATASTORE_SYSROOT_AZURE=container/prefix (docs/azure.md).",
    });
  }
  const plans = planSecrets(decorators, config);
  for (const step of remote) {
    const envSources = (plans[step]?.sources ?? []).filter((s) => s.type === "env");
    if (envSources.length) {
      throw new WeftError("CONFIG", `Step ${step} runs on Kubernetes but reads secrets from this shell's environment (@secrets env source ${envSources.map((s) => s.name).join(", ")}): their values would have to be copied into the pod spec.`, {
        hint: 'Keep them in Key Vault ("az-key-vault.<name>"), or in a Kubernetes secret named in @kubernetes({ secrets }).',
      });
    }
  }
}

/** Opens the backends the steps need, once each; the fallback attempt of @catchError runs on this machine. */
export async function openStepCompute(kinds: Record<string, string>, context: { config: WeftConfig; user: string }): Promise<{ forStep: (step: string, fallback: boolean) => ComputeBackend; close: () => void }> {
  const backends = new Map<string, ComputeBackend>();
  for (const kind of new Set(["local", ...Object.values(kinds)])) backends.set(kind, await openCompute(kind, context));
  return {
    forStep: (step, fallback) => backends.get(fallback ? "local" : (kinds[step] ?? "local"))!,
    close: () => backends.forEach((b) => b.close?.()),
  };
}
