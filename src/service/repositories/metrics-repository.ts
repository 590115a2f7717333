import type { TaskRef } from "../../datastore/layout.ts";
import { compareIds } from "../../metadata/ids.ts";
import { limitPoints, seriesOf, type MetricPoint, type MetricSeries, type MetricsFile } from "../../metadata/metrics.ts";
import type { MetricsQuery, TaskMetricSeries } from "../../metadata/types.ts";
import type { Database } from "../db/database.ts";
import { isPgError, PG_FOREIGN_KEY_VIOLATION } from "./rows.ts";

/** A point as stored and sent: [step, value, time]. */
export type PointTuple = [number, number, number];

interface Row {
  step: string;
  task: string;
  attempt: number;
  name: string;
  count: number;
  last_point: PointTuple;
  points: PointTuple[];
}

const toPoint = ([step, value, time]: PointTuple): MetricPoint => ({ step, value, time });
const toTuple = (p: MetricPoint): PointTuple => [p.step, p.value, p.time];

/** Metrics: one row per attempt and name, with every point in step order and the last one apart. */
export class MetricsRepository {
  constructor(private readonly db: Database) {}

  /** Replaces the attempt's metrics. False if the run does not exist. */
  async record(ref: TaskRef, attempt: number, metrics: MetricsFile): Promise<boolean> {
    const rows = seriesOf(metrics, attempt).map((s) => ({ name: s.name, count: s.count, last_point: toTuple(s.last), points: s.points.map(toTuple) }));
    const params = [ref.flow, ref.run, ref.step, ref.task, attempt];
    try {
      await this.db.transaction(async (tx) => {
        await tx.query("DELETE FROM metrics WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 AND attempt = $5", params);
        await tx.query(
          `INSERT INTO metrics (flow, run, step, task, attempt, name, count, last_point, points)
           SELECT $1, $2, $3, $4, $5, m.name, m.count, m.last_point, m.points
             FROM jsonb_to_recordset($6::jsonb) AS m(name text, count integer, last_point jsonb, points jsonb)`,
          [...params, JSON.stringify(rows)],
        );
      });
      // An empty list inserts nothing, so no foreign key says whether the run exists.
      return rows.length > 0 || (await this.db.query("SELECT 1 FROM runs WHERE flow = $1 AND run = $2", [ref.flow, ref.run])).length > 0;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }

  async listTask(ref: TaskRef, query: MetricsQuery): Promise<MetricSeries[]> {
    const rows = await this.select("flow = $1 AND run = $2 AND step = $3 AND task = $4", [ref.flow, ref.run, ref.step, ref.task], query);
    return rows.map(({ stepName: _s, task: _t, ...series }) => series);
  }

  /** Every task's metrics, by step, task (natural id order), attempt and name. */
  async listRun(flow: string, run: string, query: MetricsQuery): Promise<TaskMetricSeries[]> {
    const rows = await this.select("flow = $1 AND run = $2", [flow, run], query);
    return rows.sort((a, b) => (a.stepName < b.stepName ? -1 : a.stepName > b.stepName ? 1 : compareIds(a.task, b.task) || a.attempt - b.attempt || (a.name < b.name ? -1 : 1)));
  }

  private async select(where: string, params: unknown[], { maxPoints }: MetricsQuery): Promise<TaskMetricSeries[]> {
    // The summary (maxPoints 0) reads no points at all.
    const points = maxPoints === 0 ? "'[]'::jsonb" : "points";
    const rows = await this.db.query<Row>(`SELECT step, task, attempt, name, count, last_point, ${points} AS points FROM metrics WHERE ${where} ORDER BY step, task, attempt, name`, params);
    return rows.map((r) => limitPoints({ stepName: r.step, task: r.task, name: r.name, attempt: r.attempt, count: r.count, last: toPoint(r.last_point), points: r.points.map(toPoint) }, maxPoints));
  }
}
