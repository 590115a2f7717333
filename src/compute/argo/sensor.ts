// @trigger and @triggerOnFinish as an Argo Events Sensor. Events arrive through one
// webhook EventSource (WEFT_ARGO_EVENTS_SOURCE, default weft-events) as JSON bodies
// `{ "name": "...", "payload": { ... } }`, as Metaflow's do; the Sensor filters them by
// name and submits a Workflow from the deployment's template, a payload field becoming a
// parameter where @trigger maps one. A deployed run that succeeds publishes
// `weft.run.succeeded.<flow>` (its project flow name with @project), which is what
// @triggerOnFinish listens for.
import { projectFlowName, type ProjectInfo } from "../../flow/project.ts";
import { shortHash } from "../kubernetes/names.ts";
import type { Sensor, WorkflowTemplate } from "./types.ts";

/** One event of @trigger: its name, and flow parameters taken from its payload (`{ param: "payload field" }`). */
export interface TriggerEvent {
  name: string;
  parameters?: Record<string, string>;
}

/** @trigger's options, validated. */
export interface TriggerSpec {
  event?: string | TriggerEvent;
  events?: (string | TriggerEvent)[];
}

/** @triggerOnFinish's options, validated. */
export interface TriggerOnFinishSpec {
  flow?: string;
  flows?: string[];
}

export const DEFAULT_EVENT_SOURCE = "weft-events";
export const DEFAULT_SENSOR_SERVICE_ACCOUNT = "operate-workflow-sa";
/** The event of the webhook EventSource that carries every Weft event. */
export const WEBHOOK_EVENT = "weft";
const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,253}$/;

/** The events of @trigger, each with its parameter mapping. */
export function triggerEvents(spec: TriggerSpec): TriggerEvent[] {
  const all = [...(spec.event !== undefined ? [spec.event] : []), ...(spec.events ?? [])];
  return all.map((e) => (typeof e === "string" ? { name: e } : e));
}

/** The event a successful run of `flow` publishes; with @project, in the deploying flow's branch. */
export function finishedEvent(flow: string, project?: Pick<ProjectInfo, "name" | "branch">): string {
  return `weft.run.succeeded.${project ? projectFlowName(project.name, project.branch, flow) : flow}`;
}

/** What is wrong with @trigger for a flow with these parameters, or undefined. */
export function triggerProblem(spec: TriggerSpec, params: readonly string[]): string | undefined {
  const events = triggerEvents(spec);
  if (events.length === 0) return 'name an event: @trigger({ event: "data_ready" }) or @trigger({ events: ["a", "b"] })';
  for (const event of events) {
    if (!EVENT_NAME.test(event.name)) return `event "${event.name}" must be 1 to 253 letters, digits, '.', '_', ':' or '-'`;
    for (const param of Object.keys(event.parameters ?? {})) {
      if (!params.includes(param)) return `event "${event.name}" maps a payload field to "${param}", which is not a parameter of the flow (its parameters: ${params.join(", ") || "none"})`;
    }
  }
  return undefined;
}

/** What is wrong with @triggerOnFinish, or undefined. */
export function triggerOnFinishProblem(spec: TriggerOnFinishSpec, self: string): string | undefined {
  const flows = [...(spec.flow ? [spec.flow] : []), ...(spec.flows ?? [])];
  if (flows.length === 0) return 'name the flow to follow: @triggerOnFinish({ flow: "UpstreamFlow" })';
  const bad = flows.find((f) => !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(f));
  if (bad) return `"${bad}" is not a flow name (a flow is named by its class: letters, digits, _ and $)`;
  if (flows.includes(self)) return `${self} would start itself each time it finishes`;
  return undefined;
}

export interface SensorRequest {
  template: WorkflowTemplate;
  trigger?: TriggerSpec;
  triggerOnFinish?: TriggerOnFinishSpec;
  project?: Pick<ProjectInfo, "name" | "branch">;
  eventSource: string;
  serviceAccount: string;
}

/** The Sensor of a deployment: every named event must arrive (Argo Events' `&&` of dependencies), then one workflow is submitted. */
export function sensorOf(request: SensorRequest): Sensor {
  const { template } = request;
  const name = template.metadata.name!;
  const events: TriggerEvent[] = [
    ...(request.trigger ? triggerEvents(request.trigger) : []),
    ...[...(request.triggerOnFinish?.flow ? [request.triggerOnFinish.flow] : []), ...(request.triggerOnFinish?.flows ?? [])].map((flow) => ({ name: finishedEvent(flow, request.project) })),
  ];
  const dependency = (event: TriggerEvent) => `e-${shortHash([event.name], 10)}`;
  const parameterIndex = new Map((template.spec.arguments?.parameters ?? []).map((p, i) => [p.name, i]));
  const parameters = events.flatMap((event) =>
    Object.entries(event.parameters ?? {}).map(([param, field]) => ({
      src: { dependencyName: dependency(event), dataKey: `body.payload.${field}` },
      dest: `spec.arguments.parameters.${parameterIndex.get(param)}.value`,
    })),
  );
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Sensor",
    metadata: { name, namespace: template.metadata.namespace!, labels: template.metadata.labels ?? {}, annotations: template.metadata.annotations ?? {} },
    spec: {
      template: { serviceAccountName: request.serviceAccount },
      dependencies: events.map((event) => ({
        name: dependency(event),
        eventSourceName: request.eventSource,
        eventName: WEBHOOK_EVENT,
        filters: { data: [{ path: "body.name", type: "string", value: [event.name] }] },
      })),
      triggers: [
        {
          template: {
            name,
            argoWorkflow: {
              operation: "submit",
              source: {
                resource: {
                  apiVersion: "argoproj.io/v1alpha1",
                  kind: "Workflow",
                  metadata: { generateName: `${name}-`, labels: template.spec.workflowMetadata?.labels ?? {} },
                  spec: { workflowTemplateRef: { name }, ...(template.spec.arguments ? { arguments: template.spec.arguments } : {}) },
                },
              },
              ...(parameters.length ? { parameters } : {}),
            },
          },
        },
      ],
    },
  };
}
