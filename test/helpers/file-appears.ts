import { existsSync, watch } from "node:fs";
import { dirname } from "node:path";

/**
 * Resolves once `file` exists: an event (its folder changing), not a time window. Small
 * and free of test dependencies, so fixture flows can import it into their code package.
 */
export function fileAppears(file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(file), () => {
      if (existsSync(file)) {
        watcher.close();
        resolve();
      }
    });
    if (existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}
