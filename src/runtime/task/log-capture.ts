import { layout, type TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import type { Redactor } from "../../secrets/redactor.ts";
import { routeFdWrites } from "./fd-output.ts";
import { StreamMasker } from "../../secrets/stream-masker.ts";

/** The two output streams of a task, saved as `<attempt>.stdout` and `<attempt>.stderr`. */
export type StreamName = "stdout" | "stderr";
const STREAMS = ["stdout", "stderr"] as const;

const FLUSH_INTERVAL_MS = 2000;

/** One stream's bytes, as a LogCapture hands them to its sink. */
export interface LogSave {
  stream: StreamName;
  bytes: Uint8Array;
  /** With an appending sink, the bytes of this stream saved before; else 0. */
  offset: number;
}

/**
 * Where a LogCapture saves the two streams, one batch per save. An appending sink gets
 * only the bytes written since the last successful save, to append at `offset`; a
 * failed save's bytes come again, at the same offset, in the next one. A rewriting sink
 * gets the whole stream so far, to replace what it saved before.
 */
export interface LogSink {
  readonly appends: boolean;
  save(items: LogSave[]): Promise<void>;
}

/** Saves one stream by rewriting it whole: the form LogCapture took before LogSink. */
type RewriteStream = (stream: StreamName, bytes: Uint8Array) => Promise<void>;

/**
 * The sink of one task attempt's logs (`layout.attemptFile(ref, attempt, "stdout" |
 * "stderr")`): appends where the backend has appendBytes, so each byte is sent once;
 * otherwise the whole log is rewritten on each save.
 */
export function taskLogSink(backend: StorageBackend, ref: TaskRef, attempt: number): LogSink {
  const key = (stream: StreamName) => layout.attemptFile(ref, attempt, stream);
  if (backend.appendBytes) {
    return { appends: true, save: (items) => backend.appendBytes!(items.map(({ stream, bytes, offset }) => ({ key: key(stream), data: bytes, offset }))) };
  }
  return { appends: false, save: (items) => backend.putBytes(items.map(({ stream, bytes }) => ({ key: key(stream), data: bytes, overwrite: true }))) };
}

/**
 * Starts capturing this process's output (and its child processes') as the logs of a
 * task attempt: creates the LogCapture, installs it and returns it. Call `close()` when
 * the attempt ends, to save the rest.
 */
export function openTaskLogs(backend: StorageBackend, ref: TaskRef, attempt: number, redactor: Redactor): LogCapture {
  const capture = new LogCapture(taskLogSink(backend, ref, attempt), redactor);
  capture.install();
  routeFdWrites();
  return capture;
}

/**
 * Copies everything the task writes to stdout and stderr into the datastore while it
 * still reaches the runner live through the pipe. Saved every couple of seconds while
 * the task runs, so `weft logs` shows a running task, and once more at the end. With an
 * appending sink only the bytes not yet saved are held in memory and sent.
 */
export class LogCapture {
  private readonly sink: LogSink;
  /** Written, not yet saved. */
  private unsaved: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  /** Bytes saved per stream: the offset of the next append. */
  private readonly savedBytes: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  /** For a rewriting sink only: everything saved, since each save sends it all again. */
  private readonly whole: Record<StreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly waits: (() => Promise<void>)[] = [];
  /** Per stream while secrets are masked: what may be the start of a secret is held here. */
  private readonly maskers: Partial<Record<StreamName, StreamMasker>> = {};
  /** The write methods the hooks replaced, for the held text at close. */
  private readonly originals: Partial<Record<StreamName, (...args: unknown[]) => boolean>> = {};

  constructor(
    /** A LogSink (see taskLogSink), or a function that rewrites one stream whole. */
    sink: LogSink | RewriteStream,
    /** Masks secret values before anything is written, live or saved. */
    private readonly redactor?: Redactor,
  ) {
    this.sink = typeof sink === "function" ? { appends: false, save: async (items) => { for (const item of items) await sink(item.stream, item.bytes); } } : sink;
  }

  /**
   * Hooks process.stdout and process.stderr, routes child processes' inherited output
   * through them (child-output.ts), and starts saving every couple of seconds.
   */
  install(): void {
    for (const name of STREAMS) {
      const stream = process[name];
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      this.originals[name] = write;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        const encoding = typeof rest[0] === "string" ? (rest[0] as BufferEncoding) : undefined;
        if (!this.redactor?.active) {
          this.record(name, chunk, encoding);
          return write(chunk, ...rest);
        }
        this.maskers[name] ??= new StreamMasker(this.redactor);
        const masked = this.maskers[name].push(chunk, encoding);
        this.record(name, masked);
        // Even when all of it is held back, the write goes through (empty): its callback
        // then fires in order with the writes before it, which draining relies on.
        return write(masked, "utf8", ...rest.filter((r) => typeof r === "function"));
      }) as typeof stream.write;
    }
    // A failed save keeps its bytes for the next one; close() reports a failure that lasts.
    this.timer = setInterval(() => void this.flush().catch(() => {}), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Adds output to a stream's log, as the installed hooks do; it is saved by the next flush. */
  record(stream: StreamName, chunk: string | Uint8Array, encoding?: BufferEncoding): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : Buffer.from(chunk);
    if (bytes.byteLength) this.unsaved[stream].push(bytes);
  }

  /** Saves what is new; saves never overlap, and one failing does not stop later ones. */
  flush(): Promise<void> {
    const next = this.saving.catch(() => {}).then(() => this.saveUnsaved());
    this.saving = next;
    return next;
  }

  /** Makes close() first wait for `wait`, e.g. for child processes' output still in flight. */
  waitBeforeClose(wait: () => Promise<void>): void {
    this.waits.push(wait);
  }

  /** Waits for what must come first (waitBeforeClose), then saves the rest. */
  async close(): Promise<void> {
    await Promise.all(this.waits.map((wait) => wait()));
    clearInterval(this.timer);
    this.releaseHeld();
    await this.flush();
  }

  /** Writes out, masked, the text held back as a possible start of a secret: the stream ends here. */
  releaseHeld(): void {
    for (const name of STREAMS) {
      const rest = this.maskers[name]?.end();
      if (!rest) continue;
      this.record(name, rest);
      this.originals[name]?.(rest);
    }
  }

  private async saveUnsaved(): Promise<void> {
    const taken = STREAMS.filter((s) => this.unsaved[s].length > 0).map((stream) => ({ stream, bytes: Buffer.concat(this.unsaved[stream]) }));
    if (taken.length === 0) return;
    for (const { stream } of taken) this.unsaved[stream] = [];
    const items: LogSave[] = taken.map(({ stream, bytes }) =>
      this.sink.appends ? { stream, bytes, offset: this.savedBytes[stream] } : { stream, bytes: Buffer.concat([this.whole[stream], bytes]), offset: 0 },
    );
    try {
      await this.sink.save(items);
    } catch (error) {
      // Saved again next time, at the same offset: what did land is not appended twice.
      for (const { stream, bytes } of taken) this.unsaved[stream].unshift(bytes);
      throw error;
    }
    items.forEach((item, i) => {
      this.savedBytes[item.stream] += taken[i]!.bytes.byteLength;
      if (!this.sink.appends) this.whole[item.stream] = item.bytes as Buffer;
    });
  }
}
