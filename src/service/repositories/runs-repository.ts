import type { OrchestratorRef, RunInit, RunOutline, RunRecord, RunState, RunStatus } from "../../metadata/types.ts";
import { lostRunState } from "../../metadata/types.ts";
import type { Queryable } from "../db/database.ts";
import { compact, iso, isoOrUndefined } from "./rows.ts";

/** A run as the API returns it: its record, its state (null until the runner reports) and its last heartbeat. */
export interface RunView extends RunRecord {
  state: RunState | null;
  heartbeatAt?: string;
}

export interface RunFilter {
  user?: string;
  /** Every one must be on the run (user or system tag). */
  tags?: string[];
  status?: RunStatus;
  /** Created at or after. */
  since?: string;
  /** Created before. */
  until?: string;
  /** Only runs listed after this one: the page after a cursor. */
  after?: RunPosition;
  limit: number;
}

/**
 * Where a run sits in the listing order: its creation time in microseconds since the
 * epoch (the database's precision, which the ISO `createdAt` rounds to milliseconds)
 * and its id. Two runs can share a time, so the id breaks ties and pages never skip
 * or repeat a run.
 */
export interface RunPosition {
  createdAtMicros: string;
  run: string;
}

interface RunRow {
  flow: string;
  run: string;
  user_name: string;
  created_at: Date;
  tags: string[];
  system_tags: string[];
  origin_run: string | null;
  status: RunStatus | null;
  finished_at: Date | null;
  reason: string | null;
  runner: { host: string; pid: number } | null;
  orchestrator: OrchestratorRef | null;
  heartbeat_at: Date | null;
  /** Set when the run is lost: its last sign of life. */
  lost_at: Date | null;
  created_at_micros: string;
}

// $1 is always the heartbeat timeout in seconds, so every query agrees on what "lost" means.
// A run is alive while its runner or any of its tasks beats; tasks beat on their own
// rows so that many of them never queue on the run's. A run with an orchestrator is
// never lost: the orchestrator records its end.
const CUTOFF = "now() - make_interval(secs => $1)";
const STALE = `(r.status = 'running' AND r.orchestrator IS NULL AND r.heartbeat_at < ${CUTOFF}
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.flow = r.flow AND t.run = r.run AND t.heartbeat_at >= ${CUTOFF}))`;
const LAST_BEAT = "GREATEST(r.heartbeat_at, (SELECT max(t.heartbeat_at) FROM tasks t WHERE t.flow = r.flow AND t.run = r.run))";
// Exact (numeric epoch), so a cursor built from it matches the row it came from.
const MICROS = (alias: string) => `round(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint`;
const COLUMNS = `r.flow, r.run, r.user_name, r.created_at, r.tags, r.system_tags, r.origin_run, r.status, r.finished_at, r.reason, r.runner, r.orchestrator, r.heartbeat_at,
  CASE WHEN ${STALE} THEN ${LAST_BEAT} END AS lost_at, ${MICROS("r")}::text AS created_at_micros`;
/** Flows and runs: allocation, state, tags and heartbeats. */
export class RunsRepository {
  constructor(
    private readonly db: Queryable,
    private readonly heartbeatTimeoutMs: number,
  ) {}

  private get timeout(): number {
    return this.heartbeatTimeoutMs / 1000;
  }

  async listFlows(): Promise<{ name: string; createdAt: string }[]> {
    const rows = await this.db.query<{ name: string; created_at: Date }>("SELECT name, created_at FROM flows ORDER BY name");
    return rows.map((r) => ({ name: r.name, createdAt: iso(r.created_at) }));
  }

  async getFlow(name: string): Promise<{ name: string; createdAt: string } | undefined> {
    const [row] = await this.db.query<{ name: string; created_at: Date }>("SELECT name, created_at FROM flows WHERE name = $1", [name]);
    return row && { name: row.name, createdAt: iso(row.created_at) };
  }

  /**
   * Records the run under the id chosen in `init.run`, or undefined if the flow has a run
   * with that id (it is left as it was). Without one, allocates the flow's next number.
   * Each is one statement.
   */
  async create({ run, ...init }: RunInit): Promise<RunView | undefined> {
    const params = [this.timeout, init.flow, init.user, init.tags, init.systemTags, init.originRun ?? null];
    if (run !== undefined) {
      // flows.last_run is untouched: chosen ids are never numbers, so they never take one.
      const [chosen] = await this.db.query<RunRow>(
        `WITH f AS (INSERT INTO flows (name) VALUES ($2) ON CONFLICT (name) DO NOTHING)
         , r AS (
           INSERT INTO runs (flow, run, user_name, created_at, tags, system_tags, origin_run)
           VALUES ($2, $7, $3, now(), $4, $5, $6)
           ON CONFLICT (flow, run) DO NOTHING
           RETURNING *)
         SELECT ${COLUMNS} FROM r`,
        [...params, run],
      );
      return chosen && toView(chosen, this.heartbeatTimeoutMs);
    }
    const [row] = await this.db.query<RunRow>(
      `WITH f AS (
         INSERT INTO flows (name, last_run) VALUES ($2, 1)
         ON CONFLICT (name) DO UPDATE SET last_run = flows.last_run + 1
         RETURNING last_run)
       , r AS (
         INSERT INTO runs (flow, run, user_name, created_at, tags, system_tags, origin_run)
         SELECT $2, last_run::text, $3, now(), $4, $5, $6 FROM f
         RETURNING *)
       SELECT ${COLUMNS} FROM r`,
      params,
    );
    return toView(row!, this.heartbeatTimeoutMs);
  }

  async get(flow: string, run: string): Promise<RunView | undefined> {
    const [row] = await this.db.query<RunRow>(`SELECT ${COLUMNS} FROM runs r WHERE r.flow = $2 AND r.run = $3`, [this.timeout, flow, run]);
    return row && toView(row, this.heartbeatTimeoutMs);
  }

  /** The flow's runs, in `listAcross`'s order and pages. */
  async list(flow: string, filter: RunFilter): Promise<{ runs: RunView[]; more: boolean; last?: RunPosition }> {
    const { last, ...page } = await this.listAcross({ ...filter, flow, after: filter.after && { ...filter.after, flow } });
    return { ...page, ...(last ? { last: { createdAtMicros: last.createdAtMicros, run: last.run } } : {}) };
  }

  /**
   * Runs of every flow (or of `filter.flow`), newest first; among runs of one
   * microsecond by flow, then longer ids first, then by text (allocated numbers in
   * numeric order). One more row than `limit` is fetched to tell whether another page
   * exists; `last` is where the page ended, for a cursor.
   */
  async listAcross(filter: RunFilter & { flow?: string; after?: RunPosition & { flow?: string } }): Promise<{ runs: RunView[]; more: boolean; last?: RunPosition & { flow: string } }> {
    const after = `(${MICROS("r")}, r.flow, length(r.run), r.run) < ($8::bigint, $11::text, length($9::text), $9::text)`;
    const rows = await this.db.query<RunRow>(
      `SELECT ${COLUMNS} FROM runs r
        WHERE ($2::text IS NULL OR r.flow = $2)
          AND ($3::text IS NULL OR r.user_name = $3)
          AND ($4::text[] IS NULL OR (r.tags || r.system_tags) @> $4::text[])
          AND ($5::text IS NULL OR (CASE WHEN ${STALE} THEN 'failed' ELSE r.status END) = $5)
          AND ($6::timestamptz IS NULL OR r.created_at >= $6)
          AND ($7::timestamptz IS NULL OR r.created_at < $7)
          AND ($8::bigint IS NULL OR ${after})
        ORDER BY r.created_at DESC, r.flow DESC, length(r.run) DESC, r.run DESC
        LIMIT $10`,
      [this.timeout, filter.flow ?? null, filter.user ?? null, filter.tags ?? null, filter.status ?? null, filter.since ?? null, filter.until ?? null, filter.after?.createdAtMicros ?? null, filter.after?.run ?? null, filter.limit + 1, filter.after?.flow ?? ""],
    );
    const page = rows.slice(0, filter.limit);
    const end = page.at(-1);
    return { runs: page.map((r) => toView(r, this.heartbeatTimeoutMs)), more: rows.length > filter.limit, ...(end ? { last: { createdAtMicros: end.created_at_micros, flow: end.flow, run: end.run } } : {}) };
  }

  /** False if the run does not exist. Replaces an earlier outline. */
  async setOutline(flow: string, run: string, outline: RunOutline): Promise<boolean> {
    return (await this.db.query("UPDATE runs SET spec = $3 WHERE flow = $1 AND run = $2 RETURNING 1", [flow, run, JSON.stringify(outline)])).length > 0;
  }

  /** The run's outline; null when the run exists without one (recorded by an older runner), undefined when it does not exist. */
  async getOutline(flow: string, run: string): Promise<RunOutline | null | undefined> {
    const [row] = await this.db.query<{ spec: RunOutline | null }>("SELECT spec FROM runs WHERE flow = $1 AND run = $2", [flow, run]);
    return row && row.spec;
  }

  /** False if the run does not exist. Entering "running" counts as a heartbeat. */
  async setState(flow: string, run: string, state: RunState): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE runs SET status = $3, finished_at = $4, reason = $5, runner = $6, orchestrator = $7,
              heartbeat_at = CASE WHEN $3 = 'running' THEN now() ELSE heartbeat_at END
        WHERE flow = $1 AND run = $2 RETURNING 1`,
      [flow, run, state.status, state.finishedAt ?? null, state.reason ?? null, state.runner ?? null, state.orchestrator ?? null],
    );
    return rows.length > 0;
  }

  /** False if the run does not exist. Replaces the user tags (last write wins): use addTags/removeTags for changes. */
  async setTags(flow: string, run: string, tags: string[]): Promise<boolean> {
    return (await this.db.query("UPDATE runs SET tags = $3 WHERE flow = $1 AND run = $2 RETURNING 1", [flow, run, tags])).length > 0;
  }

  /**
   * Appends the tags the run lacks, in one statement: a concurrent change waits for the
   * row lock and PostgreSQL evaluates the new list again on the row it left, so no
   * change is lost. The user tags after, or undefined if the run does not exist.
   */
  async addTags(flow: string, run: string, tags: string[]): Promise<string[] | undefined> {
    const [row] = await this.db.query<{ tags: string[] }>(
      `UPDATE runs SET tags = tags || ARRAY(
         SELECT t FROM unnest($3::text[]) WITH ORDINALITY AS u(t, i)
          WHERE NOT (t = ANY(runs.tags)) GROUP BY t ORDER BY min(i))
        WHERE flow = $1 AND run = $2 RETURNING tags`,
      [flow, run, tags],
    );
    return row?.tags;
  }

  /**
   * Removes the tags, all or nothing, in one statement that only matches a run having
   * every one of them. `missing` is read after a refusal, to say which were absent.
   */
  async removeTags(flow: string, run: string, tags: string[]): Promise<{ tags: string[]; missing: string[] } | undefined> {
    const [row] = await this.db.query<{ tags: string[] }>(
      `UPDATE runs SET tags = ARRAY(SELECT t FROM unnest(runs.tags) WITH ORDINALITY AS u(t, i) WHERE NOT (t = ANY($3::text[])) ORDER BY i)
        WHERE flow = $1 AND run = $2 AND tags @> $3::text[] RETURNING tags`,
      [flow, run, tags],
    );
    if (row) return { tags: row.tags, missing: [] };
    const [current] = await this.db.query<{ tags: string[] }>("SELECT tags FROM runs WHERE flow = $1 AND run = $2", [flow, run]);
    return current && { tags: current.tags, missing: [...new Set(tags.filter((t) => !current.tags.includes(t)))] };
  }

  /** False if the run does not exist. */
  async heartbeat(flow: string, run: string): Promise<boolean> {
    return (await this.db.query("UPDATE runs SET heartbeat_at = now() WHERE flow = $1 AND run = $2 RETURNING 1", [flow, run])).length > 0;
  }
}

function toView(row: RunRow, heartbeatTimeoutMs: number): RunView {
  const heartbeatAt = isoOrUndefined(row.heartbeat_at);
  const state: RunState | null =
    row.lost_at !== null
      ? lostRunState(iso(row.lost_at), heartbeatTimeoutMs)
      : row.status && compact({ status: row.status, finishedAt: isoOrUndefined(row.finished_at), reason: row.reason ?? undefined, runner: row.runner ?? undefined, orchestrator: row.orchestrator ?? undefined });
  return compact({
    flow: row.flow,
    run: row.run,
    user: row.user_name,
    createdAt: iso(row.created_at),
    tags: row.tags,
    systemTags: row.system_tags,
    originRun: row.origin_run ?? undefined,
    state,
    heartbeatAt,
  });
}
