import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { WeftError } from "../../errors/weft-error.ts";
import type { FlowGraph } from "../graph/graph.ts";
import { lintFlow, type LintIssue } from "../graph/lint.ts";
import { parseFlowSource, type ParsedFlow } from "../graph/parse.ts";

export interface FlowAnalysis {
  file: string;
  source: string;
  sourceSha: string;
  parsed: ParsedFlow;
  graph: FlowGraph;
  issues: LintIssue[];
}

/** Reads, parses and lints a flow file without executing any of it. */
export async function analyzeFlow(file: string): Promise<FlowAnalysis> {
  const path = resolve(file);
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new WeftError("USAGE", code === "ENOENT" ? `Flow file ${file} does not exist.` : `Cannot read flow file ${file}: ${(cause as Error).message}`, {
      hint: "Pass the path of a .ts file that default-exports a FlowSpec subclass.",
      cause,
    });
  }
  const parsed = parseFlowSource(source, file);
  const { graph, issues } = lintFlow(parsed);
  return { file: path, source, sourceSha: createHash("sha256").update(source).digest("hex"), parsed, graph, issues };
}
