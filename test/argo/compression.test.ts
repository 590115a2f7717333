import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeStatus, Workflow } from "../../src/compute/argo/types.ts";
import { workflowNodes } from "../../src/compute/argo/workflow-nodes.ts";
import { compressIfLarge } from "./compression.ts";

function workflowOf(count: number, filler = ""): Workflow {
  const nodes: Record<string, NodeStatus> = {};
  for (let i = 0; i < count; i++) nodes[`wf-${i}`] = { id: `wf-${i}`, name: `wf.body(${i}:${i})`, type: "Pod", phase: "Succeeded", ...(filler ? { message: filler } : {}) };
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "wf" }, spec: {}, status: { phase: "Running", nodes } } as Workflow;
}

test("a workflow under the limit is written as it is", () => {
  const wf = workflowOf(3);
  assert.equal(compressIfLarge(wf, 1_000_000), undefined);
  assert.equal(Object.keys(wf.status!.nodes!).length, 3);
  assert.equal(wf.status!.compressedNodes, undefined);
});

test("over the limit its nodes become compressedNodes, which read back the same", () => {
  const wf = workflowOf(200);
  const before = Object.values(wf.status!.nodes!);
  assert.ok(Buffer.byteLength(JSON.stringify(wf)) > 8_000);
  assert.equal(compressIfLarge(wf, 8_000), undefined);
  assert.equal(wf.status!.nodes, undefined);
  assert.ok(Buffer.byteLength(JSON.stringify(wf)) <= 8_000);
  assert.deepEqual(workflowNodes(wf.status), before);
});

test("when compressing is not enough the nodes stay and Argo's error is returned", () => {
  const wf = workflowOf(50, "x".repeat(40));
  const message = compressIfLarge(wf, 300);
  assert.match(message ?? "", /^workflow is longer than maximum allowed size\. compressed size \d+ > maxSize 300$/);
  assert.equal(Object.keys(wf.status!.nodes!).length, 50);
  assert.equal(wf.status!.compressedNodes, undefined);
});
