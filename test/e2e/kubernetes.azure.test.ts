// Steps on Kubernetes, end to end: `weft run` creates a Job per attempt on the fake
// cluster (test/kube/), whose kubelet runs the pod's exact command as a local process
// with only the pod's environment, against Azurite and the metadata service. The runs
// must read, through the CLI and the client API, as runs on this machine do.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Job } from "@kubernetes/client-node";
import { azuriteSkipReason } from "../azure/azurite.ts";
import { FIXTURES, fileAppears, jobOf, NAMESPACE, startKubernetesWorld, taskException, type KubernetesWorld } from "../helpers/kubernetes-runs.ts";
import { describeRun } from "../helpers/task-contract.ts";
import { repoRoot, runWeft } from "../helpers/weft-cli.ts";

const weftJobs = (world: KubernetesWorld, run: string) => world.kube.objects.list<V1Job>("jobs", NAMESPACE).filter((j) => j.metadata?.annotations?.["weft/run"] === run);
const artifactsOf = (described: Record<string, any>) => Object.fromEntries(Object.entries(described.tasks as Record<string, { artifacts: unknown }>).map(([task, t]) => [task, t.artifacts]));

describe("steps on Kubernetes", { skip: azuriteSkipReason(), timeout: 300_000 }, () => {
  let world: KubernetesWorld;
  let irisDir: string;

  before(async () => {
    world = await startKubernetesWorld({ container: "k8s" });
    // The Iris example with `fit` on Kubernetes: a copy inside the repository, so its imports resolve as the original's do.
    irisDir = mkdtempSync(join(repoRoot, "test", ".tmp-iris-"));
    cpSync(join(repoRoot, "examples", "iris"), irisDir, { recursive: true, filter: (src) => !src.includes("node_modules") });
    const source = readFileSync(join(irisDir, "train.ts"), "utf8");
    const onKubernetes = source.replace(/import \{([^}]*)\} from "weft";/, 'import {$1, kubernetes } from "weft";').replace("@step fit()", "@kubernetes() @step fit()");
    assert.notEqual(onKubernetes, source);
    writeFileSync(join(irisDir, "train.ts"), onKubernetes);
  });
  after(async () => {
    await world?.stop();
    if (irisDir) rmSync(irisDir, { recursive: true, force: true });
  });

  it("the Iris flow with fit on Kubernetes gives a local run's artifacts, by hash, and its logs", async () => {
    const k8s = await runWeft(["run", join(irisDir, "train.ts"), "--run-id", "iris-k8s"], { cwd: world.dir, env: world.env, timeoutMs: 120_000 });
    assert.equal(k8s.code, 0, k8s.stderr);
    const local = await runWeft(["run", join(repoRoot, "examples", "iris", "train.ts"), "--run-id", "iris-local"], { cwd: world.dir, env: world.env, timeoutMs: 120_000 });
    assert.equal(local.code, 0, local.stderr);

    const jobs = weftJobs(world, "iris-k8s");
    assert.deepEqual(jobs.map((j) => j.metadata?.annotations?.["weft/step"]).sort(), ["fit", "fit", "fit"], "only fit ran as Jobs, one per model");
    assert.ok(jobs.every((j) => j.status?.succeeded === 1));
    assert.match(k8s.stderr, /\[IrisFlow\/iris-k8s\/fit\/0\] \[kubernetes\] running on node aks-nodepool1-0/, "the pod's progress is shown");
    assert.match(k8s.stdout, /\[IrisFlow\/iris-k8s\/fit\/\d\] \w+: accuracy [\d.]+% \(IrisFlow\/iris-k8s\/fit\/\d\)/, "the pod's output streams to the terminal");

    const [onCluster, onMachine] = await Promise.all([describeRun(world.dir, "IrisFlow/iris-k8s", world.env), describeRun(world.dir, "IrisFlow/iris-local", world.env)]);
    assert.equal(onCluster.successful, true);
    assert.deepEqual(artifactsOf(onCluster), artifactsOf(onMachine));
    const logs = await runWeft(["logs", "IrisFlow/iris-k8s/fit/1"], { cwd: world.dir, env: world.env });
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /accuracy [\d.]+% \(IrisFlow\/iris-k8s\/fit\/1\)/, "weft logs reads the pod's saved log");
  });

  it("a 100-wide foreach with --with kubernetes runs every task as a Job and sums as a local run does", async () => {
    const wide = join(FIXTURES, "wide-flow.ts");
    const k8s = await runWeft(["run", wide, "--width", "100", "--with", "kubernetes", "--run-id", "wide-k8s"], { cwd: world.dir, env: world.env, timeoutMs: 240_000 });
    assert.equal(k8s.code, 0, k8s.stderr);
    assert.match(k8s.stdout, /total 328350/);
    assert.equal(weftJobs(world, "wide-k8s").length, 103, "start, 100 squares, sum and end");
    const local = await runWeft(["run", wide, "--width", "100", "--run-id", "wide-local"], { cwd: world.dir, env: world.env, timeoutMs: 240_000 });
    assert.equal(local.code, 0, local.stderr);
    const [a, b] = await Promise.all([describeRun(world.dir, "WideFlow/wide-k8s", world.env), describeRun(world.dir, "WideFlow/wide-local", world.env)]);
    assert.deepEqual(artifactsOf(a), artifactsOf(b));
  });

  it("@retry runs the next attempt as a new Job, each with its own logs and record", async () => {
    const result = await runWeft(["run", join(FIXTURES, "retry-flow.ts"), "--run-id", "retry-k8s"], { cwd: world.dir, env: world.env, timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /done by attempt 1/);
    const work = weftJobs(world, "retry-k8s").filter((j) => j.metadata?.annotations?.["weft/step"] === "work");
    assert.deepEqual(work.map((j) => j.metadata?.name).sort(), [jobOf("RetryFlow", "retry-k8s", "work", 0), jobOf("RetryFlow", "retry-k8s", "work", 1)].sort());
    assert.deepEqual(work.map((j) => [j.spec?.backoffLimit, j.status?.failed ?? 0, j.status?.succeeded ?? 0]).sort(), [[0, 0, 1], [0, 1, 0]]);
    const first = await runWeft(["logs", "RetryFlow/retry-k8s/work/0", "--attempt", "0", "--stream", "stdout"], { cwd: world.dir, env: world.env });
    assert.match(first.stdout, new RegExp(`attempt 0 on ${jobOf("RetryFlow", "retry-k8s", "work", 0)}-\\w{5}`), "the pod's name reached the task through the downward API");
    const described = await describeRun(world.dir, "RetryFlow/retry-k8s", world.env);
    assert.equal(described.tasks["work/0"].retryCount, 1);
  });

  it("@timeout ends the pod at its activeDeadlineSeconds, recorded as a Timeout", async () => {
    const result = await runWeft(["run", join(FIXTURES, "timeout-flow.ts"), "--run-id", "timeout-k8s"], { cwd: world.dir, env: world.env, timeoutMs: 120_000 });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /\[TimeoutFlow\/timeout-k8s\/slow\/0\] task failed: timed out/);
    const [job] = weftJobs(world, "timeout-k8s").filter((j) => j.metadata?.annotations?.["weft/step"] === "slow");
    assert.equal(job?.spec?.template.spec?.activeDeadlineSeconds, 3);
    assert.equal((await taskException(world, "TimeoutFlow/timeout-k8s/slow/0"))?.type, "Timeout");
  });

  it("a runner killed mid-run leaves its pod working, and resume reuses what the pod finished", async () => {
    const gate = join(mkdtempSync(join(world.dir, "gate-")), "open");
    let runner = 0;
    const running = runWeft(["run", join(FIXTURES, "gate-flow.ts"), "--gate", gate, "--run-id", "killed-k8s"], { cwd: world.dir, env: world.env, onSpawn: (pid) => (runner = pid), timeoutMs: 120_000 });
    await fileAppears(`${gate}.ready`);
    process.kill(runner, "SIGKILL");
    await running;
    const job = jobOf("GateFlow", "killed-k8s", "wait");
    writeFileSync(gate, "");
    await world.kube.waitFor<V1Job>("jobs", NAMESPACE, job, (j) => j?.status?.succeeded === 1);
    const resumed = await runWeft(["resume", join(FIXTURES, "gate-flow.ts"), "--origin-run-id", "killed-k8s"], { cwd: world.dir, env: world.env, timeoutMs: 120_000 });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /\[GateFlow\/\w+\/wait\/0\] cloned from GateFlow\/killed-k8s\/wait\/0/, "the pod recorded its own result");
    assert.match(resumed.stdout, /waited true/);
  });

  it("Ctrl-C deletes the Jobs the run started, and their pods' processes end", async () => {
    const gate = join(mkdtempSync(join(world.dir, "gate-")), "open");
    let runner = 0;
    const running = runWeft(["run", join(FIXTURES, "gate-flow.ts"), "--gate", gate, "--run-id", "interrupted-k8s"], { cwd: world.dir, env: world.env, onSpawn: (pid) => (runner = pid), timeoutMs: 120_000 });
    await fileAppears(`${gate}.ready`);
    const job = jobOf("GateFlow", "interrupted-k8s", "wait");
    const pod = world.kubelet.running().find((c) => c.pod.startsWith(`${job}-`))?.pod;
    assert.ok(pod, "the pod runs");
    process.kill(runner, "SIGINT");
    const result = await running;
    assert.notEqual(result.code, 0, result.stderr);
    assert.match(result.stderr, /stopped by Ctrl-C/);
    assert.equal(world.kube.objects.get("jobs", NAMESPACE, job), undefined, "the Job is gone when weft run exits");
    // The kubelet removes a deleted pod only once its process has ended.
    await world.kube.waitFor("pods", NAMESPACE, pod, (p) => p === undefined);
    assert.deepEqual(world.kubelet.running().filter((c) => c.pod === pod), []);
  });
});
