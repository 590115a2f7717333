// The fake Argo controller against hand-written workflows of shell containers: what it
// must do as Argo does before the e2e tests trust it with Weft's compiled templates.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Workflow as WorkflowModel } from "@kubernetes-models/argo-workflows/argoproj.io/v1alpha1";
import type { ArgoTemplate, DagTask, Workflow } from "../../src/compute/argo/types.ts";
import { startFakeKubeApi, type FakeKubeApi } from "../kube/api-server.ts";
import { startFakeKubelet, type FakeKubelet } from "../kube/kubelet.ts";
import type { KubeObject } from "../kube/types.ts";
import { validateSchema } from "../kube/validation.ts";
import { fileAppears } from "../helpers/kubernetes-runs.ts";
import { startFakeArgoController, type FakeArgoController } from "./controller.ts";
import type { ArgoNode } from "./nodes.ts";
import { MAX_DEPTH_MESSAGE } from "./workflow-run.ts";

const NS = "argo-test";
const IMAGE = "busybox:1";
let kube: FakeKubeApi;
let kubelet: FakeKubelet;
let argo: FakeArgoController;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-argo-controller-"));
  kube = await startFakeKubeApi({ namespace: NS });
  kubelet = await startFakeKubelet(kube, { images: { [IMAGE]: { path: ["/usr/bin", "/bin"], env: { IMAGE_ENV: "from-image" } } }, nodes: [{ name: "node-1", allocatable: { cpu: "64", memory: "256Gi", pods: "500" } }] });
  argo = startFakeArgoController(kube, kubelet);
  kube.objects.create("secrets", { metadata: { name: "creds", namespace: NS }, stringData: { FROM_SECRET: "s3cret" } } as never);
});
after(async () => {
  argo.stop();
  await kubelet.stop();
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A container template running `script` in sh, with an emptyDir at /out for output files;
 * scripts write to `$OUT/…` (OUT=/out, which the kubelet points into the volume's folder).
 */
function sh(name: string, script: string, extra: Partial<ArgoTemplate> = {}): ArgoTemplate {
  return {
    name,
    container: { name: "main", image: IMAGE, command: ["sh", "-c", script], env: [{ name: "OUT", value: "/out" }], volumeMounts: [{ name: "out", mountPath: "/out" }] },
    volumes: [{ name: "out", emptyDir: {} }],
    ...extra,
  };
}

const dag = (name: string, tasks: DagTask[], extra: Partial<ArgoTemplate> = {}): ArgoTemplate => ({ name, dag: { tasks }, ...extra });

let counter = 0;
/** Submits a workflow with these templates (entry "main") and resolves with it once it has ended. */
async function runWorkflow(templates: ArgoTemplate[], spec: Partial<Workflow["spec"]> = {}): Promise<Workflow> {
  const name = `wf-${++counter}`;
  kube.objects.create("workflows", { metadata: { name, namespace: NS }, spec: { entrypoint: "main", templates, ...spec } } as never);
  return argo.finished(NS, name, 600_000);
}

const nodesOf = (wf: Workflow) => Object.values(wf.status!.nodes!) as ArgoNode[];
const node = (wf: Workflow, displayName: string) => nodesOf(wf).find((n) => n.displayName === displayName);

describe("the fake Argo controller", () => {
  test("a DAG runs its tasks in dependency order, fans out withParam over an output file, and writes a status valid by Argo's schema", async () => {
    const log = join(dir, "order.log");
    const wf = await runWorkflow([
      dag("main", [
        { name: "split", template: "split" },
        { name: "fan", template: "item", depends: "split.Succeeded", withParam: "{{tasks.split.outputs.parameters.items}}", arguments: { parameters: [{ name: "n", value: "{{item}}" }] } },
        { name: "last", template: "last", depends: "fan.Succeeded" },
      ]),
      sh("split", `echo split >> ${log}; printf '[0,1,2]' > $OUT/items`, { outputs: { parameters: [{ name: "items", valueFrom: { path: "/out/items" } }] } }),
      sh("item", `echo item-{{inputs.parameters.n}} >> ${log}`, { inputs: { parameters: [{ name: "n" }] } }),
      sh("last", `echo last >> ${log}`),
    ]);
    assert.equal(wf.status?.phase, "Succeeded", wf.status?.message);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    assert.equal(lines[0], "split");
    assert.deepEqual(lines.slice(1, 4).sort(), ["item-0", "item-1", "item-2"]);
    assert.equal(lines[4], "last");
    assert.equal(node(wf, "fan")?.type, "TaskGroup");
    assert.deepEqual(nodesOf(wf).filter((n) => n.displayName?.startsWith("fan(")).map((n) => n.displayName).sort(), ["fan(0:0)", "fan(1:1)", "fan(2:2)"]);
    assert.equal(wf.status?.progress, "5/5");
    assert.deepEqual(validateSchema(WorkflowModel, wf as unknown as KubeObject).causes, []);
    assert.deepEqual(kube.objects.list<{ status?: { phase?: string } }>("pods", NS).map((p) => p.status?.phase), Array(5).fill("Succeeded"), "without podGC the pods stay, ended");
  });

  test("a container gets only its template's env, envFrom and the image's, and runs in an empty folder", async () => {
    const wf = await runWorkflow([
      dag("main", [{ name: "env", template: "env" }]),
      {
        ...sh("env", "env | sort > $OUT/env; ls -A | wc -l > $OUT/files; pwd > $OUT/pwd", { outputs: { parameters: ["env", "files", "pwd"].map((p) => ({ name: p, valueFrom: { path: `/out/${p}` } })) } }),
        container: { name: "main", image: IMAGE, command: ["sh", "-c", "env | sort > $OUT/env; ls -A | wc -l > $OUT/files; pwd > $OUT/pwd"], env: [{ name: "OUT", value: "/out" }, { name: "GIVEN", value: "yes" }], envFrom: [{ secretRef: { name: "creds" } }], volumeMounts: [{ name: "out", mountPath: "/out" }] },
      },
    ]);
    assert.equal(wf.status?.phase, "Succeeded", wf.status?.message);
    const outputs = Object.fromEntries(node(wf, "env")!.outputs!.parameters!.map((p) => [p.name, p.value!]));
    const names = outputs.env!.trim().split("\n").map((l) => l.split("=")[0]);
    assert.deepEqual(names.filter((n) => !["HOSTNAME", "HOME", "PWD", "SHLVL", "_", "OLDPWD"].includes(n!) && !n!.startsWith("KUBERNETES_")).sort(), ["FROM_SECRET", "GIVEN", "IMAGE_ENV", "OUT", "PATH"]);
    assert.equal(outputs.files!.trim(), "0");
    assert.ok(!outputs.pwd!.startsWith(process.cwd()));
  });

  test("when skips a task, depends with || runs the step after either case, and a task whose depends cannot hold is omitted", async () => {
    const wf = await runWorkflow([
      dag("main", [
        { name: "choose", template: "choose" },
        { name: "a", template: "ok", depends: "choose.Succeeded", when: "'{{tasks.choose.outputs.parameters.case}}' == 'a'" },
        { name: "b", template: "ok", depends: "choose.Succeeded", when: "'{{tasks.choose.outputs.parameters.case}}' == 'b'" },
        { name: "after", template: "ok", depends: "a.Succeeded || b.Succeeded" },
        { name: "onlyB", template: "ok", depends: "b.Succeeded" },
      ]),
      sh("choose", "printf b > $OUT/case", { outputs: { parameters: [{ name: "case", valueFrom: { path: "/out/case" } }] } }),
      sh("ok", "true"),
    ]);
    assert.equal(wf.status?.phase, "Succeeded", wf.status?.message);
    assert.deepEqual(["a", "b", "after", "onlyB"].map((n) => node(wf, n)?.phase), ["Skipped", "Succeeded", "Succeeded", "Succeeded"]);
    assert.match(node(wf, "a")?.message ?? "", /^when ''b' == 'a'' evaluated false$/);
    const omitted = await runWorkflow([dag("main", [{ name: "x", template: "ok", when: "'1' == '2'" }, { name: "y", template: "ok", depends: "x.Succeeded" }]), sh("ok", "true")]);
    assert.equal(node(omitted, "y")?.phase, "Omitted");
    assert.equal(omitted.status?.phase, "Succeeded");
  });

  test("a DAG template that runs itself until a task says stop: iterations nest as Argo names them, the last one's recursion is skipped, and the task after it runs once", async () => {
    const log = join(dir, "loop.log");
    const loop = (n: string): DagTask => ({ name: "loop", template: "loop", arguments: { parameters: [{ name: "n", value: n }] } });
    const wf = await runWorkflow([
      dag("main", [loop("0"), { name: "after", template: "after", depends: "loop.Succeeded" }]),
      dag("loop", [{ name: "count", template: "count", arguments: { parameters: [{ name: "n", value: "{{inputs.parameters.n}}" }] } }, { ...loop("{{tasks.count.outputs.parameters.next}}"), depends: "count.Succeeded", when: "'{{tasks.count.outputs.parameters.case}}' == 'again'" }], { inputs: { parameters: [{ name: "n" }] } }),
      sh("count", `n={{inputs.parameters.n}}; echo count-$n >> ${log}; if [ $n -lt 2 ]; then printf again; else printf done; fi > $OUT/case; printf $((n + 1)) > $OUT/next`, {
        inputs: { parameters: [{ name: "n" }] },
        outputs: { parameters: [{ name: "case", valueFrom: { path: "/out/case" } }, { name: "next", valueFrom: { path: "/out/next" } }] },
      }),
      sh("after", `echo after >> ${log}`),
    ]);
    assert.equal(wf.status?.phase, "Succeeded", wf.status?.message);
    assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), ["count-0", "count-1", "count-2", "after"]);
    const name = wf.metadata.name!;
    const byName = new Map(nodesOf(wf).map((n) => [n.name, n]));
    const iterations = [1, 2, 3].map((depth) => byName.get([name, ...Array(depth).fill("loop")].join("."))!);
    assert.deepEqual(iterations.map((n) => [n.type, n.phase, n.inputs?.parameters?.[0]?.value]), [["DAG", "Succeeded", "0"], ["DAG", "Succeeded", "1"], ["DAG", "Succeeded", "2"]]);
    iterations.forEach((iteration, i) => assert.equal(byName.get(`${iteration.name}.count`)?.boundaryID, iteration.id, `iteration ${i}'s pod is bounded by its own DAG node`));
    const last = byName.get(`${iterations[2]!.name}.loop`)!;
    assert.deepEqual([last.type, last.phase, last.message], ["Skipped", "Skipped", "when ''done' == 'again'' evaluated false"]);
    assert.equal(nodesOf(wf).filter((n) => n.displayName === "after").length, 1);
    assert.deepEqual(validateSchema(WorkflowModel, wf as unknown as KubeObject).causes, []);
  });

  test("a recursion as deep as Argo's 100 templates errors there: the entry DAG, 97 rounds, and the 98th round's pod", async () => {
    const loop = (n: string): DagTask => ({ name: "loop", template: "loop", arguments: { parameters: [{ name: "n", value: n }] } });
    const wf = await runWorkflow([
      dag("main", [loop("0")]),
      dag("loop", [{ name: "count", template: "count", arguments: { parameters: [{ name: "n", value: "{{inputs.parameters.n}}" }] } }, { ...loop("{{tasks.count.outputs.parameters.next}}"), depends: "count.Succeeded" }], { inputs: { parameters: [{ name: "n" }] } }),
      sh("count", "printf $(({{inputs.parameters.n}} + 1)) > $OUT/next", { inputs: { parameters: [{ name: "n" }] }, outputs: { parameters: [{ name: "next", valueFrom: { path: "/out/next" } }] } }),
    ]);
    assert.notEqual(wf.status?.phase, "Succeeded");
    const counts = nodesOf(wf).filter((n) => n.displayName === "count");
    assert.equal(counts.filter((n) => n.phase === "Succeeded").length, 97);
    const errored = counts.find((n) => n.phase === "Error")!;
    assert.equal(errored.message, MAX_DEPTH_MESSAGE);
    assert.equal(errored.name.split(".").filter((part) => part === "loop").length, 98);
  });

  test("retryStrategy retries a failed attempt with {{retries}} counting up, and its expression stops at exit code 2", async () => {
    const retry = { limit: "3", retryPolicy: "Always" as const, expression: "!(lastRetry.exitCode in ['2', '4'])" };
    const wf = await runWorkflow([dag("main", [{ name: "flaky", template: "flaky" }]), sh("flaky", "test {{retries}} -ge 2", { retryStrategy: retry })]);
    assert.equal(wf.status?.phase, "Succeeded", wf.status?.message);
    assert.equal(node(wf, "flaky")?.type, "Retry");
    assert.deepEqual(["flaky(0)", "flaky(1)", "flaky(2)"].map((n) => [node(wf, n)?.phase, node(wf, n)?.outputs?.exitCode]), [["Failed", "1"], ["Failed", "1"], ["Succeeded", "0"]]);
    const final = await runWorkflow([dag("main", [{ name: "bad", template: "bad" }]), sh("bad", "exit 2", { retryStrategy: retry })]);
    assert.equal(final.status?.phase, "Failed");
    assert.equal(nodesOf(final).filter((n) => n.type === "Pod").length, 1, "exit code 2 is not retried");
    assert.match(node(final, "bad")?.message ?? "", /retryStrategy.expression evaluated to false/);
  });

  test("a task handling another's failure reads its exit code and end; skipped by its when, it fails the DAG as Argo's target rule does", async () => {
    const handler = (lost: string): DagTask[] => [
      { name: "lost", template: lost },
      {
        name: "lost-fallback",
        template: "report",
        depends: "lost.Failed || lost.Errored",
        when: "'{{tasks.lost.exitCode}}' != '4'",
        arguments: { parameters: [{ name: "code", value: "{{tasks.lost.exitCode}}" }, { name: "at", value: "{{tasks.lost.finishedAt}}" }, { name: "status", value: "{{tasks.lost.status}}" }] },
      },
    ];
    const report = sh("report", "printf '%s %s %s' '{{inputs.parameters.code}}' '{{inputs.parameters.at}}' '{{inputs.parameters.status}}' > $OUT/seen", { inputs: { parameters: [{ name: "code" }, { name: "at" }, { name: "status" }] }, outputs: { parameters: [{ name: "seen", valueFrom: { path: "/out/seen" } }] } });
    const killed = await runWorkflow([dag("main", [...handler("kill"), { name: "after", template: "ok", depends: "lost.Succeeded || lost-fallback.Succeeded" }]), sh("kill", "kill -9 $$$$") /* Kubernetes reads $$ as $ */, report, sh("ok", "true")]);
    assert.equal(killed.status?.phase, "Succeeded", killed.status?.message);
    assert.match(node(killed, "lost-fallback")?.outputs?.parameters?.[0]?.value ?? "", /^137 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ Failed$/);
    assert.equal(node(killed, "after")?.phase, "Succeeded");

    const recorded = await runWorkflow([dag("main", handler("invalid")), sh("invalid", "exit 4"), report]);
    assert.equal(node(recorded, "lost-fallback")?.phase, "Skipped");
    assert.equal(recorded.status?.phase, "Failed", "a skipped target has not completed: it takes the failure of the task before it");
  });

  test("{{retries}} in a template without a retryStrategy cannot be resolved, and the node errors", async () => {
    const wf = await runWorkflow([dag("main", [{ name: "x", template: "x" }]), sh("x", "echo {{retries}}")]);
    assert.equal(wf.status?.phase, "Failed");
    assert.equal(node(wf, "x")?.phase, "Error");
    assert.equal(node(wf, "x")?.message, "failed to resolve {{retries}}");
  });

  test("the exit handler runs after a failure with {{workflow.status}} and {{workflow.failures}}, and workflow parameters are substituted", async () => {
    const out = join(dir, "exit.json");
    const wf = await runWorkflow(
      [dag("main", [{ name: "boom", template: "boom" }]), sh("boom", "echo {{workflow.parameters.greeting}}; exit 7"), sh("exit", `printf '%s %s' '{{workflow.status}}' '{{workflow.failures}}' > ${out}`)],
      { onExit: "exit", arguments: { parameters: [{ name: "greeting", value: "hi" }] } },
    );
    assert.equal(wf.status?.phase, "Failed");
    const [status, ...rest] = readFileSync(out, "utf8").split(" ");
    assert.equal(status, "Failed");
    const failures = JSON.parse(rest.join(" ")) as { displayName: string; message: string }[];
    assert.deepEqual(failures.map((f) => [f.displayName, f.message]), [["boom", "Error (exit code 7)"]]);
  });

  test("parallelism bounds the pods running at once", async () => {
    let most = 0;
    const unsubscribe = kube.core.store.subscribe((e) => {
      if (e.resource !== "pods") return;
      const running = kube.objects.list<{ status?: { phase?: string } }>("pods", NS).filter((p) => p.status?.phase === "Running").length;
      most = Math.max(most, running);
    });
    const wf = await runWorkflow(
      [dag("main", [{ name: "split", template: "split" }, { name: "fan", template: "nap", depends: "split.Succeeded", withParam: "{{tasks.split.outputs.parameters.items}}" }]), sh("split", "printf '[1,2,3,4,5,6,7,8]' > $OUT/items", { outputs: { parameters: [{ name: "items", valueFrom: { path: "/out/items" } }] } }), sh("nap", "sleep 0.2")],
      { parallelism: 3, podGC: { strategy: "OnPodSuccess" } },
    );
    unsubscribe();
    assert.equal(wf.status?.phase, "Succeeded", wf.status?.message);
    assert.ok(most <= 3 && most >= 2, `at most 3 pods ran at once (saw ${most})`);
  });

  test("a template's activeDeadlineSeconds fails its pod, and a suspended workflow starts no pod until resumed", async () => {
    const slow = await runWorkflow([dag("main", [{ name: "slow", template: "slow" }]), sh("slow", "sleep 30", { activeDeadlineSeconds: 1 })]);
    assert.equal(slow.status?.phase, "Failed");
    assert.equal(node(slow, "slow")?.message, "Pod was active on the node longer than the specified deadline");

    const gate = join(dir, "suspend.ready");
    const name = `wf-${++counter}`;
    kube.objects.create("workflows", { metadata: { name, namespace: NS }, spec: { entrypoint: "main", templates: [dag("main", [{ name: "first", template: "first" }, { name: "second", template: "second", depends: "first.Succeeded" }]), sh("first", `touch ${gate}; sleep 0.3`), sh("second", "true")] } } as never);
    await fileAppears(gate);
    kube.objects.modify("workflows", NS, name, (o) => void ((o.spec as Workflow["spec"]).suspend = true));
    await kube.waitFor<Workflow>("workflows", NS, name, (wf) => node(wf!, "first")?.phase === "Succeeded");
    assert.equal(kube.objects.list<{ metadata: { annotations?: Record<string, string> } }>("pods", NS).filter((p) => p.metadata.annotations?.["workflows.argoproj.io/node-name"] === `${name}.second`).length, 0, "no pod while suspended");
    kube.objects.modify("workflows", NS, name, (o) => void ((o.spec as Workflow["spec"]).suspend = false));
    const resumed = await argo.finished(NS, name);
    assert.equal(resumed.status?.phase, "Succeeded");
  });

  test("Terminate kills the running pod, skips the exit handler and fails the workflow", async () => {
    const gate = join(dir, "terminate.ready");
    const exitMark = join(dir, "terminate.exit");
    const name = `wf-${++counter}`;
    kube.objects.create("workflows", { metadata: { name, namespace: NS }, spec: { entrypoint: "main", onExit: "exit", templates: [dag("main", [{ name: "long", template: "long" }]), sh("long", `touch ${gate}; sleep 60`), sh("exit", `touch ${exitMark}`)] } } as never);
    await fileAppears(gate);
    kube.objects.modify("workflows", NS, name, (o) => void ((o.spec as Workflow["spec"]).shutdown = "Terminate"));
    const wf = await argo.finished(NS, name);
    assert.equal(wf.status?.phase, "Failed");
    assert.equal(wf.status?.message, "Stopped with strategy 'Terminate'");
    assert.equal(node(wf, "long")?.phase, "Failed");
    assert.deepEqual(kubelet.running().filter((c) => c.pod.startsWith(name)), []);
    assert.equal(existsSync(exitMark), false, "no exit handler after Terminate");
  });
});
