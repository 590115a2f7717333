import type { WriteStream } from "node:tty";

type Counts = { running: number; done: number; failed: number; killed: number };

/** How an attempt ended, as the terminal shows it. */
export type AttemptEnd = "done" | "failed" | "retrying" | "killed";

/**
 * What the terminal shows during a run: every task's output line prefixed with its
 * pathspec, and the state of each step. On a TTY the step states are a block at the
 * bottom, redrawn in place; otherwise each start and end is a plain line.
 */
export class Reporter {
  private readonly counts = new Map<string, Counts>();
  private drawn = 0;
  private redrawTimer: NodeJS.Timeout | undefined;
  private live: boolean;

  constructor(
    private readonly steps: string[],
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {
    this.live = Boolean((err as WriteStream).isTTY) && process.env.TERM !== "dumb";
    for (const s of steps) this.counts.set(s, { running: 0, done: 0, failed: 0, killed: 0 });
  }

  message(text: string): void {
    this.above(() => this.err.write(`${text}\n`));
  }

  output(pathspec: string, stream: "stdout" | "stderr", line: string): void {
    this.above(() => (stream === "stdout" ? this.out : this.err).write(`[${pathspec}] ${line}\n`));
  }

  started(step: string, pathspec: string, attempt: number): void {
    this.count(step).running++;
    if (!this.live) this.err.write(`[${pathspec}] task started${attempt ? ` (retry ${attempt})` : ""}\n`);
    this.scheduleRedraw();
  }

  /**
   * An attempt ended. `retrying` is neither done nor failed: the task starts again.
   * `killed` tasks were stopped by the run, not failed by themselves.
   */
  finished(step: string, pathspec: string, outcome: AttemptEnd, detail = ""): void {
    const c = this.count(step);
    c.running--;
    if (outcome === "done") c.done++;
    else if (outcome === "killed") c.killed++;
    else if (outcome === "failed") c.failed++;
    const text = outcome === "done" ? "task finished" : `task ${outcome === "retrying" ? "failed" : outcome}: ${detail}`;
    if (!this.live || outcome !== "done") this.above(() => this.err.write(`[${pathspec}] ${text}\n`));
    this.scheduleRedraw();
  }

  /** A resumed run reused a finished task of its origin. */
  cloned(step: string, pathspec: string, origin: string): void {
    this.count(step).done++;
    if (!this.live) this.err.write(`[${pathspec}] cloned from ${origin}\n`);
    this.scheduleRedraw();
  }

  /** Leaves the final state of every step on screen; later messages are plain lines. */
  close(): void {
    clearTimeout(this.redrawTimer);
    if (this.live) {
      this.erase();
      this.draw();
      this.drawn = 0;
      this.live = false;
    }
  }

  private count(step: string): Counts {
    let c = this.counts.get(step);
    if (!c) this.counts.set(step, (c = { running: 0, done: 0, failed: 0, killed: 0 }));
    return c;
  }

  private above(write: () => void): void {
    if (!this.live) return write();
    this.erase();
    write();
    this.draw();
  }

  private scheduleRedraw(): void {
    if (!this.live || this.redrawTimer) return;
    this.redrawTimer = setTimeout(() => {
      this.redrawTimer = undefined;
      this.erase();
      this.draw();
    }, 80);
  }

  private erase(): void {
    if (this.drawn === 0) return;
    const tty = this.err as WriteStream;
    tty.moveCursor(0, -this.drawn);
    tty.clearScreenDown();
    this.drawn = 0;
  }

  private draw(): void {
    const width = Math.max(...this.steps.map((s) => s.length));
    const lines = this.steps.map((s) => {
      const c = this.count(s);
      const mark = c.failed ? "✗" : c.running ? "▶" : c.done ? "✓" : "·";
      return `  ${mark} ${s.padEnd(width)}  ${c.done} done  ${c.running} running  ${c.failed} failed${c.killed ? `  ${c.killed} killed` : ""}`;
    });
    this.err.write(`${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }
}
