import { resolveConfig, type WeftConfig } from "../config/resolve.ts";
import { openStores, type Stores } from "../runtime/stores.ts";

export interface ClientContext extends Stores {
  config: WeftConfig;
}

let active: Promise<ClientContext> | undefined;

/**
 * The stores the client reads, resolved from the environment and profile on first
 * use (like any Weft command), or from the config given to `useConfig`.
 */
export function clientContext(): Promise<ClientContext> {
  active ??= (async () => {
    const config = resolveConfig();
    return { config, ...(await openStores(config)) };
  })();
  return active;
}

/** Points the client at another configuration, e.g. from a test or a CLI flag. */
export function useConfig(config: WeftConfig): void {
  active = openStores(config).then((stores) => ({ config, ...stores }));
}
