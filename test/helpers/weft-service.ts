import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { weftBin } from "./weft-cli.ts";

export interface ServiceProcess {
  url: string;
  /** The WEFT_HOME it runs with. */
  weftHome: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM, then the exit code (SIGKILL after 10 s). Idempotent. */
  stop(): Promise<number | null>;
}

/**
 * Starts `weft service --port 0 …args` in `dir` with WEFT_HOME under it and `env` on
 * top of this process's, and resolves once it prints the URL it listens on; rejects
 * with its stderr if it exits first. The caller stops it.
 */
export function startWeftService(args: string[], dir: string, env: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
  const weftHome = join(dir, ".weft");
  const childEnv: NodeJS.ProcessEnv = { ...process.env, WEFT_HOME: weftHome, USER: "tester", ...env };
  delete childEnv.WEFT_PROFILE;
  const child = spawn(process.execPath, [weftBin, "service", "--port", "0", ...args], { cwd: dir, env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let exit: Promise<number | null> | undefined;
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const service: Omit<ServiceProcess, "url"> = {
    weftHome,
    child,
    stderr: () => stderr,
    stop: () =>
      (exit ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        try {
          return await closed;
        } finally {
          clearTimeout(killer);
        }
      })()),
  };
  return new Promise((resolve, reject) => {
    let listening = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weft service did not print its URL in 120 s (a bound, not a wait: it resolves as soon as the URL appears); stderr:\n${stderr}`));
    }, 120_000);
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(stderr)?.[1];
      if (url && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve({ ...service, url });
      }
    });
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`weft service exited with ${code} before listening; stderr:\n${stderr}`));
    });
  });
}
