// How a flow's graph maps onto Argo DAG templates. Steps outside any foreach or loop
// form the entry DAG; the body of each foreach is a DAG template of its own, which the
// split's DAG fans out over with `withParam` (one child per index the split writes to
// its splits file), so the workflow object never holds the items. A foreach join waits
// for the fan-out task; a body of one step alone is fanned out as that step's template
// itself (inlineOneStepBodies, applied last by the compiler). Each loop is a recursive DAG template of its own
// (loop-layout.ts), run by one task in the DAG around it. A switch writes the step it
// chose to its case file, and each case's step runs `when` it was chosen; a step where
// cases meet again runs when one of them succeeded (`depends` with `||`), and a step
// after a skipped one is omitted.
import { WeftError } from "../../errors/weft-error.ts";
import { branchOf, type FlowGraph } from "../../flow/graph/graph.ts";
import { isBackEdge } from "../../flow/graph/loops.ts";
import { commonLength, positionsOf, type Frame, type Positions } from "../../runtime/task-identity.ts";
import { closesLoop, nextIterationTask, refuseUnsupportedLoops } from "./loop-layout.ts";
import { foreachTaskName, loopTaskName, stepTaskName } from "./names.ts";
import type { DagTask } from "./types.ts";

/** One DAG template: the entry DAG (`frame` undefined), a foreach's body or a loop's iteration. */
export interface DagLayout {
  frame: Frame | undefined;
  tasks: DagTask[];
}

/** Output parameters a step's template declares. */
export interface StepOutputs {
  /** A foreach split: its indices (`--splits-file`). */
  splits: boolean;
  /** A switch: the step it chose (`--case-file`). */
  case: boolean;
  /** A switch that closes a loop: the id of the next iteration's task (`--next-task-file`). */
  nextTask: boolean;
}

export interface FlowLayout {
  dags: DagLayout[];
  outputs: Record<string, StepOutputs>;
}

export interface LayoutNames {
  /** The template of a step. */
  stepTemplate: (step: string) => string;
  /** The DAG template of a foreach's body. */
  foreachTemplate: (split: string) => string;
  /** The recursive DAG template of a loop, by its first step. */
  loopTemplate: (header: string) => string;
  /** The task the entry DAG runs first (the run's creation). */
  firstTask: string;
}

/** The parameter every step template, foreach body and loop iteration takes: its task id. */
export const TASK_PARAMETER = "task";
const INPUT_TASK = `{{inputs.parameters.${TASK_PARAMETER}}}`;

/** The DAG template that runs `frame`. */
export function frameTemplate(names: LayoutNames, frame: Frame): string {
  return frame.kind === "foreach" ? names.foreachTemplate(frame.split) : names.loopTemplate(frame.header);
}

/** Lays out the graph as DAGs. Throws a USAGE WeftError for a shape this compiler refuses (see docs/argo.md). */
export function layoutFlow(graph: FlowGraph, names: LayoutNames): FlowLayout {
  const p = positionsOf(graph);
  refuseUnsupported(graph, p);
  const dags = new Map<string, DagLayout>();
  const dagOf = (frame: Frame | undefined) => {
    const key = frame === undefined ? "" : frame.kind === "foreach" ? `foreach:${frame.split}` : `loop:${frame.header}`;
    if (!dags.has(key)) dags.set(key, { frame, tasks: [] });
    return dags.get(key)!;
  };
  dagOf(undefined);
  const outputs: Record<string, StepOutputs> = {};
  for (const step of graph.steps.filter((s) => p.frames[s] !== undefined)) {
    const node = graph.nodes[step]!;
    outputs[step] = { splits: node.split === "foreach", case: node.switch !== undefined, nextTask: closesLoop(p, step) };
    const here = p.frames[step]!;
    const dag = dagOf(here.at(-1));
    dag.tasks.push({ name: stepTaskName(step), template: names.stepTemplate(step), ...conditions(p, step, here, names.firstTask), arguments: taskArgument(here.length ? INPUT_TASK : "0") });
    if (node.split === "foreach") {
      dag.tasks.push({
        name: foreachTaskName(step),
        template: names.foreachTemplate(step),
        depends: `${stepTaskName(step)}.Succeeded`,
        withParam: `{{tasks.${stepTaskName(step)}.outputs.parameters.splits}}`,
        arguments: taskArgument(here.length ? `${INPUT_TASK}-{{item}}` : "{{item}}"),
      });
    }
    if (p.loops.bodies.has(step)) {
      // The first iteration runs where the step would, were it no loop's first step.
      const around = here.slice(0, -1);
      dagOf(around.at(-1)).tasks.push({ name: loopTaskName(step), template: names.loopTemplate(step), ...conditions(p, step, around, names.firstTask), arguments: taskArgument(around.length ? `${INPUT_TASK}-i0` : "i0") });
      dag.tasks.push(nextIterationTask(p, step, names.loopTemplate(step), TASK_PARAMETER));
    }
  }
  return { dags: [...dags.values()], outputs };
}

/**
 * A foreach body that is one step taking the item's task id, and nothing else, is fanned
 * out as that step's template itself: no DAG node per item, half the nodes in the
 * workflow's status, which is what bounds a foreach's width on Argo (docs/argo.md,
 * "Limits"). Its task had no `depends` or `when` there, and the step template takes the
 * same `task` parameter the body did.
 */
export function inlineOneStepBodies(dags: DagLayout[], names: LayoutNames): DagLayout[] {
  const inlined = new Map<string, string>();
  for (const dag of dags) {
    const only = dag.tasks.length === 1 ? dag.tasks[0]! : undefined;
    const params = only?.arguments?.parameters ?? [];
    if (dag.frame?.kind !== "foreach" || !only || only.depends || only.when || only.withParam || params.length !== 1 || params[0]!.value !== INPUT_TASK) continue;
    inlined.set(names.foreachTemplate(dag.frame.split), only.template);
  }
  const kept = dags.filter((d) => d.frame?.kind !== "foreach" || !inlined.has(names.foreachTemplate(d.frame.split)));
  for (const dag of kept) for (const task of dag.tasks) task.template = inlined.get(task.template) ?? task.template;
  return kept;
}

const taskArgument = (value: string) => ({ parameters: [{ name: TASK_PARAMETER, value }] });

/** Whether a step of `theirs` frames runs in the DAG of `frames`, or in one nested in it. */
const inDag = (theirs: readonly Frame[] | undefined, frames: readonly Frame[]) => theirs !== undefined && commonLength(theirs, frames) === frames.length;

/**
 * The `depends` and `when` of the task that runs `step` in the DAG of `frames`: the
 * start step waits for the run's creation; a case of a switch in the same DAG runs when
 * chosen. A loop's exit has no `when`: its switch is inside the loop's template, and
 * the loop is left for that one step only (loop-layout.ts).
 */
function conditions(p: Positions, step: string, frames: readonly Frame[], firstTask: string): Pick<DagTask, "depends" | "when"> {
  const depends = step === "start" && frames.length === 0 ? `${firstTask}.Succeeded` : dependsOf(p, step, frames);
  const sameDag = (prev: string) => inDag(p.frames[prev], frames) && p.frames[prev]!.length === frames.length;
  const chooser = p.graph.nodes[step]!.prev.find((prev) => p.graph.nodes[prev]!.switch && !isBackEdge(p.loops, prev, step) && sameDag(prev));
  return {
    ...(depends ? { depends } : {}),
    ...(chooser ? { when: `'{{tasks.${stepTaskName(chooser)}.outputs.parameters.case}}' == '${step}'` } : {}),
  };
}

/**
 * When a step may run, as an Argo `depends` expression over the tasks of the DAG of
 * `frames`: every input branch succeeded; within one branch (cases of a switch), any of
 * its steps. A predecessor inside a deeper foreach or loop is stood for by the task
 * that runs that foreach or loop. One outside this DAG (the split before a foreach
 * body, the step before a loop) and the switch going round a loop are not waited for
 * here.
 */
function dependsOf(p: Positions, step: string, frames: readonly Frame[]): string | undefined {
  const node = p.graph.nodes[step]!;
  const groups = new Map<string, Set<string>>();
  for (const prev of node.prev) {
    const theirs = p.frames[prev];
    if (!inDag(theirs, frames) || isBackEdge(p.loops, prev, step)) continue;
    const inner = theirs![frames.length];
    const task = inner === undefined ? stepTaskName(prev) : inner.kind === "foreach" ? foreachTaskName(inner.split) : loopTaskName(inner.header);
    // A static join's inputs come one per branch; any other step's several inputs are cases of which one ran.
    const group = node.joins?.kind === "static" ? branchOf(node, prev) : "";
    groups.set(group, (groups.get(group) ?? new Set()).add(task));
  }
  if (groups.size === 0) return undefined;
  const terms = [...groups.values()].map((tasks) => {
    const any = [...tasks].map((t) => `${t}.Succeeded`);
    return any.length > 1 && groups.size > 1 ? `(${any.join(" || ")})` : any.join(" || ");
  });
  return terms.join(" && ");
}

/**
 * A step chosen by a switch must have that switch as its only way in (besides a loop
 * going round to it), since Argo's `when` is one condition for the task; and some loops
 * are refused (loop-layout.ts).
 */
function refuseUnsupported(graph: FlowGraph, p: Positions): void {
  refuseUnsupportedLoops(p);
  for (const node of Object.values(graph.nodes)) {
    if (!node.switch) continue;
    for (const target of new Set(Object.values(node.switch.cases))) {
      if (isBackEdge(p.loops, node.name, target)) continue;
      const others = graph.nodes[target]!.prev.filter((prev) => prev !== node.name && !isBackEdge(p.loops, prev, target));
      if (others.length) {
        throw new WeftError("USAGE", `Step "${target}" of ${graph.flowName} is a case of the switch in "${node.name}" and also follows ${others.map((o) => `"${o}"`).join(", ")}, which weft argo-workflows cannot deploy.`, {
          hint: `Give the case a step of its own that goes on to "${target}". See docs/argo.md, "What Argo does not run".`,
        });
      }
    }
  }
}
