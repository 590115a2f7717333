// How Argo decides a finished DAG's phase (assessDAGPhase in workflow/controller/dag.go,
// v3.6): it looks only at the DAG's target tasks, those no other task depends on. A task
// that completed (Succeeded, Failed, Error) has its own phase; one that did not
// (Skipped by its `when`, Omitted by its `depends`) takes the phase of the tasks it
// depends on, a failure over a success. The DAG fails when a target's phase is a
// failure. So a task whose failure another task handles (`depends: a.Failed`) fails the
// DAG only through a skipped or omitted task after it.
import type { DagTask } from "../../src/compute/argo/types.ts";
import type { Outcome } from "./workflow-run.ts";

const FAILED = ["Failed", "Error"];
const COMPLETED = ["Succeeded", ...FAILED];

/** The outcome that fails the DAG, or undefined when every target's branch succeeded. Tasks never started count as the branch they follow. */
export function failedBranch(tasks: DagTask[], dependencies: (task: DagTask) => string[], results: Map<string, Outcome>): Outcome | undefined {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const branches = new Map<string, Outcome[]>();
  /** The completed outcomes a task's branch phase comes from: its own, else its dependencies'. */
  const branch = (name: string): Outcome[] => {
    const known = branches.get(name);
    if (known) return known;
    const own = results.get(name);
    const deps = dependencies(byName.get(name)!);
    const inherited = own && COMPLETED.includes(own.phase) ? [own] : deps.length ? deps.flatMap(branch) : [{ phase: "Succeeded" as const }];
    branches.set(name, inherited);
    return inherited;
  };
  const depended = new Set(tasks.flatMap(dependencies));
  const targets = tasks.filter((t) => !depended.has(t.name)).map((t) => t.name).sort();
  for (const target of targets) {
    const failed = branch(target).find((o) => FAILED.includes(o.phase));
    if (failed) return failed;
  }
  return undefined;
}
