import { Command } from "commander";
import { parsePathspec } from "../../client/pathspec.ts";
import { openRun, printJson, printTable } from "./list.ts";

/** A number as people read it in a table: at most 6 significant digits. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

export function metricsCommand(): Command {
  return new Command("metrics")
    .description("print the metrics (current.logMetric) of a run's finished tasks: each metric's last value per task")
    .argument("<runpath>", "Flow/run")
    .option("--json", "print every series with all its points as JSON")
    .option("--all-users", "read another user's run (namespace(null))")
    .action(async (text: string, opts: { json?: boolean; allUsers?: boolean }) => {
      const run = await openRun(parsePathspec(text, 2, 2), opts.allUsers);
      const series = await run.metrics(opts.json ? {} : { maxPoints: 0 });
      if (opts.json) return printJson(series);
      if (series.length === 0) return void process.stderr.write(`Run ${run.pathspec} has no metrics (status: ${run.status}).\n`);
      printTable([["task", "metric", "last", "step", "points"], ...series.map((s) => [`${s.stepName}/${s.task}`, s.name, formatNumber(s.last.value), String(s.last.step), String(s.count)])]);
    });
}
