import type { FlowGraph } from "./graph.ts";

/**
 * The loops of a flow. A loop is closed by a switch case that goes back to its own
 * step or to an earlier one: a step that every path from `start` to the switch passes
 * through (it dominates the switch), which is then the loop's header, the one step
 * where the loop is entered. A loop's body is its header and every step that reaches
 * one of its back edges without passing through the header (the natural loop).
 */
export interface FlowLoops {
  /** Back edges as `from>to`. */
  backEdges: ReadonlySet<string>;
  /** By header: the steps of its loop, the header included. */
  bodies: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Whether the edge `from → to` closes a loop. */
export function isBackEdge(loops: FlowLoops, from: string, to: string): boolean {
  return loops.backEdges.has(`${from}>${to}`);
}

/** The loops of `graph`; a graph without switches has none. */
export function findLoops(graph: FlowGraph): FlowLoops {
  const backEdges = new Set<string>();
  const bodies = new Map<string, Set<string>>();
  const switches = Object.values(graph.nodes).filter((n) => n.switch);
  if (switches.length === 0) return { backEdges, bodies };
  const dominators = dominatorsOf(graph);
  for (const node of switches) {
    for (const target of node.next) {
      if (!dominators.get(node.name)?.has(target)) continue;
      backEdges.add(`${node.name}>${target}`);
      const body = bodies.get(target) ?? new Set([target]);
      bodies.set(target, body);
      const stack = [node.name];
      while (stack.length) {
        const step = stack.pop()!;
        if (body.has(step)) continue;
        body.add(step);
        stack.push(...graph.nodes[step]!.prev);
      }
    }
  }
  return { backEdges, bodies };
}

/** For each step reachable from start, the steps every path from start to it passes through (itself included). */
function dominatorsOf(graph: FlowGraph): Map<string, Set<string>> {
  const reachable = reachableFromStart(graph);
  const all = new Set(reachable);
  const dom = new Map<string, Set<string>>(reachable.map((s) => [s, s === "start" ? new Set(["start"]) : new Set(all)]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const step of reachable) {
      if (step === "start") continue;
      const preds = graph.nodes[step]!.prev.filter((p) => dom.has(p));
      const next = new Set([...dom.get(preds[0]!)!].filter((d) => preds.every((p) => dom.get(p)!.has(d))));
      next.add(step);
      if (next.size !== dom.get(step)!.size) {
        dom.set(step, next);
        changed = true;
      }
    }
  }
  return dom;
}

function reachableFromStart(graph: FlowGraph): string[] {
  const seen: string[] = [];
  const stack = graph.nodes.start ? ["start"] : [];
  while (stack.length) {
    const step = stack.pop()!;
    if (seen.includes(step)) continue;
    seen.push(step);
    stack.push(...graph.nodes[step]!.next);
  }
  return seen;
}
