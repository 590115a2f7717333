// A protocol-faithful fake Kubernetes API server for tests: plain HTTP on 127.0.0.1,
// the real paths, verbs, Status errors, validation against the official schemas,
// resourceVersions and watches. With kubelet.ts it behaves as a one-cluster node pool:
// Jobs get pods, pods get scheduled, containers run as local processes.
//
//   const kube = await startFakeKubeApi({ namespace: "weft" });
//   const kubelet = await startFakeKubelet(kube, {
//     nodes: [{ name: "node-1", allocatable: { cpu: "4", memory: "8Gi" } }],
//     images: { "weft-runtime:0.1.0": weftRuntimeImage() },
//   });
//   after(async () => { await kubelet.stop(); await kube.stop(); });
//   // Point the code under test (or `weft`) at it: KUBECONFIG=<kube.kubeconfigPath>.
//   const kc = new KubeConfig(); kc.loadFromFile(kube.kubeconfigPath);
//   kube.objects.create("serviceaccounts", { metadata: { name: "runner", namespace: "weft" } });
//   await kube.waitFor("jobs", "weft", "my-job", (job) => Boolean(job?.status?.completionTime));
//   kube.requests     // every request: method, path, query, user, status
//   kube.faults.failNext(2)   // the next 2 requests get 503 (or { reset: true }: dropped connections)
//   await kube.stopListening(); await kube.startListening();   // the API unreachable, then back
//
// The kubeconfig uses `insecure-skip-tls-verify: true`: the only way
// @kubernetes/client-node 1.4.0 accepts an http:// server.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiCore, type DeleteOptions } from "./api-core.ts";
import { startGarbageCollector } from "./gc.ts";
import { type AccessRequest, route, type RouteContext } from "./http-routes.ts";
import type { LogSource } from "./pod-logs.ts";
import { argoKinds, builtinKinds, type ResourceKind, ResourceRegistry, resourceName } from "./resources.ts";
import { KubeApiError, unavailable } from "./status.ts";
import { ObjectStore } from "./store.ts";
import type { KubeObject } from "./types.ts";
import { WatchRegistry } from "./watch.ts";
import type { WorkloadIdentityOptions } from "./webhook.ts";

export type { AccessRequest } from "./http-routes.ts";
export type { ResourceKind } from "./resources.ts";
export type { KubeObject } from "./types.ts";

export interface FakeKubeApiOptions {
  /** The kubeconfig context's default namespace, created at start with "default". Default "weft". */
  namespace?: string;
  /** The kubeconfig user's name, as RBAC messages show it. Default "weft-test". */
  user?: string;
  /** Further bearer tokens and their users, to act as someone else. */
  users?: Record<string, string>;
  /** RBAC: false forbids the request (403, worded as the real authorizer). Default: everything allowed. */
  authorize?: (request: AccessRequest) => boolean;
  /** Changes a watch can resume across before it gets 410 Expired. Default 1000. */
  historyLimit?: number;
  /** Tenant and authority host the workload identity webhook injects. */
  workloadIdentity?: WorkloadIdentityOptions;
  /** Extra kinds (custom resources) to serve; the Argo kinds are served already. */
  kinds?: ResourceKind[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The authenticated user, if any. */
  user?: string;
  /** HTTP status answered (0 for a dropped connection). */
  status: number;
}

/** Injected failures, for tests of retries and outages. */
export interface FaultControl {
  /** The next `count` requests fail: 503 ServiceUnavailable Status, or with `reset` a dropped connection. */
  failNext(count: number, mode?: { reset?: boolean }): void;
  /** Every request fails until clear(). */
  failUntilCleared(mode?: { reset?: boolean }): void;
  clear(): void;
}

/** Direct access to stored objects for tests, bypassing authentication (not admission). */
export interface ObjectAccess {
  get<T = KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined;
  list<T = KubeObject>(resource: string, namespace?: string): T[];
  /** Creates through admission and validation, as a POST would (`metadata.namespace` picks the namespace). */
  create(resource: string, object: Partial<KubeObject> & { metadata: KubeObject["metadata"] }): KubeObject;
  /** Read-modify-write of one object; `subresource: "status"` changes only its status. */
  modify(resource: string, namespace: string | undefined, name: string, change: (object: KubeObject) => void, subresource?: "status"): KubeObject;
  delete(resource: string, namespace: string | undefined, name: string, options?: DeleteOptions): void;
}

export interface FakeKubeApi {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** A kubeconfig whose current context points here, with a bearer token and `namespace` as default. */
  kubeconfigPath: string;
  namespace: string;
  user: string;
  token: string;
  /** Every request in arrival order. */
  requests: RecordedRequest[];
  objects: ObjectAccess;
  faults: FaultControl;
  /** The verbs over the store, for the kubelet and controllers. */
  core: ApiCore;
  /** Replaces the RBAC hook (undefined: allow all). */
  setAuthorize(authorize: ((request: AccessRequest) => boolean) | undefined): void;
  /** Where pod logs come from; the kubelet sets it. */
  setLogSource(source: LogSource | undefined): void;
  /**
   * Resolves with the object once `predicate` holds for it (undefined: absent), checking
   * now and after every change; rejects after `timeoutMs` (default 30 s) with its last state.
   */
  waitFor<T = KubeObject>(resource: string, namespace: string | undefined, name: string, predicate: (object: T | undefined) => boolean, timeoutMs?: number): Promise<T | undefined>;
  /** Drops the watch history: a watch from any older resourceVersion gets 410. */
  compactHistory(): void;
  /** Sends a BOOKMARK to every open watch that allows them. */
  bookmark(): void;
  /** Stops listening and cuts open connections (watches); the port stays reserved for startListening. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  startListening(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server on a free 127.0.0.1 port, with `namespace` and "default" created. */
export async function startFakeKubeApi(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
  const namespace = options.namespace ?? "weft";
  const user = options.user ?? "weft-test";
  const token = randomBytes(24).toString("base64url");
  const store = new ObjectStore(options.historyLimit);
  const registry = new ResourceRegistry([...builtinKinds, ...argoKinds, ...(options.kinds ?? [])]);
  const core = new ApiCore(store, registry, { ...(options.workloadIdentity ? { workloadIdentity: options.workloadIdentity } : {}) });
  const stopGc = startGarbageCollector(core);
  const watches = new WatchRegistry();
  let logSource: LogSource | undefined;
  const ctx: RouteContext = {
    api: core, watches, tokens: new Map([[token, user], ...Object.entries(options.users ?? {})]),
    ...(options.authorize ? { authorize: options.authorize } : {}), logSource: () => logSource,
  };
  for (const ns of new Set(["default", namespace])) core.create(core.kind("namespaces"), undefined, { metadata: { name: ns } });

  const requests: RecordedRequest[] = [];
  let fault: { remaining: number; reset: boolean } | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const record: RecordedRequest = { method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0 };
    requests.push(record);
    res.on("finish", () => (record.status = res.statusCode));
    if (fault && fault.remaining > 0) {
      fault.remaining -= 1;
      if (fault.reset) return void req.socket.destroy();
      return writeStatus(res, unavailable());
    }
    const user = [...ctx.tokens.entries()].find(([t]) => req.headers.authorization === `Bearer ${t}`)?.[1];
    if (user) record.user = user;
    route(ctx, req, res, url).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      writeStatus(res, error instanceof KubeApiError ? error : new KubeApiError(500, "InternalError", `Internal error occurred: ${String(error)}`));
    });
  };
  const server = createServer(handle);
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "weft-kube-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfig(url, token, namespace));

  let listening = true;
  const stopListening = async () => {
    if (!listening) return;
    listening = false;
    watches.closeAll();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const kindOf = (resource: string) => core.kind(resource);
  return {
    url, port, kubeconfigPath, namespace, user, token, requests, core,
    objects: {
      get: (resource, ns, name) => store.get(resourceName(kindOf(resource)), kindOf(resource).namespaced ? ns : undefined, name),
      list: (resource, ns) => store.list(resourceName(kindOf(resource)), ns),
      create: (resource, object) => core.create(kindOf(resource), object.metadata.namespace, object).object,
      modify: (resource, ns, name, change, subresource) => core.mutate(kindOf(resource), ns, name, change, subresource),
      delete: (resource, ns, name, opts) => void core.delete(kindOf(resource), ns, name, opts),
    },
    faults: {
      failNext: (count, mode) => void (fault = { remaining: count, reset: mode?.reset ?? false }),
      failUntilCleared: (mode) => void (fault = { remaining: Infinity, reset: mode?.reset ?? false }),
      clear: () => void (fault = undefined),
    },
    setAuthorize: (authorize) => {
      if (authorize) ctx.authorize = authorize;
      else delete ctx.authorize;
    },
    setLogSource: (source) => void (logSource = source),
    waitFor: (resource, ns, name, predicate, timeoutMs = 30_000) => waitFor(core, kindOf(resource), ns, name, predicate, timeoutMs),
    compactHistory: () => store.compact(),
    bookmark: () => watches.bookmark(),
    stopListening,
    startListening: async () => {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    async stop() {
      stopGc();
      await stopListening();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitFor<T>(core: ApiCore, kind: ResourceKind, namespace: string | undefined, name: string, predicate: (object: T | undefined) => boolean, timeoutMs: number): Promise<T | undefined> {
  const resource = resourceName(kind);
  const read = () => core.store.get<T>(resource, kind.namespaced ? namespace : undefined, name);
  return new Promise((resolve, reject) => {
    const check = () => {
      const current = read();
      if (!predicate(current)) return false;
      cleanup();
      resolve(current);
      return true;
    };
    const unsubscribe = core.store.subscribe((e) => {
      if (e.resource === resource && e.object.metadata.name === name) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${resource} ${namespace ?? ""}/${name}; last state: ${JSON.stringify(read(), null, 1)}`));
    }, timeoutMs);
    const cleanup = () => {
      unsubscribe();
      clearTimeout(timer);
    };
    check();
  });
}

function writeStatus(res: ServerResponse, error: KubeApiError): void {
  const text = JSON.stringify(error.toStatus());
  res.writeHead(error.code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function kubeconfig(url: string, token: string, namespace: string): string {
  return [
    "apiVersion: v1", "kind: Config",
    "clusters:", "- name: weft-fake", "  cluster:", `    server: ${url}`, "    insecure-skip-tls-verify: true",
    "users:", "- name: weft-fake-user", "  user:", `    token: ${token}`,
    "contexts:", "- name: weft-fake", "  context:", "    cluster: weft-fake", "    user: weft-fake-user", `    namespace: ${namespace}`,
    "current-context: weft-fake", "",
  ].join("\n");
}
