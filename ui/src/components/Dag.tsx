import dagre from "@dagrejs/dagre";
import { useMemo } from "react";
import { href, navigate } from "../router.ts";
import type { FlowGraph, TaskStatus, TaskSummary } from "../types.ts";

const NODE_W = 190;
const NODE_H = 62;

interface StepCounts {
  total: number;
  byStatus: Record<TaskStatus, number>;
}

/** The step's colour: failed if any task failed, running if any runs, done when all are. */
function stepState(c: StepCounts | undefined): string {
  if (!c || c.total === 0) return "pending";
  if (c.byStatus.failed) return "failed";
  if (c.byStatus.running) return "running";
  if (c.byStatus.succeeded === c.total) return "succeeded";
  return "pending";
}

/**
 * The flow's graph laid out by dagre, top to bottom: each step coloured by its tasks'
 * states, with their counts; a foreach says how wide it fanned out. A click shows the
 * step's tasks.
 */
export function Dag({ graph, tasks, flow, run, selected }: { graph: FlowGraph; tasks: TaskSummary[]; flow: string; run: string; selected?: string }) {
  const counts = useMemo(() => {
    const out = new Map<string, StepCounts>();
    for (const t of tasks) {
      const c = out.get(t.step) ?? { total: 0, byStatus: { pending: 0, running: 0, succeeded: 0, failed: 0 } };
      c.total++;
      c.byStatus[t.status]++;
      out.set(t.step, c);
    }
    return out;
  }, [tasks]);
  const layout = useMemo(() => {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 44, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const step of graph.steps) g.setNode(step, { width: NODE_W, height: NODE_H });
    for (const step of graph.steps) for (const next of graph.nodes[step]?.next ?? []) g.setEdge(step, next);
    dagre.layout(g);
    const size = g.graph() as { width?: number; height?: number };
    return {
      width: size.width ?? 0,
      height: size.height ?? 0,
      nodes: graph.steps.map((s) => ({ step: s, ...(g.node(s) as { x: number; y: number }) })),
      edges: g.edges().map((e) => ({ id: `${e.v}->${e.w}`, points: (g.edge(e) as { points: { x: number; y: number }[] }).points })),
    };
  }, [graph]);
  return (
    <svg className="dag" role="img" aria-label="flow graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="arrow" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <polyline key={e.id} className="edge" points={e.points.map((p) => `${p.x},${p.y}`).join(" ")} markerEnd="url(#arrow)" />
      ))}
      {layout.nodes.map(({ step, x, y }) => {
        const node = graph.nodes[step]!;
        const c = counts.get(step);
        const width = node.split === "foreach" ? node.next.map((n) => counts.get(n)?.total ?? 0).reduce((a, b) => Math.max(a, b), 0) : undefined;
        const summary = c ? `${c.byStatus.succeeded}/${c.total} done${c.byStatus.failed ? ` · ${c.byStatus.failed} failed` : ""}${c.byStatus.running ? ` · ${c.byStatus.running} running` : ""}` : "no tasks yet";
        return (
          <g
            key={step}
            className={`node state-${stepState(c)}${selected === step ? " selected" : ""}`}
            data-step={step}
            transform={`translate(${x - NODE_W / 2},${y - NODE_H / 2})`}
            onClick={() => navigate(href(flow, run, step))}
          >
            <title>{`${step}: ${summary}`}</title>
            <rect width={NODE_W} height={NODE_H} rx="6" />
            <text x="10" y="19" className="name">
              {step}
              {node.isJoin ? " ⋈ join" : ""}
            </text>
            <text x="10" y="36" className="counts">
              {summary}
            </text>
            {node.split && (
              <text x="10" y="52" className="split">
                {node.split === "foreach" ? `foreach ${node.foreach ?? ""} ×${width ?? 0}` : `branches to ${node.next.length}`}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
