import { getJson, getOptional, paths } from "../api.ts";
import { Dag } from "../components/Dag.tsx";
import { JsonValue } from "../components/Preview.tsx";
import { Status } from "../components/Status.tsx";
import { Tags } from "../components/Tags.tsx";
import { TaskList } from "../components/TaskList.tsx";
import { Timeline } from "../components/Timeline.tsx";
import { duration, elapsed, time } from "../format.ts";
import { usePolling } from "../live.ts";
import { href, onLink } from "../router.ts";
import type { RunOutline, RunView, TaskSummary } from "../types.ts";

interface RunData {
  run: RunView;
  outline: RunOutline | undefined;
  tasks: TaskSummary[];
}

/** A run: its state, DAG, timeline, parameters, tags and tasks; read again while it runs. */
export function RunPage({ flow, run, step }: { flow: string; run: string; step?: string }) {
  const loaded = usePolling(
    async (signal): Promise<RunData> => {
      const [view, outline, tasks] = await Promise.all([
        getJson<RunView>(paths.run(flow, run), signal),
        getOptional<RunOutline>(`${paths.run(flow, run)}/outline`),
        getJson<TaskSummary[]>(`${paths.run(flow, run)}/tasks`, signal),
      ]);
      return { run: view, outline, tasks };
    },
    `${flow}/${run}`,
    (data) => (!data || data.run.state?.status === "running" || data.run.state === null ? (data && data.tasks.length > 2000 ? 5000 : 1500) : null),
  );
  if (loaded.error && !loaded.data) return <p className="error">Could not load {flow}/{run}: {loaded.error.message}</p>;
  if (!loaded.data) return <p className="loading">Loading {flow}/{run}…</p>;
  const { run: view, outline } = loaded.data;
  // Steps in the flow's order (source order), tasks in natural id order within each.
  const order = new Map((outline?.graph.steps ?? []).map((s, i) => [s, i]));
  const tasks = [...loaded.data.tasks].sort((a, b) => (order.get(a.step) ?? 1e9) - (order.get(b.step) ?? 1e9));
  const status = view.state?.status ?? "pending";
  const now = Date.now();
  const failed = tasks.filter((t) => t.status === "failed");
  const inStep = step ? tasks.filter((t) => t.step === step) : tasks;
  return (
    <section className="run">
      <h1>
        {flow}/{run} <Status status={status} />
      </h1>
      <dl className="facts">
        <dt>User</dt>
        <dd>{view.user}</dd>
        <dt>Started</dt>
        <dd>{time(view.createdAt)}</dd>
        <dt>Duration</dt>
        <dd>{duration(elapsed(view.createdAt, status === "running" ? undefined : (view.state?.finishedAt ?? view.createdAt), now))}</dd>
        {view.originRun && (
          <>
            <dt>Resumed from</dt>
            <dd>
              <a href={href(flow, view.originRun)} onClick={onLink}>
                {flow}/{view.originRun}
              </a>
            </dd>
          </>
        )}
        {view.state?.reason && (
          <>
            <dt>Reason</dt>
            <dd className="reason">{view.state.reason}</dd>
          </>
        )}
      </dl>
      {failed.length > 0 && (
        <div className="failed-callout" role="alert">
          {failed.slice(0, 3).map((t) => (
            <div key={`${t.step}/${t.task}`}>
              Failed: <a href={`${href(flow, run, t.step, t.task)}#failure`} onClick={onLink}>{`${t.step}/${t.task}`}</a> after {t.attempts.length} attempt{t.attempts.length === 1 ? "" : "s"}
              {t.exception && (
                <span className="exception">
                  {" "}
                  — {t.exception.type}: {t.exception.message}
                </span>
              )}
            </div>
          ))}
          {failed.length > 3 && <div>…and {failed.length - 3} more failed tasks.</div>}
        </div>
      )}
      <h2>Tags</h2>
      <Tags key={view.tags.join("\n")} flow={flow} run={run} tags={view.tags} systemTags={view.systemTags} />
      <div className="run-grid">
        <div>
          <h2>Graph</h2>
          {outline ? <Dag graph={outline.graph} tasks={tasks} flow={flow} run={run} finished={view.state !== null && status !== "running"} {...(step ? { selected: step } : {})} /> : <p className="muted">No graph on record for this run (started by a Weft without the web UI).</p>}
        </div>
        <div>
          <h2>Parameters</h2>
          {outline ? (
            Object.keys(outline.params).length ? (
              <table className="params">
                <tbody>
                  {Object.entries(outline.params).map(([name, value]) => (
                    <tr key={name}>
                      <th>{name}</th>
                      <td>
                        <JsonValue value={value} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">This flow has no parameters.</p>
            )
          ) : (
            <p className="muted">Not on record.</p>
          )}
        </div>
      </div>
      <h2>Timeline</h2>
      <Timeline tasks={tasks} now={now} />
      <h2>
        Tasks{step ? ` of ${step}` : ""}
        {step && (
          <a className="clear" href={href(flow, run)} onClick={onLink}>
            all steps
          </a>
        )}
      </h2>
      <TaskList tasks={inStep} flow={flow} run={run} now={now} />
    </section>
  );
}
