import { delimiter } from "node:path";
import { Writable } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { WeftError } from "../../errors/weft-error.ts";
import { kubeError } from "./kube-errors.ts";
import { withKubeRetries } from "./kube-retry.ts";

/** Where the cluster is: a kubeconfig file and context, or the pod's in-cluster config. */
export interface ClusterSettings {
  /** A kubeconfig file; default: KUBECONFIG as kubectl reads it, ~/.kube/config, or the in-cluster config. */
  kubeconfig?: string;
  /** A context of the kubeconfig; default: its current context. */
  context?: string;
}

export type WatchEvent = "ADDED" | "MODIFIED" | "DELETED";

/** A watch that is running; `stop()` ends it without calling `onEnd`. */
export interface RunningWatch {
  stop(): void;
}

/**
 * The Kubernetes API as Weft uses it: the only file that imports
 * `@kubernetes/client-node`. Every call is retried on 5xx, 429 and a refused or reset
 * connection (kube-retry.ts), and any error leaves here as a WeftError (kube-errors.ts).
 */
export class KubeApi {
  private readonly config: k8s.KubeConfig;
  private readonly batch: k8s.BatchV1Api;
  private readonly core: k8s.CoreV1Api;

  constructor(settings: ClusterSettings) {
    this.config = new k8s.KubeConfig();
    try {
      if (settings.kubeconfig) loadFiles(this.config, settings.kubeconfig);
      else this.config.loadFromDefault();
      if (settings.context) this.config.setCurrentContext(settings.context);
    } catch (error) {
      throw new WeftError("CONFIG", `Could not load the Kubernetes configuration${settings.kubeconfig ? ` from ${settings.kubeconfig}` : ""}: ${(error as Error).message}.`, {
        hint: "Check KUBECONFIG and WEFT_KUBERNETES_CONTEXT; on AKS, `az aks get-credentials --resource-group RG --name CLUSTER` writes a kubeconfig.",
        cause: error,
      });
    }
    if (!this.config.getCurrentCluster()) {
      throw new WeftError("CONFIG", "No Kubernetes cluster is configured: the kubeconfig has no current context.", {
        hint: "Run `az aks get-credentials --resource-group RG --name CLUSTER`, or set KUBECONFIG / WEFT_KUBERNETES_CONTEXT.",
      });
    }
    this.batch = this.config.makeApiClient(k8s.BatchV1Api);
    this.core = this.config.makeApiClient(k8s.CoreV1Api);
  }

  /** The API server's URL and the context, for messages. */
  get server(): string {
    return `${this.config.getCurrentCluster()?.server ?? "?"} (context ${this.config.getCurrentContext()})`;
  }

  /** The namespace of the kubeconfig's current context, if it names one. */
  get contextNamespace(): string | undefined {
    return this.config.getContextObject(this.config.getCurrentContext())?.namespace;
  }

  createJob(namespace: string, body: k8s.V1Job): Promise<k8s.V1Job> {
    return this.call(`create Job ${body.metadata?.name} in namespace ${namespace}`, () => this.batch.createNamespacedJob({ namespace, body, fieldValidation: "Strict" }));
  }

  /** Deletes a Job and its pods (Background propagation: without it the pods would keep running). Absent is fine. */
  async deleteJob(namespace: string, name: string): Promise<void> {
    await this.call(`delete Job ${name} in namespace ${namespace}`, () =>
      this.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: "Background" }).catch((error: unknown) => {
        if ((error as { code?: number }).code === 404) return undefined;
        throw error;
      }),
    );
  }

  /** A service account, or undefined if it does not exist. */
  readServiceAccount(namespace: string, name: string): Promise<k8s.V1ServiceAccount | undefined> {
    return this.call(`read service account ${name} in namespace ${namespace}`, () =>
      this.core.readNamespacedServiceAccount({ namespace, name }).catch((error: unknown) => {
        if ((error as { code?: number }).code === 404) return undefined;
        throw error;
      }),
    );
  }

  /** The whole log of a pod's container (stdout and stderr as the kubelet merged them), at most `limitBytes` from its end. */
  async readLog(namespace: string, pod: string, container: string, limitBytes: number): Promise<string> {
    let text = "";
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text += chunk.toString("utf8");
        if (text.length > limitBytes * 2) text = text.slice(-limitBytes);
        callback();
      },
    });
    await this.call(`read the log of pod ${pod}`, async () => {
      text = "";
      await new Promise<void>((resolve, reject) => {
        sink.once("finish", resolve);
        new k8s.Log(this.config).log(namespace, pod, container, sink, { follow: false }).catch(reject);
      });
    });
    return text.length > limitBytes ? text.slice(-limitBytes) : text;
  }

  /**
   * Streams a container's log as it is written until the container ends (`follow`).
   * Resolves when the stream has ended.
   */
  async followLog(namespace: string, pod: string, container: string, onChunk: (text: string) => void): Promise<void> {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        onChunk(chunk.toString("utf8"));
        callback();
      },
    });
    await new Promise<void>((resolve, reject) => {
      sink.once("finish", resolve);
      new k8s.Log(this.config).log(namespace, pod, container, sink, { follow: true }).catch((error: unknown) => reject(kubeError(error, `follow the log of pod ${pod}`, this.server)));
    });
  }

  /**
   * Watches objects at `path` (e.g. `/api/v1/namespaces/ns/pods`) matching the selectors,
   * from `resourceVersion`. `onEnd` is called once when the server or the network ends the
   * watch (the caller re-lists and watches again); a 410 Gone arrives there as an error.
   */
  async watch(
    path: string,
    query: { labelSelector?: string; fieldSelector?: string; resourceVersion?: string },
    onEvent: (type: WatchEvent, object: k8s.KubernetesObject) => void,
    onEnd: (error: unknown) => void,
  ): Promise<RunningWatch> {
    let stopped = false;
    const controller = await new k8s.Watch(this.config).watch(
      path,
      { ...query, allowWatchBookmarks: true },
      (type, object) => {
        if (!stopped && (type === "ADDED" || type === "MODIFIED" || type === "DELETED")) onEvent(type, object as k8s.KubernetesObject);
      },
      (error) => {
        if (!stopped) onEnd(error);
        stopped = true;
      },
    );
    return {
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  /** The run's pods (by label selector), with the list's resourceVersion to watch from. */
  listPods(namespace: string, labelSelector: string): Promise<{ items: k8s.V1Pod[]; resourceVersion: string }> {
    return this.call(`list pods in namespace ${namespace}`, () => this.core.listNamespacedPod({ namespace, labelSelector })).then(listed);
  }

  listJobs(namespace: string, labelSelector: string): Promise<{ items: k8s.V1Job[]; resourceVersion: string }> {
    return this.call(`list Jobs in namespace ${namespace}`, () => this.batch.listNamespacedJob({ namespace, labelSelector })).then(listed);
  }

  listEvents(namespace: string, fieldSelector: string): Promise<{ items: k8s.CoreV1Event[]; resourceVersion: string }> {
    return this.call(`list events in namespace ${namespace}`, () => this.core.listNamespacedEvent({ namespace, fieldSelector })).then(listed);
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withKubeRetries(fn).catch((error: unknown) => {
      throw kubeError(error, what, this.server);
    });
  }
}

/** Loads `KUBECONFIG`'s files (separated by ':', as kubectl reads them), the first one's context winning. */
function loadFiles(config: k8s.KubeConfig, files: string): void {
  const [first, ...rest] = files.split(delimiter).filter(Boolean);
  config.loadFromFile(first!);
  for (const file of rest) {
    const more = new k8s.KubeConfig();
    more.loadFromFile(file);
    config.mergeConfig(more, true);
  }
}

function listed<T>(list: { items: T[]; metadata?: { resourceVersion?: string } }): { items: T[]; resourceVersion: string } {
  return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
}
