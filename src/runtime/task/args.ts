import { parseArgs } from "node:util";

/**
 * The arguments of `weft step`: everything one task attempt needs beyond the run
 * spec in the datastore. The local runner, a Kubernetes Job and an Argo template
 * all build this same command line.
 */
export interface TaskArgs {
  flow: string;
  run: string;
  step: string;
  task: string;
  attempt: number;
  /** Parent tasks as `step/task`, in join order. Empty for start. */
  inputs: string[];
  /** Position in the parent's foreach; set for the first step of a foreach body. */
  splitIndex: number | undefined;
  datastore: string;
  datastoreRoot: string;
  metadata: string;
}

export function taskArgv(args: TaskArgs): string[] {
  const argv = ["step", "--flow", args.flow, "--run", args.run, "--step", args.step, "--task", args.task, "--attempt", String(args.attempt)];
  if (args.inputs.length) argv.push("--inputs", args.inputs.join(","));
  if (args.splitIndex !== undefined) argv.push("--split-index", String(args.splitIndex));
  argv.push("--datastore", args.datastore, "--datastore-root", args.datastoreRoot, "--metadata", args.metadata);
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
      inputs: { type: "string", default: "" },
      "split-index": { type: "string" },
      datastore: { type: "string", default: "local" },
      "datastore-root": { type: "string" },
      metadata: { type: "string", default: "local" },
    },
  });
  const need = (name: "flow" | "run" | "step" | "task" | "datastore-root") => {
    const value = values[name];
    if (!value) throw new Error(`weft step: --${name} is required (this command is run by Weft itself, not by hand)`);
    return value;
  };
  const integer = (name: string, text: string) => {
    if (!/^\d+$/.test(text)) throw new Error(`weft step: --${name} must be a whole number, got "${text}"`);
    return Number(text);
  };
  return {
    flow: need("flow"),
    run: need("run"),
    step: need("step"),
    task: need("task"),
    attempt: integer("attempt", values.attempt!),
    inputs: values.inputs ? values.inputs.split(",") : [],
    splitIndex: values["split-index"] === undefined ? undefined : integer("split-index", values["split-index"]),
    datastore: values.datastore!,
    datastoreRoot: need("datastore-root"),
    metadata: values.metadata!,
  };
}
