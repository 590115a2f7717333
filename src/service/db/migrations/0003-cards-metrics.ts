/**
 * Cards and metrics (SPEC §1 `@card`, `current.logMetric`). A card is indexed, never
 * stored here: its HTML is in the datastore at `location`. A metric is one row per
 * attempt and name holding every point, in step order: a series is written once, when
 * its attempt ends, and read whole (or downsampled for display), so one row beats a row
 * per point. The last point is kept apart so a run's summary (`weft metrics`) reads no
 * points at all.
 */
export const up = `
CREATE TABLE cards (
  flow     text NOT NULL,
  run      text NOT NULL,
  step     text NOT NULL,
  task     text NOT NULL,
  attempt  integer NOT NULL,
  card_id  text NOT NULL,
  type     text NOT NULL,
  sha      text NOT NULL,
  size     bigint NOT NULL,
  location text NOT NULL,
  errors   jsonb,
  PRIMARY KEY (flow, run, step, task, attempt, card_id),
  FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE
);

CREATE TABLE metrics (
  flow       text NOT NULL,
  run        text NOT NULL,
  step       text NOT NULL,
  task       text NOT NULL,
  attempt    integer NOT NULL,
  name       text NOT NULL,
  count      integer NOT NULL,
  last_point jsonb NOT NULL,
  points     jsonb NOT NULL,
  PRIMARY KEY (flow, run, step, task, attempt, name),
  FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE
);
`;
