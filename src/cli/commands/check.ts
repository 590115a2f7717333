import { join } from "node:path";
import { Command } from "commander";
import { formatIssues, type LintIssue } from "../../flow/graph/lint.ts";
import { WeftError } from "../../errors/weft-error.ts";
import { resolveConfig } from "../../config/resolve.ts";
import { loadFlow } from "../../flow/load/load-flow.ts";
import { collectSecretPlans } from "../../secrets/plan.ts";
import { importOptional } from "../optional-import.ts";

export function checkCommand(): Command {
  return new Command("check")
    .description("lint a flow: graph, transitions, joins, parameters, decorators, secret sources (exit 1 on any problem, all listed)")
    .argument("<flow>", "flow file (.ts)")
    .action(async (file: string) => {
      // The parser loads only for this command, not for every start of the CLI.
      const { analyzeFlow } = await importOptional(() => import("../../flow/load/analyze.ts"));
      const analysis = await analyzeFlow(file);
      // Every problem is listed at once: the graph's, each decorator's and each
      // secret source's, resolved as a run would.
      const config = resolveConfig();
      let flow;
      try {
        flow = await loadFlow(file, { cacheDir: join(config.values.home, "cache"), collectIssues: true });
      } catch (error) {
        // A flow whose graph is wrong may also fail to load: its graph problems come first.
        if (!(error instanceof WeftError) || analysis.issues.length === 0) throw error;
        report(file, analysis.issues);
        return;
      }
      const issues: LintIssue[] = [...flow.issues];
      for (const { step, index, error } of collectSecretPlans(flow.decorators, config).problems) {
        const parsedStep = flow.parsed.steps.find((s) => s.name === step);
        const line = parsedStep?.decoratorLines?.secrets ?? parsedStep?.line ?? flow.parsed.line;
        issues.push({ step, line, message: `Secret source ${index + 1} of @secrets: ${error.message}`, hint: error.hint ?? "Fix the secret id." });
      }
      if (issues.length) {
        report(file, issues.sort((a, b) => a.line - b.line));
        return;
      }
      process.stdout.write(`✓ ${flow.name} is valid: ${flow.graph.steps.length} steps, ${flow.params.length} parameters.\n`);
    });
}

function report(file: string, issues: LintIssue[]): void {
  process.stderr.write(`${file}: ${issues.length} problem${issues.length > 1 ? "s" : ""} found\n${formatIssues(file, issues)}\n`);
  process.exitCode = 1;
}
