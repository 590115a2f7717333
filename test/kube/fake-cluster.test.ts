// The fake cluster seen only through @kubernetes/client-node 1.4.0, as Weft's backend
// will see it: Jobs run real processes, watches, logs and Status errors behave as on a
// real API server.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import { ApiException, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Log, type V1Job, type V1Pod, Watch } from "@kubernetes/client-node";
import { type FakeKubeApi, startFakeKubeApi } from "./api-server.ts";
import { type FakeKubelet, startFakeKubelet } from "./kubelet.ts";

const NS = "weft";
const nodeImage = { path: [dirname(process.execPath)] };

let kube: FakeKubeApi;
let kubelet: FakeKubelet;
let kc: KubeConfig;
let batch: BatchV1Api;
let core: CoreV1Api;

before(async () => {
  kube = await startFakeKubeApi({ namespace: NS, workloadIdentity: { tenantId: "tenant-1", authorityHost: "https://127.0.0.1:1" } });
  kubelet = await startFakeKubelet(kube, { nodes: [{ name: "node-1", allocatable: { cpu: "2", memory: "4Gi" } }], images: { "node:20": nodeImage } });
  kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  batch = kc.makeApiClient(BatchV1Api);
  core = kc.makeApiClient(CoreV1Api);
});
after(async () => {
  await kubelet.stop();
  await kube.stop();
});

interface JobExtras {
  env?: Array<{ name: string; value: string }>;
  memory?: string;
  nodeSelector?: Record<string, string>;
  image?: string;
  grace?: number;
  serviceAccountName?: string;
  labels?: Record<string, string>;
}

function job(name: string, script: string, extra: JobExtras = {}): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        ...(extra.labels ? { metadata: { labels: extra.labels } } : {}),
        spec: {
          restartPolicy: "Never", ...(extra.serviceAccountName ? { serviceAccountName: extra.serviceAccountName } : {}), ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}), ...(extra.grace !== undefined ? { terminationGracePeriodSeconds: extra.grace } : {}),
          containers: [{ name: "main", image: extra.image ?? "node:20", command: ["node", "-e", script], env: extra.env ?? [], ...(extra.memory ? { resources: { limits: { memory: extra.memory } } } : {}) }],
        },
      },
    },
  };
}

/** Resolves with the first object a client-node watch reports for which `predicate` holds. */
function watchUntil<T>(path: string, query: Record<string, string>, predicate: (type: string, object: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let done = false;
    void new Watch(kc).watch(path, query, (type, object: T) => {
      if (done || !predicate(type, object)) return;
      done = true;
      controller?.abort();
      resolve(object);
    }, (error: unknown) => {
      if (!done) reject(error instanceof Error ? error : new Error(`watch of ${path} ended before the condition held`));
    }).then((c) => {
      controller = c;
      if (done) c.abort();
    });
  });
}

const podsOf = (name: string) => (type: string, pod: V1Pod) => type !== "DELETED" && pod.metadata?.labels?.["job-name"] === name;
const podPath = `/api/v1/namespaces/${NS}/pods`;

async function apiError(call: () => Promise<unknown>): Promise<{ code: number; status: { reason: string; message: string; details?: { causes?: Array<{ field: string }> } } }> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    // client-node drops the body of a 401 on typed calls; every other Status body reaches it.
    return { code: error.code, status: error.code === 401 ? { reason: "Unauthorized", message: "Unauthorized" } : JSON.parse(error.body as string) };
  }
  assert.fail("the call succeeded");
}

describe("fake Kubernetes cluster through @kubernetes/client-node", { timeout: 60_000 }, () => {
  test("a Job's container runs with exactly the pod's environment and the Job fails with its exit code and log", async () => {
    const script = "console.log('X=' + process.env.X); console.log('KEYS=' + Object.keys(process.env).sort().join(',')); console.error('to stderr'); process.exit(3)";
    await batch.createNamespacedJob({ namespace: NS, body: job("exits-three", script, { env: [{ name: "X", value: "from-env" }] }) });
    const failed = await watchUntil<V1Job>(`/apis/batch/v1/namespaces/${NS}/jobs`, { fieldSelector: "metadata.name=exits-three" }, (_, j) => Boolean(j.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True")));
    assert.equal(failed.status?.failed, 1);
    assert.equal(failed.status?.conditions?.find((c) => c.type === "Failed")?.reason, "BackoffLimitExceeded");
    const [pod] = (await core.listNamespacedPod({ namespace: NS, labelSelector: "job-name=exits-three" })).items;
    assert.equal(pod?.status?.phase, "Failed");
    assert.equal(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
    assert.equal(pod?.status?.containerStatuses?.[0]?.state?.terminated?.reason, "Error");
    const log = await core.readNamespacedPodLog({ namespace: NS, name: pod!.metadata!.name!, container: "main" });
    assert.match(log, /^X=from-env$/m);
    assert.match(log, /^to stderr$/m);
    assert.match(log, /^KEYS=HOME,HOSTNAME,KUBERNETES_PORT,KUBERNETES_SERVICE_HOST,KUBERNETES_SERVICE_PORT,PATH,X$/m);
  });

  test("a watch from a resourceVersion sees ADDED, MODIFIED and DELETED, and an expired one gets 410", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "watched" }, data: { a: "1" } } });
    const from = created.metadata!.resourceVersion!;
    await core.replaceNamespacedConfigMap({ namespace: NS, name: "watched", body: { ...created, data: { a: "2" } } });
    await core.deleteNamespacedConfigMap({ namespace: NS, name: "watched" });
    const seen: string[] = [];
    await watchUntil<{ metadata: { name: string } }>(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: String(Number(from) - 1) }, (type, o) => {
      seen.push(`${type} ${o.metadata.name}`);
      return type === "DELETED";
    });
    assert.deepEqual(seen, ["ADDED watched", "MODIFIED watched", "DELETED watched"]);
    kube.compactHistory();
    const expired = await watchUntil<{ code: number; reason: string }>(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: from }, (type) => type === "ERROR");
    assert.equal(expired.code, 410);
    assert.equal(expired.reason, "Expired");
  });

  test("Log with follow streams lines while the container runs and ends when it exits", async () => {
    const script = "console.log('first'); setInterval(() => { if (require('fs').existsSync(process.env.GO)) { console.log('second'); process.exit(0); } }, 20)";
    const go = `${kube.kubeconfigPath}.go`;
    await batch.createNamespacedJob({ namespace: NS, body: job("follows", script, { env: [{ name: "GO", value: go }] }) });
    const pod = await watchUntil<V1Pod>(podPath, { labelSelector: "job-name=follows" }, (type, p) => podsOf("follows")(type, p) && p.status?.phase === "Running");
    const stream = new PassThrough();
    let text = "";
    const firstSeen = new Promise<void>((resolve) => stream.on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("first\n")) resolve();
    }));
    const ended = new Promise((resolve) => stream.on("end", resolve));
    await new Log(kc).log(NS, pod.metadata!.name!, "main", stream, { follow: true });
    await firstSeen;
    assert.equal(text, "first\n");
    writeFileSync(go, "");
    await ended;
    assert.equal(text, "first\nsecond\n");
  });

  test("errors reach the client as ApiException with the real Status code, reason and message", async () => {
    const stranger = new KubeConfig();
    stranger.loadFromString(readFileSync(kube.kubeconfigPath, "utf8").replace(kube.token, "not-the-token"));
    const unauthenticated = await apiError(() => stranger.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NS }));
    assert.equal(unauthenticated.code, 401);

    const missing = await apiError(() => batch.readNamespacedJob({ namespace: NS, name: "absent" }));
    assert.equal(missing.code, 404);
    assert.equal(missing.status.message, 'jobs.batch "absent" not found');

    await batch.createNamespacedJob({ namespace: NS, body: job("twice", "") });
    const again = await apiError(() => batch.createNamespacedJob({ namespace: NS, body: job("twice", "") }));
    assert.equal(again.code, 409);
    assert.equal(again.status.reason, "AlreadyExists");

    kube.setAuthorize((r) => r.namespace !== "other");
    const denied = await apiError(() => batch.createNamespacedJob({ namespace: "other", body: job("x", "") }));
    kube.setAuthorize(undefined);
    assert.equal(denied.code, 403);
    assert.equal(denied.status.message, 'jobs.batch is forbidden: User "weft-test" cannot create resource "jobs" in API group "batch" in the namespace "other"');

    const bad = await apiError(() => batch.createNamespacedJob({ namespace: NS, body: { ...job("Not_Valid", ""), spec: { template: { spec: { restartPolicy: "Always", containers: [{ name: "main", image: "node:20" }] } } } } }));
    assert.equal(bad.code, 422);
    assert.deepEqual(bad.status.details?.causes?.map((c) => c.field), ["metadata.name", "spec.template.spec.restartPolicy"]);

    // Typed client calls drop unknown fields while serializing; the generic API sends them as given.
    const custom = kc.makeApiClient(CustomObjectsApi);
    const withUnknown = { apiVersion: "batch/v1", kind: "Job", ...job("strict", ""), spec: { ...job("strict", "").spec, retries: 3 } };
    const strict = await apiError(() => custom.createNamespacedCustomObject({ group: "batch", version: "v1", namespace: NS, plural: "jobs", body: withUnknown, fieldValidation: "Strict" }));
    assert.equal(strict.code, 400);
    assert.equal(strict.status.message, 'Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.retries"');
  });

  test("a Job's pod waits for its service account, then gets workload identity from the webhook", async () => {
    const script = "const e = process.env; console.log([e.AZURE_CLIENT_ID, e.AZURE_TENANT_ID, e.AZURE_AUTHORITY_HOST].join(' ')); const t = require('fs').readFileSync(e.AZURE_FEDERATED_TOKEN_FILE, 'utf8'); console.log(JSON.parse(Buffer.from(t.split('.')[1], 'base64url')).sub)";
    await batch.createNamespacedJob({ namespace: NS, body: job("identity", script, { serviceAccountName: "runner", labels: { "azure.workload.identity/use": "true" } }) });
    const failedCreate = await watchUntil<{ message: string }>(`/api/v1/namespaces/${NS}/events`, { fieldSelector: "involvedObject.name=identity,reason=FailedCreate" }, () => true);
    assert.match(failedCreate.message, /^Error creating: pods "identity-[a-z0-9]{5}" is forbidden: error looking up service account weft\/runner: serviceaccount "runner" not found$/);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: "runner", annotations: { "azure.workload.identity/client-id": "client-1" } } } });
    const pod = await watchUntil<V1Pod>(podPath, { labelSelector: "job-name=identity" }, (type, p) => podsOf("identity")(type, p) && p.status?.phase === "Succeeded");
    const env = pod.spec?.containers[0]?.env?.map((e) => e.name);
    assert.deepEqual(env, ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"]);
    assert.equal(pod.spec?.volumes?.find((v) => v.name === "azure-identity-token")?.projected?.sources?.[0]?.serviceAccountToken?.audience, "api://AzureADTokenExchange");
    const log = await core.readNamespacedPodLog({ namespace: NS, name: pod.metadata!.name! });
    assert.equal(log, "client-1 tenant-1 https://127.0.0.1:1\nsystem:serviceaccount:weft:runner\n");
  });

  test("a pod whose image does not exist stays Pending in ImagePullBackOff", async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job("no-image", "", { image: "registry.invalid/missing:1" }) });
    const pod = await watchUntil<V1Pod>(podPath, { labelSelector: "job-name=no-image" }, (type, p) => podsOf("no-image")(type, p) && p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff");
    assert.equal(pod.status?.phase, "Pending");
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.message, 'Back-off pulling image "registry.invalid/missing:1"');
  });

  test("a pod no node can take stays Pending as Unschedulable with a FailedScheduling event", async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job("nowhere", "", { nodeSelector: { pool: "gpu" } }) });
    const pod = await watchUntil<V1Pod>(podPath, { labelSelector: "job-name=nowhere" }, (type, p) => podsOf("nowhere")(type, p) && Boolean(p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "Unschedulable")));
    const condition = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    assert.equal(condition?.message, "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
    const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${pod.metadata!.name},reason=FailedScheduling` });
    assert.equal(events.items[0]?.message, condition?.message);
  });

  test("a container that outgrows its memory limit is OOMKilled with exit code 137", async () => {
    const hog = "const keep = []; setInterval(() => { keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); if (keep.length > 128) process.exit(0); }, 5)";
    await batch.createNamespacedJob({ namespace: NS, body: job("hog", hog, { memory: "128Mi" }) });
    const pod = await watchUntil<V1Pod>(podPath, { labelSelector: "job-name=hog" }, (type, p) => podsOf("hog")(type, p) && p.status?.containerStatuses?.[0]?.state?.terminated !== undefined);
    assert.deepEqual([pod.status?.containerStatuses?.[0]?.state?.terminated?.reason, pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode], ["OOMKilled", 137]);
    assert.equal(pod.status?.phase, "Failed");
  });

  test("deleting a Job with propagationPolicy Background stops its pod's process", async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job("long", "setInterval(() => {}, 1000)", { grace: 5 }) });
    const pod = await watchUntil<V1Pod>(podPath, { labelSelector: "job-name=long" }, (type, p) => podsOf("long")(type, p) && p.status?.phase === "Running");
    const pid = kubelet.running().find((c) => c.pod === pod.metadata!.name)?.pid;
    assert.ok(pid, "the container's process runs");
    const gone = watchUntil<V1Pod>(podPath, { labelSelector: "job-name=long", resourceVersion: pod.metadata!.resourceVersion! }, (type) => type === "DELETED");
    await batch.deleteNamespacedJob({ namespace: NS, name: "long", propagationPolicy: "Background" });
    await gone;
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
  });
});
