// The memory a container uses: the resident set of its process and every descendant,
// read from /proc (Linux), as the cgroup memory controller would count it.
import { readFileSync } from "node:fs";

const PAGE_SIZE = 4096;

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Resident bytes of `pid` and its descendants; 0 once they are gone. */
export function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      total += Number(readFileSync(`/proc/${p}/statm`, "utf8").split(" ")[1]) * PAGE_SIZE;
    } catch {
      continue;
    }
    stack.push(...children(p));
  }
  return total;
}
