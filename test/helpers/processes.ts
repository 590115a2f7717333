// Processes and ports for tests that kill runners and tasks, or need nothing listening.
//
//   for (const pid of descendants(runner.pid)) killHard(pid);
//   const url = `http://127.0.0.1:${await closedPort()}`;
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Every process below `pid`, children before grandchildren; empty once it has none. */
export function descendants(pid: number): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    return [];
  }
  return out.split("\n").map((l) => Number(l.trim())).filter((p) => p > 0).flatMap((p) => [p, ...descendants(p)]);
}

/** SIGKILLs the process group `pid` leads, and `pid` itself; either may be gone already. */
export function killHard(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** A 127.0.0.1 port that was just free: nothing listens on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
