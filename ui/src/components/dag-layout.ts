import dagre from "@dagrejs/dagre";
import type { FlowGraph } from "../types.ts";

export const NODE_W = 190;
/** Room for the name and counts; each extra line (split, switch, loop) adds LINE. */
const NODE_BASE_H = 46;
export const LINE = 16;
/** How far a step's loop back to itself reaches out to the right. */
export const SELF_LOOP_REACH = 46;

export interface Point {
  x: number;
  y: number;
}

export interface LaidEdge {
  from: string;
  to: string;
  /** A switch's case keys that take this edge ("a, b" when two cases name one step). */
  label?: string;
  labelAt?: Point;
  /** Closes a loop: drawn dashed, back up to the loop's first step. */
  back: boolean;
  /** For a step that loops back to itself, no points: it is drawn as an arc beside the node. */
  points: Point[];
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: { step: string; x: number; y: number; height: number }[];
  edges: LaidEdge[];
}

/**
 * Edges that close a loop: those back to a step still on the path from start (a depth
 * first search). Lint accepts only loops whose first step dominates their switch, and
 * for those these are exactly the back edges flow/graph/loops.ts finds.
 */
export function backEdges(graph: FlowGraph): Set<string> {
  const back = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const visit = (step: string) => {
    state.set(step, "open");
    for (const next of graph.nodes[step]?.next ?? []) {
      if (state.get(next) === "open") back.add(`${step}>${next}`);
      else if (!state.has(next) && graph.nodes[next]) visit(next);
    }
    state.set(step, "done");
  };
  if (graph.nodes.start) visit("start");
  return back;
}

/** The case keys of `from`'s switch that go to `to`, joined; undefined for an edge that is not a case. */
function caseLabel(graph: FlowGraph, from: string, to: string): string | undefined {
  const cases = graph.nodes[from]?.switch?.cases;
  if (!cases) return undefined;
  const keys = Object.entries(cases).filter(([, step]) => step === to).map(([key]) => key);
  return keys.length ? keys.join(", ") : undefined;
}

/**
 * Lays the graph out top to bottom with dagre, which needs it acyclic: each edge that
 * closes a loop is given to dagre reversed (so the loop's first step stays above its
 * body) and its points are turned round again for drawing; a step's loop to itself is
 * left out of the layout and drawn beside the step.
 */
export function layoutDag(graph: FlowGraph, linesOf: (step: string) => number): DagLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 50, marginx: 10, marginy: 10 });
  const heights = new Map(graph.steps.map((s) => [s, NODE_BASE_H + LINE * linesOf(s)]));
  for (const step of graph.steps) g.setNode(step, { width: NODE_W, height: heights.get(step)! });
  const back = backEdges(graph);
  const edges: LaidEdge[] = [];
  for (const from of graph.steps) {
    for (const to of graph.nodes[from]?.next ?? []) {
      if (!graph.nodes[to]) continue;
      const label = caseLabel(graph, from, to);
      const edge: LaidEdge = { from, to, back: back.has(`${from}>${to}`), points: [], ...(label ? { label } : {}) };
      edges.push(edge);
      if (from === to) continue;
      const size = label ? { width: label.length * 7 + 10, height: LINE, labelpos: "c" } : {};
      const [v, w] = edge.back ? [to, from] : [from, to];
      g.setEdge(v, w, size, `${from}>${to}`);
    }
  }
  dagre.layout(g);
  for (const edge of edges) {
    if (edge.from === edge.to) continue;
    const [v, w] = edge.back ? [edge.to, edge.from] : [edge.from, edge.to];
    const laid = g.edge({ v, w, name: `${edge.from}>${edge.to}` }) as { points: Point[]; x?: number; y?: number };
    edge.points = edge.back ? [...laid.points].reverse() : laid.points;
    if (edge.label && laid.x !== undefined && laid.y !== undefined) edge.labelAt = { x: laid.x, y: laid.y };
  }
  const nodes = graph.steps.map((step) => ({ step, ...(g.node(step) as Point), height: heights.get(step)! }));
  for (const edge of edges) {
    if (edge.from !== edge.to || !edge.label) continue;
    const node = nodes.find((n) => n.step === edge.from)!;
    edge.labelAt = { x: node.x + NODE_W / 2 + SELF_LOOP_REACH + 4 + (edge.label.length * 7) / 2, y: node.y };
  }
  const size = g.graph() as { width?: number; height?: number };
  const selfLoopRoom = edges.some((e) => e.from === e.to) ? SELF_LOOP_REACH + 10 + Math.max(0, ...edges.filter((e) => e.from === e.to).map((e) => (e.label?.length ?? 0) * 7 + 8)) : 0;
  return { width: (size.width ?? 0) + selfLoopRoom, height: size.height ?? 0, nodes, edges };
}
