import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
    // Written aside and linked into place, so the lock never exists without its pid.
    const staged = `${file}.${process.pid}`;
    writeFileSync(staged, String(process.pid));
    try {
      linkSync(staged, file);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(file, "utf8"));
      // Our own pid is a lock left by a crash: a restarted container often gets the same pid.
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new WeftError("CONFIG", `Another weft service (pid ${holder}) is using the embedded database in ${dir}.`, {
          hint: "Stop it, or point this one at PostgreSQL with --database-url (WEFT_SERVICE_DATABASE_URL).",
        });
      }
      rmSync(file, { force: true });
    } finally {
      rmSync(staged, { force: true });
    }
  }
}
