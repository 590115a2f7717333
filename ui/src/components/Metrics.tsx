import { useEffect, useState } from "react";
import { getJson, paths } from "../api.ts";
import type { TaskMetricSeries } from "../types.ts";
import { LineChart, type ChartSeries } from "./LineChart.tsx";

/** Points per series asked of the server: enough for a chart a few hundred pixels wide. */
const MAX_POINTS = 300;
/** Lines per run in one chart; a wide foreach's other tasks are counted, not drawn. */
const MAX_TASKS_PER_RUN = 8;

interface RunRef {
  flow: string;
  run: string;
}

/** Each task's latest attempt that logged `name`, per run. */
function latestAttempts(series: TaskMetricSeries[]): TaskMetricSeries[] {
  const byTask = new Map<string, TaskMetricSeries>();
  for (const s of series) {
    const key = `${s.stepName}/${s.task}/${s.name}`;
    const seen = byTask.get(key);
    if (!seen || s.attempt > seen.attempt) byTask.set(key, s);
  }
  return [...byTask.values()];
}

/**
 * The compared runs' metrics: one line chart per metric, a line per run (per task of
 * the run when several tasks logged it, up to eight), coloured by run. Read from
 * `GET /flows/{flow}/runs/{run}/metrics?maxPoints=300`, downsampled by the server.
 */
export function Metrics({ runs }: { runs: RunRef[] }) {
  const [state, setState] = useState<{ series: TaskMetricSeries[][] } | { error: string } | undefined>();
  const key = runs.map((r) => `${r.flow}/${r.run}`).join(",");
  useEffect(() => {
    setState(undefined);
    Promise.all(runs.map((r) => getJson<TaskMetricSeries[]>(`${paths.run(r.flow, r.run)}/metrics?maxPoints=${MAX_POINTS}`).then(latestAttempts)))
      .then((series) => setState({ series }))
      .catch((error: Error) => setState({ error: error.message }));
    // `runs` is a new array on every render; `key` says which runs they are.
  }, [key]);
  if (!state) return <p className="loading">Loading metrics…</p>;
  if ("error" in state) return <p className="error">Could not read metrics: {state.error}</p>;
  const names = [...new Set(state.series.flat().map((s) => s.name))].sort();
  if (names.length === 0) return <p className="muted">These runs logged no metrics (current.logMetric).</p>;
  return (
    <div className="metrics">
      {names.map((name) => {
        const lines: ChartSeries[] = [];
        let hidden = 0;
        state.series.forEach((perRun, i) => {
          const mine = perRun.filter((s) => s.name === name);
          hidden += Math.max(0, mine.length - MAX_TASKS_PER_RUN);
          for (const s of mine.slice(0, MAX_TASKS_PER_RUN)) {
            const run = `${runs[i]!.flow}/${runs[i]!.run}`;
            lines.push({ key: `${run}/${s.stepName}/${s.task}`, label: mine.length > 1 ? `${run} ${s.stepName}/${s.task}` : run, color: i, points: s.points.map((p) => ({ x: p.step, y: p.value })) });
          }
        });
        return <LineChart key={name} name={name} series={lines} width={420} height={200} {...(hidden ? { footer: `${hidden} more tasks logged ${name}; their task pages show them.` } : {})} />;
      })}
    </div>
  );
}
