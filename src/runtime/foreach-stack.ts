import type { ForeachFrame } from "../flow/current.ts";
import type { FlowGraph } from "../flow/graph/graph.ts";

/** What a task's foreach stack is derived from: its step and its first parent. */
export interface StackInput {
  graph: FlowGraph;
  step: string;
  parent: { step: string; task: string; stack: ForeachFrame[]; numSplits: number | undefined } | undefined;
  splitIndex: number | undefined;
}

/**
 * The foreach path of a task: a foreach split pushes a frame, the join of a foreach
 * pops one, anything else keeps the parent's. The task computes it for itself; the
 * scheduler computes it ahead of time to match tasks of a resumed run.
 */
export function foreachStackOf({ graph, step, parent, splitIndex }: StackInput): ForeachFrame[] {
  if (!parent) return [];
  if (graph.nodes[step]?.joins?.kind === "foreach") return parent.stack.slice(0, -1);
  if (graph.nodes[parent.step]?.split === "foreach") {
    const numSplits = parent.numSplits ?? 0;
    if (splitIndex === undefined || splitIndex >= numSplits) {
      throw new Error(`step ${step} follows the foreach of ${parent.step}/${parent.task} (${numSplits} items) but has split index ${splitIndex}`);
    }
    return [...parent.stack, { step: parent.step, task: parent.task, index: splitIndex, numSplits }];
  }
  return parent.stack;
}

/**
 * Identifies a task across runs of the same flow: its step and its id, which is derived
 * from its position (task-identity.ts) and so the same in a resumed run as in its origin.
 */
export function taskKey(step: string, task: string): string {
  return `${step}/${task}`;
}
