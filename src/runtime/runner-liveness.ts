import { hostname } from "node:os";
import type { RunState } from "../metadata/types.ts";

/** Whether a process exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A run recorded as running whose runner process on this machine is gone. */
export function runnerIsGone(state: RunState): boolean {
  return state.status === "running" && state.runner !== undefined && state.runner.host === hostname() && !isAlive(state.runner.pid);
}

/** A run recorded as running whose runner process on this machine is still there. */
export function runnerIsLive(state: RunState | undefined): boolean {
  return state?.status === "running" && state.runner !== undefined && state.runner.host === hostname() && isAlive(state.runner.pid);
}
