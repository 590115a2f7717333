// The Job controller: one pod at a time per Job (parallelism and completions of 1, as
// Weft uses them), a new pod after each failure while `backoffLimit` allows, the Job
// failed with DeadlineExceeded once `activeDeadlineSeconds` pass (its pods deleted), and
// status.active/succeeded/failed/startTime/completionTime/conditions kept as the real
// controller keeps them. A pod deleted from outside while active counts as failed.
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ApiCore } from "./api-core.ts";
import type { EventRecorder } from "./events.ts";
import { KubeApiError } from "./status.ts";
import { now, type KubeObject, randomSuffix, type StoreEvent } from "./types.ts";

export interface JobControllerOptions {
  /** Delay before the replacement of the first failed pod, doubled per further failure. */
  backoffMs: number;
  /** Whether `ttlSecondsAfterFinished` deletes finished Jobs. */
  ttlAfterFinished: boolean;
}

const SOURCE = { component: "job-controller" };
type Condition = NonNullable<NonNullable<IJob["status"]>["conditions"]>[number];

interface Tally {
  succeeded: Set<string>;
  failed: Set<string>;
}

const ownerUid = (pod: KubeObject): string | undefined => pod.metadata.ownerReferences?.find((r) => r.kind === "Job" && r.controller)?.uid;

/** Starts reconciling every Job; returns the stop function. */
export function startJobController(api: ApiCore, events: EventRecorder, options: JobControllerOptions): () => void {
  const jobs = api.kind("jobs");
  const pods = api.kind("pods");
  const tallies = new Map<string, Tally>();
  const timers = new Map<string, NodeJS.Timeout>();
  const queue = new Set<string>();
  let stopped = false;

  const tally = (uid: string): Tally => {
    let t = tallies.get(uid);
    if (!t) tallies.set(uid, (t = { succeeded: new Set(), failed: new Set() }));
    return t;
  };
  const enqueue = (namespace: string, name: string) => {
    if (queue.size === 0) setImmediate(drain);
    queue.add(`${namespace}/${name}`);
  };
  const later = (key: string, ms: number, job: IJob) => {
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => enqueue(job.metadata!.namespace!, job.metadata!.name!), Math.max(0, ms)));
  };
  const drain = () => {
    if (stopped) return;
    const keys = [...queue];
    queue.clear();
    for (const key of keys) {
      const [namespace, name] = key.split("/") as [string, string];
      const job = api.store.get<IJob>("jobs.batch", namespace, name);
      if (job && !job.metadata?.deletionTimestamp) reconcile(job);
    }
  };

  const setStatus = (job: IJob, change: (status: NonNullable<IJob["status"]>) => void) =>
    api.mutate(jobs, job.metadata!.namespace, job.metadata!.name!, (o) => {
      const status = (o.status ?? {}) as NonNullable<IJob["status"]>;
      change(status);
      o.status = status;
    }, "status");

  const finish = (job: IJob, type: "Complete" | "Failed", reason: string, message: string) => {
    const time = now();
    const condition = (t: string): Condition => ({ type: t, status: "True", reason, message, lastProbeTime: time, lastTransitionTime: time });
    setStatus(job, (s) => {
      s.conditions = [...(s.conditions ?? []), condition(type === "Complete" ? "SuccessCriteriaMet" : "FailureTarget"), condition(type)];
      s.active = 0;
      s.ready = 0;
      if (type === "Complete") s.completionTime = time;
    });
    events.record(SOURCE, job as unknown as KubeObject, type === "Complete" ? "Normal" : "Warning", type === "Complete" ? "Completed" : reason, type === "Complete" ? "Job completed" : message);
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (options.ttlAfterFinished && ttl !== undefined) {
      timers.set(`ttl/${job.metadata!.uid}`, setTimeout(() => {
        try {
          api.delete(jobs, job.metadata!.namespace, job.metadata!.name!, { propagationPolicy: "Background" });
        } catch {
          // Deleted already.
        }
      }, ttl * 1000));
    }
  };

  const createPod = (job: IJob) => {
    const meta = job.metadata!;
    const template = job.spec!.template;
    const name = randomSuffix(`${meta.name}-`);
    try {
      api.create(pods, meta.namespace, {
        metadata: {
          ...template.metadata, name, namespace: meta.namespace, generateName: `${meta.name}-`,
          labels: { ...template.metadata?.labels, "batch.kubernetes.io/controller-uid": meta.uid!, "batch.kubernetes.io/job-name": meta.name!, "controller-uid": meta.uid!, "job-name": meta.name! },
          ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: meta.name!, uid: meta.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: template.spec,
      });
      events.record(SOURCE, job as unknown as KubeObject, "Normal", "SuccessfulCreate", `Created pod: ${name}`);
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      events.record(SOURCE, job as unknown as KubeObject, "Warning", "FailedCreate", `Error creating: ${error.message}`);
    }
  };

  const reconcile = (job: IJob) => {
    const meta = job.metadata!;
    const key = `${meta.namespace}/${meta.name}`;
    if (job.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")) return;
    const t = tally(meta.uid!);
    const owned = api.store.list<IPod>("pods", meta.namespace).filter((p) => ownerUid(p as unknown as KubeObject) === meta.uid);
    for (const p of owned) {
      if (p.status?.phase === "Succeeded") t.succeeded.add(p.metadata!.uid!);
      if (p.status?.phase === "Failed") t.failed.add(p.metadata!.uid!);
    }
    const active = owned.filter((p) => !t.succeeded.has(p.metadata!.uid!) && !t.failed.has(p.metadata!.uid!) && !p.metadata?.deletionTimestamp);
    const startTime = job.status?.startTime ?? now();
    const changed = job.status?.active !== active.length || job.status?.succeeded !== t.succeeded.size || job.status?.failed !== t.failed.size || !job.status?.startTime;
    if (changed) {
      setStatus(job, (s) => Object.assign(s, { startTime, active: active.length, ready: active.filter((p) => p.status?.phase === "Running").length, succeeded: t.succeeded.size, failed: t.failed.size, terminating: owned.filter((p) => p.metadata?.deletionTimestamp).length, uncountedTerminatedPods: {} }));
    }
    const deleteActive = () => {
      for (const p of active) {
        try {
          api.delete(pods, meta.namespace, p.metadata!.name!);
          events.record(SOURCE, job as unknown as KubeObject, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata!.name}`);
        } catch {
          // Gone already.
        }
      }
    };
    if (t.succeeded.size >= (job.spec?.completions ?? 1)) return finish(job, "Complete", "CompletionsReached", "Reached expected number of succeeded pods");
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const left = Date.parse(startTime) + deadline * 1000 - Date.now();
      if (left <= 0) {
        deleteActive();
        return finish(job, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
      }
      later(`deadline/${key}`, left, job);
    }
    if (t.failed.size > (job.spec?.backoffLimit ?? 6)) {
      deleteActive();
      return finish(job, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    }
    if (active.length > 0 || job.spec?.suspend || owned.some((p) => p.metadata?.deletionTimestamp && !t.failed.has(p.metadata.uid!))) return;
    const delay = t.failed.size === 0 ? 0 : options.backoffMs * 2 ** (t.failed.size - 1);
    const lastFailure = Math.max(0, ...owned.map((p) => Date.parse(p.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? "") || 0));
    const wait = lastFailure + delay - Date.now();
    if (t.failed.size > 0 && wait > 0) return later(`backoff/${key}`, wait, job);
    createPod(job);
  };

  const onEvent = (e: StoreEvent) => {
    if (e.resource === "jobs.batch") {
      if (e.type === "DELETED") tallies.delete(e.object.metadata.uid!);
      else enqueue(e.object.metadata.namespace!, e.object.metadata.name!);
    } else if (e.resource === "pods") {
      const uid = ownerUid(e.object);
      const owner = uid && e.object.metadata.ownerReferences!.find((r) => r.uid === uid)!;
      if (!uid || !owner) return;
      if (e.type === "DELETED") {
        const t = tally(uid);
        const phase = (e.object.status as IPod["status"])?.phase;
        if (!t.succeeded.has(e.object.metadata.uid!)) (phase === "Succeeded" ? t.succeeded : t.failed).add(e.object.metadata.uid!);
      }
      enqueue(e.object.metadata.namespace!, owner.name);
    } else if (e.resource === "serviceaccounts" && e.type === "ADDED") {
      for (const job of api.store.list<IJob>("jobs.batch", e.object.metadata.namespace)) enqueue(job.metadata!.namespace!, job.metadata!.name!);
    }
  };
  const unsubscribe = api.store.subscribe(onEvent);
  for (const job of api.store.list<IJob>("jobs.batch")) enqueue(job.metadata!.namespace!, job.metadata!.name!);
  return () => {
    stopped = true;
    unsubscribe();
    for (const timer of timers.values()) clearTimeout(timer);
  };
}
