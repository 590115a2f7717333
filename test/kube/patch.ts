// PATCH bodies as the API server applies them: JSON merge patch (RFC 7386), strategic
// merge patch (approximated as a merge patch: lists are replaced, not merged by key),
// and JSON patch (RFC 6902).
import { badRequest, KubeApiError } from "./status.ts";
import { clone } from "./types.ts";

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

const unescape = (token: string): string => token.replace(/~1/g, "/").replace(/~0/g, "~");

function locate(doc: unknown, path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  const tokens = path.split("/").slice(1).map(unescape);
  const key = tokens.pop();
  if (key === undefined) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON patch path "${path}"`);
  let parent: unknown = doc;
  for (const t of tokens) {
    parent = parent && typeof parent === "object" ? (parent as Record<string, unknown>)[t] : undefined;
    if (!parent || typeof parent !== "object") throw new KubeApiError(422, "Invalid", `the server rejected our request due to an error in our request: doc is missing path: "${path}": missing value`);
  }
  return { parent: parent as Record<string, unknown> | unknown[], key };
}

/** RFC 6902 add, remove, replace, move, copy and test. */
export function jsonPatch(target: unknown, operations: Operation[]): unknown {
  const doc = clone(target);
  const read = (path: string): unknown => {
    const { parent, key } = locate(doc, path);
    return Array.isArray(parent) ? parent[Number(key)] : parent[key];
  };
  const remove = (path: string) => {
    const { parent, key } = locate(doc, path);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  };
  const add = (path: string, value: unknown) => {
    const { parent, key } = locate(doc, path);
    if (Array.isArray(parent)) parent.splice(key === "-" ? parent.length : Number(key), 0, clone(value));
    else parent[key] = clone(value);
  };
  for (const op of operations) {
    switch (op.op) {
      case "add": add(op.path, op.value); break;
      case "remove": remove(op.path); break;
      case "replace": remove(op.path); add(op.path, op.value); break;
      case "move": { const v = read(op.from!); remove(op.from!); add(op.path, v); break; }
      case "copy": add(op.path, read(op.from!)); break;
      case "test":
        if (JSON.stringify(read(op.path)) !== JSON.stringify(op.value)) throw new KubeApiError(422, "Invalid", `the server rejected our request due to an error in our request: testing value ${op.path} failed`);
        break;
      default: throw badRequest(`the server rejected our request due to an error in our request: unexpected kind of JSON patch operation: "${op.op}"`);
    }
  }
  return doc;
}

/** Applies a PATCH body by its Content-Type; 415 for a type the server does not take. */
export function applyPatch(target: unknown, body: unknown, contentType: string): unknown {
  const type = contentType.split(";")[0]!.trim();
  if (type === "application/json-patch+json") {
    if (!Array.isArray(body)) throw badRequest("the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    return jsonPatch(target, body as Operation[]);
  }
  if (type === "application/merge-patch+json" || type === "application/strategic-merge-patch+json") return mergePatch(target, body);
  throw new KubeApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
}
