// Label and field selectors as the API server parses them from `labelSelector=` and
// `fieldSelector=`: equality (`=`, `==`, `!=`) and set-based (`in`, `notin`, exists, `!key`).
import { badRequest } from "./status.ts";
import type { KubeObject } from "./types.ts";

interface Requirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: string[];
}

export type Matcher = (object: KubeObject) => boolean;

/** Splits on commas that are not inside a `(…)` value set. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      terms.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim()) terms.push(current.trim());
  return terms;
}

function parseTerm(term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) return { key: set[1]!, op: set[2] as "in" | "notin", values: set[3]!.split(",").map((v) => v.trim()).filter(Boolean) };
  const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (eq) return { key: eq[1]!, op: eq[2] === "!=" ? "!=" : "=", values: [eq[3]!] };
  if (/^![^\s!=(),]+$/.test(term)) return { key: term.slice(1), op: "!exists", values: [] };
  if (/^[^\s!=(),]+$/.test(term)) return { key: term, op: "exists", values: [] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matches(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case "=": return value === req.values[0];
    case "!=": return value !== req.values[0];
    case "in": return value !== undefined && req.values.includes(value);
    case "notin": return value === undefined || !req.values.includes(value);
    case "exists": return value !== undefined;
    case "!exists": return value === undefined;
  }
}

/** A matcher for `labelSelector`; an empty or absent selector matches everything. */
export function labelMatcher(selector: string | null): Matcher {
  const reqs = splitTerms(selector ?? "").map(parseTerm);
  return (object) => reqs.every((r) => matches(r, object.metadata.labels?.[r.key]));
}

/** Field getters a kind supports in `fieldSelector`, beyond metadata.name and metadata.namespace. */
export type FieldGetters = Record<string, (object: KubeObject) => string | undefined>;

const metadataFields: FieldGetters = {
  "metadata.name": (o) => o.metadata.name,
  "metadata.namespace": (o) => o.metadata.namespace,
};

/** A matcher for `fieldSelector`; a field the kind does not support is 400, as on a real server. */
export function fieldMatcher(selector: string | null, fields: FieldGetters = {}): Matcher {
  const getters = { ...metadataFields, ...fields };
  const reqs = splitTerms(selector ?? "").map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const getter = getters[m[1]!];
    if (!getter) throw badRequest(`field label not supported: ${m[1]}`);
    return { getter, negate: m[2] === "!=", value: m[3]! };
  });
  return (object) => reqs.every((r) => ((r.getter(object) ?? "") === r.value) !== r.negate);
}

/** Reads a dotted path (`status.phase`) from an object, as a string for field selectors. */
export function fieldAt(path: string): (object: KubeObject) => string | undefined {
  const parts = path.split(".");
  return (object) => {
    let value: unknown = object;
    for (const p of parts) value = value && typeof value === "object" ? (value as Record<string, unknown>)[p] : undefined;
    return value === undefined || value === null ? undefined : String(value);
  };
}
