import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { taskArgv, type TaskArgs } from "../task/args.ts";
import { weftPackage } from "../package-root.ts";

export interface AttemptOutcome {
  /** 0 when the task saved its result. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  timeoutSeconds: number | undefined;
  onLine: (stream: "stdout" | "stderr", line: string) => void;
}

/**
 * One task attempt in its own OS process and process group (`weft step …`), so that
 * a timeout or Ctrl-C can kill it with everything it started.
 */
export class TaskProcess {
  readonly done: Promise<AttemptOutcome>;
  /** The process (and process group) id; undefined when it could not start. */
  readonly pid: number | undefined;
  private timedOut = false;

  constructor(args: TaskArgs, options: SpawnOptions) {
    const { bin } = weftPackage();
    const child = spawn(process.execPath, [bin, ...taskArgv(args)], { env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.pid = child.pid;
    const streams = (["stdout", "stderr"] as const).map(
      (name) =>
        new Promise<void>((resolve) => {
          const lines = createInterface({ input: child[name], crlfDelay: Infinity });
          lines.on("line", (line) => options.onLine(name, line));
          lines.on("close", resolve);
        }),
    );
    const timer = options.timeoutSeconds
      ? setTimeout(() => {
          this.timedOut = true;
          this.kill();
        }, options.timeoutSeconds * 1000)
      : undefined;
    this.done = new Promise<AttemptOutcome>((resolve) => {
      child.on("error", () => resolve({ exitCode: null, signal: null, timedOut: false }));
      child.on("close", (exitCode, signal) => {
        clearTimeout(timer);
        void Promise.all(streams).then(() => resolve({ exitCode, signal, timedOut: this.timedOut }));
      });
    });
  }

  /** Kills the attempt and every process it started. */
  kill(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
