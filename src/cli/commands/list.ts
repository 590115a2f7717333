import { Command } from "commander";
import { clientContext } from "../../client/context.ts";
import { Flow } from "../../client/flow.ts";
import { currentNamespace, namespace } from "../../client/namespace.ts";
import { parsePathspec, type Pathspec } from "../../client/pathspec.ts";
import { Run } from "../../client/run.ts";
import type { Task } from "../../client/task.ts";
import { WeftError } from "../../errors/weft-error.ts";

const ALL_USERS = "read every user's runs, not only yours (namespace(null))";

export function listCommand(): Command {
  const list = new Command("list").description("list flows, the runs of a flow, or the tasks of a run");
  list
    .command("flows")
    .description("every flow with runs, and its latest run in your namespace")
    .option("--json", "print JSON")
    .option("--all-users", "latest run of any user")
    .action(async (opts: { json?: boolean; allUsers?: boolean }) => {
      if (opts.allUsers) namespace(null);
      const rows = await Promise.all((await Flow.list().toArray()).map(async (flow) => ({ flow: flow.name, latest: await flow.latestRun() })));
      if (opts.json) return printJson(rows.map(({ flow, latest }) => ({ name: flow, latestRun: latest ? runJson(latest) : null })));
      if (rows.length === 0) return void process.stderr.write("No flows have runs yet.\n");
      printTable([["flow", "latest run", "status", "created"], ...rows.map(({ flow, latest }) => [flow, latest?.id ?? "-", latest?.status ?? "-", latest ? when(latest.createdAt) : "-"])]);
    });
  list
    .command("runs")
    .description("the runs of a flow, newest first: id, status, created, duration, user, tags")
    .argument("<flow>", "flow name, e.g. TrainFlow")
    .option("--json", "print JSON")
    .option("--all-users", ALL_USERS)
    .action(async (name: string, opts: { json?: boolean; allUsers?: boolean }) => {
      if (opts.allUsers) namespace(null);
      const runs = await (await Flow.get(name)).runs().toArray();
      if (opts.json) return printJson(runs.map(runJson));
      if (runs.length === 0) {
        const ns = currentNamespace((await clientContext()).config.values.user);
        return void process.stderr.write(`No runs of ${name} in namespace ${ns}. Pass --all-users to see every user's runs.\n`);
      }
      printTable([
        ["id", "status", "created", "duration", "user", "tags"],
        ...runs.map((r) => [r.id, r.status, when(r.createdAt), duration(r.createdAt, r.finishedAt), r.user, r.userTags.join(", ")]),
      ]);
    });
  list
    .command("tasks")
    .description("the tasks of a run or of one step: status, attempts, duration, origin if cloned by resume")
    .argument("<runpath>", "Flow/run or Flow/run/step")
    .option("--json", "print JSON")
    .option("--all-users", ALL_USERS)
    .action(async (text: string, opts: { json?: boolean; allUsers?: boolean }) => {
      const path = parsePathspec(text, 2, 3);
      const run = await openRun(path, opts.allUsers);
      const steps = path.step ? [run.step(path.step)] : await run.steps().toArray();
      const perStep = await Promise.all(steps.map((s) => s.tasks().toArray()));
      // Steps in the order they started, which follows the graph.
      const tasks = perStep.sort((a, b) => firstStart(a) - firstStart(b)).flat();
      const rows = tasks.map((t) => ({ task: t, status: taskStatus(t, run) }));
      if (opts.json) return printJson(rows.map(({ task, status }) => taskJson(task, status)));
      printTable([
        ["pathspec", "status", "attempts", "duration", "origin"],
        ...rows.map(({ task, status }) => [task.pathspec, status, String(task.retryCount + 1), duration(task.createdAt, task.finishedAt), task.origin ?? ""]),
      ]);
    });
  return list;
}

/**
 * The run a pathspec names, in the client's namespace or, with `allUsers`, in every
 * user's. A run that exists but belongs to someone else is NOT_FOUND with a hint to
 * pass --all-users (the client's own hint speaks of namespace(), which a shell user
 * cannot call).
 */
export async function openRun(path: Pathspec, allUsers: boolean | undefined): Promise<Run> {
  if (allUsers) namespace(null);
  try {
    return await Run.get(`${path.flow}/${path.run}`);
  } catch (error) {
    const elsewhere = !allUsers && error instanceof WeftError && error.code === "NOT_FOUND" && (await (await clientContext()).metadata.getRun(path.flow, path.run!));
    if (elsewhere) throw new WeftError("NOT_FOUND", error.message, { hint: "Pass --all-users to read another user's run.", cause: error });
    throw error;
  }
}

/** Prints rows as left-aligned columns, the first row being the header. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** successful, failed, or running; a task that never finished in a run that ended failed. */
function taskStatus(task: Task, run: Run): "successful" | "failed" | "running" {
  if (task.successful) return "successful";
  return task.finished || run.finished ? "failed" : "running";
}

function firstStart(tasks: Task[]): number {
  return Math.min(...tasks.map((t) => t.createdAt.getTime()));
}

function runJson(run: Run): Record<string, unknown> {
  return {
    id: run.id,
    pathspec: run.pathspec,
    status: run.status,
    createdAt: run.createdAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.finishedAt ? run.finishedAt.getTime() - run.createdAt.getTime() : null,
    user: run.user,
    tags: run.userTags,
    systemTags: run.systemTags,
    originRunId: run.originRunId ?? null,
    reason: run.reason ?? null,
  };
}

function taskJson(task: Task, status: string): Record<string, unknown> {
  return {
    pathspec: task.pathspec,
    step: task.stepName,
    id: task.id,
    status,
    attempts: task.retryCount + 1,
    createdAt: task.createdAt.toISOString(),
    finishedAt: task.finishedAt?.toISOString() ?? null,
    durationMs: task.finishedAt ? task.finishedAt.getTime() - task.createdAt.getTime() : null,
    origin: task.origin ?? null,
  };
}

/** Local time to the second: 2024-05-06 07:08:09. */
function when(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** 850ms, 12.3s, 4m05s, 2h03m; "-" when it has not finished. */
function duration(from: Date, to: Date | undefined): string {
  if (!to) return "-";
  const ms = Math.max(0, to.getTime() - from.getTime());
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
