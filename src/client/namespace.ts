import type { RunRecord } from "../metadata/types.ts";

let chosen: string | null | undefined;

/**
 * Sets the namespace the client reads: `"user:alice"`, any tag, or `null` for every
 * user's runs. By default a user sees their own runs (`user:<name>`), as in Metaflow.
 * Returns the namespace now in force.
 */
export function namespace(ns: string | null): string | null {
  chosen = ns;
  return ns;
}

/** The namespace in force, given the configured user name. */
export function currentNamespace(user: string): string | null {
  return chosen === undefined ? `user:${user}` : chosen;
}

/** Resets to the default namespace (the current user's runs). */
export function defaultNamespace(): void {
  chosen = undefined;
}

export function inNamespace(run: RunRecord, ns: string | null): boolean {
  return ns === null || run.systemTags.includes(ns) || run.tags.includes(ns);
}
