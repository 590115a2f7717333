// Argo's `{{…}}` substitution over a template: every `{{name}}` (spaces allowed inside
// the braces) is replaced by its value in the scope, in every string of the template.
// A name the scope does not hold fails, as it fails Argo's validation ("failed to
// resolve {{retries}}"): `{{retries}}` resolves only in a template with a retryStrategy,
// `{{workflow.status}}` only in the exit handler, `{{item}}` only in a withParam task.
export type Scope = Record<string, string>;

const VARIABLE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/** Thrown for a `{{name}}` the scope lacks; the workflow or node then errors with the message. */
export class UnresolvedVariable extends Error {}

/** `text` with every variable replaced. */
export function substitute(text: string, scope: Scope): string {
  return text.replace(VARIABLE, (_, name: string) => {
    const value = scope[name];
    if (value === undefined) throw new UnresolvedVariable(`failed to resolve {{${name}}}`);
    return value;
  });
}

/** A deep copy of `value` with every string substituted. */
export function substituteAll<T>(value: T, scope: Scope): T {
  if (typeof value === "string") return substitute(value, scope) as T;
  if (Array.isArray(value)) return value.map((v) => substituteAll(v, scope)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteAll(v, scope)])) as T;
  return value;
}
