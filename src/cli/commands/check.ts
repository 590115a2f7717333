import { Command } from "commander";
import { formatIssues } from "../../flow/graph/lint.ts";
import { resolveConfig } from "../../config/resolve.ts";
import { loadFlowForRun } from "../../runtime/runner/start-run.ts";
import { planSecrets } from "../../secrets/plan.ts";
import { importOptional } from "../optional-import.ts";

export function checkCommand(): Command {
  return new Command("check")
    .description("lint a flow: graph, transitions, joins, parameters, decorators (exit 1 on any problem)")
    .argument("<flow>", "flow file (.ts)")
    .action(async (file: string) => {
      // The parser loads only for this command, not for every start of the CLI.
      const { analyzeFlow } = await importOptional(() => import("../../flow/load/analyze.ts"));
      const analysis = await analyzeFlow(file);
      if (analysis.issues.length) {
        process.stderr.write(`${file}: ${analysis.issues.length} problem${analysis.issues.length > 1 ? "s" : ""} found\n${formatIssues(file, analysis.issues)}\n`);
        process.exitCode = 1;
        return;
      }
      // The graph is sound; loading also validates decorator options and parameters,
      // and the secret sources are resolved as a run would.
      const config = resolveConfig();
      const flow = await loadFlowForRun(file, config);
      planSecrets(flow.decorators, config);
      process.stdout.write(`✓ ${flow.name} is valid: ${flow.graph.steps.length} steps, ${flow.params.length} parameters.\n`);
    });
}
