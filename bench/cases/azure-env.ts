// What the Azure benchmarks share: Azurite over HTTPS with --oauth basic, the local
// Entra server, and the environments of a run on the Azure datastore (workload identity,
// as a pod on AKS authenticates) and on the local one. Must run inside a loopback-only
// network namespace.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from "@azure/storage-blob";
import { caBundle, startAzurite, trustOptions } from "../../test/azure/azurite.ts";
import { startTokenServer } from "../../test/azure/token-server.ts";

export interface AzureBench {
  azureEnv: Record<string, string | undefined>;
  localEnv: Record<string, string | undefined>;
  /** Token requests Entra has answered so far. */
  tokenRequests(): number;
  /** CPU seconds Azurite has used so far: it runs on the same cores as the tasks. */
  azuriteCpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startAzureBench(): Promise<AzureBench> {
  const [azurite, entra] = await Promise.all([startAzurite({ oauth: true }), startTokenServer()]);
  const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  await new BlobServiceClient(azurite.blobEndpoint, key, trustOptions(azurite.caCertPath!) as StoragePipelineOptions).getContainerClient("bench").create();
  // Nothing Azure leaks in from outside; only the workload identity variables a pod gets.
  const clean: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env)) if (/^(AZURE_|IDENTITY_|MSI_|WEFT_)/.test(k)) clean[k] = undefined;
  const azuritePid = childPid("azurite");
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  return {
    azureEnv: {
      ...clean,
      WEFT_DEFAULT_DATASTORE: "azure",
      WEFT_DATASTORE_SYSROOT_AZURE: "bench/runs",
      WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: azurite.blobEndpoint,
      NODE_EXTRA_CA_CERTS: caBundle(),
      AZURE_TENANT_ID: entra.tenantId,
      AZURE_CLIENT_ID: entra.clientId,
      AZURE_FEDERATED_TOKEN_FILE: entra.federatedTokenFile,
      AZURE_AUTHORITY_HOST: entra.authorityHost,
    },
    localEnv: { ...clean, WEFT_DEFAULT_DATASTORE: "local" },
    tokenRequests: () => entra.requests.filter((r) => r.path.endsWith("/token")).length,
    azuriteCpuSeconds: () => {
      // /proc/<pid>/stat: utime and stime, in clock ticks, are fields 14 and 15.
      const fields = readFileSync(`/proc/${azuritePid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      return (Number(fields[11]) + Number(fields[12])) / ticks;
    },
    stop: async () => {
      await Promise.all([azurite.stop(), entra.stop()]);
    },
  };
}

/** The pid of this process's child whose command line mentions `name`. */
function childPid(name: string): number {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const parent = Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[1]);
      if (parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(name)) return Number(pid);
    } catch {
      // The process ended while the list was read.
    }
  }
  throw new Error(`no child process of ${process.pid} runs ${name}`);
}
