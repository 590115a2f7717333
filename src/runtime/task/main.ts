import { isWeftError } from "../../errors/weft-error.ts";
import { parseTaskArgv, type TaskArgs } from "./args.ts";
import { describeThrown } from "./attempt-guard.ts";
import { drainOutput } from "./drain.ts";
import { runTask } from "./execute.ts";
import { exitCodeFor, TASK_EXIT } from "./exit-codes.ts";

const argv = process.argv.slice(3);
// Creating or finishing a run for an orchestrator loads its own code, never a task's.
const control = argv.includes("--create-run") ? "create" : argv.includes("--finish-run") ? "finish" : undefined;
if (control) {
  const { createDeployedRun, finishDeployedRun, parseCreateRunArgv, parseFinishRunArgv } = await import("./run-control.ts");
  let action: () => Promise<void>;
  try {
    const parse = control === "create" ? parseCreateRunArgv : parseFinishRunArgv;
    const parsed = parse(argv);
    action = control === "create" ? () => createDeployedRun(parsed as ReturnType<typeof parseCreateRunArgv>) : () => finishDeployedRun(parsed as ReturnType<typeof parseFinishRunArgv>);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(TASK_EXIT.usage);
  }
  const code = await action().then(
    () => TASK_EXIT.ok,
    (error: unknown) => {
      process.stderr.write(`weft step --${control}-run: ${isWeftError(error) ? error.describe() : describeThrown(error)}\n`);
      return exitCodeFor(error, false);
    },
  );
  process.exit(code);
}

let args: TaskArgs;
try {
  args = parseTaskArgv(argv);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(TASK_EXIT.usage);
}
const code = await runTask(args).catch((error: unknown) => {
  // Failures before the attempt could be recorded: the datastore or run spec is unreachable or missing.
  process.stderr.write(`weft step: ${isWeftError(error) ? error.describe() : describeThrown(error)}\n`);
  return exitCodeFor(error, false);
});
// What the runner has not read yet would be lost by exiting now.
await drainOutput();
// User code may leave timers or sockets open; the attempt is over once its result is saved.
process.exit(code);
