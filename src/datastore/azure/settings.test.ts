import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfig } from "../../config/resolve.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { chooseAuth, describeAuth, isPublicAuthority } from "./credentials.ts";
import { translateAzureError } from "./errors.ts";
import { azureSettings } from "./settings.ts";
import { WORKLOADS } from "./workload.ts";

const config = (env: Record<string, string>) => resolveConfig({ env: { WEFT_HOME: "/tmp/weft-unit", ...env }, cwd: "/tmp", userHome: "/nonexistent-home" });

describe("Azure credential choice", () => {
  it("prefers a connection string, then an account key, then a SAS token, then DefaultAzureCredential", () => {
    const all = { connectionString: "UseDevelopmentStorage=true", accountName: "acct", accountKey: "key", sasToken: "?sv=1&sig=x" };
    assert.equal(chooseAuth(all).method, "connection-string");
    assert.equal(chooseAuth({ ...all, connectionString: undefined }).method, "account-key");
    assert.deepEqual(chooseAuth({ accountName: "acct", sasToken: "?sv=1&sig=x" }), { method: "sas", accountName: "acct", sasToken: "sv=1&sig=x" });
    assert.deepEqual(chooseAuth({ authorityHost: "https://login.microsoftonline.us" }), { method: "azure-default", authorityHost: "https://login.microsoftonline.us" });
  });

  it("refuses a key or SAS token without the account it belongs to", () => {
    assert.throws(() => chooseAuth({ accountKey: "k" }), (e: unknown) => e instanceof WeftError && e.code === "CONFIG" && /AZURE_STORAGE_ACCOUNT_NAME/.test(e.message));
  });

  it("describes each method without its secret", () => {
    const text = describeAuth({ method: "account-key", accountName: "acct", accountKey: "s3cr3t" });
    assert.match(text, /account key of acct/);
    assert.doesNotMatch(text, /s3cr3t/);
  });

  it("treats only the public clouds' authorities as public, so others skip instance discovery", () => {
    assert.equal(isPublicAuthority(undefined), true);
    assert.equal(isPublicAuthority("https://login.chinacloudapi.cn"), true);
    assert.equal(isPublicAuthority("https://127.0.0.1:8443"), false);
    assert.equal(isPublicAuthority("https://login.azurestack.contoso.local"), false);
  });
});

describe("Azure settings from config", () => {
  it("takes the endpoint from the blob endpoint variable, else from an abfss root's account", () => {
    assert.equal(azureSettings(config({ WEFT_DATASTORE_SYSROOT_AZURE: "flows/weft", WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: "http://127.0.0.1:10000/devstoreaccount1/" })).endpoint, "http://127.0.0.1:10000/devstoreaccount1");
    const fromUrl = azureSettings(config({ WEFT_DATASTORE_SYSROOT_AZURE: "abfss://flows@acct.dfs.core.windows.net/weft" }));
    assert.deepEqual([fromUrl.endpoint, fromUrl.container, fromUrl.prefix], ["https://acct.blob.core.windows.net", "flows", "weft"]);
    assert.equal(azureSettings(config({ WEFT_DATASTORE_SYSROOT_AZURE: "flows", AZURE_STORAGE_ACCOUNT_NAME: "acct" })).endpoint, "https://acct.blob.core.windows.net");
  });

  it("maps the workload type to sizes, with Metaflow's names as aliases", () => {
    const sized = (type: string) => WORKLOADS[azureSettings(config({ WEFT_DATASTORE_SYSROOT_AZURE: "flows/w", WEFT_AZURE_STORAGE_WORKLOAD_TYPE: type })).workload];
    assert.equal(sized("high_throughput"), WORKLOADS.highCpu);
    assert.equal(sized("general"), WORKLOADS.default);
    assert.ok(sized("highCpu").parallelBlobs > sized("default").parallelBlobs);
    assert.ok(sized("highMemory").blockBytes > sized("default").blockBytes);
  });
});

describe("Azure error translation", () => {
  const settings = { endpoint: "https://acct.blob.core.windows.net", container: "flows", prefix: "", auth: { method: "azure-default" as const, authorityHost: undefined }, workload: "default" as const };
  const rest = (statusCode: number, errorCode: string, message = "x") => Object.assign(new Error(message), { name: "RestError", statusCode, details: { errorCode } });

  it("names the missing data role for a 403 AuthorizationPermissionMismatch, and says Contributor is not enough", () => {
    const error = translateAzureError(rest(403, "AuthorizationPermissionMismatch"), settings, "writing blobs");
    assert.match(error.message, /Access denied \(403\)/);
    assert.match(error.hint ?? "", /Storage Blob Data Contributor/);
    assert.match(error.hint ?? "", /"Contributor" or "Owner" alone/);
  });

  it("blames the network rules for a 403 AuthorizationFailure with a token credential", () => {
    assert.match(translateAzureError(rest(403, "AuthorizationFailure"), settings, "listing").message, /network rules refused/);
  });

  it("says to sign in when no credential is available", () => {
    const error = translateAzureError(Object.assign(new Error("none"), { name: "CredentialUnavailableError" }), settings, "reading");
    assert.match(error.hint ?? "", /az login/);
  });

  it("never repeats the SDK's message, which can hold a SAS signature", () => {
    const error = translateAzureError(rest(500, "InternalError", "GET https://acct.blob.core.windows.net/flows/x?sv=1&sig=SECRETSIG failed"), settings, "reading");
    assert.doesNotMatch(`${error.message} ${error.hint}`, /SECRETSIG/);
  });
});
