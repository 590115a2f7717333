import { WeftError } from "../../errors/weft-error.ts";
import { RESERVED_NAMES } from "../flow-spec.ts";
import { RUN_OPTIONS } from "../run-options.ts";
import { isValidName, NAME_RULE } from "../../metadata/names.ts";
import { buildGraph, findCycle, matchSplitsAndJoins, unreachableSteps, type FlowGraph } from "./graph.ts";
import { checkSwitch, checkSwitchGraph, describeCycle } from "./lint-switch.ts";
import { findLoops } from "./loops.ts";
import type { ParsedFlow, ParsedStep } from "./parse.ts";

/** One problem found by `weft check`: where it is, what is wrong, what to do. */
export interface LintIssue {
  step: string | undefined;
  line: number;
  message: string;
  hint: string;
}

/** Converts a camelCase field to its CLI flag name: testSize → test-size. */
export function cliName(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/_/g, "-").toLowerCase();
}

/**
 * Every check of SPEC §2, in order. Local checks on each step run first; the graph
 * checks (reachability, cycles, split/join balance) only once the edges are sound,
 * so one mistake is not reported three times.
 */
export function lintFlow(parsed: ParsedFlow): { graph: FlowGraph; issues: LintIssue[] } {
  const issues: LintIssue[] = [];
  const add = (step: string | undefined, line: number, message: string, hint: string) => issues.push({ step, line, message, hint });
  const stepNames = new Set(parsed.steps.map((s) => s.name));

  if (!stepNames.has("start")) add(undefined, parsed.line, `Flow ${parsed.className} has no start step.`, "Add `@step start() { … this.next(this.<step>); }`.");
  if (!stepNames.has("end")) add(undefined, parsed.line, `Flow ${parsed.className} has no end step.`, "Add `@step end() {}`; every path of the flow ends there.");
  // The same rule as the metadata service's: a name that runs locally must also run against it.
  if (!isValidName(parsed.className)) add(undefined, parsed.line, `Flow name "${parsed.className}" is not a valid flow name.`, `A flow name is ${NAME_RULE}: rename the class.`);
  for (const s of parsed.steps) {
    if (!isValidName(s.name)) add(s.name, s.line, `Step name "${s.name}" is not a valid step name.`, `A step name is ${NAME_RULE}: rename the method.`);
    checkStep(s, parsed, stepNames, add);
  }
  checkParams(parsed, stepNames, add);

  const graph = buildGraph(parsed);
  if (issues.length === 0) checkGraph(graph, parsed, add);
  return { graph, issues };
}

type Add = (step: string | undefined, line: number, message: string, hint: string) => void;

function checkStep(s: ParsedStep, parsed: ParsedFlow, stepNames: Set<string>, add: Add): void {
  const name = s.name;
  if (RESERVED_NAMES.has(name)) {
    add(name, s.line, `Step "${name}" uses a reserved name.`, `Rename it; ${[...RESERVED_NAMES].slice(0, 4).join(", ")}, … belong to FlowSpec.`);
  }
  if (s.arity > 1) add(name, s.line, `Step "${name}" takes ${s.arity} parameters.`, "A step takes none, or one (`inputs`) if it is a join.");
  if (name === "start" && s.arity > 0) add(name, s.line, `Step "start" takes inputs, but nothing comes before start.`, "Remove the parameter.");
  if (name === "end") {
    if (s.transitions.length > 0) add(name, s.transitions[0]!.line, `Step "end" has a transition.`, "Remove this.next(…) from end: the flow stops there.");
    return;
  }
  if (s.transitions.length === 0) {
    add(name, s.line, `Step "${name}" has no transition.`, `End it with this.next(this.<step>), e.g. this.next(this.end).`);
    return;
  }
  if (s.transitions.length > 1) {
    add(name, s.transitions[1]!.line, `Step "${name}" has ${s.transitions.length} transitions.`, "A step has exactly one this.next(…), as its last statement; to branch, pass several steps to one call.");
    return;
  }
  const t = s.transitions[0]!;
  if (!t.isLast) add(name, t.line, `The transition of step "${name}" is not its last statement.`, "Move this.next(…) to the end of the step body.");
  if (t.targets.length === 0) add(name, t.line, `this.next() in step "${name}" names no step.`, "Pass a step: this.next(this.end).");
  for (const target of t.targets) {
    if (target === null) add(name, t.line, `this.next() in step "${name}" takes steps written as this.<step>.`, "Pass the step method itself, e.g. this.next(this.train).");
    else if (!stepNames.has(target)) {
      const hint = parsed.plainMethods.includes(target) ? `Method "${target}" exists but is not a step: add @step to it.` : `Known steps: ${[...stepNames].join(", ")}.`;
      add(name, t.line, `Step "${name}" transitions to unknown step "${target}".`, hint);
    }
  }
  checkSwitch(s, t, parsed, add);
  if (t.foreach !== undefined && !t.cases) {
    if (t.targets.length !== 1) add(name, t.line, `The foreach in step "${name}" has ${t.targets.length} targets.`, "A foreach runs one step per item: this.next(this.body, { foreach: \"items\" }).");
    if (t.foreach === "") add(name, t.line, `The foreach in step "${name}" names no field.`, 'Name an array artifact as a string literal: { foreach: "items" }.');
    else if (!parsed.fields.includes(t.foreach)) add(name, t.line, `The foreach in step "${name}" names "${t.foreach}", which is not a field of ${parsed.className}.`, `Assign this.${t.foreach} = [...] before the transition, or declare the field.`);
  }
}

function checkParams(parsed: ParsedFlow, stepNames: Set<string>, add: Add): void {
  const seen = new Map<string, string>();
  // Parameters and included files are both flags of weft run.
  const flags = [...parsed.params.map((p) => ({ ...p, what: "Parameter" })), ...parsed.includeFiles.map((p) => ({ ...p, what: "Included file" }))].sort((a, b) => a.line - b.line);
  for (const p of flags) {
    const flag = cliName(p.field);
    const other = seen.get(flag);
    if (other) add(undefined, p.line, `Parameters "${other}" and "${p.field}" both become --${flag}.`, "Rename one of them.");
    if (RUN_OPTIONS.includes(flag)) {
      add(undefined, p.line, `${p.what} "${p.field}" becomes --${flag}, which is an option of weft run.`, `Rename the ${p.what === "Parameter" ? "parameter" : "field"}, e.g. ${p.field === "help" ? "showHelp" : `${p.field}Param`}; weft run's own options are ${RUN_OPTIONS.map((o) => `--${o}`).join(", ")}.`);
    }
    seen.set(flag, p.field);
  }
  for (const p of [...flags, ...parsed.configs.map((c) => ({ ...c, what: "Config" }))]) {
    if (RESERVED_NAMES.has(p.field) || stepNames.has(p.field)) add(undefined, p.line, `${p.what} "${p.field}" clashes with a ${stepNames.has(p.field) ? "step" : "reserved name"}.`, "Rename the field.");
  }
  const kinds = new Map<string, string[]>();
  for (const [kind, list] of [["@param", parsed.params], ["@config", parsed.configs], ["@includeFile", parsed.includeFiles]] as const) {
    for (const p of list) kinds.set(p.field, [...(kinds.get(p.field) ?? []), kind]);
  }
  for (const [field, list] of kinds) {
    if (list.length > 1) add(undefined, [...parsed.params, ...parsed.configs, ...parsed.includeFiles].find((p) => p.field === field)!.line, `Field "${field}" is both ${list.join(" and ")}.`, "A field is a parameter, a config or an included file: keep one decorator.");
  }
}

function checkGraph(graph: FlowGraph, parsed: ParsedFlow, add: Add): void {
  const line = (step: string) => graph.nodes[step]?.line ?? parsed.line;
  // A loop first: it is why the steps after it (end, often) cannot be reached, and
  // naming it says more than "end cannot be reached".
  // Loops closed by a switch case are allowed; any other cycle is named.
  const loops = findLoops(graph);
  const cycle = findCycle(graph, loops.backEdges);
  if (cycle) {
    const closing = cycle[cycle.length - 2]!;
    const transition = parsed.steps.find((s) => s.name === closing)?.transitions[0];
    const { message, hint } = describeCycle(graph, cycle);
    add(closing, transition?.line ?? line(closing), message, hint);
    return;
  }
  const orphans = unreachableSteps(graph);
  for (const orphan of orphans) {
    add(orphan, line(orphan), `Step "${orphan}" cannot be reached from start.`, "Transition to it from another step, or remove it.");
  }
  // Edges from unreachable steps would make innocent steps look like joins.
  if (orphans.length > 0) return;
  // A case straight into a join or a loop left without a switch would also unbalance the splits: reported once.
  if (checkSwitchGraph(graph, loops, parsed, add) > 0) return;
  const problem = matchSplitsAndJoins(graph, loops);
  if (!problem) return;
  const at = line(problem.step);
  switch (problem.kind) {
    case "unjoined-at-end":
      add("end", at, `The flow reaches end before the split at ${problem.detail} is joined.`, "Add a join step (one taking `inputs`) where the branches meet, before end.");
      break;
    case "no-split":
      add(problem.step, at, `Step "${problem.step}" takes inputs but is reached from the single linear step ${problem.detail}, with no split before it.`, "Remove the inputs parameter, or make a preceding step branch or foreach.");
      break;
    case "wrong-arity": {
      const [paths, split, branches] = problem.detail.split("|");
      add(problem.step, at, `Join "${problem.step}" is reached from ${paths}, but the split at ${split} opens paths ${branches}.`, "Every branch of a split must meet in the same join.");
      break;
    }
    case "not-a-join": {
      const node = graph.nodes[problem.step]!;
      add(problem.step, at, `Step "${problem.step}" is reached from ${node.prev.join(" and ")} but takes no inputs.`, `Branches meet in a join: declare it as ${problem.step}(inputs: Inputs<${parsed.className}>). Only the cases of a switch, of which one runs, meet at an ordinary step.`);
      break;
    }
    case "loop-crosses-split":
      add(problem.step, at, `The loop from step "${problem.step}" back to "${problem.detail}" crosses a split: the branches or foreach opened on one side are not joined on the other.`, "Open and join a split inside the loop, or put the whole loop inside one branch or foreach body.");
      break;
    case "cross-join":
      add(problem.step, at, `Join "${problem.step}" mixes paths from different splits or foreach levels (${problem.detail}).`, "Join the inner split or foreach first, then join the outer one.");
      break;
  }
}

/** Throws FLOW_INVALID listing every issue, each with file, line and step. */
export function assertNoIssues(parsed: ParsedFlow, issues: LintIssue[]): void {
  if (issues.length === 0) return;
  throw new WeftError("FLOW_INVALID", `${parsed.file}: ${issues.length} problem${issues.length > 1 ? "s" : ""} found\n${formatIssues(parsed.file, issues)}`, {
    hint: "Fix these and run `weft check` again.",
  });
}

export function formatIssues(file: string, issues: LintIssue[]): string {
  return issues.map((i) => `  ${file}:${i.line}${i.step ? ` [${i.step}]` : ""} ${i.message}\n      → ${i.hint}`).join("\n");
}
