/** Colours of series, by index; the legend's swatches use the same (`.swatch[data-color]`). */
export const COLORS = ["#3572c6", "#d64545", "#2e9d57", "#d9a21b", "#8a4fc4", "#1aa3a3"];

export interface ChartSeries {
  /** Unique within the chart; also its `data-series` attribute. */
  key: string;
  label: string;
  /** Index into COLORS. */
  color: number;
  /** In x order; already downsampled by the server for display. */
  points: { x: number; y: number }[];
}

const short = (n: number) => (Number.isInteger(n) ? String(n) : Math.abs(n) >= 1000 || Math.abs(n) < 0.001 ? n.toExponential(2) : n.toPrecision(4));

/**
 * A line chart as SVG: one polyline per series (a single point is a dot), the y range
 * and x range written at the axes. Series come downsampled (`maxPoints`), so a metric of
 * a million points costs what one of a few hundred does.
 */
export function LineChart({ name, series, width = 360, height = 170, footer }: { name: string; series: ChartSeries[]; width?: number; height?: number; footer?: string }) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return null;
  const [x0, x1] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  const [y0, y1] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  const [left, right, top, bottom] = [46, 10, 8, 22];
  const sx = (x: number) => left + ((x - x0) / (x1 - x0 || 1)) * (width - left - right);
  const sy = (y: number) => height - bottom - ((y - y0) / (y1 - y0 || 1)) * (height - top - bottom);
  return (
    <figure className="chart" data-metric={name}>
      <figcaption>{name}</figcaption>
      <svg width={width} height={height} role="img" aria-label={`metric ${name}`}>
        <line className="axis-line" x1={left} y1={top} x2={left} y2={height - bottom} />
        <line className="axis-line" x1={left} y1={height - bottom} x2={width - right} y2={height - bottom} />
        <text x={left - 4} y={top + 8} className="axis" textAnchor="end">
          {short(y1)}
        </text>
        <text x={left - 4} y={height - bottom} className="axis" textAnchor="end">
          {short(y0)}
        </text>
        <text x={left} y={height - 6} className="axis">
          {short(x0)}
        </text>
        <text x={width - right} y={height - 6} className="axis" textAnchor="end">
          {short(x1)}
        </text>
        {series.map((s) => {
          const color = COLORS[s.color % COLORS.length]!;
          return s.points.length === 1 ? (
            <circle key={s.key} data-series={s.key} cx={sx(s.points[0]!.x)} cy={sy(s.points[0]!.y)} r="3.5" fill={color} />
          ) : (
            <polyline key={s.key} data-series={s.key} fill="none" stroke={color} strokeWidth="1.8" points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")} />
          );
        })}
      </svg>
      <div className="legend">
        {series.map((s) => (
          <span key={s.key}>
            <i className="swatch" data-color={s.color % COLORS.length} />
            {s.label}: {short(s.points.at(-1)!.y)}
          </span>
        ))}
      </div>
      {footer && <div className="muted small">{footer}</div>}
    </figure>
  );
}
