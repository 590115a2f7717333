// The labels and annotations Weft puts on every Job and pod, so that `kubectl get jobs
// -l weft/flow=TrainFlow` finds a flow's Jobs and a pod says which attempt it runs.
import { labelValue } from "./names.ts";

/** Label and annotation keys Weft sets; a user's @kubernetes labels may not use them. */
export const WEFT_LABELS = {
  name: "app.kubernetes.io/name",
  managedBy: "app.kubernetes.io/managed-by",
  version: "app.kubernetes.io/version",
  flow: "weft/flow",
  run: "weft/run",
  step: "weft/step",
  task: "weft/task",
  attempt: "weft/attempt",
  user: "weft/user",
} as const;

/** Azure Workload Identity's webhook mutates only pods with this label set to "true". */
export const WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use";

export const RESERVED_LABEL_KEYS: readonly string[] = [...Object.values(WEFT_LABELS), WORKLOAD_IDENTITY_LABEL];

/** What an attempt's labels say. */
export interface AttemptIdentity {
  flow: string;
  run: string;
  step: string;
  task: string;
  attempt: number;
  user: string;
  weftVersion: string;
}

/**
 * Labels of an attempt's Job and pod. Each value is valid for any name (see
 * `labelValue`), so a selector for a flow is `weft/flow=${labelValue(flow)}`.
 */
export function attemptLabels(id: AttemptIdentity): Record<string, string> {
  return {
    [WEFT_LABELS.name]: "weft",
    [WEFT_LABELS.managedBy]: "weft",
    [WEFT_LABELS.version]: labelValue(id.weftVersion),
    [WEFT_LABELS.flow]: labelValue(id.flow),
    [WEFT_LABELS.run]: labelValue(id.run),
    [WEFT_LABELS.step]: labelValue(id.step),
    [WEFT_LABELS.task]: labelValue(id.task),
    [WEFT_LABELS.attempt]: String(id.attempt),
    [WEFT_LABELS.user]: labelValue(id.user),
  };
}

/** The exact names, as annotations (which take any text), since a label value may be shortened. */
export function attemptAnnotations(id: AttemptIdentity): Record<string, string> {
  return {
    [WEFT_LABELS.flow]: id.flow,
    [WEFT_LABELS.run]: id.run,
    [WEFT_LABELS.step]: id.step,
    [WEFT_LABELS.task]: id.task,
    [WEFT_LABELS.attempt]: String(id.attempt),
    [WEFT_LABELS.user]: id.user,
    "weft/version": id.weftVersion,
  };
}

/** Selects every Job and pod of one run: what the runner watches. */
export function runLabelSelector(ref: { flow: string; run: string }): string {
  return `${WEFT_LABELS.flow}=${labelValue(ref.flow)},${WEFT_LABELS.run}=${labelValue(ref.run)}`;
}
