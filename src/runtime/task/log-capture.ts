import type { Redactor } from "../../secrets/redactor.ts";

type StreamName = "stdout" | "stderr";
type Save = (stream: StreamName, bytes: Uint8Array) => Promise<void>;

const FLUSH_INTERVAL_MS = 2000;

/**
 * Copies everything the task writes to stdout and stderr into the datastore while it
 * still reaches the runner live through the pipe. Saved every couple of seconds while
 * the task runs, so `weft logs` shows a running task, and once more at the end.
 */
export class LogCapture {
  private readonly chunks: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly saved: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly save: Save,
    /** Masks secret values before anything is written, live or saved. */
    private readonly redactor?: Redactor,
  ) {}

  install(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        let encoding = typeof rest[0] === "string" ? (rest[0] as BufferEncoding) : undefined;
        if (this.redactor?.active) {
          chunk = this.redactor.redact(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
          encoding = "utf8";
          rest = rest.filter((r) => typeof r === "function");
        }
        this.chunks[name].push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : Buffer.from(chunk));
        return write(chunk, ...rest);
      }) as typeof stream.write;
    }
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Saves whatever is new; saves never overlap. */
  flush(): Promise<void> {
    this.saving = this.saving.then(async () => {
      for (const name of ["stdout", "stderr"] as const) {
        const count = this.chunks[name].length;
        if (count === this.saved[name]) continue;
        await this.save(name, Buffer.concat(this.chunks[name].slice(0, count)));
        this.saved[name] = count;
      }
    });
    return this.saving;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
