// Argo's custom resources through the Kubernetes API (KubeApi's CustomObjectsApi calls),
// with Argo's own advice on the errors a deployer meets: no CRDs installed, RBAC, a
// namespace the controller does not watch.
import { WeftError } from "../../errors/weft-error.ts";
import type { CustomKind, JsonPatchOperation, KubeApi } from "../kubernetes/kube-api.ts";
import type { CronWorkflow, Sensor, Workflow, WorkflowTemplate } from "./types.ts";

const argo = (plural: string, kind: string): CustomKind => ({ group: "argoproj.io", version: "v1alpha1", plural, kind });
export const ARGO_KINDS = {
  workflowTemplate: argo("workflowtemplates", "WorkflowTemplate"),
  workflow: argo("workflows", "Workflow"),
  cronWorkflow: argo("cronworkflows", "CronWorkflow"),
  sensor: argo("sensors", "Sensor"),
} as const;

type ArgoObject = WorkflowTemplate | Workflow | CronWorkflow | Sensor;

/** The RBAC a deployer needs, as docs/argo.md lists it. */
const RBAC_HINT =
  "Ask a cluster admin for a Role in that namespace allowing get, list, create, update, patch and delete on workflowtemplates, workflows and cronworkflows (argoproj.io), and on sensors for @trigger (docs/argo.md, \"RBAC\").";

/** Argo Workflows and Argo Events objects in one namespace. */
export class ArgoApi {
  constructor(
    private readonly kube: KubeApi,
    readonly namespace: string,
  ) {}

  get<T extends ArgoObject>(kind: CustomKind, name: string): Promise<T | undefined> {
    return this.explain(kind, this.kube.getCustomObject<T>(kind, this.namespace, name));
  }

  list<T extends ArgoObject>(kind: CustomKind, labelSelector?: string): Promise<T[]> {
    return this.explain(kind, this.kube.listCustomObjects<T>(kind, this.namespace, labelSelector));
  }

  create<T extends ArgoObject>(kind: CustomKind, body: T): Promise<T> {
    return this.explain(kind, this.kube.createCustomObject(kind, this.namespace, body));
  }

  /**
   * Creates the object, or replaces the one of that name: deploying twice is the same as
   * deploying once. Returns whether it existed.
   */
  async apply<T extends ArgoObject>(kind: CustomKind, body: T, owned: (existing: T) => void): Promise<"created" | "updated"> {
    const name = body.metadata.name!;
    const existing = await this.get<T>(kind, name);
    if (!existing) {
      await this.create(kind, body);
      return "created";
    }
    owned(existing);
    await this.explain(kind, this.kube.replaceCustomObject(kind, this.namespace, name, { ...body, metadata: { ...body.metadata, resourceVersion: (existing.metadata as { resourceVersion?: string }).resourceVersion } }));
    return "updated";
  }

  patch<T extends ArgoObject>(kind: CustomKind, name: string, operations: JsonPatchOperation[]): Promise<T> {
    return this.explain(kind, this.kube.patchCustomObject<T>(kind, this.namespace, name, operations));
  }

  delete(kind: CustomKind, name: string): Promise<boolean> {
    return this.explain(kind, this.kube.deleteCustomObject(kind, this.namespace, name));
  }

  /** KubeApi's errors, with what a 404 of the kind itself and a 403 mean for Argo. */
  private async explain<T>(kind: CustomKind, call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      const status = (error as WeftError).cause as { code?: number; body?: unknown } | undefined;
      const said = String(status?.body ?? "");
      if (status?.code === 404 && /the server could not find the requested resource|404 page not found/i.test(said)) {
        const events = kind === ARGO_KINDS.sensor;
        throw new WeftError("KUBERNETES", `The cluster has no ${kind.kind} resource (${kind.plural}.${kind.group}): ${events ? "Argo Events" : "Argo Workflows"} is not installed there.`, {
          hint: `Install ${events ? "Argo Events" : "Argo Workflows"} with its CRDs (docs/argo.md, "Installing on AKS"), or point KUBECONFIG / WEFT_KUBERNETES_CONTEXT at the cluster that has it.`,
          cause: error,
        });
      }
      if (status?.code === 403) throw new WeftError("KUBERNETES", (error as WeftError).message, { hint: RBAC_HINT, cause: error });
      throw error;
    }
  }
}
