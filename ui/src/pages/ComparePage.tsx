import { getJson, getOptional, paths } from "../api.ts";
import { Metrics } from "../components/Metrics.tsx";
import { PreviewView } from "../components/Preview.tsx";
import { Status } from "../components/Status.tsx";
import { usePolling } from "../live.ts";
import { href, onLink } from "../router.ts";
import type { ArtifactMetadata, ArtifactPreview, RunOutline, RunView, TaskSummary } from "../types.ts";

interface Compared {
  flow: string;
  run: string;
  view: RunView;
  outline: RunOutline | undefined;
  /** Artifacts of the run's tasks outside any foreach (start, joins, end): one task per step. */
  artifacts: Map<string, ArtifactMetadata>;
}

const SMALL = 4096;

/** Two or more runs of a flow side by side: parameters, the artifacts that differ (with their values when small), and metrics. */
export function ComparePage({ runs }: { runs: string[] }) {
  const refs = runs.map((r) => {
    const [flow = "", run = ""] = r.split("/");
    return { flow, run };
  });
  const loaded = usePolling(
    async (signal) => {
      const compared = await Promise.all(refs.map(async ({ flow, run }): Promise<Compared> => {
        const [view, outline, tasks] = await Promise.all([getJson<RunView>(paths.run(flow, run), signal), getOptional<RunOutline>(`${paths.run(flow, run)}/outline`), getJson<TaskSummary[]>(`${paths.run(flow, run)}/tasks`, signal)]);
        const single = tasks.filter((t) => t.foreachStack.length === 0 && t.status === "succeeded");
        const lists = await Promise.all(single.map((t) => getJson<ArtifactMetadata[]>(`${paths.task(flow, run, t.step, t.task)}/artifacts`, signal).then((list) => ({ t, list }))));
        const artifacts = new Map<string, ArtifactMetadata>();
        for (const { t, list } of lists) {
          const last = Math.max(...list.map((a) => a.attempt));
          for (const a of list) if (a.attempt === last) artifacts.set(`${t.step}/${t.task}/${a.name}`, a);
        }
        return { flow, run, view, outline, artifacts };
      }));
      const differing = [...new Set(compared.flatMap((c) => [...c.artifacts.keys()]))].filter((key) => new Set(compared.map((c) => c.artifacts.get(key)?.sha ?? "")).size > 1).sort();
      const values = new Map<string, ArtifactPreview | undefined>();
      await Promise.all(compared.flatMap((c) => differing.map(async (key) => {
        const a = c.artifacts.get(key);
        if (!a || a.size > SMALL) return;
        const [step = "", task = ""] = key.split("/");
        values.set(`${c.run}|${key}`, await getOptional<ArtifactPreview>(`${paths.task(c.flow, c.run, step, task)}/artifacts/${encodeURIComponent(a.name)}/preview?attempt=${a.attempt}`));
      })));
      return { compared, differing, values };
    },
    runs.join(","),
    () => null,
  );
  if (refs.length < 2) return <p className="empty">Compare needs two or more runs: tick them on the runs page.</p>;
  if (loaded.error && !loaded.data) return <p className="error">Could not compare: {loaded.error.message}</p>;
  if (!loaded.data) return <p className="loading">Loading {runs.join(", ")}…</p>;
  const { compared, differing, values } = loaded.data;
  const params = [...new Set(compared.flatMap((c) => Object.keys(c.outline?.params ?? {})))].sort();
  return (
    <section className="compare">
      <h1>Compare {compared.map((c) => `${c.flow}/${c.run}`).join(" · ")}</h1>
      <table className="side-by-side">
        <thead>
          <tr>
            <th />
            {compared.map((c) => (
              <th key={c.run}>
                <a href={href(c.flow, c.run)} onClick={onLink}>
                  {c.flow}/{c.run}
                </a>{" "}
                <Status status={c.view.state?.status ?? "pending"} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr className="section">
            <th colSpan={compared.length + 1}>Parameters</th>
          </tr>
          {params.map((p) => {
            const shown = compared.map((c) => JSON.stringify(c.outline?.params[p]));
            return (
              <tr key={p} className={new Set(shown).size > 1 ? "differs" : ""}>
                <th>{p}</th>
                {shown.map((v, i) => (
                  <td key={i}>{v ?? "—"}</td>
                ))}
              </tr>
            );
          })}
          <tr className="section">
            <th colSpan={compared.length + 1}>Artifacts that differ ({differing.length})</th>
          </tr>
          {differing.map((key) => (
            <tr key={key} className="differs">
              <th>{key}</th>
              {compared.map((c) => {
                const a = c.artifacts.get(key);
                const value = values.get(`${c.run}|${key}`);
                return <td key={c.run}>{!a ? "—" : value ? <PreviewView node={value.value} depth={2} /> : <span className="sha">{a.type} {a.sha.slice(0, 12)}</span>}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Metrics</h2>
      <Metrics runs={refs} />
    </section>
  );
}
