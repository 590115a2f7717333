import { pathspecOf, type TaskRef } from "../../datastore/layout.ts";
import type { ForeachFrame } from "../../flow/current.ts";
import { compareIds } from "../../metadata/ids.ts";
import type { ErrorInfo, TaskRecord } from "../../metadata/types.ts";
import { briefException, taskStatus, type TaskSummary } from "../ui/types.ts";
import type { Queryable } from "../db/database.ts";
import { Batcher } from "./batcher.ts";
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

const COLUMNS = "t.flow, t.run, t.step, t.task, t.created_at, t.foreach_stack, t.origin, t.heartbeat_at";

/** Steps and tasks. Methods return undefined or false when the parent is missing. */
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
   * Records the task, and its step on first sight; registering it again replaces the
   * record. False if the run does not exist. Concurrent calls share one statement.
   */
  register(task: TaskRecord): Promise<boolean> {
    return this.registrations.add(task);
  }

  /** In natural id order (compareIds: `2-9` before `2-10`); undefined if the step does not exist. */
  async list(flow: string, run: string, step: string): Promise<TaskView[] | undefined> {
    // Sorted here rather than in SQL: text order puts 10 before 9, and natural order has no portable collation.
    const rows = await this.db.query<TaskRow | { [K in keyof TaskRow]: null }>(
      `SELECT ${COLUMNS} FROM steps s LEFT JOIN tasks t ON t.flow = s.flow AND t.run = s.run AND t.step = s.step
        WHERE s.flow = $1 AND s.run = $2 AND s.step = $3`,
      [flow, run, step],
    );
    if (!rows.length) return undefined;
    return rows.flatMap((r) => (r.task === null ? [] : [toView(r as TaskRow)])).sort((a, b) => compareIds(a.task, b.task));
  }

  /**
   * Every task of the run (or of one step) with its attempts' spans and its latest
   * attempt's failure, in one statement: the run page of the UI for 10,000 tasks.
   * In step then natural id order; undefined if the run does not exist.
   */
  async listSummaries(flow: string, run: string, step?: string): Promise<TaskSummary[] | undefined> {
    const rows = await this.db.query<SummaryRow>(
      `SELECT t.step, t.task, t.created_at, t.foreach_stack,
              COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'startedAt', a.start->>'startedAt',
                                        'finishedAt', a.finish->>'finishedAt', 'ok', a.finish->'ok') ORDER BY a.attempt)
                          FROM attempts a WHERE a.flow = t.flow AND a.run = t.run AND a.step = t.step AND a.task = t.task AND a.start IS NOT NULL), '[]'::json) AS attempts,
              (SELECT a.finish->'exception' FROM attempts a WHERE a.flow = t.flow AND a.run = t.run AND a.step = t.step AND a.task = t.task
                ORDER BY a.attempt DESC LIMIT 1) AS exception
         FROM runs r LEFT JOIN tasks t ON t.flow = r.flow AND t.run = r.run AND ($3::text IS NULL OR t.step = $3)
        WHERE r.flow = $1 AND r.run = $2`,
      [flow, run, step ?? null],
    );
    if (!rows.length) return undefined;
    return rows
      .flatMap((r) => (r.task === null ? [] : [toSummary(r)]))
      .sort((a, b) => (a.step < b.step ? -1 : a.step > b.step ? 1 : compareIds(a.task, b.task)));
  }

  async get(ref: TaskRef): Promise<TaskView | undefined> {
    const [row] = await this.db.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks t WHERE t.flow = $1 AND t.run = $2 AND t.step = $3 AND t.task = $4`, [ref.flow, ref.run, ref.step, ref.task]);
    return row && toView(row);
  }

  /** False if the task is not registered. Concurrent calls share one statement. */
  heartbeat(ref: TaskRef): Promise<boolean> {
    return this.beats.add(ref);
  }

  // One statement for the batch; if it fails (a missing run, a task twice, a bad value), each alone, so only the culprit fails.
  private readonly registrations = new Batcher<TaskRecord, boolean>(async (tasks) => {
    try {
      await this.db.query(REGISTER, [JSON.stringify(tasks.map(toRow))]);
      return tasks.map(() => ({ status: "fulfilled", value: true }));
    } catch {
      return Promise.allSettled(tasks.map((t) => this.registerOne(t)));
    }
  });
  private readonly beats = new Batcher<TaskRef, boolean>(async (refs) => {
    const rows = await this.db.query<TaskRef>(
      `UPDATE tasks t SET heartbeat_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS h(flow text, run text, step text, task text)
        WHERE t.flow = h.flow AND t.run = h.run AND t.step = h.step AND t.task = h.task
        RETURNING t.flow, t.run, t.step, t.task`,
      [JSON.stringify(refs)],
    );
    const found = new Set(rows.map(pathspecOf));
    return refs.map((r) => ({ status: "fulfilled", value: found.has(pathspecOf(r)) }));
  });

  /** False if the task's run does not exist. */
  private async registerOne(task: TaskRecord): Promise<boolean> {
    try {
      await this.db.query(REGISTER, [JSON.stringify([toRow(task)])]);
      return true;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }
}

/** Registers the tasks of `$1` (a JSON array of rows) and their steps, in one statement. */
const REGISTER = `
  WITH t AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS t(flow text, run text, step text, task text, created_at timestamptz, foreach_stack jsonb, origin text)),
  -- In key order, so two batches inserting the same new steps cannot deadlock.
  s AS (INSERT INTO steps (flow, run, step) SELECT DISTINCT flow, run, step FROM t ORDER BY flow, run, step ON CONFLICT DO NOTHING)
  INSERT INTO tasks (flow, run, step, task, created_at, foreach_stack, origin)
  SELECT flow, run, step, task, created_at, foreach_stack, origin FROM t
  ON CONFLICT (flow, run, step, task) DO UPDATE SET created_at = excluded.created_at, foreach_stack = excluded.foreach_stack, origin = excluded.origin`;

const toRow = (t: TaskRecord) => ({ flow: t.flow, run: t.run, step: t.step, task: t.task, created_at: t.createdAt, foreach_stack: t.foreachStack, origin: t.origin ?? null });

interface SummaryRow {
  step: string;
  task: string | null;
  created_at: Date;
  foreach_stack: ForeachFrame[];
  attempts: { attempt: number; startedAt: string; finishedAt: string | null; ok: boolean | null }[];
  exception: ErrorInfo | null;
}

function toSummary(row: SummaryRow): TaskSummary {
  const attempts = row.attempts.map((a) => compact({ attempt: a.attempt, startedAt: a.startedAt, finishedAt: a.finishedAt ?? undefined, ok: a.ok ?? undefined }));
  const status = taskStatus(attempts);
  return compact({
    step: row.step,
    task: row.task!,
    createdAt: iso(row.created_at),
    foreachStack: row.foreach_stack,
    status,
    attempts,
    exception: status === "failed" ? briefException(row.exception ?? undefined) : undefined,
  });
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
