import type { CoreV1Event, KubernetesObject, V1Job, V1Pod } from "@kubernetes/client-node";
import type { KubeApi, RunningWatch, WatchEvent } from "./kube-api.ts";

/** What one attempt hears about its Job: the Job itself, its pods, and the Job's events. */
export interface JobListener {
  job(type: WatchEvent, job: V1Job): void;
  pod(type: WatchEvent, pod: V1Pod): void;
  event(event: CoreV1Event): void;
  /** The watch could not be kept up (the API server stayed unreachable): the attempt's fate is unknown. */
  lost(error: Error): void;
}

type Kind = "jobs" | "pods" | "events";

/**
 * One set of watches for all of a run's Jobs in a namespace — jobs and pods by the run's
 * label, events of Jobs — shared by every attempt, so a 100-wide foreach opens three
 * streams, not three hundred. Each kind is listed, then watched from the list's
 * resourceVersion; when a watch ends (a server timeout, a 410 Gone, a dropped
 * connection) it is listed and watched again, and objects that vanished in between
 * are reported as deleted.
 */
export class RunWatch {
  private readonly listeners = new Map<string, JobListener>();
  private readonly watches = new Map<Kind, RunningWatch>();
  /** The last version of each object seen, by kind and name: a re-list reports what changed or vanished meanwhile. */
  private readonly known: Record<Kind, Map<string, KubernetesObject>> = { jobs: new Map(), pods: new Map(), events: new Map() };
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    /** Selects the run's Jobs and pods, e.g. `weft.dev/run-key=…`. */
    private readonly labelSelector: string,
  ) {}

  /** Starts listening for `job` (before it is created, so nothing is missed). */
  async subscribe(job: string, listener: JobListener): Promise<() => void> {
    this.listeners.set(job, listener);
    this.started ??= Promise.all((["jobs", "pods", "events"] as const).map((kind) => this.follow(kind))).then(() => undefined);
    try {
      await this.started;
    } catch (error) {
      this.started = undefined;
      this.listeners.delete(job);
      throw error;
    }
    return () => this.listeners.delete(job);
  }

  close(): void {
    this.closed = true;
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }

  /** Lists one kind, reports what changed since the last list, and watches from there. */
  private async follow(kind: Kind): Promise<void> {
    if (this.closed) return;
    const listed = await this.list(kind);
    const seen = new Map<string, KubernetesObject>();
    for (const item of listed.items) {
      const name = item.metadata?.name ?? "";
      seen.set(name, item);
      const before = this.known[kind].get(name);
      if (before?.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.dispatch(kind, before ? "MODIFIED" : "ADDED", item);
    }
    for (const [name, last] of this.known[kind]) if (!seen.has(name)) this.dispatch(kind, "DELETED", last);
    this.known[kind] = seen;
    const watch = await this.api.watch(
      this.path(kind),
      { ...this.selector(kind), resourceVersion: listed.resourceVersion },
      (type, object) => {
        const name = object.metadata?.name ?? "";
        if (type === "DELETED") this.known[kind].delete(name);
        else this.known[kind].set(name, object);
        this.dispatch(kind, type, object);
      },
      () => {
        this.watches.delete(kind);
        this.follow(kind).catch((error: Error) => this.lose(error));
      },
    );
    if (this.closed) watch.stop();
    else this.watches.set(kind, watch);
  }

  private list(kind: Kind): Promise<{ items: KubernetesObject[]; resourceVersion: string }> {
    if (kind === "jobs") return this.api.listJobs(this.namespace, this.labelSelector);
    if (kind === "pods") return this.api.listPods(this.namespace, this.labelSelector);
    return this.api.listEvents(this.namespace, "involvedObject.kind=Job");
  }

  private path(kind: Kind): string {
    return kind === "jobs" ? `/apis/batch/v1/namespaces/${this.namespace}/jobs` : `/api/v1/namespaces/${this.namespace}/${kind}`;
  }

  private selector(kind: Kind): { labelSelector?: string; fieldSelector?: string } {
    return kind === "events" ? { fieldSelector: "involvedObject.kind=Job" } : { labelSelector: this.labelSelector };
  }

  private dispatch(kind: Kind, type: WatchEvent, object: KubernetesObject): void {
    if (kind === "jobs") this.listeners.get(object.metadata?.name ?? "")?.job(type, object as V1Job);
    else if (kind === "pods") this.listeners.get(object.metadata?.labels?.["job-name"] ?? "")?.pod(type, object as V1Pod);
    else if (type !== "DELETED") this.listeners.get((object as CoreV1Event).involvedObject?.name ?? "")?.event(object as CoreV1Event);
  }

  private lose(error: Error): void {
    if (this.closed) return;
    for (const listener of this.listeners.values()) listener.lost(error);
  }
}
