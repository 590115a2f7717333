// One container's log as the kubelet keeps it: stdout and stderr interleaved in arrival
// order, split into timestamped lines, followable until the container ends.
import type { ContainerLog, LogLine } from "./pod-logs.ts";

export class ContainerLogBuffer implements ContainerLog {
  private readonly all: LogLine[] = [];
  private partial = "";
  private readonly listeners = new Set<(line: LogLine | null) => void>();
  running = true;

  /** Everything written so far, as text (for tests and debugging). */
  get text(): string {
    return this.all.map((l) => l.text).join("") + this.partial;
  }

  append(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop()!;
    for (const part of parts) this.push(`${part}\n`);
  }

  /** The container ended: flush a last unterminated line and release followers. */
  end(): void {
    if (this.partial) this.push(this.partial);
    this.partial = "";
    this.running = false;
    for (const l of [...this.listeners]) l(null);
    this.listeners.clear();
  }

  lines(): LogLine[] {
    return [...this.all];
  }

  follow(listener: (line: LogLine | null) => void): () => void {
    if (!this.running) {
      setImmediate(() => listener(null));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private push(text: string): void {
    const line = { time: new Date(), text };
    this.all.push(line);
    for (const l of [...this.listeners]) l(line);
  }
}
