import type { TaskRef } from "../../datastore/layout.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import type { AttemptRecord, TaskRecord } from "../../metadata/types.ts";
import type { Queryable } from "../db/database.ts";
import { compact, iso, isoOrUndefined, isPgError, PG_FOREIGN_KEY_VIOLATION } from "./rows.ts";

/** A task as the API returns it: its record and its last heartbeat. */
export interface TaskView extends TaskRecord {
  heartbeatAt?: string;
}

interface TaskRow {
  flow: string;
  run: string;
  step: string;
  task: string;
  created_at: Date;
  foreach_stack: ForeachFrame[];
  origin: string | null;
  heartbeat_at: Date | null;
}

const COLUMNS = "t.flow, t.run::text AS run, t.step, t.task::text AS task, t.created_at, t.foreach_stack, t.origin, t.heartbeat_at";

/** Steps, tasks and attempts. Methods return undefined or false when the parent is missing. */
export class TasksRepository {
  constructor(private readonly db: Queryable) {}

  /** Step names in the order their first task registered; undefined if the run does not exist. */
  async listSteps(flow: string, run: string): Promise<string[] | undefined> {
    const rows = await this.db.query<{ step: string | null }>(
      "SELECT s.step FROM runs r LEFT JOIN steps s ON s.flow = r.flow AND s.run = r.run WHERE r.flow = $1 AND r.run = $2 ORDER BY s.created_at, s.step",
      [flow, run],
    );
    return rows.length ? rows.flatMap((r) => (r.step === null ? [] : [r.step])) : undefined;
  }

  async hasStep(flow: string, run: string, step: string): Promise<boolean> {
    return (await this.db.query("SELECT 1 FROM steps WHERE flow = $1 AND run = $2 AND step = $3", [flow, run, step])).length > 0;
  }

  /**
   * Records the task, and its step on first sight, in one statement; registering it
   * again replaces the record. False if the run does not exist.
   */
  async register(task: TaskRecord): Promise<boolean> {
    try {
      await this.db.query(
        `WITH s AS (INSERT INTO steps (flow, run, step) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING)
         INSERT INTO tasks (flow, run, step, task, created_at, foreach_stack, origin) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (flow, run, step, task) DO UPDATE SET created_at = excluded.created_at, foreach_stack = excluded.foreach_stack, origin = excluded.origin`,
        [task.flow, task.run, task.step, task.task, task.createdAt, JSON.stringify(task.foreachStack), task.origin ?? null],
      );
      return true;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }

  /** By task number; undefined if the step does not exist. */
  async list(flow: string, run: string, step: string): Promise<TaskView[] | undefined> {
    const rows = await this.db.query<TaskRow | { [K in keyof TaskRow]: null }>(
      `SELECT ${COLUMNS} FROM steps s LEFT JOIN tasks t ON t.flow = s.flow AND t.run = s.run AND t.step = s.step
        WHERE s.flow = $1 AND s.run = $2 AND s.step = $3 ORDER BY t.task`,
      [flow, run, step],
    );
    return rows.length ? rows.flatMap((r) => (r.task === null ? [] : [toView(r as TaskRow)])) : undefined;
  }

  async get(ref: TaskRef): Promise<TaskView | undefined> {
    const [row] = await this.db.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks t WHERE t.flow = $1 AND t.run = $2 AND t.step = $3 AND t.task = $4`, [ref.flow, ref.run, ref.step, ref.task]);
    return row && toView(row);
  }

  /** Records the start or the end of an attempt, replacing an earlier one. False if the run does not exist. */
  async recordAttempt(ref: TaskRef, phase: "start" | "finish", attempt: AttemptRecord): Promise<boolean> {
    try {
      await this.db.query(
        `INSERT INTO attempts (flow, run, step, task, attempt, ${phase}) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (flow, run, step, task, attempt) DO UPDATE SET ${phase} = excluded.${phase}`,
        [ref.flow, ref.run, ref.step, ref.task, attempt.attempt, JSON.stringify(attempt)],
      );
      return true;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }

  /** Started attempts in order, each its start merged with its end. */
  async listAttempts(ref: TaskRef): Promise<AttemptRecord[]> {
    const rows = await this.db.query<{ start: AttemptRecord; finish: AttemptRecord | null }>(
      "SELECT start, finish FROM attempts WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 AND start IS NOT NULL ORDER BY attempt",
      [ref.flow, ref.run, ref.step, ref.task],
    );
    return rows.map((r) => ({ ...r.start, ...(r.finish ?? {}) }));
  }

  /** Beats for the task and its run together. False if the task is not registered. */
  async heartbeat(ref: TaskRef): Promise<boolean> {
    const rows = await this.db.query(
      `WITH r AS (UPDATE runs SET heartbeat_at = now() WHERE flow = $1 AND run = $2)
       UPDATE tasks SET heartbeat_at = now() WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 RETURNING 1`,
      [ref.flow, ref.run, ref.step, ref.task],
    );
    return rows.length > 0;
  }
}

function toView(row: TaskRow): TaskView {
  return compact({
    flow: row.flow,
    run: row.run,
    step: row.step,
    task: row.task,
    createdAt: iso(row.created_at),
    foreachStack: row.foreach_stack,
    origin: row.origin ?? undefined,
    heartbeatAt: isoOrUndefined(row.heartbeat_at),
  });
}
