import type { ParsedFlow } from "./parse.ts";

export type SplitKind = "static" | "foreach";

/** A step in the static graph. */
export interface GraphNode {
  name: string;
  line: number;
  /** Takes `inputs`: a join. */
  isJoin: boolean;
  /** Fans out: a static branch or a foreach. */
  split: SplitKind | undefined;
  foreach: string | undefined;
  next: string[];
  prev: string[];
  /** For a join: the split it closes (set when the graph is balanced). */
  joins: { split: string; kind: SplitKind } | undefined;
  /** Property names the step's body mentions; see ParsedStep.mentions. */
  mentions: string[];
}

/** The flow's graph, derived from source alone; what the scheduler and `weft show` use. */
export interface FlowGraph {
  flowName: string;
  file: string;
  /** Steps in source order. */
  steps: string[];
  nodes: Record<string, GraphNode>;
}

/** Builds the graph from a parsed flow. Edges to unknown steps are kept out; lint reports them. */
export function buildGraph(parsed: ParsedFlow): FlowGraph {
  const nodes: Record<string, GraphNode> = {};
  for (const s of parsed.steps) {
    const transition = s.transitions[0];
    const targets = (transition?.targets ?? []).filter((x): x is string => x !== null);
    nodes[s.name] = {
      name: s.name,
      line: s.line,
      isJoin: s.arity > 0,
      split: transition?.foreach !== undefined ? "foreach" : targets.length > 1 ? "static" : undefined,
      foreach: transition?.foreach || undefined,
      next: s.transitions.length === 1 ? targets : [],
      prev: [],
      joins: undefined,
      mentions: s.mentions,
    };
  }
  for (const node of Object.values(nodes)) {
    node.next = node.next.filter((n) => n in nodes);
    for (const n of node.next) if (!nodes[n]!.prev.includes(node.name)) nodes[n]!.prev.push(node.name);
  }
  return { flowName: parsed.className, file: parsed.file, steps: parsed.steps.map((s) => s.name), nodes };
}

interface OpenSplit {
  split: string;
  kind: SplitKind;
  branches: string[];
}

export interface BalanceProblem {
  step: string;
  kind: "unjoined-at-end" | "wrong-arity" | "no-split" | "cross-join";
  detail: string;
}

/**
 * Walks every path from `start` keeping the stack of open splits, records which split
 * each join closes, and returns the first imbalance found. The graph must be acyclic.
 */
export function matchSplitsAndJoins(graph: FlowGraph): BalanceProblem | undefined {
  const enclosing: Record<string, string[]> = {};
  const seen = new Set<string>();
  let problem: BalanceProblem | undefined;

  const visit = (name: string, stack: OpenSplit[]): void => {
    if (problem) return;
    const key = `${name}|${stack.map((s) => s.split).join(",")}`;
    if (seen.has(key)) return;
    seen.add(key);
    const node = graph.nodes[name]!;
    let inner = stack;
    if (node.isJoin) {
      const open = stack[stack.length - 1];
      if (!open) {
        problem = { step: name, kind: "no-split", detail: node.prev.join(", ") };
        return;
      }
      if (node.prev.length !== open.branches.length) {
        problem = { step: name, kind: "wrong-arity", detail: `${node.prev.join(", ")}|${open.split}|${open.branches.join(", ")}` };
        return;
      }
      node.joins = { split: open.split, kind: open.kind };
      if (open.kind === "static") node.prev = orderByBranch(graph, node, open.branches);
      inner = stack.slice(0, -1);
    }
    enclosing[name] ??= inner.map((s) => s.split);
    if (name === "end" && inner.length > 0) {
      problem = { step: name, kind: "unjoined-at-end", detail: inner.map((s) => s.split).join(", ") };
      return;
    }
    if (node.split) inner = [...inner, { split: name, kind: node.split, branches: node.next }];
    for (const n of node.next) visit(n, inner);
  };
  visit("start", []);
  if (problem) return problem;

  // Every path into a join must come from the same enclosing splits, or the join
  // would mix tasks of different foreach levels or unrelated branches.
  for (const node of Object.values(graph.nodes)) {
    if (!node.isJoin || node.prev.length < 2) continue;
    // A join's own entry is recorded after it closed its split, so it compares
    // like any other step at that level.
    const lineage = (p: string) => (enclosing[p] ?? []).join(",");
    const first = lineage(node.prev[0]!);
    if (node.prev.some((p) => lineage(p) !== first)) return { step: node.name, kind: "cross-join", detail: node.prev.join(", ") };
  }
  return undefined;
}

/** A static join's inputs in the order of the branches of its split. */
function orderByBranch(graph: FlowGraph, join: GraphNode, branches: string[]): string[] {
  const branchOf = (p: string) =>
    branches.findIndex((b) => {
      const stack = [b];
      const seen = new Set<string>();
      while (stack.length) {
        const n = stack.pop()!;
        if (n === p) return true;
        if (seen.has(n) || n === join.name) continue;
        seen.add(n);
        stack.push(...graph.nodes[n]!.next);
      }
      return false;
    });
  return [...join.prev].sort((a, b) => branchOf(a) - branchOf(b));
}

/** Steps that cannot be reached from `start`. */
export function unreachableSteps(graph: FlowGraph): string[] {
  const reached = new Set<string>();
  const stack = graph.nodes.start ? ["start"] : [];
  while (stack.length) {
    const name = stack.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    stack.push(...graph.nodes[name]!.next);
  }
  return graph.steps.filter((s) => !reached.has(s));
}

/** A cycle as a list of steps (first step repeated at the end), or undefined. */
export function findCycle(graph: FlowGraph): string[] | undefined {
  const state = new Map<string, "active" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "active") return [...path.slice(path.indexOf(name)), name];
    if (state.get(name) === "done") return undefined;
    state.set(name, "active");
    path.push(name);
    for (const n of graph.nodes[name]!.next) {
      const cycle = visit(n);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const name of graph.steps) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}
