// The N-task foreach on the Azure datastore (Azurite over HTTPS with --oauth basic, a
// workload-identity token from the local Entra server, as a pod on AKS authenticates)
// against the same flow on the local datastore, interleaved in one run. Must run inside
// a loopback-only network namespace (bench/azure-task-overhead.mjs).
// Usage (inside the namespace): node --import tsx bench/cases/azure-task-overhead.ts [N ...]
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from "@azure/storage-blob";
import { fanOutProject, median } from "../lib.mjs";
import { caBundle, startAzurite, trustOptions } from "../../test/azure/azurite.ts";
import { startTokenServer } from "../../test/azure/token-server.ts";

const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const sizes = process.argv.slice(2).map(Number);

const [azurite, entra] = await Promise.all([startAzurite({ oauth: true }), startTokenServer()]);
try {
  const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  await new BlobServiceClient(azurite.blobEndpoint, key, trustOptions(azurite.caCertPath!) as StoragePipelineOptions).getContainerClient("bench").create();
  // Nothing Azure leaks in from outside; only the workload identity variables a pod gets.
  const clean: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (/^(AZURE_|IDENTITY_|MSI_|WEFT_)/.test(k)) clean[k] = undefined;
  const azureEnv = {
    ...clean,
    WEFT_DEFAULT_DATASTORE: "azure",
    WEFT_DATASTORE_SYSROOT_AZURE: "bench/runs",
    WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: azurite.blobEndpoint,
    NODE_EXTRA_CA_CERTS: caBundle(),
    AZURE_TENANT_ID: entra.tenantId,
    AZURE_CLIENT_ID: entra.clientId,
    AZURE_FEDERATED_TOKEN_FILE: entra.federatedTokenFile,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
  };
  const localEnv = { ...clean, WEFT_DEFAULT_DATASTORE: "local" };
  const project = fanOutProject(WORKERS);
  for (const n of sizes.length ? sizes : [100]) {
    const local: number[] = [];
    const azure: number[] = [];
    const tokenRequestsBefore = entra.requests.filter((r) => r.path.endsWith("/token")).length;
    for (let i = 0; i < REPEATS; i++) {
      local.push(await project.runSeconds(n, localEnv));
      azure.push(await project.runSeconds(n, azureEnv));
    }
    const tokens = entra.requests.filter((r) => r.path.endsWith("/token")).length - tokenRequestsBefore;
    const [l, a] = [median(local), median(azure)];
    console.log(
      `azure-task-overhead N=${n}: local ${l.toFixed(2)} s (${((l / (n + 3)) * 1000).toFixed(0)} ms/task) | azure ${a.toFixed(2)} s (${((a / (n + 3)) * 1000).toFixed(0)} ms/task) | ` +
        `ratio ${(a / l).toFixed(2)}× (--max-workers ${WORKERS}, ${n + 3} tasks, median of ${REPEATS}; runs local ${local.map((x) => x.toFixed(2)).join(", ")}; azure ${azure.map((x) => x.toFixed(2)).join(", ")}; ${tokens} token requests in ${REPEATS} Azure runs)`,
    );
  }
} finally {
  await Promise.all([azurite.stop(), entra.stop()]);
}
