// The two pipes between the local runner and a task it starts, each carrying a copy of
// what the other would otherwise read from the datastore; on a remote datastore each is
// a round trip per task (docs/benchmarks.md, "a quiet machine: the slot, and the run's
// context and result over pipes"). Only the two processes hold the pipes, so a copy is
// as trusted as the datastore it came from; without one, each reads the datastore as before.
// - stdin (`weft step --context-on-stdin`): the run spec the runner wrote and the done
//   marker of the task that queued this one.
// - `--result-fd N`: the task's own done marker, written there once it is stored.
import { createWriteStream } from "node:fs";
import type { TaskData } from "../../datastore/task-datastore.ts";
import { WeftError } from "../../errors/weft-error.ts";
import type { RunSpec } from "../run-spec.ts";
import type { TaskArgs } from "./args.ts";

export interface GivenContext {
  runSpec: RunSpec;
  /** Done markers of finished tasks, by `step/task`: each the one of its last attempt, the one that succeeded. */
  finished: Record<string, TaskData>;
}

/** The document a runner writes: the run spec as JSON text (serialized once per run), and the markers. */
export function givenContextBytes(runSpecJson: string, finished: Record<string, TaskData>): Uint8Array {
  return Buffer.from(`{"runSpec":${runSpecJson},"finished":${JSON.stringify(finished)}}`);
}

const FIX = "It is written by `weft run`; run `weft step` by hand without --context-on-stdin to read everything from the datastore (docs/task-contract.md).";

/** Reads stdin to its end (the runner closes it once written) and checks the copy is of this task's run. */
export async function readGivenContext(args: TaskArgs): Promise<GivenContext> {
  if (process.stdin.isTTY) throw new WeftError("USAGE", "weft step: --context-on-stdin reads the run's context from stdin, which is a terminal here.", { hint: FIX });
  let given: Partial<GivenContext>;
  try {
    // A stream, not readFileSync(0): the pipe Node hands a child may be non-blocking (EAGAIN).
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    given = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Partial<GivenContext>;
  } catch (error) {
    throw new WeftError("USAGE", `weft step: --context-on-stdin: stdin does not hold the run's context as JSON (${(error as Error).message}).`, { hint: FIX });
  }
  const spec = given?.runSpec;
  if (!spec || typeof spec !== "object" || spec.flow !== args.flow || spec.run !== args.run || typeof spec.graph !== "object") {
    throw new WeftError("USAGE", `weft step: --context-on-stdin: stdin holds no run spec of ${args.flow}/${args.run}.`, { hint: FIX });
  }
  const finished = given.finished ?? {};
  const malformed =
    typeof finished !== "object" || Array.isArray(finished)
      ? ["finished"]
      : Object.entries(finished).find(([key, data]) => !/^[^/]+\/[^/]+$/.test(key) || !isDoneMarker(data));
  if (malformed) {
    throw new WeftError("USAGE", `weft step: --context-on-stdin: "finished" must map step/task to a done marker; "${malformed[0]}" does not.`, { hint: FIX });
  }
  return { runSpec: spec, finished };
}

/**
 * Writes the stored done marker to the runner's pipe. A failure is only reported: the
 * marker is in the datastore, where the runner reads it when the pipe is empty.
 */
export async function writeResult(fd: number, marker: Uint8Array): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream("", { fd }).once("error", reject);
      out.end(marker, () => resolve());
    });
  } catch (error) {
    process.stderr.write(`weft step: could not hand the result to the runner on fd ${fd} (${(error as Error).message}); it is stored in the datastore.\n`);
  }
}

/** The done marker a task handed back, or undefined when it handed back nothing whole. */
export function handedBack(bytes: Uint8Array | undefined): TaskData | undefined {
  if (!bytes?.byteLength) return undefined;
  try {
    const data: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"));
    return isDoneMarker(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Enough of a done marker to be one: where the task went and what it saved. */
function isDoneMarker(data: unknown): data is TaskData {
  const marker = data as Partial<TaskData> | null;
  return typeof marker === "object" && marker !== null && Array.isArray(marker.next) && typeof marker.artifacts === "object" && marker.artifacts !== null;
}
