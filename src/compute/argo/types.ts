// The Argo Workflows objects Weft writes, as plain JSON-ready types: the fields Weft
// sets, checked in tests against Argo's own schemas (@kubernetes-models/argo-workflows).

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ArgoParameter {
  name: string;
  value?: string;
  valueFrom?: { path?: string };
}

export interface RetryStrategy {
  limit: string;
  retryPolicy: "Always" | "OnFailure" | "OnError" | "OnTransientError";
  expression?: string;
  backoff?: { duration: string; factor?: string };
}

export interface DagTask {
  name: string;
  template: string;
  depends?: string;
  when?: string;
  withParam?: string;
  arguments?: { parameters: ArgoParameter[] };
}

/** A template: a container (one task's pod) or a DAG. Pod-level fields are kept as given. */
export interface ArgoTemplate {
  name: string;
  inputs?: { parameters: ArgoParameter[] };
  outputs?: { parameters: ArgoParameter[] };
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  container?: Record<string, unknown>;
  dag?: { tasks: DagTask[] };
  retryStrategy?: RetryStrategy;
  activeDeadlineSeconds?: number;
  podSpecPatch?: string;
  [field: string]: unknown;
}

export interface WorkflowSpec {
  entrypoint?: string;
  onExit?: string;
  arguments?: { parameters: ArgoParameter[] };
  templates?: ArgoTemplate[];
  workflowTemplateRef?: { name: string };
  parallelism?: number;
  serviceAccountName?: string;
  imagePullSecrets?: { name: string }[];
  podGC?: { strategy: string; deleteDelayDuration?: string };
  ttlStrategy?: { secondsAfterCompletion?: number; secondsAfterSuccess?: number; secondsAfterFailure?: number };
  workflowMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  shutdown?: string;
  suspend?: boolean;
}

export interface WorkflowTemplate {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "WorkflowTemplate";
  metadata: ObjectMeta;
  spec: WorkflowSpec;
}

export interface Workflow {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "Workflow";
  metadata: ObjectMeta;
  spec: WorkflowSpec;
  status?: WorkflowStatus;
}

export interface CronWorkflow {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "CronWorkflow";
  metadata: ObjectMeta;
  spec: { schedules: string[]; timezone?: string; concurrencyPolicy?: string; startingDeadlineSeconds?: number; workflowSpec: WorkflowSpec; workflowMetadata?: ObjectMeta };
}

export interface Sensor {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "Sensor";
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

/** One node of a workflow's status, as Argo's controller writes it (the fields Weft reads). */
export interface NodeStatus {
  id: string;
  name: string;
  displayName?: string;
  type: string;
  phase?: string;
  templateName?: string;
  boundaryID?: string;
  children?: string[];
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  inputs?: { parameters?: ArgoParameter[] };
  outputs?: { parameters?: ArgoParameter[]; exitCode?: string };
}

export interface WorkflowStatus {
  phase?: string;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  nodes?: Record<string, NodeStatus>;
  /** What Argo writes instead of `nodes` once the workflow object passes its size limit: the nodes' JSON, gzipped, in base64. */
  compressedNodes?: string;
  /** Set when the controller keeps the nodes in its database instead (node status offloading): then neither field holds them. */
  offloadNodeStatusVersion?: string;
}
