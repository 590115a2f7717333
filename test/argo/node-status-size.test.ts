// How large the live Workflow object of a wide foreach grows: the compiled template of a
// foreach flow run by the fake controller, each of its pods a stand-in for `weft step`
// (a shell script that writes the splits file the template asks for and exits 0), so
// that what is measured is Argo's own bookkeeping: `status.nodes`, and that status
// compressed as the controller's `compressedNodes` (gzip, base64). 2,000 items keep the
// test to about three minutes; the bytes per node do not depend on the width (docs/argo.md gives
// the 10,000-wide figures), and 2,000 is already past the object limit uncompressed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { resolveConfig } from "../../src/config/resolve.ts";
import { buildGraph, matchSplitsAndJoins } from "../../src/flow/graph/graph.ts";
import { parseFlowSource } from "../../src/flow/graph/parse.ts";
import { compileWorkflowTemplate } from "../../src/compute/argo/workflow-template.ts";
import { startFakeKubeApi, type FakeKubeApi } from "../kube/api-server.ts";
import { startFakeKubelet, type FakeKubelet } from "../kube/kubelet.ts";
import { startFakeArgoController, type FakeArgoController } from "./controller.ts";

const WIDTH = 2_000;
const NS = "weft";
const IMAGE = "weftacr.azurecr.io/weft-runtime:0.1.0";
/** etcd's default request limit, which a Workflow object must stay under. */
const ETCD_LIMIT = 1_572_864;
let dir: string;
let kube: FakeKubeApi;
let kubelet: FakeKubelet;
let argo: FakeArgoController;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-argo-size-"));
  writeFileSync(join(dir, "splits.json"), JSON.stringify(Array.from({ length: WIDTH }, (_, i) => i)));
  writeFileSync(join(dir, "weft"), `#!/bin/sh\n# weft step's stand-in: the splits file when asked for one, exit 0.\nwhile [ $# -gt 0 ]; do [ "$1" = --splits-file ] && cat ${dir}/splits.json > "$2"; shift; done\n`, { mode: 0o755 });
  kube = await startFakeKubeApi({ namespace: NS });
  kubelet = await startFakeKubelet(kube, { images: { [IMAGE]: { path: [dir, "/usr/bin", "/bin"] } }, nodes: [{ name: "node-1", allocatable: { cpu: "2000", memory: "100Ti", "ephemeral-storage": "1000Ti", pods: "2000" } }], memoryPollMs: 60_000 });
  argo = startFakeArgoController(kube, kubelet, { flushMs: 2000 });
  kube.objects.create("secrets", { metadata: { name: "weft-credentials", namespace: NS }, stringData: { AZURE_STORAGE_CONNECTION_STRING: "unused" } } as never);
});
after(async () => {
  argo.stop();
  await kubelet.stop();
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
});

// Minutes here (2,000 pods on the fake controller): run by hand with WEFT_TEST_LARGE=1; the measured bytes are in docs/argo.md.
const large = process.env.WEFT_TEST_LARGE ? false : "runs a 2,000-wide foreach on the fake controller (minutes here); set WEFT_TEST_LARGE=1";
test("a 2,000-wide foreach's live Workflow object: every pod a node, over etcd's limit uncompressed, far under it as compressedNodes", { timeout: 1_200_000, skip: large }, async () => {
  const config = resolveConfig({
    env: { WEFT_HOME: join(dir, ".weft"), WEFT_USER: "ada", WEFT_DEFAULT_DATASTORE: "azure", WEFT_DATASTORE_SYSROOT_AZURE: "flows/weft", WEFT_DEFAULT_METADATA: "service", WEFT_SERVICE_URL: "http://weft-service.weft:8080", WEFT_KUBERNETES_CONTAINER_IMAGE: IMAGE, WEFT_KUBERNETES_NAMESPACE: NS, WEFT_KUBERNETES_SECRETS: "weft-credentials" },
    cwd: dir,
    userHome: dir,
  });
  const source = ["export default class WideFlow extends FlowSpec {", "@step start() { this.next(this.square, { foreach: 'items' }); }", "@step square() { this.next(this.sum); }", "@step sum(inputs) { this.next(this.end); }", "@step end() {}", "}"].join("\n");
  const graph = buildGraph(parseFlowSource(source, "wide.ts"));
  assert.equal(matchSplitsAndJoins(graph), undefined);
  const template = compileWorkflowTemplate({ name: "wideflow", flowName: "WideFlow", graph, decorators: {}, params: [], deployment: "0".repeat(64), config, version: "0.1.0", workloadIdentity: false, maxWorkers: 50 });
  kube.objects.create("workflowtemplates", template as never);
  kube.objects.create("workflows", { metadata: { name: "wideflow-x7k2p", namespace: NS }, spec: { workflowTemplateRef: { name: "wideflow" } } } as never);
  const started = performance.now();
  const workflow = await argo.finished(NS, "wideflow-x7k2p", 1_200_000);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(workflow.status?.phase, "Succeeded", workflow.status?.message);
  const nodes = Object.values(workflow.status!.nodes!);
  assert.equal(nodes.filter((n) => n.type === "Pod").length, WIDTH + 5, "create-run, start, the squares, sum, end, finish-run");
  const object = Buffer.byteLength(JSON.stringify(workflow));
  const status = Buffer.byteLength(JSON.stringify(workflow.status!.nodes));
  const compressed = gzipSync(JSON.stringify(workflow.status!.nodes)).toString("base64").length;
  process.stderr.write(`${WIDTH}-wide foreach: ${nodes.length} nodes; status.nodes ${status} bytes (${Math.round(status / nodes.length)} per node); whole object ${object} bytes; as compressedNodes ${compressed} bytes; run in ${seconds.toFixed(0)} s\n`);
  assert.ok(object > ETCD_LIMIT, "uncompressed, the object is over etcd's limit: Argo must compress or offload it");
  assert.ok(compressed < ETCD_LIMIT / 4, `compressed, ${compressed} bytes`);
});
