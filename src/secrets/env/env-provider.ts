import { WeftError } from "../../errors/weft-error.ts";
import type { SecretsProvider } from "../types.ts";

/**
 * Secrets from the environment of the shell that ran `weft run`, for local development:
 * the task inherits that environment, and the variable is read there.
 */
export const envProvider: SecretsProvider = {
  type: "env",
  async fetch(sources) {
    return sources.map((source) => {
      const value = process.env[source.name];
      if (value === undefined) {
        throw new WeftError("TASK_FAILED", `Secret env.${source.name} is not set: no variable ${source.name} in the environment that ran weft.`, {
          hint: `Export it before running: export ${source.name}=…`,
        });
      }
      return { source, value };
    });
  },
};
