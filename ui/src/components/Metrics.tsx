import { useEffect, useState } from "react";
import { apiRoutes, getOptional, paths } from "../api.ts";

const COLORS = ["#3572c6", "#d64545", "#2e9d57", "#d9a21b", "#8a4fc4", "#1aa3a3"];

/** One metric of one run: its values in order (a single value is a series of one). */
interface Series {
  run: string;
  name: string;
  points: { x: number; y: number }[];
}

/**
 * Reads the metrics route's answer whatever its exact shape (the metrics work lands
 * separately): a list (or `{ metrics }`) of entries with a `name` and a `value`, a list
 * of `values`, or `points` of `{ step | x, value | y }`.
 */
function seriesOf(run: string, answer: unknown): Series[] {
  const list = Array.isArray(answer) ? answer : ((answer as { metrics?: unknown[] } | undefined)?.metrics ?? []);
  const byName = new Map<string, { x: number; y: number }[]>();
  for (const entry of list as Record<string, unknown>[]) {
    const name = typeof entry?.name === "string" ? entry.name : typeof entry?.key === "string" ? entry.key : undefined;
    if (!name) continue;
    const points = byName.get(name) ?? [];
    const push = (y: unknown, x?: unknown) => typeof y === "number" && points.push({ x: typeof x === "number" ? x : points.length, y });
    if (Array.isArray(entry.values)) entry.values.forEach((v) => push(v));
    else if (Array.isArray(entry.points)) for (const p of entry.points as Record<string, unknown>[]) push(p.value ?? p.y, p.step ?? p.x);
    else push(entry.value, entry.step);
    byName.set(name, points);
  }
  return [...byName].map(([name, points]) => ({ run, name, points }));
}

/** Metrics of the compared runs as line charts, one per metric, once the service has a metrics route. */
export function Metrics({ runs }: { runs: { flow: string; run: string }[] }) {
  const [state, setState] = useState<{ supported: boolean; series: Series[] } | undefined>();
  const key = runs.map((r) => `${r.flow}/${r.run}`).join(",");
  useEffect(() => {
    void apiRoutes().then(async (routes) => {
      const route = [...routes].find((p) => /^\/flows\/\{flow\}\/runs\/\{run\}\/metrics$/.test(p));
      if (!route) return setState({ supported: false, series: [] });
      const answers = await Promise.all(runs.map((r) => getOptional<unknown>(`${paths.run(r.flow, r.run)}/metrics`).catch(() => undefined)));
      setState({ supported: true, series: answers.flatMap((a, i) => seriesOf(runs[i]!.run, a)) });
    });
    // `runs` is a new array on every render; `key` says which runs they are.
  }, [key]);
  if (!state) return null;
  if (!state.supported) return <p className="muted">This service records no metrics yet.</p>;
  const names = [...new Set(state.series.map((s) => s.name))];
  if (names.length === 0) return <p className="muted">These runs recorded no metrics.</p>;
  return (
    <div className="metrics">
      {names.map((name) => (
        <Chart key={name} name={name} series={state.series.filter((s) => s.name === name)} runs={runs.map((r) => r.run)} />
      ))}
    </div>
  );
}

function Chart({ name, series, runs }: { name: string; series: Series[]; runs: string[] }) {
  const W = 320;
  const H = 160;
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  const [y0, y1] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  const sx = (x: number) => 30 + ((x - x0) / (x1 - x0 || 1)) * (W - 40);
  const sy = (y: number) => H - 20 - ((y - y0) / (y1 - y0 || 1)) * (H - 30);
  return (
    <figure className="chart">
      <figcaption>{name}</figcaption>
      <svg width={W} height={H} role="img" aria-label={`metric ${name}`}>
        <text x="2" y="12" className="axis">{y1.toPrecision(4)}</text>
        <text x="2" y={H - 22} className="axis">{y0.toPrecision(4)}</text>
        {series.map((s) => {
          const color = COLORS[runs.indexOf(s.run) % COLORS.length]!;
          return s.points.length === 1 ? (
            <circle key={s.run} cx={sx(s.points[0]!.x)} cy={sy(s.points[0]!.y)} r="4" fill={color} />
          ) : (
            <polyline key={s.run} fill="none" stroke={color} strokeWidth="2" points={s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" ")} />
          );
        })}
      </svg>
      <div className="legend">
        {series.map((s) => (
          <span key={s.run}>
            <i className="swatch" data-color={runs.indexOf(s.run) % COLORS.length} /> run {s.run}: {s.points.at(-1)?.y}
          </span>
        ))}
      </div>
    </figure>
  );
}
