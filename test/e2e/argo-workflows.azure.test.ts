// Deployed flows end to end: `weft argo-workflows create` stores the deployment in Azurite
// and the WorkflowTemplate in the fake Kubernetes API server; `trigger` submits a
// Workflow; the fake Argo controller (test/argo/) runs it, each template's exact command
// as a pod of the fake kubelet with only the template's environment, against Azurite and
// the metadata service. Each run must read, through the client API and the CLI, as a
// `weft run` of the same flow does.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { azuriteSkipReason } from "../azure/azurite.ts";
import { startFakeArgoController, type FakeArgoController } from "../argo/controller.ts";
import type { ArgoNode } from "../argo/nodes.ts";
import { fileAppears, FIXTURES as KUBERNETES_FIXTURES, NAMESPACE, startKubernetesWorld, type KubernetesWorld } from "../helpers/kubernetes-runs.ts";
import { describeRun } from "../helpers/task-contract.ts";
import { repoRoot, runWeft } from "../helpers/weft-cli.ts";
import type { Workflow } from "../../src/compute/argo/types.ts";
import { workflowNodes } from "../../src/compute/argo/workflow-nodes.ts";

const FIXTURES = join(repoRoot, "test", "fixtures", "argo");

/** What must match between two runs of one flow: every task, its state, foreach path, artifacts by hash and output. */
function comparable(described: Record<string, any>) {
  const tasks = Object.fromEntries(Object.entries(described.tasks as Record<string, any>).map(([key, t]) => [key, { successful: t.successful, foreach: t.foreach, artifacts: t.artifacts, stdout: t.stdout, stderr: t.stderr.split("\n").filter((l: string) => !/^\s+at |^weft step|^Node\.js/.test(l)).join("\n") }]));
  return { successful: described.successful, finished: described.finished, parameters: described.parameters, tasks };
}

describe("flows deployed to Argo Workflows", { skip: azuriteSkipReason(), timeout: 1_200_000 }, () => {
  let world: KubernetesWorld;
  let argo: FakeArgoController;

  before(async () => {
    world = await startKubernetesWorld({ container: "argo" });
    argo = startFakeArgoController(world.kube, world.kubelet);
  });
  after(async () => {
    argo?.stop();
    await world?.stop();
  });

  const weft = (args: string[], timeoutMs = 120_000) => runWeft(args, { cwd: world.dir, env: world.env, timeoutMs });

  /** Deploys `file`, triggers it with `params`, and resolves once the fake controller has run it. */
  async function deployAndTrigger(file: string, params: string[] = [], deploy: string[] = []): Promise<{ run: string; workflow: Workflow }> {
    const created = await weft(["argo-workflows", "create", file, "--max-workers", "16", ...deploy]);
    assert.equal(created.code, 0, created.stderr);
    const triggered = await weft(["argo-workflows", "trigger", file, ...params]);
    assert.equal(triggered.code, 0, triggered.stderr);
    const run = triggered.stdout.trim();
    assert.match(run, /^argo-[a-z0-9-]+$/);
    return { run, workflow: await argo.finished(NAMESPACE, run.slice("argo-".length)) };
  }

  /** The same flow run with `weft run` on this machine; it exits `code` (1: a task failed). */
  async function runLocally(file: string, run: string, params: string[] = [], code = 0): Promise<void> {
    const result = await weft(["run", file, "--run-id", run, ...params], 600_000);
    assert.equal(result.code, code, result.stderr);
  }

  async function assertSameRun(flow: string, argoRun: string, localRun: string): Promise<Record<string, any>> {
    const [onArgo, local] = await Promise.all([describeRun(world.dir, `${flow}/${argoRun}`, world.env), describeRun(world.dir, `${flow}/${localRun}`, world.env)]);
    assert.deepEqual(comparable(onArgo), comparable(local));
    return onArgo;
  }

  const nodesOf = (wf: Workflow) => {
    const nodes = workflowNodes(wf.status);
    assert.ok(nodes !== "offloaded", "the fake controller never offloads");
    return nodes as ArgoNode[];
  };

  it("a linear flow triggered with a parameter gives a local run's tasks and artifacts, and list, dump, logs and status read it", async () => {
    const file = join(FIXTURES, "linear-flow.ts");
    const { run, workflow } = await deployAndTrigger(file, ["--alpha", "0.25"]);
    assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
    await runLocally(file, "linear-local", ["--alpha", "0.25"]);
    const described = await assertSameRun("LinearFlow", run, "linear-local");
    assert.equal(described.parameters.alpha, 0.25);

    const list = await weft(["list", "runs", "LinearFlow"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${run}\\s.*succeeded`));
    const dump = await weft(["dump", `LinearFlow/${run}/scale/0`]);
    assert.equal(dump.code, 0, dump.stderr);
    assert.match(dump.stdout, /scaled.*2\.5/);
    const logs = await weft(["logs", `LinearFlow/${run}/end/0`]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /scaled 2\.5/);
    const status = await weft(["argo-workflows", "status", run]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /LinearFlow\/argo-\S+: Succeeded/);
    assert.match(status.stdout, /scale\s+1 succeeded, 0 running, 0 failed/);
    const runs = await weft(["argo-workflows", "list-runs", file]);
    assert.match(runs.stdout, new RegExp(`^${run}\\tSucceeded\\t`, "m"));
  });

  for (const [shape, file, flow] of [
    ["a branch and its join", "branch-flow.ts", "BranchFlow"],
    ["a nested foreach (2 × 3)", "nested-flow.ts", "NestedFlow"],
  ] as const) {
    it(`${shape} gives a local run's tasks, foreach paths and artifacts`, async () => {
      const { run, workflow } = await deployAndTrigger(join(FIXTURES, file));
      assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
      await runLocally(join(FIXTURES, file), `${flow.toLowerCase()}-local`);
      await assertSameRun(flow, run, `${flow.toLowerCase()}-local`);
    });
  }

  it("a switch runs only the chosen case, and the step after it, as a local run does", async () => {
    const file = join(FIXTURES, "switch-flow.ts");
    const { run, workflow } = await deployAndTrigger(file, ["--mode", "slow"]);
    assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
    assert.equal(nodesOf(workflow).find((n) => n.displayName === "quick")?.phase, "Skipped");
    await runLocally(file, "switch-local", ["--mode", "slow"]);
    const described = await assertSameRun("SwitchFlow", run, "switch-local");
    assert.deepEqual(Object.keys(described.tasks).sort(), ["careful/0", "end/0", "start/0"]);
  });

  it("a loop runs as a recursive template, one nested iteration per round, and gives a local run's tasks, artifacts and output", async () => {
    const file = join(FIXTURES, "loop-flow.ts");
    const { run, workflow } = await deployAndTrigger(file);
    assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
    const rounds = nodesOf(workflow).filter((n) => n.templateName === "loop-count");
    assert.deepEqual(rounds.map((n) => [n.name.split(".").length - 1, n.type, n.phase, n.inputs?.parameters?.[0]?.value]).sort(), [
      [1, "DAG", "Succeeded", "i0"], [2, "DAG", "Succeeded", "i1"], [3, "DAG", "Succeeded", "i2"], [4, "Skipped", "Skipped", undefined],
    ]);
    await runLocally(file, "loop-local");
    const described = await assertSameRun("LoopFlow", run, "loop-local");
    assert.deepEqual(Object.keys(described.tasks).sort(), ["count/i0", "count/i1", "count/i2", "end/0", "report/0", "start/0"]);
    assert.equal(described.tasks["report/0"].stdout, "counted 3\n");
    const logs = await weft(["logs", `LoopFlow/${run}/count/i1`]);
    assert.match(logs.stdout, /round 2/);
    const status = await weft(["argo-workflows", "status", run]);
    assert.match(status.stdout, /count\s+3 succeeded, 0 running, 0 failed/);
  });

  it("a retried step runs as attempts of one Argo retry node, numbered by {{retries}}, and reads as a local run's retried task", async () => {
    const file = join(FIXTURES, "retry-flow.ts");
    const { run, workflow } = await deployAndTrigger(file);
    assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
    const attempts = nodesOf(workflow).filter((n) => n.templateName === "step-work" && n.type === "Pod").map((n) => [n.displayName, n.phase]).sort();
    assert.deepEqual(attempts, [["work(0)", "Failed"], ["work(1)", "Failed"], ["work(2)", "Succeeded"]]);
    await runLocally(file, "retry-local");
    const described = await assertSameRun("RetryingFlow", run, "retry-local");
    assert.equal(described.tasks["work/0"].retryCount, 2);
  });

  it("a step killed before it could record anything fails the run through the exit handler, naming the node", async () => {
    const file = join(FIXTURES, "kill-flow.ts");
    const { run, workflow } = await deployAndTrigger(file);
    assert.equal(workflow.status?.phase, "Failed");
    assert.equal(nodesOf(workflow).find((n) => n.displayName === `${workflow.metadata.name}.onExit`)?.phase, "Succeeded", "the exit handler ran");
    const listed = await weft(["list", "runs", "KillFlow", "--json"]);
    const record = (JSON.parse(listed.stdout) as { id: string; status: string; reason: string }[]).find((r) => r.id === run)!;
    assert.equal(record.status, "failed");
    assert.match(record.reason, /The Argo workflow ended Failed: boom: Error \(exit code 137\)/);
    await runLocally(file, "kill-local", [], 1);
    // The client cannot read a failed task's artifacts; its list and the start task's can be compared.
    const tasksOf = async (id: string) => (JSON.parse((await weft(["list", "tasks", `KillFlow/${id}`, "--json"])).stdout) as { step: string; id: string; status: string }[]).map((t) => `${t.step}/${t.id} ${t.status}`).sort();
    assert.deepEqual(await tasksOf(run), await tasksOf("kill-local"));
    assert.deepEqual(await tasksOf(run), ["boom/0 failed", "start/0 successful"]);
    const dumped = await Promise.all([run, "kill-local"].map(async (id) => (await weft(["dump", `KillFlow/${id}/start/0`])).stdout.replaceAll(id, "RUN")));
    assert.equal(dumped[0], dumped[1]);
  });

  it("a @catchError step lost to SIGKILL or its @timeout (plainly, after a retry, in a foreach body) goes on through its fallback task, with a local run's catch artifacts and attempts", async () => {
    const file = join(FIXTURES, "catch-flow.ts");
    const [{ run, workflow }] = await Promise.all([deployAndTrigger(file), runLocally(file, "catch-local")]);
    assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
    const phase = (displayName: string) => nodesOf(workflow).find((n) => n.displayName === displayName)?.phase;
    assert.deepEqual(["killed", "killed-fallback", "retried", "late", "late-fallback", "split"].map(phase), ["Failed", "Succeeded", "Failed", "Failed", "Succeeded", "Succeeded"]);
    assert.deepEqual(nodesOf(workflow).filter((n) => n.templateName === "step-retried" && n.type === "Pod").map((n) => n.displayName).sort(), ["retried(0)", "retried(1)"]);
    assert.deepEqual(nodesOf(workflow).filter((n) => n.displayName === "body-fallback").map((n) => n.phase).sort(), ["Omitted", "Omitted", "Succeeded"]);
    const status = await weft(["argo-workflows", "status", run]);
    assert.match(status.stdout, /retried\s+1 succeeded, 0 running, 0 failed/, "a lost task counts as its fallback");
    assert.match(status.stdout, /body\s+3 succeeded, 0 running, 0 failed/);

    // The catch artifacts (and the tasks after them inherit them) name the run: compared by value with the run id taken out, the rest by hash.
    const caught = { "killed/0": "killedError", "retried/0": "retriedError", "late/0": "lateError", "body/1": "bodyError" };
    const [onArgo, local] = await Promise.all([describeRun(world.dir, `CatchFlow/${run}`, world.env), describeRun(world.dir, "CatchFlow/catch-local", world.env)]);
    const withoutCaught = (described: Record<string, any>) => {
      for (const task of Object.values(described.tasks as Record<string, any>)) for (const name of Object.values(caught)) delete task.artifacts[name];
      return comparable(described);
    };
    assert.deepEqual(withoutCaught(onArgo), withoutCaught(local));
    const valueOf = async (id: string, task: string, name: string) => {
      const dumped = await weft(["dump", `CatchFlow/${id}/${task}`, "--artifact", name, "--json"]);
      assert.equal(dumped.code, 0, dumped.stderr);
      return JSON.parse(dumped.stdout.replaceAll(id, "RUN")) as { type: string; message: string };
    };
    for (const [task, name] of Object.entries(caught)) assert.deepEqual(await valueOf(run, task, name), await valueOf("catch-local", task, name), `${task} ${name}`);
    assert.deepEqual(await valueOf(run, "late/0", "lateError"), { type: "Timeout", message: "Task CatchFlow/RUN/late/0 timed out." });
    assert.deepEqual(await valueOf(run, "body/1", "bodyError"), { type: "Killed", message: "Task CatchFlow/RUN/body/1 killed by SIGKILL." });

    // Every lost attempt reads as ended, as the local runner records it, and the fallback as the last attempt.
    const attemptsOf = async (id: string, task: string) => {
      const response = await fetch(`${world.service.url}/flows/CatchFlow/runs/${id}/steps/${task.replace("/", "/tasks/")}/attempts`);
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { attempt: number; ok?: boolean; finishedAt?: string; exception?: { type: string } }[]).map((a) => [a.attempt, a.ok, a.finishedAt !== undefined, a.exception?.type]);
    };
    for (const task of Object.keys(caught)) assert.deepEqual(await attemptsOf(run, task), await attemptsOf("catch-local", task), task);
    assert.deepEqual(await attemptsOf(run, "retried/0"), [[0, false, true, "Killed"], [1, false, true, "Killed"], [2, true, true, undefined]]);
  });

  it("terminate stops a running workflow: its pod is killed, no new step starts, and the run reads as killed", async () => {
    const file = join(KUBERNETES_FIXTURES, "gate-flow.ts");
    const gate = join(world.dir, "terminate-gate");
    const created = await weft(["argo-workflows", "create", file]);
    assert.equal(created.code, 0, created.stderr);
    const triggered = await weft(["argo-workflows", "trigger", file, "--gate", gate]);
    assert.equal(triggered.code, 0, triggered.stderr);
    const run = triggered.stdout.trim();
    await fileAppears(`${gate}.ready`);
    const terminated = await weft(["argo-workflows", "terminate", run]);
    assert.equal(terminated.code, 0, terminated.stderr);
    const workflow = await argo.finished(NAMESPACE, run.slice("argo-".length));
    assert.equal(workflow.status?.phase, "Failed");
    assert.equal(workflow.status?.message, "Stopped with strategy 'Terminate'");
    assert.equal(nodesOf(workflow).some((n) => n.displayName === "end"), false, "end never started");
    assert.deepEqual(world.kubelet.running().filter((c) => c.pod.startsWith(workflow.metadata.name!)), [], "no pod of the workflow runs");
    const listed = await weft(["list", "runs", "GateFlow", "--json"]);
    assert.equal((JSON.parse(listed.stdout) as { id: string; status: string }[]).find((r) => r.id === run)?.status, "killed");
    const status = await weft(["argo-workflows", "status", run]);
    assert.match(status.stdout, /wait\s+0 succeeded, 0 running, 1 failed/);
  });

  it("a failed Argo run resumes on this machine and on Argo, both reusing its finished tasks, to the same result", async () => {
    const file = join(FIXTURES, "resume-flow.ts");
    const gate = join(world.dir, "resume-gate");
    const { run: origin, workflow } = await deployAndTrigger(file, ["--gate", gate]);
    assert.equal(workflow.status?.phase, "Failed");
    writeFileSync(gate, "");

    const local = await weft(["resume", file, "--origin-run-id", origin]);
    assert.equal(local.code, 0, local.stderr);
    const onArgo = await weft(["resume", file, "--origin-run-id", origin, "--on-argo"]);
    assert.equal(onArgo.code, 0, onArgo.stderr);
    const resumed = onArgo.stdout.trim();
    assert.match(onArgo.stderr, /resuming ResumeFlow\/argo-\S+ \(5 finished tasks to reuse; running work, end again\)/);
    const done = await argo.finished(NAMESPACE, resumed.slice("argo-".length));
    assert.equal(done.status?.phase, "Succeeded", done.status?.message);

    const runs = JSON.parse((await weft(["list", "runs", "ResumeFlow", "--json"])).stdout) as { id: string; status: string; originRunId: string | null }[];
    const localRun = runs.find((r) => r.originRunId === origin && !r.id.startsWith("argo-"))!;
    assert.deepEqual(runs.filter((r) => r.originRunId === origin).map((r) => r.status), ["succeeded", "succeeded"]);
    assert.equal(runs.find((r) => r.id === resumed)?.originRunId, origin);
    await assertSameRun("ResumeFlow", resumed, localRun.id);
    const tasks = JSON.parse((await weft(["list", "tasks", `ResumeFlow/${resumed}`, "--json"])).stdout) as { step: string; id: string; origin: string | null }[];
    const origins = Object.fromEntries(tasks.map((t) => [`${t.step}/${t.id}`, t.origin]));
    assert.deepEqual(origins, {
      "start/0": `ResumeFlow/${origin}/start/0`, "body/0": `ResumeFlow/${origin}/body/0`, "body/1": `ResumeFlow/${origin}/body/1`, "body/2": `ResumeFlow/${origin}/body/2`, "join/0": `ResumeFlow/${origin}/join/0`,
      "work/0": null, "end/0": null,
    });
    const logs = await weft(["logs", `ResumeFlow/${resumed}/end/0`]);
    assert.match(logs.stdout, /total 14/);
  });

  it("status of a workflow whose image cannot be pulled names the waiting pod, Argo's reason and the fix", async () => {
    const file = join(KUBERNETES_FIXTURES, "gate-flow.ts");
    const created = await weft(["argo-workflows", "create", file, "--with", "kubernetes:image=weftacr.azurecr.io/weft-runtime:no-such-tag"]);
    assert.equal(created.code, 0, created.stderr);
    const triggered = await weft(["argo-workflows", "trigger", file, "--gate", join(world.dir, "pull-gate")]);
    assert.equal(triggered.code, 0, triggered.stderr);
    const run = triggered.stdout.trim();
    const name = run.slice("argo-".length);
    await world.kube.waitFor<Workflow>("workflows", NAMESPACE, name, (wf) => nodesOf(wf ?? ({} as Workflow)).some((n) => /^ImagePullBackOff/.test(n.message ?? "")), 60_000);
    const status = await weft(["argo-workflows", "status", run]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`waiting: ${name}\\.create-run\\(0\\): ImagePullBackOff: .*no-such-tag`));
    assert.match(status.stdout, /fix: the image cannot be pulled: .*az aks update .*--attach-acr/);
    const terminated = await weft(["argo-workflows", "terminate", run]);
    assert.equal(terminated.code, 0, terminated.stderr);
    assert.equal((await argo.finished(NAMESPACE, name)).status?.phase, "Failed");
    // The next test deploys its own flows; this deployment's image must not outlive the test.
    assert.equal((await weft(["argo-workflows", "delete", file])).code, 0);
  });

  // ~11 minutes on this 2-core machine (the Argo run and the local run of 1,003 tasks each): run by hand
  // with WEFT_TEST_LARGE=1; its figures are in docs/benchmarks.md. The shapes above run in every CI.
  const large = process.env.WEFT_TEST_LARGE ? false : "runs 2 × 1,003 tasks (~11 min here); set WEFT_TEST_LARGE=1";
  it("a 1,000-wide foreach runs every task as a pod and sums as a local run does", { skip: large }, async () => {
    const file = join(KUBERNETES_FIXTURES, "wide-flow.ts");
    const started = performance.now();
    const { run, workflow } = await deployAndTrigger(file, ["--width", "1000"], ["--max-workers", "24"]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
    assert.equal(nodesOf(workflow).filter((n) => n.type === "Pod").length, 1 + 1 + 1000 + 1 + 1 + 1, "create-run, start, 1,000 squares, sum, end, finish-run");
    const bytes = Buffer.byteLength(JSON.stringify(workflow));
    process.stderr.write(`1,000-wide foreach on the fake Argo controller: ${seconds.toFixed(1)} s; live Workflow object ${bytes} bytes (${nodesOf(workflow).length} nodes)\n`);
    const localStarted = performance.now();
    await runLocally(file, "wide-local", ["--width", "1000", "--max-num-splits", "1000"]);
    process.stderr.write(`the same flow with weft run: ${((performance.now() - localStarted) / 1000).toFixed(1)} s\n`);
    const [a, b] = await Promise.all([describeRun(world.dir, `WideFlow/${run}`, world.env), describeRun(world.dir, "WideFlow/wide-local", world.env)]);
    assert.deepEqual(comparable(a), comparable(b));
    assert.equal(Object.keys(a.tasks).length, 1003);
  });
});
