import { layout, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";

type Stream = "stdout" | "stderr";

/**
 * The most of one stream the runner holds, from its end. A task saves its logs every
 * 2 s, so a hard crash loses at most its last couple of seconds of output: the runner
 * needs only that tail, not everything an attempt ever printed (with 16 attempts at
 * once, a chatty flow would otherwise hold its whole output in the runner).
 */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * The last lines of one attempt as the local runner saw them live. A task saves its own
 * logs every 2 s and when it ends; one that crashes hard (a segfault, process.abort(),
 * SIGKILL) loses what it had not saved yet. The runner saw those lines, so it saves
 * them for the task (saveMissing), after what the task did save.
 */
export class SeenOutput {
  private readonly lines: Record<Stream, string[]> = { stdout: [], stderr: [] };
  private readonly held: Record<Stream, number> = { stdout: 0, stderr: 0 };
  /** Lines let go from the front to stay under MAX_HELD_BYTES. */
  private readonly dropped: Record<Stream, number> = { stdout: 0, stderr: 0 };

  /** Lines of a log that merges both streams (a pod's), held as MAX_HELD_BYTES from the end. */
  private readonly combined: string[] = [];
  private combinedHeld = 0;
  private combinedDropped = 0;

  addCombined(line: string): void {
    this.combined.push(line);
    this.combinedHeld += line.length * 3 + 1;
    while (this.combinedHeld > MAX_HELD_BYTES && this.combined.length > 1) {
      this.combinedHeld -= this.combined.shift()!.length * 3 + 1;
      this.combinedDropped++;
    }
  }

  add(stream: Stream, line: string): void {
    const lines = this.lines[stream];
    lines.push(line);
    this.held[stream] += line.length * 3 + 1;
    while (this.held[stream] > MAX_HELD_BYTES && lines.length > 1) {
      this.held[stream] -= lines.shift()!.length * 3 + 1;
      this.dropped[stream]++;
    }
  }

  /**
   * Appends to the attempt's log objects the lines the task did not save, and nothing
   * it did: the saved object's complete lines are counted and skipped, and a line it
   * saved only the start of is completed. Returns how many lines were added.
   */
  async saveMissing(backend: StorageBackend, ref: TaskRef, attempt: number): Promise<number> {
    if (this.combined.length) return this.saveMissingCombined(backend, ref, attempt);
    const streams = (["stdout", "stderr"] as const).filter((s) => this.lines[s].length > 0);
    if (streams.length === 0) return 0;
    const keys = streams.map((s) => layout.attemptFile(ref, attempt, s));
    const saved = await backend.getBytes(keys);
    let added = 0;
    const appends = streams.flatMap((stream, i) => {
      const before = Buffer.from(saved[i] ?? new Uint8Array());
      const missing = missingBytes(before, this.lines[stream], this.dropped[stream]);
      if (!missing) return [];
      added += missing.lines;
      return [{ key: keys[i]!, before, data: missing.bytes }];
    });
    if (appends.length === 0) return 0;
    if (backend.appendBytes) await backend.appendBytes(appends.map(({ key, before, data }) => ({ key, data, offset: before.byteLength })));
    else await backend.putBytes(appends.map(({ key, before, data }) => ({ key, data: Buffer.concat([before, data]), overwrite: true })));
    return added;
  }

  /**
   * For a merged log (a pod's): the task saves both streams at the same moments, so the
   * first (saved stdout lines + saved stderr lines) lines of the merged log are the saved
   * ones, and the rest were lost. They are appended to stderr under a line saying so.
   */
  private async saveMissingCombined(backend: StorageBackend, ref: TaskRef, attempt: number): Promise<number> {
    const keys = (["stdout", "stderr"] as const).map((s) => layout.attemptFile(ref, attempt, s));
    const [out, err] = await backend.getBytes(keys);
    const savedLines = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString("utf8").split("\n").length - 1 : 0);
    const skip = savedLines(out) + savedLines(err) - this.combinedDropped;
    const lost = this.combined.slice(Math.max(skip, 0));
    if (lost.length === 0) return 0;
    const before = Buffer.from(err ?? new Uint8Array());
    const gap = skip < 0 ? [`[weft: ${-skip} lines of output were lost when the task ended]`] : [];
    const text = `${before.length && !before.toString("utf8").endsWith("\n") ? "\n" : ""}${["[weft: the task ended before saving this output; from its pod's log, stdout and stderr merged:]", ...gap, ...lost].join("\n")}\n`;
    const data = Buffer.from(text);
    if (backend.appendBytes) await backend.appendBytes([{ key: keys[1]!, data, offset: before.byteLength }]);
    else await backend.putBytes([{ key: keys[1]!, data: Buffer.concat([before, data]), overwrite: true }]);
    return lost.length;
  }
}

/**
 * The bytes of the attempt's lines (each ended by a newline) that follow what `saved`
 * holds, or undefined when it holds them all. `lines` are the attempt's lines from
 * number `first` on (the ones before were let go); lines neither saved nor held are
 * marked as lost.
 */
export function missingBytes(saved: Buffer, lines: string[], first = 0): { bytes: Buffer; lines: number } | undefined {
  const text = saved.toString("utf8");
  const complete = text.split("\n").length - 1;
  const partial = text.slice(text.lastIndexOf("\n") + 1);
  if (complete >= first + lines.length) return undefined;
  if (complete < first) {
    const gap = `${partial ? "\n" : ""}[weft: ${first - complete} lines of output were lost when the task ended]`;
    return { bytes: Buffer.from(`${[gap, ...lines].join("\n")}\n`), lines: lines.length };
  }
  let next = lines[complete - first]!;
  // A line the task saved the start of: only its rest is added.
  if (partial && next.startsWith(partial.replace(/\r$/, ""))) next = next.slice(partial.replace(/\r$/, "").length);
  else if (partial) next = `\n${next}`;
  // The last line, saved whole without its newline: nothing is missing.
  if (next === "" && complete + 1 === first + lines.length) return undefined;
  const rest = [next, ...lines.slice(complete - first + 1)];
  return { bytes: Buffer.from(`${rest.join("\n")}\n`), lines: rest.length };
}
