import { Command } from "commander";
import { cliName, formatIssues } from "../../flow/graph/lint.ts";
import type { FlowAnalysis } from "../../flow/load/analyze.ts";
import { findLoops, isBackEdge } from "../../flow/graph/loops.ts";
import { importOptional } from "../optional-import.ts";

/** The graph as text: each step, what kind it is, and where it goes. */
export function describeGraph(analysis: FlowAnalysis): string {
  const { graph, parsed } = analysis;
  const lines = [`${graph.flowName}  (${parsed.file})`, ""];
  const loops = findLoops(graph);
  for (const p of parsed.params) lines.push(`  param --${cliName(p.field)}  (line ${p.line})`);
  for (const f of parsed.includeFiles) lines.push(`  file --${cliName(f.field)}${f.defaultFile ? `  default ${f.defaultFile}` : ""}  (line ${f.line})`);
  for (const c of parsed.configs) lines.push(`  config ${c.field}${c.defaultFile ? `  default ${c.defaultFile}` : ""}  (line ${c.line})`);
  if (parsed.params.length + parsed.includeFiles.length + parsed.configs.length) lines.push("");
  for (const name of graph.steps) {
    const node = graph.nodes[name]!;
    const step = parsed.steps.find((s) => s.name === name)!;
    const kind = node.isJoin
      ? `join of ${node.joins?.kind === "foreach" ? "the foreach" : "the branches"} at ${node.joins?.split ?? "?"}`
      : node.switch
        ? `switch on "${node.switch.condition}"`
        : node.split === "foreach"
          ? `foreach over "${node.foreach}"`
          : node.split === "static"
            ? "branch"
            : name === "start" || name === "end"
              ? ""
              : "linear";
    const decorators = step.decorators.map((d) => `@${d}`).join(" ");
    const loop = loops.bodies.has(name) ? `  ↻ first step of a loop` : "";
    lines.push(`step ${name}${kind ? `  — ${kind}` : ""}${decorators ? `  ${decorators}` : ""}${loop}  (line ${node.line})`);
    const back = (to: string) => (isBackEdge(loops, name, to) ? " ↻" : "");
    if (node.switch) for (const [key, to] of Object.entries(node.switch.cases)) lines.push(`    → ${JSON.stringify(key)}: ${to}${back(to)}`);
    else if (node.next.length) lines.push(`    → ${node.next.join(", ")}`);
  }
  return lines.join("\n");
}

export function showCommand(): Command {
  return new Command("show")
    .description("print the graph of a flow, read from its source")
    .argument("<flow>", "flow file (.ts)")
    .action(async (file: string) => {
      // The parser loads only for this command, not for every start of the CLI.
      const { analyzeFlow } = await importOptional(() => import("../../flow/load/analyze.ts"));
      const analysis = await analyzeFlow(file);
      process.stdout.write(`${describeGraph(analysis)}\n`);
      if (analysis.issues.length) {
        process.stderr.write(`\n${analysis.issues.length} problem${analysis.issues.length > 1 ? "s" : ""} (see weft check):\n${formatIssues(file, analysis.issues)}\n`);
      }
    });
}
