// How a flow's graph maps onto Argo DAG templates. Steps outside any foreach form the
// entry DAG; the body of each foreach is a DAG template of its own, which the split's
// DAG fans out over with `withParam` (one child per index the split writes to its
// splits file), so the workflow object never holds the items. A foreach join waits for
// the fan-out task. A body of one plain step is fanned out as that step's template
// itself, with no DAG per item: half the nodes in the workflow's status, which is what
// bounds a foreach's width on Argo (docs/argo.md, "Limits"). A switch writes the step it chose to its case file, and each case's
// step runs `when` it was chosen; a step where cases meet again runs when one of them
// succeeded (`depends` with `||`), and a step after a skipped one is omitted.
import { WeftError } from "../../errors/weft-error.ts";
import { branchOf, type FlowGraph } from "../../flow/graph/graph.ts";
import { findLoops } from "../../flow/graph/loops.ts";
import { enclosingForeaches } from "../../runtime/task-identity.ts";
import { foreachTaskName, stepTaskName } from "./names.ts";
import type { DagTask } from "./types.ts";

/** One DAG template: the entry DAG (`split` undefined) or a foreach body. */
export interface DagLayout {
  split: string | undefined;
  tasks: DagTask[];
}

/** Output parameters a step's template declares. */
export interface StepOutputs {
  /** A foreach split: its indices (`--splits-file`). */
  splits: boolean;
  /** A switch: the step it chose (`--case-file`). */
  case: boolean;
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
  /** The task the entry DAG runs first (the run's creation). */
  firstTask: string;
}

/** The parameter every step template and foreach body takes: its task id. */
export const TASK_PARAMETER = "task";

/** Lays out the graph as DAGs. Throws a USAGE WeftError for a shape this compiler refuses (loops; see docs/argo.md). */
export function layoutFlow(graph: FlowGraph, names: LayoutNames): FlowLayout {
  refuseUnsupported(graph);
  const depth = enclosingForeaches(graph);
  const dagOf = (step: string) => depth[step]?.at(-1);
  const reachable = graph.steps.filter((s) => depth[s] !== undefined);
  const splits = [...new Set(reachable.flatMap((s) => depth[s]!))];
  const direct = directBodies(graph, reachable, dagOf);
  const dags: DagLayout[] = [undefined, ...splits.filter((s) => !direct.has(s))].map((split) => ({ split, tasks: [] }));
  const dagBySplit = new Map(dags.map((d) => [d.split, d]));
  const outputs: Record<string, StepOutputs> = {};
  for (const step of reachable) {
    const node = graph.nodes[step]!;
    outputs[step] = { splits: node.split === "foreach", case: node.switch !== undefined };
    const here = depth[step]!;
    const split = dagOf(step);
    if (split !== undefined && direct.has(split)) continue;
    const dag = dagBySplit.get(split)!;
    const taskArg = here.length ? `{{inputs.parameters.${TASK_PARAMETER}}}` : "0";
    const depends = dependsOf(graph, step, depth);
    const chooser = node.prev.find((p) => graph.nodes[p]!.switch);
    dag.tasks.push({
      name: stepTaskName(step),
      template: names.stepTemplate(step),
      ...(step === "start" ? { depends: `${names.firstTask}.Succeeded` } : depends ? { depends } : {}),
      ...(chooser ? { when: `'{{tasks.${stepTaskName(chooser)}.outputs.parameters.case}}' == '${step}'` } : {}),
      arguments: { parameters: [{ name: TASK_PARAMETER, value: taskArg }] },
    });
    if (node.split === "foreach") {
      const item = here.length ? `{{inputs.parameters.${TASK_PARAMETER}}}-{{item}}` : "{{item}}";
      const body = direct.get(step);
      dag.tasks.push({
        name: foreachTaskName(step),
        template: body ? names.stepTemplate(body) : names.foreachTemplate(step),
        depends: `${stepTaskName(step)}.Succeeded`,
        withParam: `{{tasks.${stepTaskName(step)}.outputs.parameters.splits}}`,
        arguments: { parameters: [{ name: TASK_PARAMETER, value: item }] },
      });
    }
  }
  return { dags, outputs };
}

/** The foreaches whose body is one step that neither splits nor switches, by split: that step. */
function directBodies(graph: FlowGraph, reachable: string[], dagOf: (step: string) => string | undefined): Map<string, string> {
  const members = new Map<string, string[]>();
  for (const step of reachable) {
    const split = dagOf(step);
    if (split !== undefined) members.set(split, [...(members.get(split) ?? []), step]);
  }
  const direct = new Map<string, string>();
  for (const [split, steps] of members) {
    const only = steps.length === 1 ? graph.nodes[steps[0]!]! : undefined;
    if (only && only.split === undefined && only.switch === undefined) direct.set(split, only.name);
  }
  return direct;
}

/**
 * When a step may run, as an Argo `depends` expression over the tasks of its own DAG:
 * every input branch succeeded; within one branch (cases of a switch), any of its
 * steps. A predecessor inside a deeper foreach is stood for by that foreach's fan-out
 * task; the split before a foreach body is in the DAG above, so the body's first step
 * depends on nothing.
 */
function dependsOf(graph: FlowGraph, step: string, depth: Record<string, string[]>): string | undefined {
  const node = graph.nodes[step]!;
  const level = depth[step]!.length;
  const groups = new Map<string, Set<string>>();
  for (const prev of node.prev) {
    const frames = depth[prev];
    if (!frames || frames.length < level) continue;
    const task = frames.length === level ? stepTaskName(prev) : foreachTaskName(frames[level]!);
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
 * Loops (a switch case back to an earlier step) would need a recursive template whose
 * exit case the DAG above cannot read; and a step chosen by a switch must have that
 * switch as its only way in, since Argo's `when` is one condition for the task.
 */
function refuseUnsupported(graph: FlowGraph): void {
  const loops = findLoops(graph);
  if (loops.backEdges.size) {
    const edges = [...loops.backEdges].map((e) => e.replace(">", " → ")).join(", ");
    throw new WeftError("USAGE", `${graph.flowName} has a loop (${edges}), which weft argo-workflows cannot deploy yet.`, {
      hint: "Run it with `weft run` (loops run locally and on Kubernetes), or unroll the loop into a foreach over the iterations. See docs/argo.md, \"What Argo does not run\".",
    });
  }
  for (const node of Object.values(graph.nodes)) {
    if (!node.switch) continue;
    for (const target of new Set(Object.values(node.switch.cases))) {
      const others = graph.nodes[target]!.prev.filter((p) => p !== node.name);
      if (others.length) {
        throw new WeftError("USAGE", `Step "${target}" of ${graph.flowName} is a case of the switch in "${node.name}" and also follows ${others.map((o) => `"${o}"`).join(", ")}, which weft argo-workflows cannot deploy.`, {
          hint: `Give the case a step of its own that goes on to "${target}". See docs/argo.md, "What Argo does not run".`,
        });
      }
    }
  }
}
