import type { RunRecord } from "../metadata/types.ts";
import { AsyncList } from "./async-list.ts";
import { clientContext, type ClientContext } from "./context.ts";
import { currentNamespace, inNamespace } from "./namespace.ts";
import { parsePathspec } from "./pathspec.ts";
import { loadRun, type Run } from "./run.ts";
import { unknownFlow } from "./visibility.ts";

/** A flow: the runs of one FlowSpec class, newest first. */
export class Flow<F = unknown> {
  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    readonly name: string,
  ) {}

  /** `Flow.get("TrainFlow")`; NOT_FOUND listing the flows that have runs. Pass the flow class as F for typed data. */
  static async get<F = unknown>(name: string): Promise<Flow<F>> {
    parsePathspec(name, 1, 1);
    const ctx = await clientContext();
    if ((await ctx.metadata.listRuns(name)).length === 0) throw await unknownFlow(ctx, name);
    return new Flow<F>(ctx, name);
  }

  /** Every flow with runs in the datastore. */
  static list(): AsyncList<Flow> {
    return new AsyncList(async () => {
      const ctx = await clientContext();
      return (await ctx.metadata.listFlows()).map((name) => new Flow(ctx, name));
    });
  }

  /** Runs in the current namespace, newest first. */
  runs(): AsyncList<Run<F>> {
    return new AsyncList(async () => Promise.all((await this.visibleRecords()).map((r) => loadRun<F>(this.ctx, r))));
  }

  async latestRun(): Promise<Run<F> | undefined> {
    const [newest] = await this.visibleRecords();
    return newest && loadRun<F>(this.ctx, newest);
  }

  /** The newest run that succeeded; reads runs one by one from the newest. */
  async latestSuccessfulRun(): Promise<Run<F> | undefined> {
    for (const record of await this.visibleRecords()) {
      const run = await loadRun<F>(this.ctx, record);
      if (run.successful) return run;
    }
    return undefined;
  }

  private async visibleRecords(): Promise<RunRecord[]> {
    const ns = currentNamespace(this.ctx.config.values.user);
    return (await this.ctx.metadata.listRuns(this.name)).filter((r) => inNamespace(r, ns));
  }
}
