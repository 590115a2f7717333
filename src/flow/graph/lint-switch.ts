import type { FlowGraph } from "./graph.ts";
import type { FlowLoops } from "./loops.ts";
import type { ParsedFlow, ParsedStep, ParsedTransition } from "./parse.ts";

type Add = (step: string | undefined, line: number, message: string, hint: string) => void;

const SWITCH_FORM = 'this.next({ fast: this.a, slow: this.b }, { condition: "mode" })';

/** The checks of one step's switch transition (or of a `condition` without cases), on the source alone. */
export function checkSwitch(s: ParsedStep, t: ParsedTransition, parsed: ParsedFlow, add: Add): void {
  const name = s.name;
  if (!t.cases) {
    if (t.condition !== undefined) add(name, t.line, `The transition of step "${name}" has a condition but no cases.`, `A switch lists its cases first: ${SWITCH_FORM}.`);
    return;
  }
  if (t.foreach !== undefined) add(name, t.line, `Step "${name}" combines a switch with a foreach.`, "A step either chooses one step (switch) or runs one task per item (foreach): move the foreach to a step of its own after the switch.");
  for (const c of t.cases) {
    if (c.key === null) add(name, t.line, `A case of the switch in step "${name}" has a key that is not a literal.`, `Write each case key as a name, string or number literal: { fast: this.a, "very slow": this.b, 3: this.c }.`);
  }
  const distinct = new Set(t.cases.map((c) => c.target).filter((x) => x !== null));
  if (distinct.size < 2) add(name, t.line, `The switch in step "${name}" chooses between ${distinct.size} step${distinct.size === 1 ? "" : "s"}.`, `A switch needs at least two cases to different steps; for one step, write this.next(this.<step>).`);
  if (t.condition === "") add(name, t.line, `The switch in step "${name}" names no condition.`, `Name the artifact whose value picks the case as a string literal: ${SWITCH_FORM}.`);
  else if (t.condition !== undefined && !parsed.fields.includes(t.condition)) {
    add(name, t.line, `The switch in step "${name}" has condition "${t.condition}", which is not a field of ${parsed.className}.`, `Assign this.${t.condition} before the transition (in this step or an earlier one), or declare the field.`);
  }
}

/**
 * The checks of a graph with switches and loops, once its edges are sound: no case
 * straight into a join, no loop back to start, and a loop left only through a switch
 * case (which is where the task's iteration index is dropped). Returns how many problems it found.
 */
export function checkSwitchGraph(graph: FlowGraph, loops: FlowLoops, parsed: ParsedFlow, report: Add): number {
  let found = 0;
  const add: Add = (...issue) => {
    found++;
    report(...issue);
  };
  const lineOf = (step: string) => parsed.steps.find((s) => s.name === step)?.transitions[0]?.line ?? graph.nodes[step]?.line ?? parsed.line;
  for (const node of Object.values(graph.nodes)) {
    if (!node.switch) continue;
    const joins = node.next.filter((n) => graph.nodes[n]!.isJoin);
    for (const join of joins) {
      add(node.name, lineOf(node.name), `A case of the switch in step "${node.name}" goes straight into join "${join}".`, `Only one case runs, so the join could not tell which input to wait for: put an ordinary step between, e.g. ${node.name} → ${join}Prep → ${join}.`);
    }
  }
  if (loops.bodies.has("start")) {
    add("start", graph.nodes.start!.line, `A switch case goes back to start.`, "start runs once per run: begin the loop at the step after start.");
  }
  for (const [header, body] of loops.bodies) {
    for (const step of body) {
      const node = graph.nodes[step]!;
      if (node.switch) continue;
      const outside = node.next.filter((n) => !body.has(n));
      if (outside.length) {
        add(step, lineOf(step), `Step "${step}" leaves the loop that starts at "${header}" for ${outside.join(", ")} without a switch.`, "A loop is left through a switch case: every other transition of a step in the loop stays in it.");
      }
    }
  }
  return found;
}

/** The message for a cycle that closes no loop: one with no switch case back to a step that every path into it passes. */
export function describeCycle(graph: FlowGraph, cycle: string[]): { message: string; hint: string } {
  const closing = cycle[cycle.length - 2]!;
  const back = cycle[cycle.length - 1]!;
  const throughSwitch = cycle.slice(0, -1).find((step) => graph.nodes[step]?.switch);
  if (throughSwitch) {
    return {
      message: `Steps ${cycle.join(" → ")} form a loop that can be entered at more than one of its steps.`,
      hint: `A switch case may go back to its own step or to an earlier step that every path into the loop passes through: enter the loop at one step only.`,
    };
  }
  return {
    message: `Steps ${cycle.join(" → ")} form a loop: step "${closing}" goes back to "${back}" without a switch, so the flow could never leave it.`,
    hint: `Make "${closing}" transition forward (e.g. this.next(this.end)), or close the loop with a switch case that can leave it: this.next({ again: this.${back}, done: this.end }, { condition: "more" }).`,
  };
}
