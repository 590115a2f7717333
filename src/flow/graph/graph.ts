import { findLoops, isBackEdge, type FlowLoops } from "./loops.ts";
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
  /** A switch: only the step named by the value of artifact `condition` runs; `next` lists every case's step once. */
  switch?: SwitchSpec;
  /**
   * For a join: the split it closes (set when the graph is balanced) and, for each step
   * before it, the branch of the split it is on (several steps can share one when a
   * switch chose between them). Graphs recorded before switches have no `inputBranch`:
   * each step before a join is then its own branch.
   */
  joins: { split: string; kind: SplitKind; inputBranch?: Record<string, string> } | undefined;
  /** Property names the step's body mentions; see ParsedStep.mentions. */
  mentions: string[];
}

/** A switch transition: the artifact whose value picks the case, and each case's step by key. */
export interface SwitchSpec {
  condition: string;
  cases: Record<string, string>;
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
    const cases = transition?.cases;
    const named = (transition?.targets ?? []).filter((x): x is string => x !== null);
    // Two cases may name one step; it is one edge.
    const targets = cases ? [...new Set(named)] : named;
    nodes[s.name] = {
      name: s.name,
      line: s.line,
      isJoin: s.arity > 0,
      split: cases ? undefined : transition?.foreach !== undefined ? "foreach" : targets.length > 1 ? "static" : undefined,
      foreach: transition?.foreach || undefined,
      next: s.transitions.length === 1 ? targets : [],
      prev: [],
      joins: undefined,
      mentions: s.mentions,
      ...(cases ? { switch: { condition: transition.condition ?? "", cases: Object.fromEntries(cases.filter((c) => c.key !== null && c.target !== null).map((c) => [c.key, c.target])) } } : {}),
    };
  }
  for (const node of Object.values(nodes)) {
    node.next = node.next.filter((n) => n in nodes);
    if (node.switch) node.switch.cases = Object.fromEntries(Object.entries(node.switch.cases).filter(([, step]) => step in nodes));
    for (const n of node.next) if (!nodes[n]!.prev.includes(node.name)) nodes[n]!.prev.push(node.name);
  }
  return { flowName: parsed.className, file: parsed.file, steps: parsed.steps.map((s) => s.name), nodes };
}

interface OpenSplit {
  split: string;
  kind: SplitKind;
  branches: string[];
  /** The branch this path took. */
  branch: string;
}

export interface BalanceProblem {
  step: string;
  kind: "unjoined-at-end" | "wrong-arity" | "no-split" | "cross-join" | "not-a-join" | "loop-crosses-split";
  detail: string;
}

/**
 * Walks the graph from `start` keeping the stack of open splits and the branch taken in
 * each, records which split each join closes and which branch each of its inputs is on,
 * and returns the first imbalance found. A switch opens nothing: its cases are paths of
 * which one runs, so they may meet at any step. Loops are walked once: a back edge must
 * leave the same splits open as its header has. Cycles that close no loop must have
 * been reported first (findCycle).
 */
export function matchSplitsAndJoins(graph: FlowGraph, loops: FlowLoops = findLoops(graph)): BalanceProblem | undefined {
  const stacks: Record<string, OpenSplit[]> = {};
  const keyOf = (stack: OpenSplit[]) => stack.map((s) => `${s.split}:${s.branch}`).join(",");
  // In topological order, every path into a step is known when the step is checked.
  for (const name of forwardOrder(graph, loops)) {
    const node = graph.nodes[name]!;
    const incoming = node.prev
      .filter((p) => stacks[p] && !isBackEdge(loops, p, name))
      .map((p) => {
        const parent = graph.nodes[p]!;
        const stack = parent.split ? [...stacks[p]!, { split: p, kind: parent.split, branches: parent.next, branch: name }] : stacks[p]!;
        return { from: p, stack };
      });
    let inner = incoming[0]?.stack ?? [];
    if (node.isJoin) {
      const open = inner[inner.length - 1];
      if (!open) return { step: name, kind: "no-split", detail: node.prev.join(", ") };
      const tops = incoming.map((i) => i.stack[i.stack.length - 1]);
      const sameSplit = tops.every((t) => t?.split === open.split);
      const reached = new Set(tops.map((t) => t?.branch));
      const arity = sameSplit ? reached.size === open.branches.length && open.branches.every((b) => reached.has(b)) : incoming.length === open.branches.length;
      if (!arity) return { step: name, kind: "wrong-arity", detail: `${node.prev.join(", ")}|${open.split}|${open.branches.join(", ")}` };
      const popped = incoming.map((i) => keyOf(i.stack.slice(0, -1)));
      if (!sameSplit || popped.some((k) => k !== popped[0])) return { step: name, kind: "cross-join", detail: node.prev.join(", ") };
      const inputBranch = Object.fromEntries(incoming.map((i) => [i.from, i.stack[i.stack.length - 1]!.branch]));
      // Recorded only where a switch made several steps share a branch: other graphs stay as they were.
      const shared = open.kind === "static" && new Set(Object.values(inputBranch)).size < incoming.length;
      node.joins = { split: open.split, kind: open.kind, ...(shared ? { inputBranch } : {}) };
      // A static join's inputs in the order of the branches of its split.
      if (open.kind === "static") node.prev = [...node.prev].sort((a, b) => open.branches.indexOf(inputBranch[a]!) - open.branches.indexOf(inputBranch[b]!));
      inner = inner.slice(0, -1);
    } else if (incoming.some((i) => keyOf(i.stack) !== keyOf(inner))) {
      // Paths from different branches or foreach levels meet only in a join; the cases of a switch need none.
      return { step: name, kind: "not-a-join", detail: node.prev.join(", ") };
    }
    stacks[name] = inner;
    if (name === "end" && inner.length > 0) return { step: name, kind: "unjoined-at-end", detail: inner.map((s) => s.split).join(", ") };
  }
  for (const edge of loops.backEdges) {
    const [from, header] = edge.split(">") as [string, string];
    if (stacks[from] && stacks[header] && keyOf(stacks[from]) !== keyOf(stacks[header])) return { step: from, kind: "loop-crosses-split", detail: header };
  }
  return undefined;
}

/** The steps reachable from start, each after every step with a forward edge into it; ties in source order. */
function forwardOrder(graph: FlowGraph, loops: FlowLoops): string[] {
  const reachable = new Set<string>();
  const stack = graph.nodes.start ? ["start"] : [];
  while (stack.length) {
    const name = stack.pop()!;
    if (reachable.has(name)) continue;
    reachable.add(name);
    stack.push(...graph.nodes[name]!.next);
  }
  const waiting = new Map([...reachable].map((n) => [n, graph.nodes[n]!.prev.filter((p) => reachable.has(p) && !isBackEdge(loops, p, n)).length]));
  const order: string[] = [];
  for (let ready = graph.steps.filter((n) => waiting.get(n) === 0); ready.length; ready = graph.steps.filter((n) => waiting.get(n) === 0)) {
    const name = ready[0]!;
    waiting.delete(name);
    order.push(name);
    for (const n of new Set(graph.nodes[name]!.next)) if (!isBackEdge(loops, name, n)) waiting.set(n, waiting.get(n)! - 1);
  }
  return order;
}

/**
 * Which of a static join's inputs may stand in for each other: the branch of the split
 * that `input`, a step before the join, is on where a switch made several steps share
 * one, else the input itself. The join waits for one task of each.
 */
export function branchOf(join: GraphNode, input: string): string {
  return join.joins?.inputBranch?.[input] ?? input;
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

/**
 * A cycle as a list of steps (first step repeated at the end), or undefined. Edges in
 * `allowed` (`from>to`, the back edges of loops) are left out: only cycles that close
 * no loop are found.
 */
export function findCycle(graph: FlowGraph, allowed: ReadonlySet<string> = new Set()): string[] | undefined {
  const state = new Map<string, "active" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "active") return [...path.slice(path.indexOf(name)), name];
    if (state.get(name) === "done") return undefined;
    state.set(name, "active");
    path.push(name);
    for (const n of graph.nodes[name]!.next) {
      if (allowed.has(`${name}>${n}`)) continue;
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
