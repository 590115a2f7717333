import type { WeftConfig } from "./resolve.ts";

export interface ServiceConnectionSettings {
  url: string;
  token?: string;
  /** Read by the client, again after a 401: a rotated token reaches a running task. */
  tokenFile?: string;
}

/**
 * The service settings a task process needs, passed through its environment: the
 * runner fills them from the resolved config (flag, env or profile), a pod spec sets
 * them directly. Read without resolving the whole config, because loading zod would
 * cost every task ~50 ms.
 */
export function taskEnvironment(config: WeftConfig): Record<string, string> {
  const v = config.values;
  if (v.metadata !== "service" || !v.serviceUrl) return {};
  return {
    WEFT_SERVICE_URL: v.serviceUrl,
    ...(v.serviceAuthToken ? { WEFT_SERVICE_AUTH_TOKEN: v.serviceAuthToken } : {}),
    ...(v.serviceAuthTokenFile ? { WEFT_SERVICE_AUTH_TOKEN_FILE: v.serviceAuthTokenFile } : {}),
  };
}

/** Service settings from resolved config values, as the runner and the client use them. */
export function serviceConnectionOf(v: WeftConfig["values"]): ServiceConnectionSettings | undefined {
  if (!v.serviceUrl) return undefined;
  return { url: v.serviceUrl, ...(v.serviceAuthToken ? { token: v.serviceAuthToken } : {}), ...(v.serviceAuthTokenFile ? { tokenFile: v.serviceAuthTokenFile } : {}) };
}

/** What `taskEnvironment` passed, or undefined when WEFT_SERVICE_URL is not set. */
export function serviceConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConnectionSettings | undefined {
  const url = env.WEFT_SERVICE_URL;
  if (!url) return undefined;
  return {
    url,
    ...(env.WEFT_SERVICE_AUTH_TOKEN ? { token: env.WEFT_SERVICE_AUTH_TOKEN } : {}),
    ...(env.WEFT_SERVICE_AUTH_TOKEN_FILE ? { tokenFile: env.WEFT_SERVICE_AUTH_TOKEN_FILE } : {}),
  };
}
