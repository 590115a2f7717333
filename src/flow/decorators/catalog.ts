import { classDecorator, stepDecorator } from "./use.ts";

export interface RetryOptions {
  /** Extra attempts after the first fails (default 3). */
  times?: number;
  minutesBetweenRetries?: number;
}
export interface CatchErrorOptions {
  /** Artifact that receives the error; the flow continues. */
  var?: string;
  /** Print the caught error to the task's stderr (default true). */
  printException?: boolean;
}
export interface TimeoutOptions {
  seconds?: number;
  minutes?: number;
  hours?: number;
}
export interface ResourcesOptions {
  cpu?: number;
  /** MB */
  memory?: number;
  gpu?: number;
  /** MB */
  disk?: number;
}
export interface EnvironmentOptions {
  vars: Record<string, string>;
}
export type SecretSource = string | { type?: string; id: string; options?: { envVarName?: string; json?: boolean } };
export interface SecretsOptions {
  sources: SecretSource[];
  role?: string;
  allowOverride?: boolean;
}
/** Options of @kubernetes; what each does, its default and its WEFT_KUBERNETES_* variable: docs/kubernetes.md. */
export interface KubernetesOptions {
  /** A full reference (`myacr.azurecr.io/train:1.4`), or a bare `name:tag` put under WEFT_KUBERNETES_CONTAINER_REGISTRY. */
  image?: string;
  namespace?: string;
  serviceAccount?: string;
  /** Cores, requested (no limit); wins over @resources. Default 1. */
  cpu?: number;
  /** MB, requested and the limit; wins over @resources. Default 4096. */
  memory?: number;
  /** MB of ephemeral storage, requested and the limit; wins over @resources. Default 10240. */
  disk?: number;
  gpu?: number;
  /** Default "nvidia" (`nvidia.com/gpu`); "amd" asks for `amd.com/gpu`. */
  gpuVendor?: "nvidia" | "amd";
  nodeSelector?: Record<string, string>;
  tolerations?: KubernetesToleration[];
  /** Kubernetes secrets whose keys become environment variables of the task (envFrom). */
  secrets?: string[];
  imagePullSecrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  priorityClassName?: string;
  /** MB of /dev/shm (a memory-backed emptyDir; it counts against memory). */
  sharedMemory?: number;
  /** `{ claimName: mountPath }` */
  persistentVolumeClaims?: Record<string, string>;
  /** Merged into the generated pod spec, last; see docs/kubernetes.md for its rules. */
  podSpecPatch?: Record<string, unknown>;
  /** Seconds a finished Job (and its pod) is kept. Default 604800 (a week). */
  ttlSecondsAfterFinished?: number;
}
export interface KubernetesToleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}
export interface CardOptions {
  /** `default` (the components, then the task's parameters, artifacts and place in the flow) or `blank` (the components only). */
  type?: "default" | "blank";
  /** Names the card: `current.card.<id>`, `weft card get PATHSPEC --id <id>`. Needed when a step has several cards. */
  id?: string;
  /** Seconds between writes while the task runs (default 5): refresh() more often is held back to this. */
  refreshInterval?: number;
}
/** Exactly one of cron, hourly, daily and weekly. */
export interface ScheduleOptions {
  /** Five fields: minute hour day-of-month month day-of-week, e.g. "30 6 * * 1-5". */
  cron?: string;
  /** On the hour. */
  hourly?: boolean;
  /** At midnight. */
  daily?: boolean;
  /** At midnight on Sunday. */
  weekly?: boolean;
  /** An IANA time zone, e.g. "Europe/Paris"; default the Argo controller's (UTC). */
  timezone?: string;
}
export interface ProjectOptions {
  name: string;
}
/** An event by name, or with flow parameters taken from its payload: `{ name, parameters: { param: "payloadField" } }`. */
export type TriggerEventOption = string | { name: string; parameters?: Record<string, string> };
/** One event, or several that must all arrive. */
export interface TriggerOptions {
  event?: TriggerEventOption;
  events?: TriggerEventOption[];
}
/** Another deployed flow (or several) whose successful run starts this one. */
export interface TriggerOnFinishOptions {
  flow?: string;
  flows?: string[];
}

/** Re-runs a failed attempt in a fresh process. */
export const retry = stepDecorator<RetryOptions>("retry");
/** Stores the error of the last failed attempt in an artifact and continues the flow. */
export const catchError = stepDecorator<CatchErrorOptions>("catchError");
/** Kills an attempt that runs longer than this; counts as a failure. */
export const timeout = stepDecorator<TimeoutOptions>("timeout");
/** What the step needs; used by compute backends. */
export const resources = stepDecorator<ResourcesOptions>("resources");
/** Environment variables of the step's process. */
export const environment = stepDecorator<EnvironmentOptions>("environment");
/** Secrets exposed as environment variables of the task. */
export const secrets = stepDecorator<SecretsOptions>("secrets");
/** Runs the step as a Kubernetes Job. */
export const kubernetes = stepDecorator<KubernetesOptions>("kubernetes");
/** A report card attached to the task, built with components from `weft/cards`; a step may have several. */
export const card = stepDecorator<CardOptions>("card");
/** Production schedule (Argo CronWorkflow). */
export const schedule = classDecorator<ScheduleOptions>("schedule");
/** Namespaces deployments of the flow under a project. */
export const project = classDecorator<ProjectOptions>("project");
/** Starts the deployed flow on an event (an Argo Events Sensor). */
export const trigger = classDecorator<TriggerOptions>("trigger");
/** Starts the deployed flow when a deployed run of another flow succeeds (an Argo Events Sensor). */
export const triggerOnFinish = classDecorator<TriggerOnFinishOptions>("triggerOnFinish");
