/**
 * The first schema. Runs are numbered per flow from `flows.last_run`, so allocating
 * an id is one row-locked update. Attempts, artifacts and metadata reference the run
 * rather than the task: a task records its attempt before it knows its foreach stack,
 * and so before it is registered.
 */
export const up = `
CREATE TABLE flows (
  name       text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_run   bigint NOT NULL DEFAULT 0
);

CREATE TABLE runs (
  flow         text NOT NULL REFERENCES flows (name),
  run          bigint NOT NULL,
  user_name    text NOT NULL,
  created_at   timestamptz NOT NULL,
  tags         text[] NOT NULL,
  system_tags  text[] NOT NULL,
  origin_run   text,
  status       text CHECK (status IN ('running', 'succeeded', 'failed', 'killed')),
  finished_at  timestamptz,
  reason       text,
  runner       jsonb,
  heartbeat_at timestamptz,
  PRIMARY KEY (flow, run)
);
CREATE INDEX runs_by_created ON runs (flow, created_at);

CREATE TABLE steps (
  flow       text NOT NULL,
  run        bigint NOT NULL,
  step       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow, run, step),
  FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE
);

CREATE TABLE tasks (
  flow          text NOT NULL,
  run           bigint NOT NULL,
  step          text NOT NULL,
  task          bigint NOT NULL,
  created_at    timestamptz NOT NULL,
  foreach_stack jsonb NOT NULL,
  origin        text,
  heartbeat_at  timestamptz,
  PRIMARY KEY (flow, run, step, task),
  FOREIGN KEY (flow, run, step) REFERENCES steps ON DELETE CASCADE
);

CREATE TABLE attempts (
  flow    text NOT NULL,
  run     bigint NOT NULL,
  step    text NOT NULL,
  task    bigint NOT NULL,
  attempt integer NOT NULL,
  start   jsonb,
  finish  jsonb,
  PRIMARY KEY (flow, run, step, task, attempt),
  FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE
);

CREATE TABLE artifacts (
  flow     text NOT NULL,
  run      bigint NOT NULL,
  step     text NOT NULL,
  task     bigint NOT NULL,
  attempt  integer NOT NULL,
  name     text NOT NULL,
  sha      text NOT NULL,
  type     text NOT NULL,
  size     bigint NOT NULL,
  location text NOT NULL,
  PRIMARY KEY (flow, run, step, task, attempt, name),
  FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE
);

CREATE TABLE task_metadata (
  flow       text NOT NULL,
  run        bigint NOT NULL,
  step       text NOT NULL,
  task       bigint NOT NULL,
  attempt    integer NOT NULL,
  field      text NOT NULL,
  value      text NOT NULL,
  type       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow, run, step, task, attempt, field),
  FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE
);
`;
