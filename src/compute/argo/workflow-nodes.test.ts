import assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import type { NodeStatus } from "./types.ts";
import { workflowNodes } from "./workflow-nodes.ts";

const nodes: Record<string, NodeStatus> = {
  "wf-1": { id: "wf-1", name: "wf", type: "DAG", phase: "Succeeded" },
  "wf-2": { id: "wf-2", name: "wf.start", type: "Pod", phase: "Succeeded", templateName: "step-start" },
};

test("a workflow's nodes are read from status.nodes", () => {
  assert.deepEqual(workflowNodes({ nodes }), Object.values(nodes));
});

test("a workflow past Argo's size limit has its nodes read from compressedNodes (gzip, base64)", () => {
  const compressedNodes = gzipSync(JSON.stringify(nodes)).toString("base64");
  assert.deepEqual(workflowNodes({ phase: "Running", compressedNodes }), Object.values(nodes));
});

test("offloaded nodes are reported as such, not as a workflow without nodes", () => {
  assert.equal(workflowNodes({ phase: "Running", offloadNodeStatusVersion: "fnv:123" }), "offloaded");
  assert.deepEqual(workflowNodes({ phase: "Pending" }), []);
  assert.deepEqual(workflowNodes(undefined), []);
});
