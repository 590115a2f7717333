import type { FlowGraph } from "../flow/graph/graph.ts";

/**
 * Task ids are derived, not counted: a task's id is its position in the foreaches that
 * enclose its step, the indices joined by `-` (`3`, `3-0`), or `0` for a step outside
 * any foreach. A step sits in the same foreaches on every path (lint guarantees it), so
 * the id is unique within the step, stable across attempts and across resumed runs,
 * and computable by any orchestrator from the split's number of items alone: no
 * central counter, and a join finds its inputs without being told their ids.
 */
export function taskIdOf(indices: readonly number[]): string {
  return indices.length ? indices.join("-") : "0";
}

/** The foreach splits that enclose each step, outermost first. */
export function enclosingForeaches(graph: FlowGraph): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  // Open splits of either kind: a join closes the innermost one.
  const visit = (step: string, open: { split: string; foreach: boolean }[]): void => {
    const node = graph.nodes[step];
    if (!node || step in result) return;
    const here = node.isJoin ? open.slice(0, -1) : open;
    result[step] = here.filter((s) => s.foreach).map((s) => s.split);
    const after = node.split ? [...here, { split: step, foreach: node.split === "foreach" }] : here;
    for (const next of node.next) visit(next, after);
  };
  visit("start", []);
  return result;
}

/**
 * The foreach indices a task id stands for, checked against the step's depth; throws
 * a message saying what the id should look like.
 */
export function indicesOf(taskId: string, step: string, depth: number): number[] {
  const example = depth === 0 ? `"0"` : `${depth} whole number${depth > 1 ? "s" : ""} joined by "-", e.g. "${Array.from({ length: depth }, (_, i) => i + 2).join("-")}"`;
  const bad = () => new Error(`task id "${taskId}" does not fit step "${step}", which is inside ${depth} foreach${depth === 1 ? "" : "es"}: its task ids are ${example}`);
  if (depth === 0) {
    if (taskId !== "0") throw bad();
    return [];
  }
  const parts = taskId.split("-");
  if (parts.length !== depth || !parts.every((p) => /^(0|[1-9]\d{0,8})$/.test(p))) throw bad();
  return parts.map(Number);
}

/** A parent task, by step and id. */
export interface ParentRef {
  step: string;
  task: string;
}

/**
 * The tasks whose results a task starts from, in join order. `numSplits` gives the
 * item count of a foreach split task; it is read only for a foreach join.
 */
export async function parentsOf(
  graph: FlowGraph,
  enclosing: Record<string, string[]>,
  step: string,
  indices: readonly number[],
  numSplits: (split: ParentRef) => Promise<number>,
): Promise<ParentRef[]> {
  const node = graph.nodes[step]!;
  if (node.joins?.kind === "foreach") {
    const split: ParentRef = { step: node.joins.split, task: taskIdOf(indices) };
    const count = await numSplits(split);
    return Array.from({ length: count }, (_, i) => ({ step: node.prev[0]!, task: taskIdOf([...indices, i]) }));
  }
  return node.prev.map((prev) => {
    const prevDepth = enclosing[prev]?.length ?? 0;
    return { step: prev, task: taskIdOf(indices.slice(0, prevDepth)) };
  });
}
