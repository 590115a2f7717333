import { WeftError } from "../../errors/weft-error.ts";
import type { MetricOptions } from "../../flow/current.ts";
import { checkMetricName, MAX_POINTS_PER_METRIC, type MetricsFile } from "../../metadata/metrics.ts";

/**
 * The metrics a task logs, kept in memory (logging is a synchronous push) and saved
 * with the task: while it runs through `onChange`, and at its end before the done marker.
 */
export class MetricsLog {
  private readonly points: MetricsFile = {};
  private warnedNonFinite = false;
  /** Called after every point; the executor throttles its live writes. */
  onChange: (() => void) | undefined;

  get size(): number {
    return Object.keys(this.points).length;
  }

  log(name: string, value: number, options: MetricOptions = {}): void {
    checkMetricName(name);
    if (typeof value !== "number") {
      throw new WeftError("USAGE", `current.logMetric("${name}", …) needs a number, not ${value === null ? "null" : typeof value}.`, { hint: "Convert it first, e.g. Number(x)." });
    }
    if (!Number.isFinite(value)) {
      // A diverging loss must not kill the training that logs it: the point is left out, once said.
      if (!this.warnedNonFinite) process.stderr.write(`weft: current.logMetric("${name}", ${value}) left out: metrics hold finite numbers only (said once).\n`);
      this.warnedNonFinite = true;
      return;
    }
    const series = (this.points[name] ??= []);
    const step = options.step ?? (series.length ? series.at(-1)!.step + 1 : 0);
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new WeftError("USAGE", `current.logMetric("${name}", ${value}, { step: ${String(step)} }): step must be a whole number ≥ 0.`, { hint: "Use the epoch or iteration number." });
    }
    if (series.length >= MAX_POINTS_PER_METRIC) {
      throw new WeftError("USAGE", `Metric "${name}" already has ${MAX_POINTS_PER_METRIC} points in this task.`, { hint: "Log every Nth step instead of every step." });
    }
    series.push({ step, value, time: Date.now() });
    this.onChange?.();
  }

  names(): string[] {
    return Object.keys(this.points).sort();
  }

  /** The points as stored: UTF-8 JSON. */
  bytes(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.points));
  }
}
