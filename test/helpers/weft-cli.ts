import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const weftBin = join(repoRoot, "bin", "weft.mjs");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh folder outside the repository, with its own WEFT_HOME. */
export function tempProject(prefix = "weft-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a flow file into `dir` and returns its path. */
export function writeFlow(dir: string, name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

export interface RunCliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Called once the process has started, e.g. to signal it. */
  onSpawn?: (pid: number) => void;
  timeoutMs?: number;
}

/** Runs the built `weft` CLI as a user would, in `cwd`, with WEFT_HOME under it. */
export function runWeft(args: string[], options: RunCliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // The developer's own profile must not leak into tests; a test may still set one.
    const env: NodeJS.ProcessEnv = { ...process.env, WEFT_PROFILE: undefined, WEFT_HOME: join(options.cwd, ".weft"), USER: "tester", ...options.env };
    if (env.WEFT_PROFILE === undefined) delete env.WEFT_PROFILE;
    const child = spawn(process.execPath, [weftBin, ...args], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weft ${args.join(" ")} did not finish in ${options.timeoutMs ?? 60000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60000);
    if (child.pid) options.onSpawn?.(child.pid);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
