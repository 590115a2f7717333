import { Command } from "commander";
import { inspect } from "node:util";
import { parsePathspec } from "../../client/pathspec.ts";
import type { Run } from "../../client/run.ts";
import { absentIfNotFound, WeftError } from "../../errors/weft-error.ts";
import { compareRuns, type ComparedRow, type RunSnapshot } from "./compare-runs.ts";
import { openRun, printJson, printTable } from "./list.ts";
import { formatNumber } from "./metrics.ts";

/** Artifacts up to this serialized size are loaded to show their value; others by type, size and hash. */
const PREVIEW_MAX_BYTES = 1024;

export function compareCommand(): Command {
  return new Command("compare")
    .description("put runs side by side: parameters, each metric's last value, and the artifacts whose values differ")
    .argument("<runpaths...>", "two or more Flow/run")
    .option("--json", "print the comparison as JSON")
    .option("--all-users", "read other users' runs (namespace(null))")
    .action(async (texts: string[], opts: { json?: boolean; allUsers?: boolean }) => {
      if (texts.length < 2) throw new WeftError("USAGE", `weft compare needs two runs or more; got ${texts.length}.`, { hint: "E.g. weft compare IrisFlow/41 IrisFlow/42." });
      const runs = await Promise.all(texts.map((t) => openRun(parsePathspec(t, 2, 2), opts.allUsers)));
      const comparison = compareRuns(await Promise.all(runs.map(snapshotOf)), formatNumber);
      if (opts.json) return printJson(comparison);
      printTable([["", ...comparison.runs], ["status", ...comparison.status]]);
      section("Parameters", comparison.runs, comparison.params, "no parameters");
      section("Metrics (last value)", comparison.runs, comparison.metrics, "no metrics");
      section("Changed artifacts", comparison.runs, comparison.artifacts, "every artifact is the same in all runs");
    });
}

/** A table of rows, with `*` before those whose values differ. */
function section(title: string, runs: string[], rows: ComparedRow[], none: string): void {
  process.stdout.write(`\n${title}\n`);
  if (rows.length === 0) return void process.stdout.write(`  (${none})\n`);
  printTable([["", "", ...runs], ...rows.map((r) => [r.differs ? "*" : " ", r.key, ...r.values])]);
}

async function snapshotOf(run: Run): Promise<RunSnapshot> {
  const metrics = new Map((await run.metrics({ maxPoints: 0 })).map((s) => [`${s.stepName}/${s.task} ${s.name}`, s.last.value]));
  const artifacts: RunSnapshot["artifacts"] = new Map();
  for (const step of await run.steps().toArray()) {
    for (const task of await step.tasks().toArray()) {
      const list = await task.artifacts().toArray().catch(absentIfNotFound);
      for (const a of list ?? []) {
        if (a.name in run.parameters) continue;
        const preview = a.size <= PREVIEW_MAX_BYTES ? inspect(await a.value(), { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 40 }) : undefined;
        artifacts.set(`${step.name}/${task.id}.${a.name}`, { sha: a.sha, type: a.type, size: a.size, preview: preview && preview.length > 60 ? `${preview.slice(0, 57)}...` : preview });
      }
    }
  }
  return { pathspec: run.pathspec, status: run.status, params: run.parameters, metrics, artifacts };
}
