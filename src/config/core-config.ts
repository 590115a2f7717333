import { CORE_KEYS, type CoreKeyName } from "./core-keys.ts";
import { resolveKeys, type ResolvedKeys, type ResolveOptions } from "./resolve-keys.ts";

/** The resolved core keys: all but the Kubernetes ones. A WeftConfig is one too. */
export type CoreConfig = ResolvedKeys<CoreKeyName>;

/**
 * Resolves the core keys as resolveConfig does (same order, checks and errors), for a
 * task process opening its datastore: without the Kubernetes keys, whose checks need
 * zod (~65 ms of CPU to import), which a task never reads.
 */
export function resolveCoreConfig(options: ResolveOptions<CoreKeyName> = {}): CoreConfig {
  return resolveKeys<CoreKeyName>(CORE_KEYS, options);
}
