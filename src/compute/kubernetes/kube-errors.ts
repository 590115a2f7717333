import { WeftError } from "../../errors/weft-error.ts";
import { isConnectionError } from "./kube-retry.ts";

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/**
 * The one place a Kubernetes client error becomes a WeftError: what was being done,
 * what the API server said, and what to do about it. Connection failures and 5xx are
 * `transient` (a later try may work); the rest are the user's to fix.
 */
export function kubeError(error: unknown, what: string, server: string): WeftError {
  if (error instanceof WeftError) return error;
  const code = (error as { code?: unknown }).code;
  const retried = (error as { retriedForMs?: number }).retriedForMs;
  const after = retried ? ` (retried for ${Math.round(retried / 1000)} s)` : "";
  if (typeof code !== "number") {
    if (isConnectionError(error)) {
      return new WeftError("KUBERNETES", `Could not reach the Kubernetes API server at ${server} to ${what}${after}: ${(error as Error).message}.`, {
        hint: "Check that the cluster is up and reachable from here: `kubectl cluster-info` with the same kubeconfig and context (VPN, firewall, authorized IP ranges of AKS).",
        transient: true,
        cause: error,
      });
    }
    return new WeftError("KUBERNETES", `Could not ${what} on ${server}: ${(error as Error).message}.`, { cause: error, transient: true });
  }
  const body = parseBody((error as { body?: unknown }).body);
  const said = body.message ?? (error as Error).message;
  if (code === 401) {
    return new WeftError("KUBERNETES", `The Kubernetes API server at ${server} refused our credentials (401) to ${what}.`, {
      hint: "Refresh them: `az aks get-credentials --resource-group RG --name CLUSTER` (and `kubelogin convert-kubeconfig -l azurecli` on AAD-enabled clusters).",
      cause: error,
    });
  }
  if (code === 403) {
    return new WeftError("KUBERNETES", `Kubernetes RBAC forbids us to ${what}: ${said}`, {
      hint: "Ask a cluster admin for a Role in that namespace allowing create/get/list/watch/delete on jobs (batch) and get/list/watch on pods, pods/log and events, or use a namespace you may deploy to (WEFT_KUBERNETES_NAMESPACE).",
      cause: error,
    });
  }
  if (code === 404 && /namespaces? "[^"]+" not found/.test(said)) {
    return new WeftError("KUBERNETES", `Could not ${what}: ${said}.`, { hint: "Create the namespace (`kubectl create namespace NAME`) or set WEFT_KUBERNETES_NAMESPACE / @kubernetes({ namespace }) to an existing one.", cause: error });
  }
  if (code === 400 || code === 422) {
    const causes = (body.details?.causes ?? []).map((c) => `${c.field ?? "?"}: ${c.message ?? ""}`).join("; ");
    return new WeftError("KUBERNETES", `The Kubernetes API server rejected the request to ${what} (${code} ${body.reason ?? ""}): ${causes || said}`, {
      hint: "Check the @kubernetes options and podSpecPatch of the step; `weft kubernetes render FLOW STEP` shows the Job as it would be sent.",
      cause: error,
    });
  }
  return new WeftError("KUBERNETES", `The Kubernetes API server at ${server} answered ${code} to ${what}${after}: ${said}`, {
    hint: code >= 500 || code === 429 ? "The API server is overloaded or failing; try again, and check the cluster's health (`kubectl get --raw /readyz`)." : "Check the cluster and the request.",
    transient: code >= 500 || code === 429,
    cause: error,
  });
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}
