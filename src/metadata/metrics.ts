import { WeftError } from "../errors/weft-error.ts";

/**
 * Metrics: time series a task logs with `current.logMetric(name, value, { step })`.
 * The same names and shapes serve the task, both metadata providers, the service and
 * the client.
 */

/** Metric names: letters, digits and `_ - . /` (`loss`, `val/accuracy`), as MLflow allows. */
export const METRIC_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_\-./]{0,254}$/;
export const METRIC_NAME_RULE = "1 to 255 letters, digits, _, -, . or /, starting with a letter, digit or _ (e.g. loss, val/accuracy)";

/** The most points one task keeps per metric; more are refused (log every Nth step instead). */
export const MAX_POINTS_PER_METRIC = 1_000_000;

export interface MetricPoint {
  /** Position on the x axis (epoch, iteration): a whole number ≥ 0. */
  step: number;
  value: number;
  /** When it was logged, ms since the epoch. */
  time: number;
}

/** One metric of one task attempt. */
export interface MetricSeries {
  name: string;
  attempt: number;
  /** Every point logged, even when `points` is downsampled. */
  count: number;
  /** The last point logged (the highest step, latest on ties). */
  last: MetricPoint;
  /** In step order; downsampled when a reader asked for at most N points. */
  points: MetricPoint[];
}

/** What a task stores: every metric's points, in the order logged. */
export type MetricsFile = Record<string, MetricPoint[]>;

export function checkMetricName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !METRIC_NAME_PATTERN.test(name)) {
    throw new WeftError("USAGE", `Invalid metric name ${JSON.stringify(name)}: it must be ${METRIC_NAME_RULE}.`, { hint: 'Example: current.logMetric("val/loss", 0.31, { step: epoch }).' });
  }
}

/** A task's points as series, each sorted by step (stable: points of one step keep their order). */
export function seriesOf(file: MetricsFile, attempt: number): MetricSeries[] {
  return Object.keys(file)
    .sort()
    .filter((name) => (file[name]?.length ?? 0) > 0)
    .map((name) => {
      const points = [...file[name]!].sort((a, b) => a.step - b.step);
      return { name, attempt, count: points.length, last: points.at(-1)!, points };
    });
}

/**
 * At most `max` points that keep the shape of the series: the first and last points,
 * and in each of the buckets between them the lowest and highest value (so spikes
 * survive). The stored series stays exact; this is for display.
 */
export function downsample(points: MetricPoint[], max: number): MetricPoint[] {
  if (max <= 0) return [];
  if (points.length <= max) return points;
  if (max < 4) return max === 1 ? [points.at(-1)!] : [points[0]!, points.at(-1)!];
  const inner = points.slice(1, -1);
  const buckets = Math.floor((max - 2) / 2);
  const out: MetricPoint[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * inner.length) / buckets);
    const to = Math.floor(((b + 1) * inner.length) / buckets);
    if (to <= from) continue;
    let low = from;
    let high = from;
    for (let i = from + 1; i < to; i++) {
      if (inner[i]!.value < inner[low]!.value) low = i;
      if (inner[i]!.value > inner[high]!.value) high = i;
    }
    for (const i of low === high ? [low] : [Math.min(low, high), Math.max(low, high)]) out.push(inner[i]!);
  }
  out.push(points.at(-1)!);
  return out;
}

/** The series with its points cut to `maxPoints` (undefined: all of them; 0: none, the summary only). */
export function limitPoints<S extends MetricSeries>(series: S, maxPoints: number | undefined): S {
  return maxPoints === undefined ? series : { ...series, points: downsample(series.points, maxPoints) };
}
