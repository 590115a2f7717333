import { WeftError } from "../errors/weft-error.ts";
import { AsyncList } from "./async-list.ts";
import type { ClientContext } from "./context.ts";
import { loadTask, summarize, type Task } from "./task.ts";

/** One step of a run: its tasks (one, or one per foreach item). */
export class Step<F = unknown> {
  readonly pathspec: string;

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    readonly flowName: string,
    readonly runId: string,
    readonly name: string,
  ) {
    this.pathspec = `${flowName}/${runId}/${name}`;
  }

  /** The step's tasks in task-id order; NOT_FOUND if the step has none. */
  tasks(): AsyncList<Task<F>> {
    return new AsyncList(async () => {
      const records = await this.ctx.metadata.listTasks(this.flowName, this.runId, this.name);
      if (records.length === 0) {
        const steps = await this.ctx.metadata.listSteps(this.flowName, this.runId);
        throw new WeftError("NOT_FOUND", `Run ${this.flowName}/${this.runId} has no tasks of step "${this.name}".`, { hint: `Steps with tasks: ${summarize(steps) || "(none)"}.` });
      }
      const tasks = await Promise.all(records.map((r) => loadTask<F>(this.ctx, r, r)));
      return tasks.filter((t): t is Task<F> => t !== undefined);
    });
  }

  /** The step's only (or first) task. */
  async task(): Promise<Task<F>> {
    return (await this.tasks().toArray())[0]!;
  }
}
