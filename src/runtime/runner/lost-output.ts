import { layout, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";

type Stream = "stdout" | "stderr";

/** Held per stream at most; past it the runner stops holding and saves nothing more of that stream. */
const MAX_HELD_BYTES = 16 * 1024 * 1024;

/**
 * The lines of one attempt as the local runner saw them live. A task saves its own
 * logs every 2 s and when it ends; one that crashes hard (a segfault, process.abort(),
 * SIGKILL) loses what it had not saved yet. The runner saw those lines, so it saves
 * them for the task (saveMissing), after what the task did save.
 */
export class SeenOutput {
  private readonly lines: Record<Stream, string[]> = { stdout: [], stderr: [] };
  private readonly held: Record<Stream, number> = { stdout: 0, stderr: 0 };
  private readonly overflowed: Record<Stream, boolean> = { stdout: false, stderr: false };

  add(stream: Stream, line: string): void {
    if (this.overflowed[stream]) return;
    this.held[stream] += line.length * 3 + 1;
    if (this.held[stream] > MAX_HELD_BYTES) {
      this.overflowed[stream] = true;
      this.lines[stream] = [];
      return;
    }
    this.lines[stream].push(line);
  }

  /**
   * Appends to the attempt's log objects the lines the task did not save, and nothing
   * it did: the saved object's complete lines are counted and skipped, and a line it
   * saved only the start of is completed. Returns how many lines were added.
   */
  async saveMissing(backend: StorageBackend, ref: TaskRef, attempt: number): Promise<number> {
    const streams = (["stdout", "stderr"] as const).filter((s) => !this.overflowed[s] && this.lines[s].length > 0);
    if (streams.length === 0) return 0;
    const keys = streams.map((s) => layout.attemptFile(ref, attempt, s));
    const saved = await backend.getBytes(keys);
    let added = 0;
    const appends = streams.flatMap((stream, i) => {
      const before = Buffer.from(saved[i] ?? new Uint8Array());
      const missing = missingBytes(before, this.lines[stream]);
      if (!missing) return [];
      added += missing.lines;
      return [{ key: keys[i]!, before, data: missing.bytes }];
    });
    if (appends.length === 0) return 0;
    if (backend.appendBytes) await backend.appendBytes(appends.map(({ key, before, data }) => ({ key, data, offset: before.byteLength })));
    else await backend.putBytes(appends.map(({ key, before, data }) => ({ key, data: Buffer.concat([before, data]), overwrite: true })));
    return added;
  }
}

/** The bytes of `lines` (each ended by a newline) that follow what `saved` holds, or undefined when it holds them all. */
export function missingBytes(saved: Buffer, lines: string[]): { bytes: Buffer; lines: number } | undefined {
  const text = saved.toString("utf8");
  const complete = text.split("\n").length - 1;
  const partial = text.slice(text.lastIndexOf("\n") + 1);
  if (complete >= lines.length) return undefined;
  let first = lines[complete]!;
  // A line the task saved the start of: only its rest is added.
  if (partial && first.startsWith(partial.replace(/\r$/, ""))) first = first.slice(partial.replace(/\r$/, "").length);
  else if (partial) first = `\n${first}`;
  // The last line, saved whole without its newline: nothing is missing.
  if (first === "" && complete + 1 === lines.length) return undefined;
  const rest = [first, ...lines.slice(complete + 1)];
  return { bytes: Buffer.from(`${rest.join("\n")}\n`), lines: rest.length };
}
