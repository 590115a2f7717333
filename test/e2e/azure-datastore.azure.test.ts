// Flows on the Azure datastore through the real CLI, against Azurite, in a
// loopback-only network namespace: read back from "another machine", every malformed
// root refused before anything is written, every credential method, live logs, and
// failures without stack traces.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient, ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential, type StoragePipelineOptions } from "@azure/storage-blob";
import { azuriteSkipReason, caBundle, startAzurite, trustOptions, type AzuriteHandle } from "../azure/azurite.ts";
import { writeFakeAz } from "../azure/fake-az.ts";
import { startTokenServer, type TokenServer } from "../azure/token-server.ts";
import { runWeft, tempProject, writeFlow } from "../helpers/weft-cli.ts";

const FLOW = `import { FlowSpec, step, type Inputs } from "weft";
export default class CloudFlow extends FlowSpec {
  items!: number[];
  squared!: number;
  total!: number;
  @step start() { this.items = [1, 2, 3]; this.next(this.body, { foreach: "items" }); }
  @step body() { this.squared = (this.input as number) ** 2; console.log("squared", this.squared); this.next(this.join); }
  @step join(inputs: Inputs<CloudFlow>) { this.total = [...inputs].reduce((s, i) => s + i.squared, 0); this.next(this.end); }
  @step end() { console.log("total", this.total); }
}
`;

const skip = azuriteSkipReason();
let http: AzuriteHandle;
let https: AzuriteHandle;
let entra: TokenServer;

/** The environment of a CLI run on the Azure datastore: nothing Azure leaks in from outside. */
function azureEnv(azurite: AzuriteHandle, container: string, auth: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AZURE_|IDENTITY_|MSI_|WEFT_)/.test(k)) env[k] = v;
  return { ...env, WEFT_DEFAULT_DATASTORE: "azure", WEFT_DATASTORE_SYSROOT_AZURE: `${container}/runs`, WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: azurite.blobEndpoint, NODE_EXTRA_CA_CERTS: caBundle(), ...auth };
}

const keyAuth = (a: AzuriteHandle) => ({ AZURE_STORAGE_ACCOUNT_NAME: a.accountName, AZURE_STORAGE_ACCOUNT_KEY: a.accountKey });

async function container(azurite: AzuriteHandle, name: string) {
  const options = (azurite.caCertPath ? trustOptions(azurite.caCertPath) : {}) as StoragePipelineOptions;
  const client = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey), options).getContainerClient(name);
  await client.createIfNotExists();
  return client;
}

async function blobCount(azurite: AzuriteHandle, name: string): Promise<number> {
  let n = 0;
  for await (const _ of (await container(azurite, name)).listBlobsFlat()) n++;
  return n;
}

describe("the Azure datastore through the CLI", { skip }, () => {
  before(async () => {
    [http, https, entra] = await Promise.all([startAzurite(), startAzurite({ https: true, oauth: true }), startTokenServer()]);
  });
  after(async () => {
    await Promise.all([http?.stop(), https?.stop(), entra?.stop()]);
  });

  it("runs a flow on Blob Storage, and another machine with the same settings reads it back", async () => {
    await container(http, "shared");
    const env = azureEnv(http, "shared", keyAuth(http));
    const laptop = tempProject();
    const run = await runWeft(["run", writeFlow(laptop, "cloud.ts", FLOW)], { cwd: laptop, env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /total 14/);
    assert.equal(existsSync(join(laptop, ".weft", "datastore")), false, "nothing written locally");

    const other = tempProject();
    const runs = await runWeft(["list", "runs", "CloudFlow"], { cwd: other, env });
    assert.match(runs.stdout, /^1\s+succeeded/m);
    const dump = await runWeft(["dump", "CloudFlow/1", "--artifact", "total"], { cwd: other, env });
    assert.equal(dump.stdout.trim(), "14");
    const logs = await runWeft(["logs", "CloudFlow/1/body"], { cwd: other, env });
    assert.deepEqual(logs.stdout.match(/squared \d/g), ["squared 1", "squared 4", "squared 9"]);
  });

  it("refuses every malformed root before anything is written, exit 2", async () => {
    const env = azureEnv(http, "untouched", keyAuth(http));
    await container(http, "untouched");
    const dir = tempProject();
    const file = writeFlow(dir, "cloud.ts", FLOW);
    const cases: [string | undefined, RegExp][] = [
      ["https://acct.blob.core.windows.net/untouched/runs", /drop the https:\/\/ prefix/],
      ["/untouched/runs", /may not start with "\/"/],
      ["untouched/runs/", /may not end with "\/"/],
      ["untouched//runs", /consecutive slashes/],
      ["Untouched/runs", /must be lowercase/],
      ["ab/runs", /must be 3–63 characters long/],
      [undefined, /The Azure datastore needs a root \[WEFT_DATASTORE_SYSROOT_AZURE\]: it is not set/],
    ];
    for (const [root, rule] of cases) {
      const runEnv = { ...env, WEFT_DATASTORE_SYSROOT_AZURE: root ?? "" };
      const result = await runWeft(["run", file], { cwd: dir, env: runEnv });
      assert.equal(result.code, 2, `${root}: ${result.stderr}`);
      assert.match(result.stderr, rule, `${root}`);
      if (root) assert.ok(result.stderr.includes(`"${root}"`), `the value is quoted: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    }
    assert.equal(await blobCount(http, "untouched"), 0);
  });

  it("authenticates with a connection string and with a SAS token", async () => {
    await container(http, "keys");
    const sas = generateBlobSASQueryParameters({ containerName: "keys", permissions: ContainerSASPermissions.parse("racwdl"), expiresOn: new Date(Date.now() + 3_600_000) }, new StorageSharedKeyCredential(http.accountName, http.accountKey)).toString();
    const methods: Record<string, string>[] = [{ AZURE_STORAGE_CONNECTION_STRING: http.connectionString }, { AZURE_STORAGE_ACCOUNT_NAME: http.accountName, AZURE_STORAGE_SAS_TOKEN: sas }];
    for (const auth of methods) {
      const dir = tempProject();
      const env = azureEnv(http, "keys", auth);
      const result = await runWeft(["run", writeFlow(dir, "cloud.ts", FLOW)], { cwd: dir, env });
      assert.equal(result.code, 0, result.stderr);
      const shown = await runWeft(["configure", "show"], { cwd: dir, env });
      assert.match(shown.stdout, auth.AZURE_STORAGE_SAS_TOKEN ? /Azure authentication: SAS token/ : /Azure authentication: connection string/);
      assert.ok(!shown.stdout.includes(sas) && !shown.stdout.includes(http.accountKey), "secrets are masked");
    }
  });

  it("authenticates through DefaultAzureCredential: service principal, workload identity, managed identity and the Azure CLI", async () => {
    await container(https, "tokens");
    const fakeAz = writeFakeAz(entra);
    const methods: Record<string, Record<string, string>> = {
      "service principal": { AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: entra.clientId, AZURE_CLIENT_SECRET: entra.clientSecret, AZURE_AUTHORITY_HOST: entra.authorityHost },
      "workload identity": { AZURE_TENANT_ID: entra.tenantId, AZURE_CLIENT_ID: entra.clientId, AZURE_FEDERATED_TOKEN_FILE: entra.federatedTokenFile, AZURE_AUTHORITY_HOST: entra.authorityHost },
      "managed identity": { IDENTITY_ENDPOINT: entra.identityEndpoint, IDENTITY_HEADER: entra.identityHeader },
      "Azure CLI": { PATH: `${fakeAz.dir}:${process.env.PATH}` },
    };
    try {
      for (const [method, auth] of Object.entries(methods)) {
        const dir = tempProject();
        const env = azureEnv(https, "tokens", auth);
        const result = await runWeft(["run", writeFlow(dir, "cloud.ts", FLOW)], { cwd: dir, env, timeoutMs: 120_000 });
        assert.equal(result.code, 0, `${method}: ${result.stderr}`);
        assert.match(result.stdout, /total 14/, method);
      }
      assert.ok(entra.requests.some((r) => r.clientAuth === "client_secret"), "the service principal asked for a token");
      assert.ok(entra.requests.some((r) => r.clientAuth === "client_assertion"), "workload identity asked for a token");
      assert.ok(entra.requests.some((r) => r.path.startsWith(new URL(entra.identityEndpoint).pathname)), "managed identity asked for a token");
      assert.ok(fakeAz.invocations().length > 0, "the Azure CLI was asked for a token");
    } finally {
      fakeAz.dispose();
    }
  });

  it("shows a running task's output from another process while it runs", async () => {
    await container(http, "live");
    const dir = tempProject();
    const release = join(dir, "release");
    const file = writeFlow(dir, "slow.ts", `import { FlowSpec, step } from "weft";
import { existsSync } from "node:fs";
export default class SlowCloudFlow extends FlowSpec {
  @step start() { this.next(this.wait); }
  @step async wait() {
    console.log("halfway there");
    while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 100));
    this.next(this.end);
  }
  @step end() {}
}
`);
    const env = azureEnv(http, "live", keyAuth(http));
    const running = runWeft(["run", file], { cwd: dir, env, timeoutMs: 120_000 });
    let seen = "";
    for (let i = 0; i < 100 && !seen.includes("halfway there"); i++) {
      await new Promise((r) => setTimeout(r, 300));
      seen = (await runWeft(["logs", "SlowCloudFlow/1/wait"], { cwd: tempProject(), env })).stdout;
    }
    writeFileSync(release, "");
    assert.match(seen, /halfway there/);
    assert.equal((await running).code, 0);
  });

  it("fails with the cause and the fix, and no stack trace, for a wrong key, a missing container and an unreachable endpoint", async () => {
    const dir = tempProject();
    const file = writeFlow(dir, "cloud.ts", FLOW);
    const wrongKey = await runWeft(["run", file], { cwd: dir, env: azureEnv(http, "keys", { AZURE_STORAGE_ACCOUNT_NAME: http.accountName, AZURE_STORAGE_ACCOUNT_KEY: Buffer.from("not the key").toString("base64") }) });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /refused the account key/);
    const missing = await runWeft(["run", file], { cwd: dir, env: azureEnv(http, "never-created", keyAuth(http)) });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Container "never-created" does not exist[\s\S]*az storage container create --name never-created/);
    const unreachable = await runWeft(["run", file], { cwd: dir, env: { ...azureEnv(http, "keys", keyAuth(http)), WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT: "http://127.0.0.1:9/devstoreaccount1" } });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Cannot reach the blob endpoint http:\/\/127\.0\.0\.1:9\/devstoreaccount1/);
    for (const r of [wrongKey, missing, unreachable]) assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  });
});
