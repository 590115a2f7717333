import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { setLongTimeout } from "../../runtime/long-timeout.ts";
import { weftPackage } from "../../runtime/package-root.ts";
import { taskArgv } from "../../runtime/task/args.ts";
import type { AttemptOutcome, AttemptRequest, ComputeBackend, LaunchedAttempt } from "../types.ts";

const RESULT_FD = 3;

/**
 * Each attempt in its own OS process and process group (`node bin/weft.mjs step …`),
 * so that a timeout or Ctrl-C can kill it with everything it started.
 */
export class LocalProcessCompute implements ComputeBackend {
  readonly kind = "local";
  readonly recorder = "runner" as const;

  launch(request: AttemptRequest): LaunchedAttempt {
    return new LocalProcess(request);
  }
}

class LocalProcess implements LaunchedAttempt {
  readonly done: Promise<AttemptOutcome>;
  readonly pid: number | undefined;
  private timedOut = false;

  constructor({ args, env, policy, onLine, context }: AttemptRequest) {
    // The pipes of runner-pipes.ts: the run's context on stdin, the task's done marker back on fd 3.
    const argv = taskArgv({ ...args, ...(context ? { contextOnStdin: true } : {}), resultFd: RESULT_FD });
    const child = spawn(process.execPath, [weftPackage().bin, ...argv], { env, stdio: [context ? "pipe" : "ignore", "pipe", "pipe", "pipe"], detached: true });
    this.pid = child.pid;
    if (context) {
      // A task that dies before reading it breaks the pipe: its exit says what happened.
      child.stdin!.on("error", () => {});
      child.stdin!.end(context());
    }
    const handedBack: Buffer[] = [];
    const result = new Promise<void>((resolve) => {
      const pipe = child.stdio[RESULT_FD] as Readable;
      pipe.on("data", (chunk: Buffer) => handedBack.push(chunk));
      pipe.on("error", () => resolve());
      pipe.on("close", () => resolve());
    });
    const streams = (["stdout", "stderr"] as const).map(
      (name) =>
        new Promise<void>((resolve) => {
          const lines = createInterface({ input: child[name]!, crlfDelay: Infinity });
          lines.on("line", (line) => onLine(name, line));
          lines.on("close", resolve);
        }),
    );
    // Not setTimeout: past 24.8 days its delay overflows and the attempt would be killed after 1 ms.
    const cancelTimer = policy.timeoutSeconds
      ? setLongTimeout(() => {
          this.timedOut = true;
          this.kill();
        }, policy.timeoutSeconds * 1000)
      : undefined;
    this.done = new Promise<AttemptOutcome>((resolve) => {
      child.on("error", (error) => resolve({ exitCode: null, signal: null, timedOut: false, launchError: error.message }));
      child.on("close", (exitCode, signal) => {
        cancelTimer?.();
        void Promise.all([...streams, result]).then(() => resolve({ exitCode, signal, timedOut: this.timedOut, ...(handedBack.length ? { result: Buffer.concat(handedBack) } : {}) }));
      });
    });
  }

  get handle(): string | undefined {
    return this.pid === undefined ? undefined : `pid ${this.pid}`;
  }

  kill(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
