import type { TaskRef } from "../../datastore/layout.ts";
import type { ArtifactMetadata, MetadataEntry } from "../../metadata/types.ts";
import type { Queryable } from "../db/database.ts";
import { isPgError, PG_FOREIGN_KEY_VIOLATION } from "./rows.ts";

/** Artifacts' metadata and task metadata: each batch is one statement, whatever its size. */
export class ArtifactsRepository {
  constructor(private readonly db: Queryable) {}

  /** False if the run does not exist. */
  async registerArtifacts(ref: TaskRef, artifacts: ArtifactMetadata[]): Promise<boolean> {
    return this.insertBatch(
      `INSERT INTO artifacts (flow, run, step, task, attempt, name, sha, type, size, location)
       SELECT $1, $2, $3, $4, a.attempt, a.name, a.sha, a.type, a.size, a.location
         FROM jsonb_to_recordset($5::jsonb) AS a(attempt integer, name text, sha text, type text, size bigint, location text)
       ON CONFLICT (flow, run, step, task, attempt, name) DO UPDATE
         SET sha = excluded.sha, type = excluded.type, size = excluded.size, location = excluded.location`,
      ref,
      artifacts,
    );
  }

  async listArtifacts(ref: TaskRef): Promise<ArtifactMetadata[]> {
    return this.db.query<ArtifactMetadata>(
      `SELECT attempt, name, sha, type, size::float8 AS size, location FROM artifacts
        WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 ORDER BY attempt, name`,
      [ref.flow, ref.run, ref.step, ref.task],
    );
  }

  /** False if the run does not exist. */
  async registerMetadata(ref: TaskRef, entries: MetadataEntry[]): Promise<boolean> {
    return this.insertBatch(
      `INSERT INTO task_metadata (flow, run, step, task, attempt, field, value, type)
       SELECT $1, $2, $3, $4, e.attempt, e.field, e.value, e.type
         FROM jsonb_to_recordset($5::jsonb) AS e(attempt integer, field text, value text, type text)
       ON CONFLICT (flow, run, step, task, attempt, field) DO UPDATE SET value = excluded.value, type = excluded.type`,
      ref,
      entries,
    );
  }

  async listMetadata(ref: TaskRef): Promise<MetadataEntry[]> {
    return this.db.query<MetadataEntry>(
      "SELECT attempt, field, value, type FROM task_metadata WHERE flow = $1 AND run = $2 AND step = $3 AND task = $4 ORDER BY attempt, field",
      [ref.flow, ref.run, ref.step, ref.task],
    );
  }

  private async insertBatch(sql: string, ref: TaskRef, items: object[]): Promise<boolean> {
    try {
      await this.db.query(sql, [ref.flow, ref.run, ref.step, ref.task, JSON.stringify(items)]);
      return true;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }
}
