// A workflow's `status.nodes` as Argo's controller keeps it: one entry per DAG, task
// group (a withParam fan-out), retry, pod, skipped or omitted task, keyed by an id
// derived from the node's name, with the fields Argo writes for each type, so that the
// size of a live workflow object measured here is the size a real one has.
import type { NodeStatus } from "../../src/compute/argo/types.ts";
import { now } from "../kube/types.ts";

export type NodeType = "DAG" | "TaskGroup" | "Retry" | "Pod" | "Skipped";
export type NodePhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Error" | "Skipped" | "Omitted";

/** A node as Argo stores it (the shared NodeStatus plus the fields only the controller writes). */
export interface ArgoNode extends NodeStatus {
  type: NodeType;
  phase: NodePhase;
  templateScope?: string;
  progress?: string;
  hostNodeName?: string;
  resourcesDuration?: Record<string, number>;
}

/** FNV-1a, 32 bits: how Argo derives node ids and pod names from node names. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** A node's id: the workflow's name for its root, else `<workflow>-<fnv32a(name)>`. */
export function nodeId(workflow: string, name: string): string {
  return name === workflow ? workflow : `${workflow}-${fnv32a(name)}`;
}

/** A pod's name (Argo's POD_NAMES=v2): `<workflow>-<template>-<fnv32a(node name)>`. */
export function podName(workflow: string, template: string, node: string): string {
  return `${workflow}-${template}-${fnv32a(node)}`.slice(0, 253);
}

/** The nodes of one workflow, and whether they changed since the last write. */
export class NodeTable {
  private readonly nodes = new Map<string, ArgoNode>();
  dirty = false;

  constructor(private readonly workflow: string) {}

  /** Adds a node named `name` (its id derived), as a child of `parent` when given. */
  add(init: { name: string; displayName: string; type: NodeType; templateName?: string; boundaryID?: string; phase?: NodePhase; message?: string; inputs?: ArgoNode["inputs"] }, parent?: ArgoNode): ArgoNode {
    const id = nodeId(this.workflow, init.name);
    const node: ArgoNode = {
      id,
      name: init.name,
      displayName: init.displayName,
      type: init.type,
      ...(init.templateName ? { templateName: init.templateName, templateScope: "local/" } : {}),
      phase: init.phase ?? "Pending",
      ...(init.boundaryID ? { boundaryID: init.boundaryID } : {}),
      ...(init.message ? { message: init.message } : {}),
      startedAt: now(),
      ...(init.inputs ? { inputs: init.inputs } : {}),
    };
    if (node.phase === "Skipped" || node.phase === "Omitted") node.finishedAt = node.startedAt;
    this.nodes.set(id, node);
    if (parent) (parent.children ??= []).push(id);
    this.dirty = true;
    return node;
  }

  /** Changes a node; a terminal phase stamps finishedAt. */
  update(node: ArgoNode, change: Partial<ArgoNode>): void {
    Object.assign(node, change);
    if (change.phase && !["Pending", "Running"].includes(change.phase) && !node.finishedAt) node.finishedAt = now();
    this.dirty = true;
  }

  all(): ArgoNode[] {
    return [...this.nodes.values()];
  }

  /** The nodes as `status.nodes` holds them. */
  toStatus(): Record<string, ArgoNode> {
    return Object.fromEntries(this.nodes);
  }
}
