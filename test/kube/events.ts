// core/v1 Events as controllers and the kubelet record them: one Event per involved
// object, reason and message, its `count` and `lastTimestamp` bumped when it repeats.
import { randomBytes } from "node:crypto";
import type { ApiCore } from "./api-core.ts";
import { now, type KubeObject } from "./types.ts";

export interface EventSource {
  /** `job-controller`, `default-scheduler`, `kubelet`. */
  component: string;
  /** The node name, for the kubelet. */
  host?: string;
}

/** Records events through the API (so they are watchable and listable like real ones). */
export class EventRecorder {
  private readonly seen = new Map<string, string>();

  constructor(private readonly api: ApiCore) {}

  record(source: EventSource, object: KubeObject, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void {
    const meta = object.metadata;
    const namespace = meta.namespace ?? "default";
    const key = `${meta.uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const kind = this.api.kind("events");
    const existing = this.seen.get(key);
    if (existing && this.api.store.get("events", namespace, existing)) {
      this.api.mutate(kind, namespace, existing, (e) => {
        e.count = (Number(e.count) || 1) + 1;
        e.lastTimestamp = now();
      });
      return;
    }
    const name = `${meta.name}.${randomBytes(8).toString("hex")}`;
    this.seen.set(key, name);
    const time = now();
    this.api.create(kind, namespace, {
      metadata: { name, namespace },
      involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, ...(fieldPath ? { fieldPath } : {}) },
      reason, message, type, count: 1, firstTimestamp: time, lastTimestamp: time,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      reportingComponent: source.component, reportingInstance: source.host ?? "",
    });
  }
}
