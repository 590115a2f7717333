import { WeftError } from "../errors/weft-error.ts";
import type { RunRecord } from "../metadata/types.ts";
import type { ClientContext } from "./context.ts";
import { currentNamespace, inNamespace } from "./namespace.ts";

/**
 * The record of a run the current namespace may see. Throws NOT_FOUND naming what
 * exists: the flows when the flow has no runs, the latest runs when the run is unknown,
 * and how to widen the namespace when the run belongs to someone else.
 */
export async function visibleRun(ctx: ClientContext, flow: string, run: string): Promise<RunRecord> {
  const record = await ctx.metadata.getRun(flow, run);
  if (!record) {
    const runs = await ctx.metadata.listRuns(flow);
    if (runs.length === 0) throw await unknownFlow(ctx, flow);
    throw new WeftError("NOT_FOUND", `Flow ${flow} has no run "${run}".`, { hint: `Latest runs: ${runs.slice(0, 5).map((r) => r.run).join(", ")}.` });
  }
  const ns = currentNamespace(ctx.config.values.user);
  if (!inNamespace(record, ns)) {
    throw new WeftError("NOT_FOUND", `Run ${flow}/${run} is not in namespace ${ns} (it belongs to ${record.systemTags.find((t) => t.startsWith("user:")) ?? "another user"}).`, {
      hint: 'Call namespace(null) to see every user\'s runs, or namespace("user:<name>") for one user\'s.',
    });
  }
  return record;
}

export async function unknownFlow(ctx: ClientContext, flow: string): Promise<WeftError> {
  const flows = await ctx.metadata.listFlows();
  return new WeftError("NOT_FOUND", `No runs of flow "${flow}" in ${ctx.metadata.location}.`, { hint: `Flows with runs: ${flows.join(", ") || "(none)"}.` });
}
