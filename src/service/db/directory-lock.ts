import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WeftError } from "../../errors/weft-error.ts";
import { isAlive } from "../../runtime/runner-liveness.ts";

/**
 * PGlite is one process's database: a second service opening the same directory
 * would corrupt it. Takes `weft-service.pid` in `dir` (reclaiming it from a dead
 * process) and returns the function that releases it.
 */
export function holdDirectoryLock(dir: string): () => void {
  const file = join(dir, "weft-service.pid");
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(file, "utf8"));
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new WeftError("CONFIG", `Another weft service (pid ${holder}) is using the embedded database in ${dir}.`, {
          hint: "Stop it, or point this one at PostgreSQL with --database-url (WEFT_SERVICE_DATABASE_URL).",
        });
      }
      rmSync(file, { force: true });
    }
  }
}
