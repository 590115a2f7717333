// What the Kubernetes end-to-end tests share: Azurite, the metadata service and the fake
// cluster (test/kube/), with a namespace, the runtime image, and a Kubernetes secret
// holding the storage connection string; and the shell settings of a user who runs
// `weft run` against all of it.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from "@azure/storage-blob";
import { startAzurite, trustOptions, type AzuriteHandle, type StartAzuriteOptions } from "../azure/azurite.ts";
import { startFakeKubeApi, type FakeKubeApi, type FakeKubeApiOptions } from "../kube/api-server.ts";
import { startFakeKubelet, weftRuntimeImage, type FakeKubelet, type FakeKubeletOptions } from "../kube/kubelet.ts";
import { jobName } from "../../src/compute/kubernetes/names.ts";
import { runClean } from "./task-contract.ts";
import { repoRoot, tempProject } from "./weft-cli.ts";
import { startWeftService, type ServiceProcess } from "./weft-service.ts";

export { fileAppears } from "./file-appears.ts";

export const NAMESPACE = "weft";
/** A full reference, used as given: the runtime image as a team would push it to its ACR. */
export const IMAGE = "weftacr.azurecr.io/weft-runtime:test";
export const CREDENTIALS_SECRET = "weft-credentials";
export const FIXTURES = join(repoRoot, "test", "fixtures", "kubernetes-runs");

export interface KubernetesWorld {
  dir: string;
  azurite: AzuriteHandle;
  service: ServiceProcess;
  kube: FakeKubeApi;
  kubelet: FakeKubelet;
  /** A user's shell: the Azure datastore, the service, the cluster; nothing else Azure or Weft. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface WorldOptions {
  container: string;
  /** Azurite over HTTPS with --oauth basic, for workload identity. */
  azurite?: StartAzuriteOptions;
  api?: FakeKubeApiOptions;
  kubelet?: FakeKubeletOptions;
}

/** Starts everything a run with Kubernetes steps needs; `stop()` ends it all. */
export async function startKubernetesWorld(options: WorldOptions): Promise<KubernetesWorld> {
  const dir = tempProject("weft-k8s-");
  const [azurite, service, kube] = await Promise.all([startAzurite(options.azurite), startWeftService([], mkdtempSync(join(dir, "service-"))), startFakeKubeApi({ namespace: NAMESPACE, ...options.api })]);
  const kubelet = await startFakeKubelet(kube, {
    nodes: [{ name: "aks-nodepool1-0", labels: { agentpool: "nodepool1", "kubernetes.io/os": "linux" }, allocatable: { cpu: "64", memory: "512Gi", "ephemeral-storage": "2Ti" } }],
    images: { [IMAGE]: weftRuntimeImage() },
    ttlAfterFinished: false,
    ...options.kubelet,
  });
  const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  const pipeline = (azurite.caCertPath ? trustOptions(azurite.caCertPath) : {}) as StoragePipelineOptions;
  await new BlobServiceClient(azurite.blobEndpoint, key, pipeline).getContainerClient(options.container).create();
  kube.objects.create("secrets", { metadata: { name: CREDENTIALS_SECRET, namespace: NAMESPACE }, stringData: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString } } as never);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AZURE_|IDENTITY_|MSI_|WEFT_|KUBECONFIG)/.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: dir,
    WEFT_DEFAULT_DATASTORE: "azure",
    WEFT_DATASTORE_SYSROOT_AZURE: `${options.container}/weft`,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    WEFT_DEFAULT_METADATA: "service",
    WEFT_SERVICE_URL: service.url,
    KUBECONFIG: kube.kubeconfigPath,
    WEFT_KUBERNETES_NAMESPACE: NAMESPACE,
    WEFT_KUBERNETES_CONTAINER_IMAGE: IMAGE,
    WEFT_KUBERNETES_SECRETS: CREDENTIALS_SECRET,
    WEFT_KUBERNETES_SCHEDULING_TIMEOUT: "0",
  });
  return {
    dir,
    azurite,
    service,
    kube,
    kubelet,
    env,
    stop: async () => {
      await kubelet.stop();
      await Promise.all([kube.stop(), azurite.stop(), service.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Job the runner creates for an attempt: its name is derived, so a test with a chosen run id knows it. */
export function jobOf(flow: string, run: string, step: string, attempt = 0, task = "0"): string {
  return jobName({ flow, run, step, task }, attempt);
}


/** The exception of a task's last attempt, as the client API sees it, or null. */
export async function taskException(world: KubernetesWorld, pathspec: string): Promise<{ type: string; message: string } | null> {
  const result = await runClean([process.execPath, join(FIXTURES, "task-exception.mjs"), join(repoRoot, "dist", "client.js"), pathspec], world.dir, world.env);
  if (result.code !== 0) throw new Error(`reading the exception of ${pathspec} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { type: string; message: string } | null;
}

/** Every pod log of a run, for assertion messages: what the pods printed, as the kubelet kept it. */
export function podLogs(world: KubernetesWorld, run: string): string {
  return world.kube.objects
    .list<{ metadata: { name: string; annotations?: Record<string, string> } }>("pods", NAMESPACE)
    .filter((p) => p.metadata.annotations?.["weft/run"] === run)
    .map((p) => `--- pod ${p.metadata.name}\n${world.kubelet.logs(NAMESPACE, p.metadata.name)}`)
    .join("\n");
}
