import { isWeftError } from "../../errors/weft-error.ts";
import { parseTaskArgv, type TaskArgs } from "./args.ts";
import { describeThrown } from "./attempt-guard.ts";
import { drainOutput } from "./drain.ts";
import { runTask } from "./execute.ts";
import { exitCodeFor, TASK_EXIT } from "./exit-codes.ts";

let args: TaskArgs;
try {
  args = parseTaskArgv(process.argv.slice(3));
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
