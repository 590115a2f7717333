// `node dist/azure-code-cache.js`: writes the storage SDK's code cache ahead of any task.
// The runtime image runs it at build time, as the tasks' user (Dockerfile): a task pod's
// files die with it, so a cache that a task writes never serves another, and without one
// in the image every pod would compile the SDK and write a cache for nothing.
// The cache covers loading the SDK and making a client; the functions of the requests are
// compiled by each task as before (the image has no storage account to call).
import { resolveCoreConfig } from "../../config/core-config.ts";
import { codeCacheDir } from "./settings.ts";
import { storageSdk } from "./storage-sdk.ts";

const dir = codeCacheDir(resolveCoreConfig());
const { BlobServiceClient, StorageSharedKeyCredential } = await storageSdk(dir);
const service = new BlobServiceClient("https://account.blob.core.windows.net", new StorageSharedKeyCredential("account", Buffer.from("key").toString("base64")));
service.getContainerClient("container").getBlockBlobClient("blob");
service.getContainerClient("container").getAppendBlobClient("log");
// The cache is written as this process exits (runtime/code-cache.ts).
console.log(`weft: the storage SDK's code cache is in ${dir}`);
