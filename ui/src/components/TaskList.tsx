import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef, useState } from "react";
import { duration, elapsed } from "../format.ts";
import { href, onLink } from "../router.ts";
import type { TaskSummary } from "../types.ts";
import { Status } from "./Status.tsx";

const ROW = 30;

/** "[3]" or "[2, 5]": the task's position in each enclosing foreach. */
const indexOf = (t: TaskSummary) => (t.foreachStack.length ? `[${t.foreachStack.map((f) => f.index).join(", ")}]` : "");
/** The loop iterations in a task id (`3-i2` → ["i2"]): runtime/task-identity.ts writes each as `i<n>`. */
const iterationsOf = (t: TaskSummary) => t.task.split("-").filter((p) => /^i\d+$/.test(p));
/** Where the task sits: its foreach indices, then its loop iterations (`[3] i2`). */
const positionOf = (t: TaskSummary) => [indexOf(t), ...iterationsOf(t)].filter(Boolean).join(" ");

/**
 * The run's tasks, virtualized (only the rows in view are in the page, so 10,000 cost
 * what 30 do), filtered by a search on task id, foreach index (`3` or `[2, 5]`), loop
 * iteration (`i3`), foreach input (its text contains the search), step or status.
 */
export function TaskList({ tasks, flow, run, now }: { tasks: TaskSummary[]; flow: string; run: string; now: number }) {
  const [query, setQuery] = useState("");
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase().replace(/^\[|\]$/g, "");
    if (!q) return tasks;
    return tasks.filter(
      (t) => t.task.toLowerCase() === q || iterationsOf(t).includes(q) || t.step.toLowerCase().includes(q) || t.status === q || indexOf(t).slice(1, -1) === q || t.foreachStack.some((f) => String(f.index) === q) || (t.input?.toLowerCase().includes(q) ?? false),
    );
  }, [tasks, query]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });
  return (
    <div className="tasklist">
      <div className="listbar">
        <input aria-label="Search tasks" placeholder="Search by task id, foreach index or input, iteration (i3), step or status" value={query} onChange={(e) => setQuery(e.target.value)} />
        <span className="muted" data-testid="task-count">
          {shown.length === tasks.length ? `${tasks.length} tasks` : `${shown.length} of ${tasks.length} tasks`}
        </span>
      </div>
      <div className="row head" role="row">
        <span>Step</span>
        <span>Task</span>
        <span title="foreach indices [i, j], then loop iterations i<n>">Position</span>
        <span>Input</span>
        <span>Status</span>
        <span>Attempts</span>
        <span>Duration</span>
        <span>Failure</span>
      </div>
      <div ref={scroller} className="scroller" role="table" aria-label="tasks">
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {virtual.getVirtualItems().map((item) => {
            const t = shown[item.index]!;
            const first = t.attempts[0];
            const last = t.attempts.at(-1);
            return (
              <div key={`${t.step}/${t.task}`} className="row" role="row" data-task={`${t.step}/${t.task}`} style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${item.start}px)` }}>
                <span>{t.step}</span>
                <span>
                  <a href={href(flow, run, t.step, t.task)} onClick={onLink}>
                    {t.task}
                  </a>
                </span>
                <span>{positionOf(t)}</span>
                <span className="input" title={t.input}>
                  {t.input ?? ""}
                </span>
                <span>
                  <Status status={t.status} />
                </span>
                <span>{t.attempts.length}</span>
                <span>{first && last ? duration(elapsed(first.startedAt, last.finishedAt, now)) : ""}</span>
                <span className="failure" title={t.exception ? `${t.exception.type}: ${t.exception.message}` : undefined}>
                  {t.exception ? `${t.exception.type}: ${t.exception.message}` : ""}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
