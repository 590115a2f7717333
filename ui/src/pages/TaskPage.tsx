import { useEffect, useState } from "react";
import { getJson, getOptional, paths } from "../api.ts";
import { LogView } from "../components/LogView.tsx";
import { PreviewView } from "../components/Preview.tsx";
import { Status } from "../components/Status.tsx";
import { TaskReports } from "../components/TaskReports.tsx";
import { bytes, duration, elapsed, time } from "../format.ts";
import { usePolling } from "../live.ts";
import { href, onLink } from "../router.ts";
import type { ArtifactMetadata, ArtifactPreview, AttemptRecord, MetadataEntry, RunView, TaskStatus } from "../types.ts";

interface TaskData {
  attempts: AttemptRecord[];
  artifacts: ArtifactMetadata[];
  metadata: MetadataEntry[];
  run: RunView;
}

const statusOf = (a: AttemptRecord | undefined): TaskStatus => (!a ? "pending" : a.finishedAt === undefined && a.ok === undefined ? "running" : a.ok ? "succeeded" : "failed");

/**
 * Whether the task can still change: its run has not ended and its latest attempt did
 * not succeed. A task registered before its first attempt starts (pending), or whose
 * failed attempt is about to be retried, gets its next attempt later.
 */
const mayChange = ({ run, attempts }: TaskData): boolean => (run.state?.status ?? "running") === "running" && statusOf(attempts.at(-1)) !== "succeeded";

/** A task: its attempts and failures, logs (live while it runs), artifacts with previews, cards and metrics (live too), and metadata. */
export function TaskPage({ flow, run, step, task, search }: { flow: string; run: string; step: string; task: string; search: string }) {
  const base = paths.task(flow, run, step, task);
  const loaded = usePolling(
    async (signal): Promise<TaskData> => {
      const [attempts, artifacts, metadata, view] = await Promise.all([
        getJson<AttemptRecord[]>(`${base}/attempts`, signal),
        getJson<ArtifactMetadata[]>(`${base}/artifacts`, signal),
        getJson<MetadataEntry[]>(`${base}/metadata`, signal),
        getJson<RunView>(paths.run(flow, run), signal),
      ]);
      return { attempts, artifacts, metadata, run: view };
    },
    base,
    (data) => (!data || mayChange(data) ? 1500 : null),
  );
  const asked = new URLSearchParams(search).get("attempt");
  useEffect(() => {
    if (location.hash === "#failure" && loaded.data) document.getElementById("failure")?.scrollIntoView();
  }, [loaded.data]);
  if (loaded.error && !loaded.data) return <p className="error">Could not load {flow}/{run}/{step}/{task}: {loaded.error.message}</p>;
  if (!loaded.data) return <p className="loading">Loading…</p>;
  const { attempts, artifacts, metadata, run: view } = loaded.data;
  const latest = attempts.at(-1);
  const attempt = asked !== null ? attempts.find((a) => String(a.attempt) === asked) ?? latest : latest;
  const running = statusOf(attempt) === "running" && view.state?.status === "running";
  const failure = [...attempts].reverse().find((a) => a.exception);
  const shownArtifacts = artifacts.filter((a) => a.attempt === attempt?.attempt);
  return (
    <section className="task">
      <h1>
        {flow}/{run}/{step}/{task} <Status status={statusOf(latest)} />
      </h1>
      <p>
        <a href={href(flow, run, step)} onClick={onLink}>
          ← the run's {step} tasks
        </a>
      </p>
      <h2>Attempts</h2>
      <table className="attempts">
        <thead>
          <tr>
            <th>Attempt</th>
            <th>Status</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Failure</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <tr key={a.attempt} className={a.attempt === attempt?.attempt ? "current" : ""}>
              <td>
                <a href={`${href(flow, run, step, task)}?attempt=${a.attempt}`} onClick={onLink}>
                  {a.attempt}
                </a>
              </td>
              <td>
                <Status status={statusOf(a)} />
              </td>
              <td>{time(a.startedAt)}</td>
              <td>{duration(elapsed(a.startedAt, a.finishedAt))}</td>
              <td>{a.exception ? `${a.exception.type}: ${a.exception.message.slice(0, 200)}` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {failure?.exception && (
        <div id="failure" className="failure-box">
          <h3>
            Attempt {failure.attempt} failed: {failure.exception.type}
          </h3>
          <pre className="message">{failure.exception.message}</pre>
          {failure.exception.stack && (
            <details open>
              <summary>Stack trace</summary>
              <pre>{failure.exception.stack}</pre>
            </details>
          )}
        </div>
      )}
      {attempt && (
        <>
          <h2>Logs of attempt {attempt.attempt}</h2>
          <div className="logs">
            <LogView base={base} attempt={attempt.attempt} stream="stdout" live={running} />
            <LogView base={base} attempt={attempt.attempt} stream="stderr" live={running} />
          </div>
        </>
      )}
      <h2>Artifacts</h2>
      <Artifacts base={base} artifacts={shownArtifacts} />
      <TaskReports base={base} attempt={attempt?.attempt} running={running} succeeded={statusOf(attempt) === "succeeded"} />
      <h2>Metadata</h2>
      <table className="metadata">
        <tbody>
          {metadata.map((m) => (
            <tr key={`${m.attempt}/${m.field}`}>
              <td>{m.attempt}</td>
              <th>{m.field}</th>
              <td>{m.value}</td>
              <td className="muted">{m.type}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The attempt's artifacts with type, size and hash; a click loads a preview computed by the server. */
function Artifacts({ base, artifacts }: { base: string; artifacts: ArtifactMetadata[] }) {
  const [open, setOpen] = useState<Record<string, ArtifactPreview | string | undefined>>({});
  if (artifacts.length === 0) return <p className="muted">No artifacts.</p>;
  const load = async (a: ArtifactMetadata) => {
    if (open[a.name]) return setOpen((o) => ({ ...o, [a.name]: undefined }));
    setOpen((o) => ({ ...o, [a.name]: "loading" }));
    const preview = await getOptional<ArtifactPreview>(`${base}/artifacts/${encodeURIComponent(a.name)}/preview?attempt=${a.attempt}`).catch((e: Error) => e.message);
    setOpen((o) => ({ ...o, [a.name]: preview ?? "Its data is missing from the datastore." }));
  };
  return (
    <table className="artifacts">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Size</th>
          <th>SHA-256</th>
        </tr>
      </thead>
      <tbody>
        {artifacts.map((a) => {
          const p = open[a.name];
          return [
            <tr key={a.name} data-artifact={a.name}>
              <td>
                <button className="link" aria-expanded={Boolean(p)} onClick={() => void load(a)}>
                  {a.name}
                </button>
              </td>
              <td>{a.type}</td>
              <td>{bytes(a.size)}</td>
              <td className="sha" title={a.sha}>
                {a.sha.slice(0, 12)}
              </td>
            </tr>,
            p && (
              <tr key={`${a.name}-preview`} className="preview">
                <td colSpan={4}>
                  {typeof p === "string" ? (
                    <span className="muted">{p === "loading" ? "Loading preview…" : p}</span>
                  ) : (
                    <>
                      <PreviewView node={p.value} />
                      {!p.whole && <div className="muted">Preview of the first {bytes(p.bytesRead)} of {bytes(p.size)}.</div>}
                    </>
                  )}
                </td>
              </tr>
            ),
          ];
        })}
      </tbody>
    </table>
  );
}
