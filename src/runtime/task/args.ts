import { parseArgs } from "node:util";

/** Who records the attempt in the metadata provider. */
export type Recorder = "task" | "runner";

/**
 * The arguments of `weft step`: everything one task attempt needs beyond the run
 * spec in the datastore. The local runner, a Kubernetes Job and an Argo template
 * all build this same command line (docs/task-contract.md).
 */
export interface TaskArgs {
  flow: string;
  run: string;
  step: string;
  /** Derived from the task's foreach position (runtime/task-identity.ts); its parents follow from it. */
  task: string;
  attempt: number;
  datastore: string;
  datastoreRoot: string;
  metadata: string;
  /**
   * `task` (the default): the attempt records itself (task, attempt start and end,
   * heartbeats, and the run's end). `runner`: a supervising `weft run` records it, and
   * the task records only its own failure, which only it can explain.
   */
  recorder: Recorder;
  /** Where to write the foreach's item indices as a JSON array when the step splits (Argo's withParam). */
  splitsFile?: string;
  /** Where to write the name of the step a switch chose, as plain text (Argo's `when`). */
  caseFile?: string;
  /**
   * @catchError's fallback attempt: the previous attempt was killed or timed out
   * with no attempt left. This one does not run the step: it stores the previous
   * attempt's recorded exception in the catch variable, with the inherited
   * artifacts, and takes the static transition.
   */
  fallback?: boolean;
  /**
   * Set by a runner that saw every task of the run finish on its first attempt: each
   * parent's done marker is read at attempt 0, without listing the parent's attempts.
   */
  parentsFirstAttempt?: boolean;
}

export function taskArgv(args: TaskArgs): string[] {
  const argv = ["step", "--flow", args.flow, "--run", args.run, "--step", args.step, "--task", args.task, "--attempt", String(args.attempt)];
  argv.push("--datastore", args.datastore, "--datastore-root", args.datastoreRoot, "--metadata", args.metadata);
  if (args.recorder !== "task") argv.push("--recorder", args.recorder);
  if (args.splitsFile) argv.push("--splits-file", args.splitsFile);
  if (args.caseFile) argv.push("--case-file", args.caseFile);
  if (args.fallback) argv.push("--fallback");
  if (args.parentsFirstAttempt) argv.push("--parents-first-attempt");
  return argv;
}

/** Parses `weft step …` (argv after the command name). Throws on anything malformed. */
export function parseTaskArgv(argv: string[]): TaskArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      flow: { type: "string" },
      run: { type: "string" },
      step: { type: "string" },
      task: { type: "string" },
      attempt: { type: "string", default: "0" },
      datastore: { type: "string", default: "local" },
      "datastore-root": { type: "string" },
      metadata: { type: "string", default: "local" },
      recorder: { type: "string", default: "task" },
      "splits-file": { type: "string" },
      "case-file": { type: "string" },
      fallback: { type: "boolean", default: false },
      "parents-first-attempt": { type: "boolean", default: false },
    },
  });
  const need = (name: "flow" | "run" | "step" | "task" | "datastore-root") => {
    const value = values[name];
    if (!value) throw new Error(`weft step: --${name} is required (see docs/task-contract.md)`);
    return value;
  };
  if (!/^\d{1,6}$/.test(values.attempt!)) throw new Error(`weft step: --attempt must be a whole number such as 0, got "${values.attempt}"`);
  if (values.fallback && values.attempt === "0") throw new Error("weft step: --fallback follows a lost attempt, so --attempt must be 1 or more");
  const recorder = values.recorder!;
  if (recorder !== "task" && recorder !== "runner") throw new Error(`weft step: --recorder must be "task" or "runner", got "${recorder}"`);
  return {
    flow: need("flow"),
    run: need("run"),
    step: need("step"),
    task: need("task"),
    attempt: Number(values.attempt),
    datastore: values.datastore!,
    datastoreRoot: need("datastore-root"),
    metadata: values.metadata!,
    recorder,
    ...(values["splits-file"] ? { splitsFile: values["splits-file"] } : {}),
    ...(values["case-file"] ? { caseFile: values["case-file"] } : {}),
    ...(values.fallback ? { fallback: true } : {}),
    ...(values["parents-first-attempt"] ? { parentsFirstAttempt: true } : {}),
  };
}
