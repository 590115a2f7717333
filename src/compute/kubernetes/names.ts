// Kubernetes' naming rules (apimachinery's validation package), and how Weft turns any
// flow, run or step name into a valid Job name and label value.
import { createHash } from "node:crypto";

/** A DNS-1123 label: what a namespace, a volume or a Job (whose name becomes a pod label) may be called. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain: what a secret, a service account, a claim or a priority class may be called. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a label or annotation key, and a label value (which may also be empty). */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_LABEL = 63;

export const DNS_LABEL_RULE = "at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
export const DNS_SUBDOMAIN_RULE = "at most 253 lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit";
export const LABEL_VALUE_RULE = "empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
export const QUALIFIED_KEY_RULE = "an optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.' starting and ending with a letter or digit, e.g. team or example.com/cost-center";

/** Why `name` is not a DNS-1123 label, or undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  return name.length <= MAX_LABEL && DNS_LABEL.test(name) ? undefined : `must be ${DNS_LABEL_RULE}`;
}

/** Why `name` is not a DNS-1123 subdomain, or undefined when it is one. */
export function dnsSubdomainProblem(name: string): string | undefined {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name) ? undefined : `must be ${DNS_SUBDOMAIN_RULE}`;
}

/** Why `key` is not a label or annotation key (a "qualified name"), or undefined when it is one. */
export function qualifiedKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const ok = (prefix === undefined || dnsSubdomainProblem(prefix) === undefined) && name.length <= MAX_LABEL && QUALIFIED_NAME.test(name);
  return ok ? undefined : `must be ${QUALIFIED_KEY_RULE}`;
}

/** Why `value` is not a label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  return value === "" || (value.length <= MAX_LABEL && QUALIFIED_NAME.test(value)) ? undefined : `must be ${LABEL_VALUE_RULE}`;
}

/** The first `length` hex digits of the SHA-256 of `parts`, which are kept apart so ["a-b"] and ["a", "b"] differ. */
export function shortHash(parts: readonly string[], length = 10): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, length);
}

/**
 * `text` as a label value: itself when it is one already, else its valid characters
 * (each run of others becomes "-"), shortened, with "-" and a hash of the exact text
 * appended, so two different names never share a value. Deterministic: the same text
 * always gives the same value, so a label selector can be computed from the name.
 */
export function labelValue(text: string): string {
  if (labelValueProblem(text) === undefined) return text;
  const hash = shortHash([text]);
  const base = trimToAlphanumeric(text.replace(/[^-A-Za-z0-9_.]+/g, "-").slice(0, MAX_LABEL - hash.length - 1));
  return base ? `${base}-${hash}` : hash;
}

/** The parts of a task attempt that name a Job. */
export interface JobNameParts {
  flow: string;
  run: string;
  step: string;
  task: string;
}

/**
 * The Job of one attempt: lowercase flow, run, step and task, then `a<attempt>` and a
 * hash of all five exact values, within 63 characters (the Job controller copies the
 * name into its pods' `job-name` label). Two attempts or tasks never share a name, even
 * when their readable parts are cut or changed; the same attempt always gets the same
 * name, so creating it twice is refused by the API server (409) instead of running twice.
 */
export function jobName(ref: JobNameParts, attempt: number): string {
  const suffix = `-a${attempt}-${shortHash([ref.flow, ref.run, ref.step, ref.task, String(attempt)])}`;
  const readable = [ref.flow, ref.run, ref.step, ref.task]
    .map((part) => trimToAlphanumeric(part.toLowerCase().replace(/[^a-z0-9]+/g, "-")))
    .filter(Boolean)
    .join("-");
  const head = trimToAlphanumeric(readable.slice(0, MAX_LABEL - suffix.length));
  return `${head || "weft"}${suffix}`;
}

function trimToAlphanumeric(text: string): string {
  return text.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}
