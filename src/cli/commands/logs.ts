import { Command, Option } from "commander";
import { resolveConfig } from "../../config/resolve.ts";
import { ContentStore } from "../../datastore/content-store.ts";
import { layout, type TaskRef } from "../../datastore/layout.ts";
import { TaskDatastore } from "../../datastore/task-datastore.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { parsePathspec } from "../../client/pathspec.ts";
import { openStores, type Stores } from "../../runtime/stores.ts";

export function logsCommand(): Command {
  return new Command("logs")
    .description("print the saved output of a task, or of every task of a step")
    .argument("<pathspec>", "Flow/run/step or Flow/run/step/task")
    .addOption(new Option("--stream <which>", "stdout, stderr or both").choices(["stdout", "stderr", "both"]).default("both"))
    .option("--attempt <n>", "this attempt instead of the latest")
    .option("--all-attempts", "every attempt, oldest first")
    .action(async (text: string, opts: { stream: string; attempt?: string; allAttempts?: boolean }) => {
      const path = parsePathspec(text, 3);
      const stores = await openStores(resolveConfig());
      const run = await stores.metadata.getRun(path.flow, path.run!);
      if (!run) throw await notFound(stores, path.flow, path.run!);
      const tasks = path.task ? [path.task] : (await stores.metadata.listTasks(path.flow, path.run!, path.step!)).map((t) => t.task);
      if (tasks.length === 0) {
        const steps = await stores.metadata.listSteps(path.flow, path.run!);
        throw new WeftError("NOT_FOUND", `Run ${path.flow}/${path.run} has no tasks of step "${path.step}".`, { hint: `Steps with tasks: ${steps.join(", ") || "(none)"}.` });
      }
      for (const task of tasks) await printTask(stores, { flow: path.flow, run: path.run!, step: path.step!, task }, opts, { header: tasks.length > 1, listed: !path.task });
    });
}

/** `listed`: the task is one of a step's, where a task that never started is noted, not an error. */
async function printTask(stores: Stores, ref: TaskRef, opts: { stream: string; attempt?: string; allAttempts?: boolean }, { header, listed }: { header: boolean; listed: boolean }): Promise<void> {
  const store = new TaskDatastore(stores.backend, new ContentStore(stores.backend, layout.contentPrefix(ref.flow)), ref);
  // The metadata has the attempts whose runner recorded them and which wrote nothing yet.
  const [stored, recorded] = await Promise.all([store.attempts(), stores.metadata.listAttempts(ref)]);
  const attempts = [...new Set([...stored, ...recorded.map((a) => a.attempt)])].sort((a, b) => a - b);
  if (attempts.length === 0 && listed) return void process.stderr.write(`── ${store.pathspec}: no output, the task never started ──
`);
  if (attempts.length === 0) throw new WeftError("NOT_FOUND", `Task ${ref.flow}/${ref.run}/${ref.step}/${ref.task} does not exist or never started.`);
  let chosen = opts.allAttempts ? attempts : [attempts[attempts.length - 1]!];
  if (opts.attempt !== undefined) {
    if (!attempts.includes(Number(opts.attempt))) throw new WeftError("USAGE", `Task ${store.pathspec} has no attempt ${opts.attempt}.`, { hint: `Attempts: ${attempts.join(", ")}.` });
    chosen = [Number(opts.attempt)];
  }
  const streams = opts.stream === "both" ? (["stdout", "stderr"] as const) : ([opts.stream] as ("stdout" | "stderr")[]);
  for (const attempt of chosen) {
    if (header || chosen.length > 1) process.stdout.write(`── ${store.pathspec} (attempt ${attempt}) ──\n`);
    const logs = await stores.backend.getBytes(streams.map((s) => layout.attemptFile(ref, attempt, s)));
    logs.forEach((bytes, i) => {
      if (bytes?.byteLength) (streams[i] === "stdout" ? process.stdout : process.stderr).write(bytes);
    });
  }
}

async function notFound(stores: Stores, flow: string, run: string): Promise<WeftError> {
  const runs = await stores.metadata.listRuns(flow);
  if (runs.length === 0) {
    const flows = await stores.metadata.listFlows();
    return new WeftError("NOT_FOUND", `No runs of flow "${flow}" in ${stores.metadata.location}.`, { hint: `Flows with runs: ${flows.join(", ") || "(none)"}.` });
  }
  return new WeftError("NOT_FOUND", `Flow ${flow} has no run "${run}".`, { hint: `Latest runs: ${runs.slice(0, 5).map((r) => r.run).join(", ")}.` });
}
