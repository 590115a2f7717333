// Every way a Kubernetes attempt can fail that the task itself cannot report, each with
// the message a user can act on, recorded as the attempt's exception: on the fake cluster
// (test/kube/), with Azurite and the metadata service.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { azuriteSkipReason } from "../azure/azurite.ts";
import { FIXTURES, fileAppears, jobOf, NAMESPACE, startKubernetesWorld, taskException, type KubernetesWorld } from "../helpers/kubernetes-runs.ts";
import { runWeft, type CliResult } from "../helpers/weft-cli.ts";

describe("Kubernetes failures, each explained", { skip: azuriteSkipReason(), timeout: 300_000 }, () => {
  let world: KubernetesWorld;
  before(async () => {
    world = await startKubernetesWorld({ container: "k8s-failures", api: { authorize: (r) => r.namespace !== "locked" } });
  });
  after(() => world?.stop());

  const wide = join(FIXTURES, "wide-flow.ts");
  const run = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => runWeft(["run", ...args], { cwd: world.dir, env: { ...world.env, ...env }, timeoutMs: 120_000 });
  /** Starts the gate flow; resolves once its pod waits at the gate. */
  const gated = async (runId: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const gate = join(mkdtempSync(join(world.dir, "gate-")), "open");
    const result = run([join(FIXTURES, "gate-flow.ts"), "--gate", gate, "--run-id", runId, ...extra], env);
    await Promise.race([fileAppears(`${gate}.ready`), result.then((r) => assert.fail(`the run ended before its pod waited:\n${r.stderr}`))]);
    const job = jobOf("GateFlow", runId, "wait");
    const pod = world.kube.objects.list<V1Pod>("pods", NAMESPACE).find((p) => p.metadata?.labels?.["job-name"] === job)!;
    return { result, job, pod: pod.metadata!.name!, gate };
  };

  it("an image that cannot be pulled fails at once, naming the image and az aks update --attach-acr; no retry", async () => {
    const result = await run([wide, "--width", "1", "--with", "kubernetes", "--with", "retry:times=2", "--run-id", "pull"], { WEFT_KUBERNETES_CONTAINER_IMAGE: "weftacr.azurecr.io/weft-runtime:missing" });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot pull image "weftacr\.azurecr\.io\/weft-runtime:missing" \(ImagePullBackOff/);
    assert.match(result.stderr, /az aks update --name CLUSTER --resource-group RG --attach-acr REGISTRY/);
    assert.match(result.stderr, /not retried, a retry would fail the same way/);
    assert.equal((await taskException(world, "WideFlow/pull/start/0"))?.type, "ImagePullBackOff", "recorded though the pod never started");
    assert.equal(world.kube.objects.get("jobs", NAMESPACE, jobOf("WideFlow", "pull", "start")), undefined, "the stuck Job is deleted");
  });

  it("@catchError stores an image pull failure and the flow goes on (its fallback runs on this machine)", async () => {
    const result = await run([join(FIXTURES, "catch-flow.ts"), "--run-id", "caught"], { WEFT_KUBERNETES_CONTAINER_IMAGE: "weftacr.azurecr.io/weft-runtime:missing" });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /caught ImagePullBackOff/);
  });

  it("a pod no node can take fails with the selector no node matches", async () => {
    const result = await run([wide, "--width", "1", "--with", "kubernetes", "--run-id", "unschedulable"], { WEFT_KUBERNETES_NODE_SELECTOR: "agentpool=gpu" });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot be scheduled: 0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector.*no node has the labels agentpool=gpu/);
    assert.equal((await taskException(world, "WideFlow/unschedulable/start/0"))?.type, "Unschedulable");
  });

  it("a pod over its memory limit is OOMKilled, with the limit and how to raise it", async () => {
    const never = join(mkdtempSync(join(world.dir, "gate-")), "never");
    const result = await run([join(FIXTURES, "gate-flow.ts"), "--hog-mb", "600", "--gate", never, "--with", "resources:memory=400", "--run-id", "oom"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /was killed for using more than its memory limit \(400Mi\)\. Raise it with @resources\(\{ memory: MB \}\)/);
    assert.equal((await taskException(world, "GateFlow/oom/wait/0"))?.type, "OOMKilled");
  });

  it("the output of a pod that crashed hard is saved from its log, though the task could not save it", async () => {
    const result = await run([join(FIXTURES, "crash-flow.ts"), "--run-id", "crashed"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /\[CrashFlow\/crashed\/crash\/0\] task failed: killed by SIGKILL/);
    const logs = await runWeft(["logs", "CrashFlow/crashed/crash/0", "--stream", "stderr"], { cwd: world.dir, env: world.env });
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stderr, /from its pod's log, stdout and stderr merged:\]\n(.*\n)*the last words on stdout\n(.*\n)*the last words on stderr\n/);
  });

  it("an evicted pod fails its attempt as Evicted, naming the node", async () => {
    const { result, pod } = await gated("evicted");
    world.kubelet.evict(NAMESPACE, pod);
    const ended = await result;
    assert.equal(ended.code, 1, ended.stderr);
    assert.match(ended.stderr, new RegExp(`Pod ${pod} was evicted from node aks-nodepool1-0: The node was low on resource: memory\\.`));
    assert.equal((await taskException(world, "GateFlow/evicted/wait/0"))?.type, "Evicted");
  });

  it("a pod deleted from outside fails its attempt as PodDeleted", async () => {
    const { result, pod, job } = await gated("deleted");
    world.kube.objects.delete("pods", NAMESPACE, pod);
    const ended = await result;
    assert.equal(ended.code, 1, ended.stderr);
    assert.match(ended.stderr, new RegExp(`The pod of Job ${job} was deleted while it ran`));
    assert.equal((await taskException(world, "GateFlow/deleted/wait/0"))?.type, "PodDeleted");
  });

  it("a namespace RBAC forbids says so and what permissions to ask for", async () => {
    const result = await run([wide, "--width", "1", "--with", "kubernetes", "--run-id", "forbidden"], { WEFT_KUBERNETES_NAMESPACE: "locked" });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Kubernetes RBAC forbids us to .*jobs\.batch is forbidden: User "weft-test" cannot \w+ resource "jobs" in API group "batch" in the namespace "locked"/);
    assert.match(result.stderr, /Ask a cluster admin for a Role in that namespace allowing create\/get\/list\/watch\/delete on jobs/);
  });

  it("a service account that does not exist stops the attempt, naming it", async () => {
    const result = await run([wide, "--width", "1", "--with", "kubernetes", "--run-id", "no-account"], { WEFT_KUBERNETES_SERVICE_ACCOUNT: "ghost" });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Service account "ghost" does not exist in namespace "weft"/);
  });

  it("no credentials for the pods is refused before the Job, saying a secret or workload identity is needed", async () => {
    const result = await run([wide, "--width", "1", "--with", "kubernetes", "--run-id", "no-credentials"], { WEFT_KUBERNETES_SECRETS: "" });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /would run on Kubernetes without credentials for Blob Storage: Weft never copies AZURE_STORAGE_CONNECTION_STRING from this machine into a pod spec/);
    assert.match(result.stderr, /WEFT_KUBERNETES_SECRETS=weft-credentials.*or use workload identity/);
    assert.deepEqual(world.kube.objects.list<V1Job>("jobs", NAMESPACE).filter((j) => j.metadata?.annotations?.["weft/run"] === "no-credentials"), []);
  });

  it("a local datastore with a Kubernetes step is refused before anything is written", async () => {
    const result = await run([wide, "--with", "kubernetes"], { WEFT_DEFAULT_DATASTORE: "local" });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /run on Kubernetes, but the datastore is local .*pods cannot read this machine's files/);
  });

  it("an API server that answers 503 for a while is retried and the run succeeds", async () => {
    world.kube.faults.failNext(4);
    const result = await run([wide, "--width", "1", "--with", "kubernetes", "--run-id", "flaky-api"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /total 0/);
    assert.ok(world.kube.requests.some((r) => r.status === 503));
  });

  it("an API server that cannot be reached fails the attempt after its retries, saying what to check", async () => {
    await world.kube.stopListening();
    try {
      const result = await run([wide, "--width", "1", "--with", "kubernetes", "--run-id", "no-api"]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Could not reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ \(context [^)]+\) .*retried for \d+ s.*kubectl cluster-info/s);
    } finally {
      await world.kube.startListening();
    }
  });

  it("the gate opens: a waiting pod finishes once its file appears (the helper the tests above rely on)", async () => {
    const { result, gate } = await gated("gate-opens");
    writeFileSync(gate, "");
    const ended = await result;
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /waited true/);
  });
});
