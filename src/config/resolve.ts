import { CONFIG_KEYS, type ConfigKeyName } from "./keys.ts";
import { resolveKeys, type ResolvedKeys, type ResolveOptions } from "./resolve-keys.ts";

export { activeProfile, findHome, type ConfigSource, type ResolveOptions } from "./resolve-keys.ts";

/** The resolved configuration: every key's value (undefined when unset) and where it came from. */
export type WeftConfig = ResolvedKeys<ConfigKeyName>;

/**
 * Resolves every key in the order flag, environment variable, profile file, default.
 * Throws a CONFIG WeftError naming the variable and the expected form on a bad value.
 */
export function resolveConfig(options: ResolveOptions<ConfigKeyName> = {}): WeftConfig {
  return resolveKeys<ConfigKeyName>(CONFIG_KEYS, options);
}
