import { deserialize, serialize } from "node:v8";
import { WeftError } from "../../errors/weft-error.ts";
import type { ArtifactSerializer } from "./registry.ts";

const CLONEABLE_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
]);

/**
 * Names the first part of `value` that structured clone would refuse or silently
 * change: functions, symbols, and class instances (whose methods would be lost).
 */
export function findUncloneable(value: unknown, path = ""): { path: string; type: string } | undefined {
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === "function") return { path: at, type: v.name ? `function ${v.name}` : "function" };
    if (typeof v === "symbol") return { path: at, type: "symbol" };
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) continue;
    const proto = Object.getPrototypeOf(v);
    if (!CLONEABLE_PROTOTYPES.has(proto)) return { path: at, type: `instance of ${proto?.constructor?.name ?? "an unknown class"}` };
    if (v instanceof Map) {
      let i = 0;
      for (const [k, item] of v) {
        stack.push([k, `${at}<key ${i}>`], [item, `${at}.get(${i})`]);
        i++;
      }
    } else if (v instanceof Set) {
      let i = 0;
      for (const item of v) stack.push([item, `${at}<item ${i++}>`]);
    } else if (Array.isArray(v)) {
      // Numbers and strings need no visit; skipping them keeps big numeric arrays cheap.
      for (let i = 0; i < v.length; i++) if (typeof v[i] === "object" || typeof v[i] === "function" || typeof v[i] === "symbol") stack.push([v[i], `${at}[${i}]`]);
    } else {
      for (const key of Object.keys(v)) stack.push([(v as Record<string, unknown>)[key], `${at}.${key}`]);
    }
  }
  return undefined;
}

/** A short description of a value's type for listings. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "Array";
  if (Buffer.isBuffer(value)) return "Buffer";
  if (typeof value === "object") return (value as object).constructor?.name ?? "Object";
  return typeof value;
}

/** The default serializer: V8's structured clone (Map, Set, Date, RegExp, BigInt, typed arrays, …). */
export const structuredCloneSerializer: Omit<ArtifactSerializer, "serialize"> & { serialize(value: unknown, artifactName: string): Uint8Array } = {
  name: "v8",
  canSerialize: () => true,
  serialize(value, artifactName) {
    const bad = findUncloneable(value, artifactName);
    if (bad) {
      throw new WeftError("ARTIFACT_UNSERIALIZABLE", `Artifact "${artifactName}" cannot be saved: ${bad.path} is ${/^[aeiou]/i.test(bad.type) ? "an" : "a"} ${bad.type}.`, {
        hint: "Artifacts hold data: plain objects, arrays, Map, Set, Date, RegExp, BigInt, Buffer and typed arrays. Store the data a class holds, or prefix the field with _ to keep it out of the datastore.",
      });
    }
    try {
      return serialize(value);
    } catch (cause) {
      throw new WeftError("ARTIFACT_UNSERIALIZABLE", `Artifact "${artifactName}" (${describeType(value)}) cannot be saved: ${(cause as Error).message}`, { cause });
    }
  },
  deserialize: (bytes) => deserialize(bytes),
  describe: describeType,
};
