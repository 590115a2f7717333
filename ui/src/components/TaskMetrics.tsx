import type { MetricSeries } from "../types.ts";
import { LineChart } from "./LineChart.tsx";

/** The attempt's metrics, a small chart each (by step), with how many points it logged. */
export function TaskMetrics({ metrics }: { metrics: MetricSeries[] }) {
  if (metrics.length === 0) return <p className="muted">This attempt logged no metrics (current.logMetric).</p>;
  return (
    <div className="metrics">
      {metrics.map((m) => (
        <LineChart
          key={m.name}
          name={m.name}
          series={[{ key: m.name, label: `last (step ${m.last.step})`, color: 0, points: m.points.map((p) => ({ x: p.step, y: p.value })) }]}
          footer={m.points.length < m.count ? `${m.count.toLocaleString()} points, ${m.points.length} drawn (first, last and each stretch's lowest and highest)` : `${m.count.toLocaleString()} point${m.count === 1 ? "" : "s"}`}
        />
      ))}
    </div>
  );
}
