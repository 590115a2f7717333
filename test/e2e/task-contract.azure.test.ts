// The task contract (docs/task-contract.md) where it matters: the Azure datastore
// (Azurite) and the metadata service, in a loopback-only network namespace. A shell
// script calls `weft step` for every task, each in its own empty folder with `env -i`
// and only the documented variables, while no `weft run` process is alive; the CLI,
// the client API and `weft resume` then see that run exactly as a `weft run` of the
// same flow.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BlobServiceClient } from "@azure/storage-blob";
import { azuriteSkipReason, startAzurite, type AzuriteHandle } from "../azure/azurite.ts";
import { CONTRACT_FLOW, CONTRACT_TASKS, describeRun, runTasksScript } from "../helpers/task-contract.ts";
import { runWeft, tempProject } from "../helpers/weft-cli.ts";
import { startWeftService, type ServiceProcess } from "../helpers/weft-service.ts";

const CONTAINER = "contract";
const ROOT = `${CONTAINER}/weft`;

describe("the task contract on Azure Blob Storage and the metadata service", { skip: azuriteSkipReason() }, () => {
  let azurite: AzuriteHandle;
  let service: ServiceProcess;
  let dir: string;
  /** The settings of a user's shell: datastore, credentials and service; nothing else Azure or Weft. */
  let userEnv: NodeJS.ProcessEnv;

  before(async () => {
    dir = tempProject("weft-contract-");
    [azurite, service] = await Promise.all([startAzurite(), startWeftService([], mkdtempSync(join(dir, "service-")))]);
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER).create();
    userEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(AZURE_|IDENTITY_|MSI_|WEFT_)/.test(k)) userEnv[k] = v;
    Object.assign(userEnv, {
      HOME: dir,
      WEFT_HOME: join(dir, ".weft"),
      WEFT_DEFAULT_DATASTORE: "azure",
      WEFT_DATASTORE_SYSROOT_AZURE: ROOT,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      WEFT_DEFAULT_METADATA: "service",
      WEFT_SERVICE_URL: service.url,
    });
  });
  after(async () => {
    await Promise.all([azurite?.stop(), service?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a run of `weft step` calls with only the documented variables reads exactly as a `weft run`", async () => {
    const created = await runWeft(["run", CONTRACT_FLOW, "--create-only", "--run-id", "argo-contract-x7k2p"], { cwd: dir, env: userEnv });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, "argo-contract-x7k2p\n");

    const script = await runTasksScript(dir, {
      run: "argo-contract-x7k2p",
      datastore: "azure",
      datastoreRoot: ROOT,
      metadata: "service",
      taskEnv: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, WEFT_SERVICE_URL: service.url },
    });
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /total 14 label left\+right/);

    const weftRun = await runWeft(["run", CONTRACT_FLOW], { cwd: dir, env: userEnv });
    assert.equal(weftRun.code, 0, weftRun.stderr);
    const runId = /Run ContractFlow\/(\w+) succeeded/.exec(weftRun.stderr)?.[1];
    assert.ok(runId, weftRun.stderr);

    const [shell, local] = await Promise.all([describeRun(dir, "ContractFlow/argo-contract-x7k2p", userEnv), describeRun(dir, `ContractFlow/${runId}`, userEnv)]);
    assert.equal(shell.successful, true);
    assert.deepEqual(Object.keys(shell.tasks).sort(), CONTRACT_TASKS);
    assert.equal(shell.tasks["body/1"].retryCount, 1, "the failed first attempt is on record");
    assert.deepEqual(shell, local);

    const runs = await runWeft(["list", "runs", "ContractFlow", "--json"], { cwd: dir, env: userEnv });
    assert.equal(runs.code, 0, runs.stderr);
    const statuses = Object.fromEntries((JSON.parse(runs.stdout) as { id: string; status: string }[]).map((r) => [r.id, r.status]));
    assert.deepEqual(statuses, { "argo-contract-x7k2p": "succeeded", [runId]: "succeeded" });
    const tasks = await runWeft(["list", "tasks", "ContractFlow/argo-contract-x7k2p/body", "--json"], { cwd: dir, env: userEnv });
    assert.equal(tasks.code, 0, tasks.stderr);
    assert.deepEqual((JSON.parse(tasks.stdout) as { pathspec: string }[]).map((t) => t.pathspec.split("/").pop()), ["0", "1", "2"]);
    const dumped = await runWeft(["dump", "ContractFlow/argo-contract-x7k2p", "--artifact", "total", "--json"], { cwd: dir, env: userEnv });
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.equal(dumped.stdout.trim(), "14");
    const logs = await runWeft(["logs", "ContractFlow/argo-contract-x7k2p/b/0", "--stream", "stderr"], { cwd: dir, env: userEnv });
    assert.match(logs.stderr, /b writes to stderr/, "the task's stderr, saved in Blob Storage");

    const resumed = await runWeft(["resume", CONTRACT_FLOW, "join", "--origin-run-id", "argo-contract-x7k2p"], { cwd: dir, env: userEnv });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal([...resumed.stderr.matchAll(/cloned from ContractFlow\/argo-contract-x7k2p\//g)].length, 7, "start, a, b, joinBranches and three body tasks are reused");
    assert.match(resumed.stdout, /total 14 label left\+right/);
  });
});
