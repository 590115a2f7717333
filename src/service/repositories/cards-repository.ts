import type { TaskRef } from "../../datastore/layout.ts";
import type { CardInfo, CardMetadata } from "../../metadata/types.ts";
import type { Database } from "../db/database.ts";
import { isPgError, PG_FOREIGN_KEY_VIOLATION } from "./rows.ts";

const task = "flow = $1 AND run = $2 AND step = $3 AND task = $4";

/** Where each attempt's cards are in the datastore (never their HTML). */
export class CardsRepository {
  constructor(private readonly db: Database) {}

  /** Replaces the attempt's cards. False if the run does not exist. */
  async record(ref: TaskRef, attempt: number, cards: CardInfo[]): Promise<boolean> {
    const params = [ref.flow, ref.run, ref.step, ref.task, attempt];
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(`DELETE FROM cards WHERE ${task} AND attempt = $5`, params);
        await tx.query(
          `INSERT INTO cards (flow, run, step, task, attempt, card_id, type, sha, size, location, errors)
           SELECT $1, $2, $3, $4, $5, c.id, c.type, c.sha, c.size, c.location, c.errors
             FROM jsonb_to_recordset($6::jsonb) AS c(id text, type text, sha text, size bigint, location text, errors jsonb)`,
          [...params, JSON.stringify(cards)],
        );
      });
      // An empty list inserts nothing, so no foreign key says whether the run exists.
      return cards.length > 0 || (await this.db.query("SELECT 1 FROM runs WHERE flow = $1 AND run = $2", [ref.flow, ref.run])).length > 0;
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) return false;
      throw error;
    }
  }

  async list(ref: TaskRef): Promise<CardMetadata[]> {
    const rows = await this.db.query<CardMetadata & { errors: string[] | null }>(
      `SELECT attempt, card_id AS id, type, sha, size::float8 AS size, location, errors FROM cards WHERE ${task} ORDER BY attempt, card_id`,
      [ref.flow, ref.run, ref.step, ref.task],
    );
    return rows.map(({ errors, ...card }) => (errors ? { ...card, errors } : card));
  }
}
