// Names of what Weft creates in Argo: the deployment (WorkflowTemplate, CronWorkflow and
// Sensor share it), its templates and DAG tasks, and the run id of a workflow. Each is a
// pure function of the flow, valid for any flow or step name, and deterministic, so a
// deployment is updated in place by deploying again.
import { projectFlowName, type ProjectInfo } from "../../flow/project.ts";
import { shortHash } from "../kubernetes/names.ts";

/**
 * The longest deployment name: a workflow is named `<name>-` plus 5 random characters
 * (generateName), and Argo copies a workflow's name into label values (63 at most).
 */
export const MAX_DEPLOYMENT_NAME = 57;

/**
 * The deployment of a flow: the flow's name, or with @project the project flow name
 * `<project>.<branch>.<Flow>` (as Metaflow's `--branch` / `--production`), lowercased,
 * every run of other characters turned into `-`. When that loses more than case (a
 * character replaced, or cut to fit), a hash of the exact name is appended, so two
 * branches or users never share a deployment.
 */
export function deploymentName(flow: string, project?: Pick<ProjectInfo, "name" | "branch">): string {
  const exact = project ? projectFlowName(project.name, project.branch, flow) : flow;
  const readable = exact.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (readable === exact.toLowerCase() && readable.length <= MAX_DEPLOYMENT_NAME && readable) return readable;
  const suffix = `-${shortHash([exact], 8)}`;
  const head = readable.slice(0, MAX_DEPLOYMENT_NAME - suffix.length).replace(/-+$/, "");
  return `${head || "weft"}${suffix}`;
}

/** The Weft run id of an Argo workflow: `argo-<workflow name>`, e.g. argo-irisflow-x7k2p. */
export function argoRunId(workflowName: string): string {
  return `argo-${workflowName}`;
}

/** The run id as a template writes it: Argo substitutes the workflow's name. */
export const RUN_ID_EXPRESSION = argoRunId("{{workflow.name}}");

/**
 * A step as the name of its Argo template and DAG task: Argo allows letters, digits and
 * `-`. A step name is an identifier; one with `_` or `$` gets `-` for them and a hash of
 * the exact name (which also keeps it apart from Weft's own templates, all with a `-`).
 */
export function stepTaskName(step: string): string {
  const readable = step.replace(/[^A-Za-z0-9]+/g, "-");
  return readable === step ? step : `${readable.replace(/^-+|-+$/g, "") || "step"}-${shortHash([step], 6)}`;
}

/**
 * The container template of a step: `step-` and the step's task name, lowercased. Argo
 * names a pod `<workflow>-<template>-<hash>` (POD_NAMES=v2), and a pod's name must be a
 * lowercase RFC 1123 subdomain (argoproj/argo-workflows#9670), so a name that loses case
 * gets a hash of the exact step name: `fit` and `Fit` stay apart.
 */
export function stepTemplateName(step: string): string {
  const task = stepTaskName(step);
  const lower = task.toLowerCase();
  return lower === task ? `step-${task}` : `step-${lower}-${shortHash([step], 6)}`;
}

/** The DAG template of a foreach's body, and the task that fans it out: `foreach-<split>`. */
export function foreachTaskName(split: string): string {
  return `foreach-${stepTaskName(split)}`;
}

/**
 * The recursive DAG template of a loop, named after its first step, and the task that
 * runs it: `loop-<header>`, both in the DAG around the loop (its first iteration) and in
 * the template itself (the next iteration).
 */
export function loopTaskName(header: string): string {
  return `loop-${stepTaskName(header)}`;
}

/** Label of every workflow of a deployment (set by trigger, and by the template's workflowMetadata for the CronWorkflow's and the Sensor's). */
export const DEPLOYMENT_LABEL = "weft/deployment";
