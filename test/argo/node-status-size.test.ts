// How large the live Workflow object of a wide foreach grows, and what Argo's controller
// does about it: the compiled template of a foreach flow run by the fake controller, each
// of its pods a stand-in for `weft step` (a shell script that writes the splits file the
// template asks for and exits 0), so that what is measured is Argo's own bookkeeping:
// `status.nodes`, written as `compressedNodes` once the object passes MAX_WORKFLOW_SIZE
// (compression.ts). The 10,000-wide run takes minutes here and runs with
// WEFT_TEST_LARGE=1 (WEFT_ARGO_WIDTH changes its width); a 40-wide run against a
// 16 KB limit proves the same path in every CI. docs/argo.md gives the measured bytes.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { progressOf } from "../../src/compute/argo/control.ts";
import type { Workflow } from "../../src/compute/argo/types.ts";
import { workflowNodes } from "../../src/compute/argo/workflow-nodes.ts";
import { compileWorkflowTemplate } from "../../src/compute/argo/workflow-template.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { buildGraph, matchSplitsAndJoins } from "../../src/flow/graph/graph.ts";
import { parseFlowSource } from "../../src/flow/graph/parse.ts";
import { startFakeKubeApi, type FakeKubeApi } from "../kube/api-server.ts";
import { startFakeKubelet, type FakeKubelet } from "../kube/kubelet.ts";
import { MAX_WORKFLOW_SIZE } from "./compression.ts";
import { startFakeArgoController } from "./controller.ts";

const LARGE_WIDTH = Number(process.env.WEFT_ARGO_WIDTH ?? 10_000);
const NS = "weft";
const IMAGE = "weftacr.azurecr.io/weft-runtime:0.1.0";
let dir: string;
let kube: FakeKubeApi;
let kubelet: FakeKubelet;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-argo-size-"));
  writeFileSync(join(dir, "weft"), `#!/bin/sh\n# weft step's stand-in: the splits file when asked for one, exit 0.\nwhile [ $# -gt 0 ]; do [ "$1" = --splits-file ] && cat ${dir}/splits.json > "$2"; shift; done\n`, { mode: 0o755 });
  kube = await startFakeKubeApi({ namespace: NS });
  kubelet = await startFakeKubelet(kube, { images: { [IMAGE]: { path: [dir, "/usr/bin", "/bin"] } }, nodes: [{ name: "node-1", allocatable: { cpu: "2000", memory: "100Ti", "ephemeral-storage": "1000Ti", pods: "2000" } }], memoryPollMs: 60_000 });
  kube.objects.create("secrets", { metadata: { name: "weft-credentials", namespace: NS }, stringData: { AZURE_STORAGE_CONNECTION_STRING: "unused" } } as never);
});
after(async () => {
  await kubelet.stop();
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Deploys the wide flow as `name`, runs a `width`-wide foreach of it on a controller with `maxWorkflowSize`, and returns the ended workflow. */
async function runWide(name: string, width: number, maxWorkflowSize: number, flushMs: number) {
  writeFileSync(join(dir, "splits.json"), JSON.stringify(Array.from({ length: width }, (_, i) => i)));
  const config = resolveConfig({
    env: { WEFT_HOME: join(dir, ".weft"), WEFT_USER: "ada", WEFT_DEFAULT_DATASTORE: "azure", WEFT_DATASTORE_SYSROOT_AZURE: "flows/weft", WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: "http://weft-service.weft:8080", WEFT_KUBERNETES_CONTAINER_IMAGE: IMAGE, WEFT_KUBERNETES_NAMESPACE: NS, WEFT_KUBERNETES_SECRETS: "weft-credentials" },
    cwd: dir,
    userHome: dir,
  });
  const source = ["export default class WideFlow extends FlowSpec {", "@step start() { this.next(this.square, { foreach: 'items' }); }", "@step square() { this.next(this.sum); }", "@step sum(inputs) { this.next(this.end); }", "@step end() {}", "}"].join("\n");
  const graph = buildGraph(parseFlowSource(source, "wide.ts"));
  assert.equal(matchSplitsAndJoins(graph), undefined);
  const template = compileWorkflowTemplate({ name, flowName: "WideFlow", graph, decorators: {}, params: [], deployment: "0".repeat(64), config, version: "0.1.0", workloadIdentity: false, maxWorkers: 50 });
  kube.objects.create("workflowtemplates", template as never);
  const argo = startFakeArgoController(kube, kubelet, { flushMs, maxWorkflowSize });
  try {
    kube.objects.create("workflows", { metadata: { name: `${name}-x7k2p`, namespace: NS }, spec: { workflowTemplateRef: { name } } } as never);
    const started = performance.now();
    const workflow: Workflow = await argo.finished(NS, `${name}-x7k2p`, 3_600_000);
    return { workflow, template, seconds: (performance.now() - started) / 1000 };
  } finally {
    argo.stop();
  }
}

/** Checks the ended run: a pod per item and no DAG node around it, its nodes past the limit uncompressed, the object as written under `bound`, and `status` reading them. */
function checkWide(run: Awaited<ReturnType<typeof runWide>>, width: number, limit: number, bound: number): void {
  const { workflow, template } = run;
  assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
  const object = Buffer.byteLength(JSON.stringify(workflow));
  const found = workflowNodes(workflow.status);
  assert.ok(found !== "offloaded");
  const nodes = Buffer.byteLength(JSON.stringify(Object.fromEntries(found.map((n) => [n.id, n]))));
  process.stderr.write(`${width}-wide foreach: ${found.length} nodes; status.nodes ${nodes} bytes (${Math.round(nodes / found.length)} per node); the object as written ${object} bytes (compressedNodes ${workflow.status?.compressedNodes?.length ?? 0} bytes); run in ${run.seconds.toFixed(0)} s\n`);
  assert.equal(found.filter((n) => n.type === "Pod").length, width + 5, "create-run, start, the squares, sum, end, finish-run");
  assert.equal(found.length, width + 9, "and the workflow's DAG, the fan-out's task group, and a Retry node over each run-control pod");
  assert.ok(nodes > limit, "uncompressed, the nodes alone are over the controller's limit");
  assert.ok(workflow.status?.compressedNodes && !workflow.status.nodes, "so they are written as compressedNodes");
  assert.ok(object < bound, `the object as written, ${object} bytes, is under ${bound}`);
  const square = progressOf(workflow, template).steps.find((s) => s.step === "square");
  assert.deepEqual(square, { step: "square", succeeded: width, running: 0, failed: 0, other: 0 }, "weft argo-workflows status reads the compressed nodes");
}

test("a 40-wide foreach on a controller limited to 16 KB: its nodes are written compressed, and status reads them", async () => {
  // The stored template spec (about 11 KB) is most of this object: the bound is the limit itself.
  checkWide(await runWide("narrowflow", 40, 16_384, 50), 40, 16_384, 16_384);
});

const large = process.env.WEFT_TEST_LARGE ? false : `runs a ${LARGE_WIDTH.toLocaleString("en")}-wide foreach on the fake controller (minutes here); set WEFT_TEST_LARGE=1`;
test(`a ${LARGE_WIDTH.toLocaleString("en")}-wide foreach's live Workflow object: a pod node per item, over Argo's 1 MiB limit uncompressed, far under it as compressedNodes`, { timeout: 3_600_000, skip: large }, async () => {
  checkWide(await runWide("wideflow", LARGE_WIDTH, MAX_WORKFLOW_SIZE, 2000), LARGE_WIDTH, MAX_WORKFLOW_SIZE, MAX_WORKFLOW_SIZE / 2);
});
