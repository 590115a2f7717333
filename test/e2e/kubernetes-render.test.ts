import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { assertValidJob } from "../helpers/kubernetes-job.ts";
import { repoRoot, runWeft, tempProject } from "../helpers/weft-cli.ts";

const flow = join(repoRoot, "test", "fixtures", "kubernetes", "train-flow.ts");
const cwd = tempProject("weft-k8s-render-");
after(() => rmSync(cwd, { recursive: true, force: true }));
const env = { WEFT_KUBERNETES_CONTAINER_REGISTRY: "myacr.azurecr.io", WEFT_KUBERNETES_SERVICE_ACCOUNT: "weft-tasks", WEFT_KUBERNETES_NAMESPACE: "ml" };
const render = (args: string[], extra: Record<string, string> = {}) => runWeft(["kubernetes", "render", flow, ...args], { cwd, env: { ...env, ...extra } });

/** A Job as client-node reads it back from YAML (model instances), as plain JSON. */
const plain = (job: k8s.V1Job) => JSON.parse(JSON.stringify(job)) as unknown;

describe("weft kubernetes render", () => {
  test("render prints the Job of each @kubernetes step as YAML, named in a comment, and says which steps run locally", async () => {
    const result = await render([]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^# Step fit: Job trainflow-run-fit-0-a0-[0-9a-f]{10} in namespace ml\napiVersion: batch\/v1\nkind: Job\n/);
    assert.match(result.stdout, /# Steps start, pick, end run locally: no @kubernetes/);
    const [job, ...rest] = k8s.loadAllYaml(result.stdout) as k8s.V1Job[];
    assert.equal(rest.length, 0);
    assertValidJob(plain(job!));
    const pod = job!.spec!.template.spec!;
    assert.equal(pod.containers[0]!.image, "myacr.azurecr.io/train:1.4");
    assert.deepEqual(pod.containers[0]!.args!.slice(0, 9), ["step", "--flow", "TrainFlow", "--run", "<run>", "--step", "fit", "--task", "0"]);
    assert.equal(pod.serviceAccountName, "weft-tasks");
    assert.equal(pod.activeDeadlineSeconds, 7200);
    assert.equal(job!.spec!.template.metadata!.labels!["azure.workload.identity/use"], "true");
    assert.match(result.stderr, /the datastore is local .* a pod cannot reach/);
  });

  test("render --json prints the same Job as the YAML", async () => {
    const [yaml, json] = await Promise.all([render(["fit"]), render(["fit", "--json"])]);
    assert.equal(json.code, 0, json.stderr);
    const job = JSON.parse(json.stdout) as unknown;
    assertValidJob(job);
    assert.deepEqual(plain(k8s.loadYaml<k8s.V1Job>(yaml.stdout)), job);
  });

  test("render --with kubernetes renders every step, as a List in JSON", async () => {
    const result = await render(["--json", "--with", "kubernetes:cpu=2"]);
    assert.equal(result.code, 0, result.stderr);
    const list = JSON.parse(result.stdout) as { kind: string; items: k8s.V1Job[] };
    assert.equal(list.kind, "List");
    assert.deepEqual(list.items.map((j) => j.metadata!.annotations!["weft/step"]), ["start", "fit", "pick", "end"]);
    for (const job of list.items) assertValidJob(job);
    // The flow's own @kubernetes wins over --with: fit keeps its 4 cpus.
    assert.deepEqual(list.items.map((j) => j.spec!.template.spec!.containers[0]!.resources!.requests!.cpu), ["2", "4", "2", "2"]);
  });

  test("render --no-workload-identity leaves the workload identity label out", async () => {
    const result = await render(["fit", "--json", "--no-workload-identity"]);
    const job = JSON.parse(result.stdout) as k8s.V1Job;
    assert.equal(job.spec!.template.metadata!.labels!["azure.workload.identity/use"], undefined);
  });

  test("render of a step without @kubernetes says it runs locally", async () => {
    const result = await render(["start"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "# Step start runs locally: no @kubernetes (add it, or render with --with kubernetes).\n");
  });

  test("render of an unknown step exits 2 and lists the steps", async () => {
    const result = await render(["fitt"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Unknown step "fitt" in TrainFlow/);
    assert.match(result.stderr, /Steps: start, fit, pick, end\./);
  });

  test("render refuses a podSpecPatch field Kubernetes does not know, naming its path", async () => {
    const result = await render(["start", "--with", 'kubernetes:podSpecPatch={"affinity":{"nodeAfinity":{}}}']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /The Job of step "start" has fields Kubernetes does not know: spec\.template\.spec\.affinity\.nodeAfinity\./);
  });

  test("render never writes the service token into a pod spec", async () => {
    const token = "tok-e2e-secret-value";
    const result = await render(["fit"], { WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: "http://127.0.0.1:9", WEFT_SERVICE_AUTH_TOKEN: token });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /name: WEFT_SERVICE_URL\n\s+value: http:\/\/127\.0\.0\.1:9/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(token));
  });

  test("render without any image or registry configured says what to set", async () => {
    const result = await runWeft(["kubernetes", "render", flow, "start", "--with", "kubernetes"], { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No container image for step "start"/);
  });
});
