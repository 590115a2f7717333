import { BlobServiceClient } from "@azure/storage-blob";
import { startAzurite } from "/work/main/test/azure/azurite.ts";
import { startTokenServer } from "/work/main/test/azure/token-server.ts";
import { startKeyVault } from "/work/main/test/keyvault/key-vault-server.ts";
const entra = await startTokenServer();
try {
  const [vault, azurite] = await Promise.all([startKeyVault({ entra }), startAzurite()]);
  vault.setSecret("db-password", "kv-s3cret-pass-123");
  const first = vault.setSecret("api-key", "a");
  vault.setSecret("api-key", "b");
  vault.setSecret("cfg", JSON.stringify({ A: "x" }));
  vault.setSecret("storage-conn", azurite.connectionString);
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("kv").create();
  console.log("ok", first);
  await vault.stop(); await azurite.stop();
} catch (e) { console.error("ERR", e); }
await entra.stop();
