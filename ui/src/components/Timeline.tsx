import { useEffect, useRef } from "react";
import { duration } from "../format.ts";
import type { TaskSummary } from "../types.ts";

const HEIGHT = 220;
const COLORS = { ok: "#2e9d57", failed: "#d64545", running: "#d9a21b" };

/** Rows at least this tall carry their task's name (`train/i3`) beside the bar. */
const LABELLED_ROW = 11;

/**
 * A Gantt chart of every task's attempts on a canvas (fast for 10,000 tasks): one row
 * per task in start order, one bar per attempt, so a retry shows as a red bar followed
 * by another on the same row. Rows tall enough are labelled with the task (a loop's
 * iterations read `train/i0`, `train/i1`…); hovering any row names it.
 */
export function Timeline({ tasks, now }: { tasks: TaskSummary[]; now: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const spans = tasks.filter((t) => t.attempts.length > 0).sort((a, b) => Date.parse(a.attempts[0]!.startedAt) - Date.parse(b.attempts[0]!.startedAt));
  const start = spans.length ? Date.parse(spans[0]!.attempts[0]!.startedAt) : now;
  const end = Math.max(start + 1, ...spans.map((t) => { const last = t.attempts.at(-1)!; return last.finishedAt ? Date.parse(last.finishedAt) : now; }));
  const retried = spans.filter((t) => t.attempts.length > 1).length;
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const width = c.clientWidth;
    const scale = window.devicePixelRatio || 1;
    c.width = width * scale;
    c.height = HEIGHT * scale;
    const ctx = c.getContext("2d")!;
    ctx.scale(scale, scale);
    ctx.clearRect(0, 0, width, HEIGHT);
    const row = HEIGHT / Math.max(spans.length, 1);
    const x = (t: number) => ((t - start) / (end - start)) * (width - 2) + 1;
    ctx.font = `${Math.min(11, row - 2)}px system-ui, sans-serif`;
    ctx.textBaseline = "middle";
    spans.forEach((task, i) => {
      let right = 0;
      for (const a of task.attempts) {
        const from = x(Date.parse(a.startedAt));
        const to = x(a.finishedAt ? Date.parse(a.finishedAt) : now);
        right = Math.max(right, from + Math.max(1, to - from));
        ctx.fillStyle = a.ok === undefined && !a.finishedAt ? COLORS.running : a.ok ? COLORS.ok : COLORS.failed;
        ctx.fillRect(from, i * row, Math.max(1, to - from), Math.max(1, row - (row > 3 ? 1 : 0)));
      }
      if (row < LABELLED_ROW) return;
      // Beside the bar when it fits there, else just before it.
      const label = `${task.step}/${task.task}`;
      const room = ctx.measureText(label).width + 8;
      ctx.fillStyle = "#1d2330";
      ctx.textAlign = right + room <= width ? "left" : "right";
      ctx.fillText(label, right + room <= width ? right + 4 : x(Date.parse(task.attempts[0]!.startedAt)) - 4, i * row + row / 2);
    });
  }, [spans, start, end, now]);
  /** Names the task under the pointer, in the canvas's tooltip. */
  const hover = (event: React.MouseEvent<HTMLCanvasElement>) => {
    const c = event.currentTarget;
    const task = spans[Math.floor(((event.clientY - c.getBoundingClientRect().top) / HEIGHT) * Math.max(spans.length, 1))];
    const last = task?.attempts.at(-1);
    c.title = task && last ? `${task.step}/${task.task}: ${task.attempts.length} attempt${task.attempts.length === 1 ? "" : "s"}, ${duration((last.finishedAt ? Date.parse(last.finishedAt) : now) - Date.parse(task.attempts[0]!.startedAt))}` : "";
  };
  return (
    <figure className="timeline">
      <canvas ref={canvas} aria-label="timeline of tasks and attempts" style={{ height: HEIGHT }} onMouseMove={hover} />
      <figcaption>
        {spans.length} tasks over {duration(end - start)}
        {retried ? ` · ${retried} retried (red bar, then the next attempt on the same row)` : ""}
        <span className="legend">
          <i className="ok" /> succeeded <i className="failed" /> failed <i className="running" /> running
        </span>
      </figcaption>
    </figure>
  );
}
