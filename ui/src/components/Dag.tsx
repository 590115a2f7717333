import { useMemo } from "react";
import { href, navigate } from "../router.ts";
import type { FlowGraph, TaskStatus, TaskSummary } from "../types.ts";
import { backEdges, layoutDag, LINE, NODE_W, SELF_LOOP_REACH, type LaidEdge } from "./dag-layout.ts";

interface StepCounts {
  total: number;
  byStatus: Record<TaskStatus, number>;
  /** The most iterations any one of its loops went round (from `i<n>` in task ids). */
  iterations: number;
}

/** The step's colour: failed if any task failed, running if any runs, done when all are. */
function stepState(c: StepCounts | undefined): string {
  if (!c || c.total === 0) return "pending";
  if (c.byStatus.failed) return "failed";
  if (c.byStatus.running) return "running";
  if (c.byStatus.succeeded === c.total) return "succeeded";
  return "pending";
}

/** The iteration of a loop task (`i3` → 3; `2-i3` → 3, the innermost loop's), or -1 outside a loop. */
const iterationOf = (task: string) => {
  const parts = task.split("-").filter((p) => /^i\d+$/.test(p));
  return parts.length ? Number(parts.at(-1)!.slice(1)) : -1;
};

/**
 * The flow's graph laid out by dagre, top to bottom: each step coloured by its tasks'
 * states, with their counts; a foreach says how wide it fanned out; a switch names its
 * condition and labels each edge with its cases; an edge that closes a loop is dashed,
 * going back up to the loop's first step (marked ↻ with its iterations). In a finished
 * run a step with no task (a case its switch did not take) says "not run". A click
 * shows the step's tasks.
 */
export function Dag({ graph, tasks, flow, run, selected, finished }: { graph: FlowGraph; tasks: TaskSummary[]; flow: string; run: string; selected?: string; finished: boolean }) {
  const counts = useMemo(() => {
    const out = new Map<string, StepCounts>();
    for (const t of tasks) {
      const c = out.get(t.step) ?? { total: 0, byStatus: { pending: 0, running: 0, succeeded: 0, failed: 0 }, iterations: 0 };
      c.total++;
      c.byStatus[t.status]++;
      c.iterations = Math.max(c.iterations, iterationOf(t.task) + 1);
      out.set(t.step, c);
    }
    return out;
  }, [tasks]);
  const headers = useMemo(() => new Set([...backEdges(graph)].map((e) => e.split(">")[1]!)), [graph]);
  const extraLines = (step: string) => {
    const node = graph.nodes[step]!;
    return [node.split !== undefined, node.switch !== undefined, headers.has(step)].filter(Boolean).length;
  };
  const layout = useMemo(() => layoutDag(graph, extraLines), [graph, headers]);
  return (
    <svg className="dag" role="img" aria-label="flow graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="arrow" />
        </marker>
        <marker id="arrow-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="arrow back" />
        </marker>
      </defs>
      {layout.edges.map((e) => (
        <Edge key={`${e.from}>${e.to}`} edge={e} node={layout.nodes.find((n) => n.step === e.from)!} />
      ))}
      {layout.nodes.map(({ step, x, y, height }) => {
        const node = graph.nodes[step]!;
        const c = counts.get(step);
        const width = node.split === "foreach" ? node.next.map((n) => counts.get(n)?.total ?? 0).reduce((a, b) => Math.max(a, b), 0) : undefined;
        const summary = c ? `${c.byStatus.succeeded}/${c.total} done${c.byStatus.failed ? ` · ${c.byStatus.failed} failed` : ""}${c.byStatus.running ? ` · ${c.byStatus.running} running` : ""}` : finished ? "not run" : "no tasks yet";
        const lines = [
          node.split && (node.split === "foreach" ? `foreach ${node.foreach ?? ""} ×${width ?? 0}` : `branches to ${node.next.length}`),
          node.switch && `switch on ${node.switch.condition}`,
          headers.has(step) && `↻ loop${c?.iterations ? ` ×${c.iterations} iteration${c.iterations === 1 ? "" : "s"}` : ""}`,
        ].filter((l): l is string => typeof l === "string");
        return (
          <g
            key={step}
            className={`node state-${stepState(c)}${selected === step ? " selected" : ""}${node.switch ? " switch" : ""}`}
            data-step={step}
            transform={`translate(${x - NODE_W / 2},${y - height / 2})`}
            onClick={() => navigate(href(flow, run, step))}
          >
            <title>{`${step}: ${summary}`}</title>
            <rect width={NODE_W} height={height} rx="6" />
            <text x="10" y="19" className="name">
              {step}
              {node.isJoin ? " ⋈ join" : ""}
            </text>
            <text x="10" y="36" className="counts">
              {summary}
            </text>
            {lines.map((line, i) => (
              <text key={line} x="10" y={52 + i * LINE} className={line.startsWith("↻") ? "split loop" : "split"}>
                {line}
              </text>
            ))}
          </g>
        );
      })}
    </svg>
  );
}

/** An edge: a line with an arrow, dashed back up for a loop, an arc beside a step that loops to itself; a switch's cases as its label. */
function Edge({ edge, node }: { edge: LaidEdge; node: { x: number; y: number } }) {
  const id = `${edge.from}>${edge.to}`;
  const marker = edge.back ? "url(#arrow-back)" : "url(#arrow)";
  const right = node.x + NODE_W / 2;
  const shape =
    edge.from === edge.to ? (
      <path className="edge back" d={`M ${right} ${node.y - 8} C ${right + SELF_LOOP_REACH} ${node.y - 30}, ${right + SELF_LOOP_REACH} ${node.y + 30}, ${right + 2} ${node.y + 8}`} markerEnd={marker} />
    ) : (
      <polyline className={edge.back ? "edge back" : "edge"} points={edge.points.map((p) => `${p.x},${p.y}`).join(" ")} markerEnd={marker} />
    );
  return (
    <g data-edge={id}>
      {shape}
      {edge.label && edge.labelAt && (
        <g className="edge-label" transform={`translate(${edge.labelAt.x},${edge.labelAt.y})`}>
          <rect x={-(edge.label.length * 7 + 8) / 2} y={-LINE / 2} width={edge.label.length * 7 + 8} height={LINE} rx="3" />
          <text textAnchor="middle" y="4">
            {edge.label}
          </text>
        </g>
      )}
    </g>
  );
}
