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

/** A custom resource's API coordinates, e.g. Argo's `argoproj.io/v1alpha1` `workflows`. */
export interface CustomKind {
  group: string;
  version: string;
  plural: string;
  /** For messages, e.g. `WorkflowTemplate`. */
  kind: string;
}

/** A JSON patch (RFC 6902) operation. */
export interface JsonPatchOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
}

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
  private readonly custom: k8s.CustomObjectsApi;

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
    this.custom = this.config.makeApiClient(k8s.CustomObjectsApi);
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

  /** A custom object, or undefined if it does not exist. */
  getCustomObject<T>(kind: CustomKind, namespace: string, name: string): Promise<T | undefined> {
    return this.call(`read ${kind.kind} ${name} in namespace ${namespace}`, () =>
      this.custom.getNamespacedCustomObject({ ...coordinates(kind), namespace, name }).catch((error: unknown) => {
        if ((error as { code?: number }).code === 404 && !/namespaces? "[^"]+" not found/.test(String((error as { body?: unknown }).body))) return undefined;
        throw error;
      }),
    ) as Promise<T | undefined>;
  }

  createCustomObject<T>(kind: CustomKind, namespace: string, body: T): Promise<T> {
    const name = (body as { metadata?: { name?: string; generateName?: string } }).metadata;
    return this.call(`create ${kind.kind} ${name?.name ?? `${name?.generateName ?? ""}…`} in namespace ${namespace}`, () =>
      this.custom.createNamespacedCustomObject({ ...coordinates(kind), namespace, body: body as object, fieldValidation: "Strict" }),
    ) as Promise<T>;
  }

  /** Replaces a custom object; `body.metadata.resourceVersion` must be the one read (409 Conflict otherwise). */
  replaceCustomObject<T>(kind: CustomKind, namespace: string, name: string, body: T): Promise<T> {
    return this.call(`update ${kind.kind} ${name} in namespace ${namespace}`, () =>
      this.custom.replaceNamespacedCustomObject({ ...coordinates(kind), namespace, name, body: body as object, fieldValidation: "Strict" }),
    ) as Promise<T>;
  }

  listCustomObjects<T>(kind: CustomKind, namespace: string, labelSelector?: string): Promise<T[]> {
    return this.call(`list ${kind.kind}s in namespace ${namespace}`, () =>
      this.custom.listNamespacedCustomObject({ ...coordinates(kind), namespace, ...(labelSelector ? { labelSelector } : {}) }),
    ).then((list) => ((list as { items?: T[] }).items ?? []));
  }

  /** Applies a JSON patch (the client's default patch type for custom objects). */
  patchCustomObject<T>(kind: CustomKind, namespace: string, name: string, operations: JsonPatchOperation[]): Promise<T> {
    return this.call(`change ${kind.kind} ${name} in namespace ${namespace}`, () => this.custom.patchNamespacedCustomObject({ ...coordinates(kind), namespace, name, body: operations })) as Promise<T>;
  }

  /** Deletes a custom object; false when it did not exist. */
  deleteCustomObject(kind: CustomKind, namespace: string, name: string): Promise<boolean> {
    return this.call(`delete ${kind.kind} ${name} in namespace ${namespace}`, () =>
      this.custom.deleteNamespacedCustomObject({ ...coordinates(kind), namespace, name, propagationPolicy: "Background" }).then(
        () => true,
        (error: unknown) => {
          if ((error as { code?: number }).code === 404) return false;
          throw error;
        },
      ),
    );
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

function coordinates(kind: CustomKind): { group: string; version: string; plural: string } {
  return { group: kind.group, version: kind.version, plural: kind.plural };
}

function listed<T>(list: { items: T[]; metadata?: { resourceVersion?: string } }): { items: T[]; resourceVersion: string } {
  return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
}
