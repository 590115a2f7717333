import type { TaskRef } from "../../datastore/layout.ts";
import type { ArtifactInfo, ArtifactMetadata, AttemptRecord, MetadataEntry, TaskFact } from "../../metadata/types.ts";
import type { Queryable } from "../db/database.ts";
import { isPgError, PG_FOREIGN_KEY_VIOLATION } from "./rows.ts";

/** An attempt's start with its facts, or its end with its artifacts: each one statement, so one commit. */
export type AttemptWrite = { phase: "start"; attempt: AttemptRecord; metadata: TaskFact[] } | { phase: "finish"; attempt: AttemptRecord; artifacts: ArtifactInfo[] };

const upsertAttempt = (phase: "start" | "finish") =>
  `INSERT INTO attempts (flow, run, step, task, attempt, ${phase}) VALUES ($1, $2, $3, $4, $5, $6)
   ON CONFLICT (flow, run, step, task, attempt) DO UPDATE SET ${phase} = excluded.${phase}`;

// A data-modifying CTE always runs, so the attempt is recorded even with no facts or artifacts.
const START = `WITH a AS (${upsertAttempt("start")})
  INSERT INTO task_metadata (flow, run, step, task, attempt, field, value, type)
  SELECT $1, $2, $3, $4, $5, e.field, e.value, e.type FROM jsonb_to_recordset($7::jsonb) AS e(field text, value text, type text)
  ON CONFLICT (flow, run, step, task, attempt, field) DO UPDATE SET value = excluded.value, type = excluded.type`;

const FINISH = `WITH a AS (${upsertAttempt("finish")})
  INSERT INTO artifacts (flow, run, step, task, attempt, name, sha, type, size, location)
  SELECT $1, $2, $3, $4, $5, x.name, x.sha, x.type, x.size, x.location
    FROM jsonb_to_recordset($7::jsonb) AS x(name text, sha text, type text, size bigint, location text)
  ON CONFLICT (flow, run, step, task, attempt, name) DO UPDATE
    SET sha = excluded.sha, type = excluded.type, size = excluded.size, location = excluded.location`;

/** Attempts, with the task metadata and artifacts' metadata they record. */
export class AttemptsRepository {
  constructor(private readonly db: Queryable) {}

  /** False if the run does not exist. Recording a phase again replaces it, and the facts or artifacts it names. */
  async record(ref: TaskRef, write: AttemptWrite): Promise<boolean> {
    const [sql, extra] = write.phase === "start" ? [START, write.metadata] : [FINISH, write.artifacts];
    try {
      await this.db.query(sql, [ref.flow, ref.run, ref.step, ref.task, write.attempt.attempt, JSON.stringify(write.attempt), JSON.stringify(extra)]);
      return true;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }

  /** Started attempts in order, each its start merged with its end. */
  async list(ref: TaskRef): Promise<AttemptRecord[]> {
    const rows = await this.db.query<{ start: AttemptRecord; finish: AttemptRecord | null }>(
      "SELECT start, finish FROM attempts WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 AND start IS NOT NULL ORDER BY attempt",
      [ref.flow, ref.run, ref.step, ref.task],
    );
    return rows.map((r) => ({ ...r.start, ...(r.finish ?? {}) }));
  }

  async listArtifacts(ref: TaskRef): Promise<ArtifactMetadata[]> {
    return this.db.query<ArtifactMetadata>(
      `SELECT attempt, name, sha, type, size::float8 AS size, location FROM artifacts
        WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 ORDER BY attempt, name`,
      [ref.flow, ref.run, ref.step, ref.task],
    );
  }

  async listMetadata(ref: TaskRef): Promise<MetadataEntry[]> {
    return this.db.query<MetadataEntry>(
      "SELECT attempt, field, value, type FROM task_metadata WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 ORDER BY attempt, field",
      [ref.flow, ref.run, ref.step, ref.task],
    );
  }
}
