import { Command } from "commander";
import { inspect } from "node:util";
import type { Artifact } from "../../client/artifact.ts";
import { parsePathspec } from "../../client/pathspec.ts";
import { Task } from "../../client/task.ts";
import { absentIfNotFound, WeftError } from "../../errors/weft-error.ts";
import { openRun, printJson, printTable } from "./list.ts";

/** Artifacts up to this serialized size are loaded to show a preview; bigger ones never are. */
const PREVIEW_MAX_BYTES = 1024 * 1024;
const PREVIEW_CHARS = 80;

interface DumpOptions {
  artifact?: string;
  json?: boolean;
  allUsers?: boolean;
}

export function dumpCommand(): Command {
  return new Command("dump")
    .description("list a task's artifacts with a preview of small values, or print one artifact")
    .argument("<pathspec>", "Flow/run (its end task), Flow/run/step (every task of the step) or Flow/run/step/task")
    .option("--artifact <name>", "print this artifact's value (of every task, for a step)")
    .option(
      "--json",
      "print JSON: the listing, or with --artifact the value, converted: Map → object (array of [key, value] pairs if a key is not a string), Set and typed arrays → arrays, BigInt → decimal string, Date → ISO string, RegExp → its source text, Error → {name, message}, NaN and Infinity → null, a circular reference → \"[Circular]\"",
    )
    .option("--all-users", "read another user's run (namespace(null))")
    .action(async (text: string, opts: DumpOptions) => {
      const { tasks, wholeStep } = await tasksOf(text, opts.allUsers);
      if (opts.artifact !== undefined) await printArtifact(tasks, wholeStep, opts.artifact, opts.json);
      else await printListing(tasks, opts.json);
    });
}

/** The tasks a pathspec names: the end task of a run, every task of a step, or one task. */
async function tasksOf(text: string, allUsers: boolean | undefined): Promise<{ tasks: Task[]; wholeStep: boolean }> {
  const path = parsePathspec(text, 2, 4);
  const run = await openRun(path, allUsers);
  if (path.task) return { tasks: [await Task.get(text)], wholeStep: false };
  if (path.step) return { tasks: await run.step(path.step).tasks().toArray(), wholeStep: true };
  const steps = (await run.steps().toArray()).map((s) => s.name);
  if (!steps.includes("end")) {
    throw new WeftError("NOT_FOUND", `Run ${run.pathspec} has no end task (status: ${run.status}).`, {
      hint: `Dump a step that ran instead: weft dump ${run.pathspec}/<step>. Steps with tasks: ${steps.join(", ") || "(none)"}.`,
    });
  }
  return { tasks: await run.step("end").tasks().toArray(), wholeStep: false };
}

/** The artifacts of a finished task, or undefined when it has not finished successfully. */
async function artifactsOf(task: Task): Promise<Artifact[] | undefined> {
  return task.artifacts().toArray().catch(absentIfNotFound);
}

async function printListing(tasks: Task[], json: boolean | undefined): Promise<void> {
  const listed = await Promise.all(tasks.map(async (task) => ({ task, artifacts: await artifactsOf(task) })));
  if (json) {
    return printJson(
      listed.map(({ task, artifacts }) => ({
        pathspec: task.pathspec,
        finished: artifacts !== undefined,
        artifacts: (artifacts ?? []).map((a) => ({ name: a.name, type: a.type, size: a.size, sha: a.sha, serializer: a.serializer })),
      })),
    );
  }
  for (const [i, { task, artifacts }] of listed.entries()) {
    process.stdout.write(`${i ? "\n" : ""}${task.pathspec}\n`);
    if (!artifacts) {
      process.stdout.write("  (no artifacts: the task has not finished successfully)\n");
      continue;
    }
    const previews = await Promise.all(artifacts.map(preview));
    printTable([["  name", "type", "size", "sha", "preview"], ...artifacts.map((a, j) => [`  ${a.name}`, a.type, bytes(a.size), a.sha.slice(0, 12), previews[j]!])]);
  }
}

/** One line showing a small value; a big one is not loaded, an unreadable one says why (and fails the command). */
async function preview(artifact: Artifact): Promise<string> {
  if (artifact.size > PREVIEW_MAX_BYTES) return `(${bytes(artifact.size)}, not loaded: use --artifact ${artifact.name})`;
  try {
    const text = inspect(await artifact.value(), { depth: 2, maxArrayLength: 10, maxStringLength: PREVIEW_CHARS, breakLength: Infinity, compact: true });
    const line = text.replace(/\s*\n\s*/g, " ");
    return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line;
  } catch (error) {
    if (!(error instanceof WeftError)) throw error;
    process.stderr.write(`error: ${error.describe()}\n`);
    process.exitCode = error.exitCode;
    return `(unreadable: ${error.code})`;
  }
}

/** Prints one artifact: of one task, or of every task of a step (JSON: an array of {pathspec, value}). */
async function printArtifact(tasks: Task[], wholeStep: boolean, name: string, json: boolean | undefined): Promise<void> {
  const values: { task: Task; value: unknown }[] = [];
  for (const task of tasks) {
    // In a step of many tasks, one that did not finish is noted and skipped, not fatal.
    if (wholeStep && !(await artifactsOf(task))) {
      process.stderr.write(`${task.pathspec}: skipped, the task has not finished successfully.\n`);
      continue;
    }
    values.push({ task, value: await task.data(name) });
  }
  if (values.length === 0) throw new WeftError("NOT_FOUND", `No task of ${tasks[0]!.flowName}/${tasks[0]!.runId}/${tasks[0]!.stepName} has finished successfully.`, { hint: "Resume the run to finish it." });
  if (json) return printJson(wholeStep ? values.map(({ task, value }) => ({ pathspec: task.pathspec, value: toJson(value) })) : toJson(values[0]!.value));
  const colors = process.stdout.isTTY === true;
  for (const { task, value } of values) {
    if (wholeStep) process.stdout.write(`── ${task.pathspec} ──\n`);
    process.stdout.write(`${inspect(value, { depth: null, maxArrayLength: null, maxStringLength: null, colors })}\n`);
  }
}

/** A JSON-safe copy of a structured-clone value, converted as the --json help says. */
function toJson(value: unknown, ancestors: object[] = []): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value !== "object") return null;
  if (ancestors.includes(value)) return "[Circular]";
  const json = (v: unknown) => toJson(v, [...ancestors, value]);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return json(value.valueOf());
  if (value instanceof Map) {
    const entries = [...value.entries()];
    if (entries.every(([k]) => typeof k === "string")) return Object.fromEntries(entries.map(([k, v]) => [k, json(v)]));
    return entries.map(([k, v]) => [json(k), json(v)]);
  }
  if (value instanceof Set || Array.isArray(value)) return [...value].map(json);
  if (value instanceof DataView) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  if (ArrayBuffer.isView(value)) return [...(value as unknown as Iterable<number | bigint>)].map(json);
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  // As JSON.stringify does, a property whose value is undefined is left out.
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, json(v)]])));
}

/** 512 B, 1.5 KiB, 3.2 MiB. */
function bytes(size: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
