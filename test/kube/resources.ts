// The kinds the fake API server serves, one registration line each. A kind names its
// API coordinates, the schema it is validated against (a kubernetes-models class), the
// server-side rules and admission it gets, and the fields its fieldSelector supports.
import { CronWorkflow, Workflow, WorkflowTemplate } from "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Event } from "kubernetes-models/v1/Event";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Node } from "kubernetes-models/v1/Node";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ApiCore } from "./api-core.ts";
import { admitJob, admitPod, admitSecret, jobRules } from "./admission.ts";
import { type FieldGetters, fieldAt } from "./selectors.ts";
import type { StatusCause } from "./status.ts";
import type { KubeObject } from "./types.ts";
import type { SchemaModel } from "./validation.ts";

export interface ResourceKind {
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** The official schema; without one only metadata is validated. */
  schema?: SchemaModel;
  /** Server-side rules the schema does not carry; run after admission. */
  rules?: (object: KubeObject) => StatusCause[];
  /** Mutating admission on create (defaults, webhooks); may throw a KubeApiError. */
  admit?: (object: KubeObject, api: ApiCore) => void;
  /** fieldSelector fields beyond metadata.name and metadata.namespace. */
  fields?: FieldGetters;
  /** Status is written only through `/status`; writes to the object itself keep the old status. */
  statusSubresource?: boolean;
  /** DELETE answers with the object (pods) instead of a Status. */
  returnsDeletedObject?: boolean;
  /** DELETE without propagationPolicy orphans dependents (batch/v1 Jobs through the API). */
  orphanByDefault?: boolean;
}

/** `batch/v1` or `v1`. */
export const apiVersionOf = (kind: ResourceKind): string => (kind.group ? `${kind.group}/${kind.version}` : kind.version);

/** The store's key for a kind: `pods`, `jobs.batch`. */
export const resourceName = (kind: ResourceKind): string => (kind.group ? `${kind.plural}.${kind.group}` : kind.plural);

const podFields: FieldGetters = Object.fromEntries(["status.phase", "spec.nodeName", "spec.serviceAccountName", "spec.restartPolicy", "spec.schedulerName", "status.podIP"].map((f) => [f, fieldAt(f)]));
const eventFields: FieldGetters = Object.fromEntries([
  "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
  "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
].map((f) => [f, f === "source" ? fieldAt("source.component") : fieldAt(f)]));

/** The core and batch kinds Weft's Kubernetes backend uses. */
export const builtinKinds: ResourceKind[] = [
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, schema: Namespace, statusSubresource: true, fields: { "status.phase": fieldAt("status.phase") } },
  { group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true, schema: ServiceAccount },
  { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true, schema: Secret, admit: admitSecret, fields: { type: fieldAt("type") } },
  { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, schema: ConfigMap },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, schema: Pod, admit: admitPod, fields: podFields, statusSubresource: true, returnsDeletedObject: true },
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, schema: Event, fields: eventFields },
  { group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false, schema: Node, statusSubresource: true, fields: { "spec.unschedulable": fieldAt("spec.unschedulable") } },
  { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true, schema: Job, admit: admitJob, rules: jobRules, statusSubresource: true, orphanByDefault: true, fields: { "status.successful": fieldAt("status.succeeded") } },
];

/** Argo Workflows' custom resources (Sensor is Argo Events', with no published model). */
export const argoKinds: ResourceKind[] = [
  { group: "argoproj.io", version: "v1alpha1", plural: "workflowtemplates", kind: "WorkflowTemplate", namespaced: true, schema: WorkflowTemplate },
  { group: "argoproj.io", version: "v1alpha1", plural: "workflows", kind: "Workflow", namespaced: true, schema: Workflow },
  { group: "argoproj.io", version: "v1alpha1", plural: "cronworkflows", kind: "CronWorkflow", namespaced: true, schema: CronWorkflow },
  { group: "argoproj.io", version: "v1alpha1", plural: "sensors", kind: "Sensor", namespaced: true },
];

/** The kinds the server knows, found by URL coordinates or by `plural[.group]`. */
export class ResourceRegistry {
  private readonly kinds = new Map<string, ResourceKind>();

  constructor(kinds: ResourceKind[]) {
    for (const kind of kinds) this.register(kind);
  }

  /** Adds a kind (a CRD being installed); replaces one with the same group and plural. */
  register(kind: ResourceKind): void {
    this.kinds.set(resourceName(kind), kind);
  }

  all(): ResourceKind[] {
    return [...this.kinds.values()];
  }

  /** The kind served at `/api[s]/{group}/{version}/…/{plural}`, if any. */
  at(group: string, version: string, plural: string): ResourceKind | undefined {
    const kind = this.kinds.get(group ? `${plural}.${group}` : plural);
    return kind?.version === version ? kind : undefined;
  }

  /** `jobs.batch`, `jobs` or `pods`; throws naming the known ones otherwise. */
  byName(name: string): ResourceKind {
    const exact = this.kinds.get(name);
    if (exact) return exact;
    const byPlural = this.all().filter((k) => k.plural === name);
    if (byPlural.length === 1) return byPlural[0]!;
    throw new Error(`Unknown resource "${name}": expected one of ${[...this.kinds.keys()].join(", ")}`);
  }
}
