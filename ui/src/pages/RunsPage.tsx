import { useState } from "react";
import { getJson } from "../api.ts";
import { Status } from "../components/Status.tsx";
import { duration, elapsed, time } from "../format.ts";
import { usePolling } from "../live.ts";
import { href, navigate, onLink } from "../router.ts";
import type { RunsPage as Page, RunView } from "../types.ts";

const FILTERS = ["status", "user", "tag", "since", "until"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** Runs across flows, newest first, filtered by the URL's query (so a filtered list can be linked). */
export function RunsPage({ flow, search }: { flow?: string; search: string }) {
  const query = new URLSearchParams(search);
  const filters: Filters = Object.fromEntries(FILTERS.flatMap((f) => (query.get(f) ? [[f, query.get(f)!]] : [])));
  const [more, setMore] = useState<{ key: string; runs: RunView[]; next: string | null }>({ key: "", runs: [], next: null });
  const [chosen, setChosen] = useState<string[]>([]);
  const api = (cursor?: string) => {
    const q = new URLSearchParams({ limit: "100" });
    if (flow) q.set("flow", flow);
    for (const [k, v] of Object.entries(filters)) q.set(k, k === "since" || k === "until" ? new Date(v).toISOString() : v);
    if (cursor) q.set("cursor", cursor);
    return `/runs?${q}`;
  };
  const key = `${flow ?? ""}?${search}`;
  // The first page is read again every 3 s: new runs appear and running ones finish without a reload.
  const first = usePolling((signal) => getJson<Page>(api(), signal), key, 3000);
  const flows = usePolling((signal) => getJson<{ name: string }[]>("/flows", signal), "flows", 10_000);
  const later = more.key === key ? more : { runs: [], next: null };
  const runs = [...(first.data?.runs ?? []), ...later.runs];
  const next = later.runs.length ? later.next : (first.data?.next ?? null);

  const setFilter = (name: string, value: string) => {
    const q = new URLSearchParams(search);
    if (value) q.set(name, value);
    else q.delete(name);
    const path = name === "flow" ? (value ? href(value) : "/") : flow ? href(flow) : "/";
    q.delete("flow");
    navigate(`${path}${q.size ? `?${q}` : ""}`);
  };
  const compare = () => navigate(`/-/compare?${chosen.map((c) => `runs=${encodeURIComponent(c)}`).join("&")}`);
  const sameFlow = new Set(chosen.map((c) => c.split("/")[0])).size === 1;
  // Until the first page for these filters arrives, the list says so rather than show
  // nothing, and aria-busy tells assistive technology (and tests) the list is not final.
  const loading = !first.data && !first.error;

  return (
    <section className="run-list" aria-busy={loading}>
      <h1>{flow ? `Runs of ${flow}` : "Runs"}</h1>
      <div className="filters">
        <label>
          Flow
          <select aria-label="Flow" value={flow ?? ""} onChange={(e) => setFilter("flow", e.target.value)}>
            <option value="">all flows</option>
            {(flows.data ?? []).map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select aria-label="Status" value={filters.status ?? ""} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">any</option>
            {["running", "succeeded", "failed", "killed"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <TextFilter label="User" value={filters.user} onSet={(v) => setFilter("user", v)} />
        <TextFilter label="Tag" value={filters.tag} onSet={(v) => setFilter("tag", v)} />
        <label>
          Since
          <input aria-label="Since" type="datetime-local" value={filters.since ?? ""} onChange={(e) => setFilter("since", e.target.value)} />
        </label>
        <label>
          Until
          <input aria-label="Until" type="datetime-local" value={filters.until ?? ""} onChange={(e) => setFilter("until", e.target.value)} />
        </label>
        <button disabled={chosen.length < 2 || !sameFlow} onClick={compare} title="Tick two or more runs of one flow">
          Compare {chosen.length || ""}
        </button>
      </div>
      {loading && <p className="loading">Loading runs…</p>}
      {first.error && <p className="error">Could not list runs: {first.error.message}</p>}
      {first.data && runs.length === 0 && <p className="empty">No runs match.</p>}
      {runs.length > 0 && (
        <table className="runs">
          <thead>
            <tr>
              <th aria-label="choose" />
              <th>Flow</th>
              <th>Run</th>
              <th>Status</th>
              <th>User</th>
              <th>Tags</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const id = `${r.flow}/${r.run}`;
              return (
                <tr key={id} data-run={id}>
                  <td>
                    <input type="checkbox" aria-label={`choose ${id}`} checked={chosen.includes(id)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, id] : c.filter((x) => x !== id)))} />
                  </td>
                  <td>
                    <a href={href(r.flow)} onClick={onLink}>
                      {r.flow}
                    </a>
                  </td>
                  <td>
                    <a href={href(r.flow, r.run)} onClick={onLink}>
                      {r.run}
                    </a>
                  </td>
                  <td>
                    <Status status={r.state?.status ?? "pending"} />
                  </td>
                  <td>{r.user}</td>
                  <td className="tags">
                    {r.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td>{time(r.createdAt)}</td>
                  <td>{duration(elapsed(r.createdAt, r.state?.status === "running" ? undefined : (r.state?.finishedAt ?? r.heartbeatAt ?? r.createdAt)))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {next && (
        <button className="more" onClick={() => void getJson<Page>(api(next)).then((page) => setMore({ key, runs: [...later.runs, ...page.runs], next: page.next }))}>
          Show more runs
        </button>
      )}
    </section>
  );
}

/** A text filter applied on Enter or when the field is left. */
function TextFilter({ label, value, onSet }: { label: string; value: string | undefined; onSet: (v: string) => void }) {
  const [text, setText] = useState(value ?? "");
  return (
    <label>
      {label}
      <input
        aria-label={label}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== (value ?? "") && onSet(text.trim())}
        onKeyDown={(e) => e.key === "Enter" && onSet(text.trim())}
      />
    </label>
  );
}
