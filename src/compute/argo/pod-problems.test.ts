import assert from "node:assert/strict";
import { test } from "node:test";
import { progressOf } from "./control.ts";
import { podProblemFix } from "./pod-problems.ts";
import type { NodeStatus, Workflow, WorkflowTemplate } from "./types.ts";

test("Argo's node messages for a stuck or failed pod get the fix a user needs", () => {
  assert.match(podProblemFix('ImagePullBackOff: Back-off pulling image "weftacr.azurecr.io/weft-runtime:x"')!, /--attach-acr/);
  assert.match(podProblemFix("ErrImagePull: rpc error: code = NotFound")!, /image cannot be pulled/);
  assert.match(podProblemFix("Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.")!, /lower @resources/);
  assert.match(podProblemFix("OOMKilled (exit code 137)")!, /raise @resources\(\{ memory: MB \}\)/);
  assert.match(podProblemFix("Pod was active on the node longer than the specified deadline")!, /@timeout/);
  assert.equal(podProblemFix("Error (exit code 1)"), undefined, "the step raised: its own stderr says why");
});

test("status lists the pods with something to say, but not an attempt a retry made good", () => {
  const node = (id: string, extra: Partial<NodeStatus>): NodeStatus => ({ id, name: `wf.${id}`, type: "Pod", templateName: "step-work", ...extra });
  const nodes = [
    node("retry", { type: "Retry", phase: "Succeeded", children: ["a0", "a1"] }),
    node("a0", { phase: "Failed", message: "OOMKilled (exit code 137)" }),
    node("a1", { phase: "Succeeded" }),
    node("b", { phase: "Pending", message: "Unschedulable: 0/1 nodes are available: 1 Insufficient memory." }),
  ];
  const workflow = { metadata: { name: "wf" }, spec: {}, status: { phase: "Running", nodes: Object.fromEntries(nodes.map((n) => [n.id, n])) } } as unknown as Workflow;
  const template = { metadata: { name: "t" }, spec: { templates: [{ name: "step-work", metadata: { annotations: { "weft/step": "work" } } }] } } as unknown as WorkflowTemplate;
  const report = progressOf(workflow, template);
  assert.deepEqual(report.problems.map((p) => [p.node, p.phase]), [["wf.b", "Pending"]]);
  assert.deepEqual(report.steps, [{ step: "work", succeeded: 1, running: 0, failed: 0, other: 1 }]);
});
