// @catchError's fallback attempt on Argo. Locally and on Kubernetes Jobs, the runner
// that sees a @catchError step's last attempt lost (killed by a signal, the OOM killer
// or its deadline: the step's code never stored an exception) records the loss and
// starts `weft step --fallback`, which stores the error as the catch variable and lets
// the run go on. On Argo the DAG does it: each such step gets a second task,
// `<step>-fallback`, in the step's own DAG (the entry DAG or a foreach body):
//
//   depends: <step>.Failed || <step>.Errored
//   when:    '{{tasks.<step>.exitCode}}' != '1' && … != '4'   (Weft's own exits are not losses)
//
// running the step's pod with `--fallback --attempt <retries + 1>` and what Argo saw of
// the lost pod (its exit code and end), from which the fallback records the lost
// attempts' ends itself (runtime/task/lost-attempts.ts). The step's successors depend on
// `<step>.Succeeded || <step>-fallback.Succeeded`. When the step failed on its own
// (exit 1–4) the fallback is Skipped, which Argo does not count as completed: the DAG
// takes the step's Failed through it, as it does through the Omitted successors.
import type { StepDecorators } from "../../flow/decorators/specs.ts";
import { TASK_EXIT } from "../../runtime/task/exit-codes.ts";
import { type FlowLayout, TASK_PARAMETER } from "./dag.ts";
import { stepTaskName, stepTemplateName } from "./names.ts";
import type { ArgoParameter, DagTask } from "./types.ts";

/** The fallback template's inputs besides the task id: what Argo saw of the lost pod. */
export const LOST_PARAMETERS = { exitCode: "lost-exit-code", finishedAt: "lost-finished-at" } as const;

/** Marks a fallback's template (and pod), so that `status` counts it as the task it stands for. */
export const FALLBACK_ANNOTATION = "weft/fallback";

/** Weft's own exit codes: the attempt recorded its failure, so it was not lost. */
const RECORDED_EXITS = [TASK_EXIT.stepFailed, TASK_EXIT.usage, TASK_EXIT.transient, TASK_EXIT.invalid];

export function fallbackTaskName(step: string): string {
  return `${stepTaskName(step)}-fallback`;
}

export function fallbackTemplateName(step: string): string {
  return `${stepTemplateName(step)}-fallback`;
}

/**
 * The steps that get a fallback: those with @catchError, except a foreach split or a
 * switch, whose output parameter (the indices, the case) the DAG reads from the step's
 * own task; a fallback could not stand in for it, so such a step's lost attempt still
 * fails the run (docs/argo.md).
 */
export function fallbackSteps(layout: FlowLayout, decorators: Record<string, StepDecorators>): string[] {
  return Object.entries(layout.outputs)
    .filter(([step, outputs]) => decorators[step]?.catchError && !outputs.splits && !outputs.case)
    .map(([step]) => step);
}

/** The layout with each step's fallback task beside its task, and the step's successors taking either. */
export function withFallbacks(layout: FlowLayout, steps: string[]): FlowLayout {
  const dags = layout.dags.map((dag) => {
    let tasks = dag.tasks;
    for (const step of steps) {
      const name = stepTaskName(step);
      const at = tasks.findIndex((t) => t.name === name);
      if (at < 0) continue;
      const fallback = fallbackTask(step, tasks[at]!);
      tasks = [...tasks.slice(0, at + 1), fallback, ...tasks.slice(at + 1)].map((t) => (t.depends ? { ...t, depends: eitherSucceeded(t.depends, name, fallback.name) } : t));
    }
    return { ...dag, tasks };
  });
  return { ...layout, dags };
}

function fallbackTask(step: string, task: DagTask): DagTask {
  const lost = (field: string) => `{{tasks.${task.name}.${field}}}`;
  const id = task.arguments!.parameters.find((p) => p.name === TASK_PARAMETER)!;
  const parameters: ArgoParameter[] = [id, { name: LOST_PARAMETERS.exitCode, value: lost("exitCode") }, { name: LOST_PARAMETERS.finishedAt, value: lost("finishedAt") }];
  return {
    name: fallbackTaskName(step),
    template: fallbackTemplateName(step),
    depends: `${task.name}.Failed || ${task.name}.Errored`,
    when: RECORDED_EXITS.map((code) => `'${lost("exitCode")}' != '${code}'`).join(" && "),
    arguments: { parameters },
  };
}

/** `depends` with every `<task>.Succeeded` widened to `(<task>.Succeeded || <fallback>.Succeeded)`. */
function eitherSucceeded(depends: string, task: string, fallback: string): string {
  const term = `${task}.Succeeded`;
  const either = `${term} || ${fallback}.Succeeded`;
  if (depends === term) return either;
  const pattern = new RegExp(`(?<![A-Za-z0-9-])${task.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.Succeeded(?![A-Za-z0-9])`, "g");
  return depends.replace(pattern, `(${either})`);
}
