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
   * Where a switch writes the id of the task its chosen step runs as, as plain text (`i3`
   * when a loop goes round again): what a recursive Argo template passes to the next iteration.
   */
  nextTaskFile?: string;
  /**
   * @catchError's fallback attempt: the previous attempt was killed or timed out
   * with no attempt left. This one does not run the step: it records the ends of
   * earlier attempts nobody recorded, stores the previous attempt's exception in the
   * catch variable, with the inherited artifacts, and takes the static transition.
   */
  fallback?: boolean;
  /**
   * What an orchestrator saw of the lost attempt, for a fallback that must record its
   * end itself (Argo: no runner watched it). Unknown facts are left out.
   */
  lost?: LostFacts;
  /**
   * Set by a runner that saw every task of the run finish on its first attempt: each
   * parent's done marker is read at attempt 0, without listing the parent's attempts.
   */
  parentsFirstAttempt?: boolean;
  /**
   * Set by a runner that writes to the task's stdin a copy of what the task would read
   * first from the datastore: the run spec and finished tasks' done markers
   * (runner-pipes.ts). What the copy lacks is read from the datastore.
   */
  contextOnStdin?: boolean;
  /** A file descriptor the runner reads: the task writes its done marker there once it is stored (runner-pipes.ts). */
  resultFd?: number;
}

/** How the attempt before a fallback ended, as the orchestrator reported it. */
export interface LostFacts {
  /** Its container's exit code (137: killed by SIGKILL). */
  exitCode?: number;
  /** When it ended (ISO 8601). */
  finishedAt?: string;
}

export function taskArgv(args: TaskArgs): string[] {
  const argv = ["step", "--flow", args.flow, "--run", args.run, "--step", args.step, "--task", args.task, "--attempt", String(args.attempt)];
  argv.push("--datastore", args.datastore, "--datastore-root", args.datastoreRoot, "--metadata", args.metadata);
  if (args.recorder !== "task") argv.push("--recorder", args.recorder);
  if (args.splitsFile) argv.push("--splits-file", args.splitsFile);
  if (args.caseFile) argv.push("--case-file", args.caseFile);
  if (args.nextTaskFile) argv.push("--next-task-file", args.nextTaskFile);
  if (args.fallback) argv.push("--fallback");
  if (args.lost?.exitCode !== undefined) argv.push("--lost-exit-code", String(args.lost.exitCode));
  if (args.lost?.finishedAt) argv.push("--lost-finished-at", args.lost.finishedAt);
  if (args.parentsFirstAttempt) argv.push("--parents-first-attempt");
  if (args.contextOnStdin) argv.push("--context-on-stdin");
  if (args.resultFd !== undefined) argv.push("--result-fd", String(args.resultFd));
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
      "next-task-file": { type: "string" },
      fallback: { type: "boolean", default: false },
      "lost-exit-code": { type: "string" },
      "lost-finished-at": { type: "string" },
      "parents-first-attempt": { type: "boolean", default: false },
      "context-on-stdin": { type: "boolean", default: false },
      "result-fd": { type: "string" },
    },
  });
  const need = (name: "flow" | "run" | "step" | "task" | "datastore-root") => {
    const value = values[name];
    if (!value) throw new Error(`weft step: --${name} is required (see docs/task-contract.md)`);
    return value;
  };
  if (!/^\d{1,6}$/.test(values.attempt!)) throw new Error(`weft step: --attempt must be a whole number such as 0, got "${values.attempt}"`);
  if (values.fallback && values.attempt === "0") throw new Error("weft step: --fallback follows a lost attempt, so --attempt must be 1 or more");
  const lost = parseLostFacts(values["lost-exit-code"], values["lost-finished-at"]);
  if (lost && !values.fallback) throw new Error("weft step: --lost-exit-code and --lost-finished-at describe the attempt before a fallback; add --fallback");
  const resultFd = values["result-fd"];
  if (resultFd !== undefined && !/^([3-9]|[1-9]\d{1,3})$/.test(resultFd)) throw new Error(`weft step: --result-fd must be a file descriptor number of 3 or more, got "${resultFd}"`);
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
    ...(values["next-task-file"] ? { nextTaskFile: values["next-task-file"] } : {}),
    ...(values.fallback ? { fallback: true } : {}),
    ...(lost ? { lost } : {}),
    ...(values["parents-first-attempt"] ? { parentsFirstAttempt: true } : {}),
    ...(values["context-on-stdin"] ? { contextOnStdin: true } : {}),
    ...(resultFd !== undefined ? { resultFd: Number(resultFd) } : {}),
  };
}

/** An Argo variable it could not resolve (no exit code: the pod was deleted or never ran) is left as written: unknown. */
const UNRESOLVED = /^\{\{[^{}]*\}\}$/;

function parseLostFacts(exitCode: string | undefined, finishedAt: string | undefined): LostFacts | undefined {
  if (exitCode === undefined && finishedAt === undefined) return undefined;
  const known = (value: string | undefined) => (value === undefined || value === "" || UNRESOLVED.test(value) ? undefined : value);
  const code = known(exitCode);
  if (code !== undefined && !/^\d{1,3}$/.test(code)) throw new Error(`weft step: --lost-exit-code must be a container exit code such as 137, got "${exitCode}"`);
  const at = known(finishedAt);
  if (at !== undefined && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(at)) throw new Error(`weft step: --lost-finished-at must be a UTC time such as 2026-01-31T12:00:05Z, got "${finishedAt}"`);
  return { ...(code !== undefined ? { exitCode: Number(code) } : {}), ...(at !== undefined ? { finishedAt: at } : {}) };
}
