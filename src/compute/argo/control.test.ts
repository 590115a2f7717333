import assert from "node:assert/strict";
import { test } from "node:test";
import { progressOf } from "./control.ts";
import type { NodeStatus, Workflow, WorkflowTemplate } from "./types.ts";

test("status counts a lost task whose @catchError fallback ran as the fallback's outcome, once", () => {
  const annotated = (name: string, extra: Record<string, string> = {}) => ({ name, metadata: { annotations: { "weft/step": "work", ...extra } } });
  const template = { spec: { templates: [annotated("step-work"), annotated("step-work-fallback", { "weft/fallback": "true" })] } } as unknown as WorkflowTemplate;
  const node = (name: string, templateName: string, phase: string, type = "Pod"): NodeStatus => ({ id: name, name, type, phase, templateName });
  const nodes = [
    node("wf.foreach-split(0:0).work", "step-work", "Failed"),
    node("wf.foreach-split(0:0).work-fallback", "step-work-fallback", "Succeeded"),
    node("wf.foreach-split(1:1).work", "step-work", "Succeeded"),
    node("wf.foreach-split(1:1).work-fallback", "step-work-fallback", "Omitted", "Skipped"),
    node("wf.foreach-split(2:2).work", "step-work", "Failed"),
    node("wf.foreach-split(2:2).work-fallback", "step-work-fallback", "Skipped", "Skipped"),
  ];
  const workflow = { metadata: { name: "wf" }, status: { phase: "Failed", nodes: Object.fromEntries(nodes.map((n) => [n.id, n])) } } as unknown as Workflow;
  assert.deepEqual(progressOf(workflow, template).steps, [{ step: "work", succeeded: 2, running: 0, failed: 1, other: 0 }]);
});
