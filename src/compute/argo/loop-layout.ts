// How a loop maps onto Argo: a recursive DAG template, `loop-<header>`, holding one
// iteration of the loop's body and taking the iteration's task id (`i0`, `3-i2`) as its
// input. The DAG around the loop runs it once, with the first iteration's id; at its end
// the template runs itself again (a task of the same name) `when` the switch that
// closes the loop chose the loop's first step, with the id that switch wrote to its
// next-task file (`weft step --next-task-file`). An iteration that leaves the loop skips
// that task, so every template up the recursion succeeds once the last one has, and the
// step after the loop, in the DAG around it, depends on the loop's task: it runs once,
// after the last iteration. Argo runs recursive templates as written (the "Recursion"
// example of its docs); nothing here needs an expression or a newer Argo.
import { WeftError } from "../../errors/weft-error.ts";
import type { FlowGraph } from "../../flow/graph/graph.ts";
import { isBackEdge } from "../../flow/graph/loops.ts";
import type { Positions } from "../../runtime/task-identity.ts";
import { loopTaskName, stepTaskName } from "./names.ts";
import type { DagTask } from "./types.ts";

/** The output parameter of a switch that closes a loop: the id of the task it starts (`--next-task-file`). */
export const NEXT_TASK_OUTPUT = "next-task";

/** The switch whose case goes back to `header` (refuseUnsupportedLoops makes it one). */
export function loopSwitch(p: Positions, header: string): string {
  return p.graph.nodes[header]!.prev.find((prev) => isBackEdge(p.loops, prev, header))!;
}

/** Whether `step` is a switch with a case back to an earlier step (or itself). */
export function closesLoop(p: Positions, step: string): boolean {
  return p.graph.nodes[step]!.next.some((next) => isBackEdge(p.loops, step, next));
}

/**
 * The task at the end of a loop's template that runs the next iteration: when the
 * closing switch chose the header, with the task id it wrote.
 */
export function nextIterationTask(p: Positions, header: string, template: string, taskParameter: string): DagTask {
  const closer = stepTaskName(loopSwitch(p, header));
  return {
    name: loopTaskName(header),
    template,
    depends: `${closer}.Succeeded`,
    when: `'{{tasks.${closer}.outputs.parameters.case}}' == '${header}'`,
    arguments: { parameters: [{ name: taskParameter, value: `{{tasks.${closer}.outputs.parameters.${NEXT_TASK_OUTPUT}}}` }] },
  };
}

/**
 * Loops this compiler cannot lay out, each refused with what to do: a loop closed by
 * more than one switch (each would need its own recursion task, and both could run),
 * closed from inside a deeper foreach or loop (the recursion task must see the switch
 * in its own DAG), or left for more than one step (the DAG around the loop sees only
 * that the loop's task succeeded, not which way the last iteration went).
 */
export function refuseUnsupportedLoops(p: Positions): void {
  const flow = p.graph.flowName;
  for (const [header, body] of p.loops.bodies) {
    const closers = p.graph.nodes[header]!.prev.filter((prev) => isBackEdge(p.loops, prev, header));
    if (closers.length > 1) {
      throw refusal(`The loop at "${header}" of ${flow} is closed by ${closers.length} switches (${quoted(closers)})`, `Let one switch go back to "${header}": have the others go to it.`);
    }
    if (p.frames[closers[0]!]!.length !== p.frames[header]!.length) {
      throw refusal(`The loop at "${header}" of ${flow} is closed from "${closers[0]}", inside a deeper foreach or loop`, `Close the loop from a step after that foreach's join or that loop's exit.`);
    }
    const exits = exitsOf(p.graph, body);
    if (exits.length > 1) {
      throw refusal(`The loop at "${header}" of ${flow} is left for ${exits.length} steps (${quoted(exits)})`, `Leave the loop for one step, and choose between ${quoted(exits)} there with a switch of its own.`);
    }
  }
}

/** The steps outside a loop's body that a step inside it goes to. */
function exitsOf(graph: FlowGraph, body: ReadonlySet<string>): string[] {
  return [...new Set([...body].flatMap((step) => graph.nodes[step]!.next.filter((next) => !body.has(next))))];
}

const quoted = (steps: string[]) => steps.map((s) => `"${s}"`).join(", ");

function refusal(what: string, fix: string): WeftError {
  return new WeftError("USAGE", `${what}, which weft argo-workflows cannot deploy.`, {
    hint: `${fix} Or run it with \`weft run\` (loops run locally and on Kubernetes). See docs/argo.md, "What Argo does not run".`,
  });
}
