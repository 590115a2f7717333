/**
 * Run and task ids become text (src/metadata/ids.ts): orchestrators choose run ids such
 * as `argo-train-x7k2p` and derive task ids such as `2-10` from foreach positions.
 * `flows.last_run` stays a number: it allocates the ids Weft chooses, which are all
 * digits, while a chosen id never is, so the two cannot collide.
 *
 * A foreign key cannot join text to bigint, so the keys are dropped, every column
 * changed, and the keys added back as they were. Existing ids keep their digits.
 */
const FOREIGN_KEYS: [table: string, name: string, definition: string][] = [
  ["steps", "steps_flow_run_fkey", "FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE"],
  ["tasks", "tasks_flow_run_step_fkey", "FOREIGN KEY (flow, run, step) REFERENCES steps ON DELETE CASCADE"],
  ["attempts", "attempts_flow_run_fkey", "FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE"],
  ["artifacts", "artifacts_flow_run_fkey", "FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE"],
  ["task_metadata", "task_metadata_flow_run_fkey", "FOREIGN KEY (flow, run) REFERENCES runs ON DELETE CASCADE"],
];

const ID_COLUMNS: [table: string, columns: string[]][] = [
  ["runs", ["run"]],
  ["steps", ["run"]],
  ["tasks", ["run", "task"]],
  ["attempts", ["run", "task"]],
  ["artifacts", ["run", "task"]],
  ["task_metadata", ["run", "task"]],
];

export const up = [
  ...FOREIGN_KEYS.map(([table, name]) => `ALTER TABLE ${table} DROP CONSTRAINT ${name};`),
  ...ID_COLUMNS.map(([table, columns]) => `ALTER TABLE ${table} ${columns.map((c) => `ALTER COLUMN ${c} TYPE text`).join(", ")};`),
  ...FOREIGN_KEYS.map(([table, name, definition]) => `ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition};`),
].join("\n");
