// The rest of a cluster behind the fake API server: nodes, the scheduler, the Job
// controller, and a kubelet that runs every pod bound to those nodes as local processes
// (see container-runtime.ts). All of them act through the same store and its change
// feed as the API server's clients see it: event-driven, with no polling but the
// memory watch of containers that have a limit.
//
//   const kubelet = await startFakeKubelet(kube, {
//     nodes: [{ name: "gpu-1", labels: { pool: "gpu" }, taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }], allocatable: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": "1" } }],
//     images: { "weft-runtime:0.1.0": weftRuntimeImage(), "busybox:1": { path: ["/usr/bin", "/bin"] } },
//     issueToken: () => readFileSync(entra.federatedTokenFile, "utf8"),   // workload identity with test/azure/token-server.ts
//   });
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ITaint } from "kubernetes-models/v1/Taint";
import type { FakeKubeApi } from "./api-server.ts";
import { PodWorker, type RuntimeOptions } from "./container-runtime.ts";
import { EventRecorder } from "./events.ts";
import type { FakeImage } from "./images.ts";
import { startJobController } from "./job-controller.ts";
import { startScheduler } from "./scheduler.ts";
import type { StoreEvent } from "./types.ts";
import type { TokenRequest } from "./volumes.ts";

export { weftRuntimeImage, type FakeImage } from "./images.ts";
export type { TokenRequest } from "./volumes.ts";

export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
  taints?: ITaint[];
  /** cpu, memory, nvidia.com/gpu, ephemeral-storage, pods. Default 4 cpu, 16Gi, 100Gi storage, 110 pods. */
  allocatable?: Record<string, string>;
}

export interface FakeKubeletOptions {
  /** Default: one node "fake-node-1" with the default allocatable. */
  nodes?: FakeNode[];
  /** Image reference (exact string) → image. Anything else fails to pull. */
  images?: Record<string, FakeImage>;
  /** The token a projected serviceAccountToken volume gets. Default: an unsigned JWT naming the account and audience. */
  issueToken?: (request: TokenRequest) => string | Promise<string>;
  /** ErrImagePull → ImagePullBackOff delay. Default 20 ms. */
  imagePullBackoffMs?: number;
  /** Job pod replacement backoff base. Default 10 ms. */
  jobBackoffMs?: number;
  /** RSS check interval for containers with a memory limit. Default 20 ms. */
  memoryPollMs?: number;
  /** Whether ttlSecondsAfterFinished deletes finished Jobs. Default true. */
  ttlAfterFinished?: boolean;
}

export interface RunningContainer {
  namespace: string;
  pod: string;
  container: string;
  pid: number;
}

export interface FakeKubelet {
  nodes: string[];
  /** Kills the pod's container and fails the pod with reason Evicted (and a Warning event). */
  evict(namespace: string, pod: string, message?: string): void;
  /** A container's combined stdout and stderr so far ("" if it never ran). */
  logs(namespace: string, pod: string): string;
  /**
   * The contents of `path` in the pod's container, read from the volume mounted there
   * (as Argo's executor reads an output parameter); undefined if it is under no mount
   * or absent. The pod's folders last until the pod is deleted.
   */
  readFile(namespace: string, pod: string, path: string): string | undefined;
  /** Containers whose process is still running. */
  running(): RunningContainer[];
  /** Kills every process it started and removes its folders. */
  stop(): Promise<void>;
}

function defaultToken({ namespace, serviceAccount, audience, expirationSeconds }: TokenRequest): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const iat = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none", typ: "JWT" })}.${part({ iss: "https://kubernetes.default.svc.cluster.local", sub: `system:serviceaccount:${namespace}:${serviceAccount}`, aud: [audience], iat, nbf: iat, exp: iat + expirationSeconds })}.`;
}

/** Starts nodes, scheduler, Job controller and kubelet against `kube`. */
export async function startFakeKubelet(kube: FakeKubeApi, options: FakeKubeletOptions = {}): Promise<FakeKubelet> {
  const api = kube.core;
  const events = new EventRecorder(api);
  const root = mkdtempSync(join(tmpdir(), "weft-kubelet-"));
  const nodes = options.nodes ?? [{ name: "fake-node-1" }];
  for (const node of nodes) {
    const allocatable = { cpu: "4", memory: "16Gi", "ephemeral-storage": "100Gi", pods: "110", ...node.allocatable };
    api.create(api.kind("nodes"), undefined, {
      metadata: { name: node.name, labels: { "kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", ...node.labels } },
      spec: { ...(node.taints ? { taints: node.taints } : {}) },
    });
    api.mutate(api.kind("nodes"), undefined, node.name, (o) => {
      o.status = { capacity: allocatable, allocatable, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }], addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: node.name }], nodeInfo: { kubeletVersion: "v1.33.0-weft-fake", operatingSystem: "linux", architecture: "amd64", containerRuntimeVersion: "containerd://fake" } };
    }, "status");
  }
  const names = new Set(nodes.map((n) => n.name));
  const runtime: RuntimeOptions = {
    images: options.images ?? {}, issueToken: options.issueToken ?? defaultToken, imagePullBackoffMs: options.imagePullBackoffMs ?? 20,
    memoryPollMs: options.memoryPollMs ?? 20, apiUrl: new URL(kube.url), claimsDir: join(root, "claims"),
  };
  const workers = new Map<string, PodWorker>();
  const byName = (namespace: string, pod: string) => [...workers.values()].find((w) => w.namespace === namespace && w.name === pod);
  let stopped = false;

  const onPod = (e: StoreEvent) => {
    const pod = e.object as unknown as IPod;
    const uid = pod.metadata!.uid!;
    let worker = workers.get(uid);
    if (e.type === "DELETED") {
      if (!worker) return;
      worker.kill();
      rmSync(worker.podDir, { recursive: true, force: true });
      workers.delete(uid);
      return;
    }
    if (!worker && pod.spec?.nodeName && names.has(pod.spec.nodeName) && !pod.metadata?.deletionTimestamp && !["Succeeded", "Failed"].includes(pod.status?.phase ?? "")) {
      worker = new PodWorker(pod, mkdtempSync(join(root, `${pod.metadata!.name}-`)), api, events, runtime);
      workers.set(uid, worker);
      const started = worker;
      void started.start().catch((error: unknown) => started.log.append(`fake kubelet: ${String(error)}\n`));
    } else if (pod.metadata?.deletionTimestamp) {
      if (worker) worker.terminate(pod.metadata.deletionGracePeriodSeconds ?? 0);
      else if (pod.spec?.nodeName && names.has(pod.spec.nodeName)) api.delete(api.kind("pods"), pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 });
    }
  };
  const unsubscribe = api.store.subscribe((e) => {
    if (e.resource === "pods") setImmediate(() => !stopped && onPod(e));
    if ((e.resource === "secrets" || e.resource === "configmaps") && e.type !== "DELETED") {
      setImmediate(() => {
        for (const w of workers.values()) if (!stopped && w.namespace === e.object.metadata.namespace) void w.retry();
      });
    }
  });
  const stopScheduler = startScheduler(api, events);
  const stopJobs = startJobController(api, events, { backoffMs: options.jobBackoffMs ?? 10, ttlAfterFinished: options.ttlAfterFinished ?? true });
  kube.setLogSource((namespace, pod, container) => {
    const w = byName(namespace, pod);
    return w && w.containerName === container ? w.log : undefined;
  });

  return {
    nodes: [...names],
    evict(namespace, pod, message = "The node was low on resource: memory.") {
      const w = byName(namespace, pod);
      if (!w) throw new Error(`No pod ${namespace}/${pod} on the fake node: running pods are ${[...workers.values()].map((x) => `${x.namespace}/${x.name}`).join(", ") || "none"}`);
      w.evict(message);
    },
    logs: (namespace, pod) => byName(namespace, pod)?.log.text ?? "",
    readFile(namespace, pod, path) {
      const file = byName(namespace, pod)?.hostPathOf(path);
      return file && existsSync(file) ? readFileSync(file, "utf8") : undefined;
    },
    running: () => [...workers.values()].filter((w) => w.process?.pid !== undefined && w.process.exitCode === null && w.process.signalCode === null)
      .map((w) => ({ namespace: w.namespace, pod: w.name, container: w.containerName, pid: w.process!.pid! })),
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      stopScheduler();
      stopJobs();
      kube.setLogSource(undefined);
      const exits = [...workers.values()].map((w) => new Promise<void>((resolve) => {
        if (!w.process || w.process.exitCode !== null || w.process.signalCode !== null) return resolve();
        w.process.once("close", () => resolve());
        w.kill();
      }));
      await Promise.all(exits);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
