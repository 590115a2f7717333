// Validation as the API server does it, from the official schemas that kubernetes-models
// and @kubernetes-models/argo-workflows ship (compiled ajv validators), plus the server's
// own rules that the OpenAPI schemas do not carry (names, label syntax).
//
// Unknown fields: the compiled validators accept unknown fields, but they read every
// property their schema declares (`data.x === undefined || validate(data.x)`) and
// enumerate the keys of maps (`for (key in data)`). Validating through a Proxy that
// records those reads tells, for each object in the body, which keys the schema knows;
// any other key is unknown. An object whose schema declares nothing (free-form, like
// x-kubernetes-preserve-unknown-fields) is read not at all and is left alone.
import { fieldInvalid, fieldNotSupported, fieldRequired, type StatusCause } from "./status.ts";
import type { KubeObject } from "./types.ts";

/** A kubernetes-models class: its prototype's validate() runs the compiled schema on `this`. */
export interface SchemaModel {
  prototype: { validate(): void };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

interface Reads {
  keys: Map<string, Set<string>>;
  enumerated: Set<string>;
}

function tracked(value: unknown, path: string, reads: Reads): unknown {
  if (!value || typeof value !== "object") return value;
  const keys = new Set<string>();
  reads.keys.set(path, keys);
  return new Proxy(value, {
    get(target, property, receiver) {
      const v: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string") return v;
      keys.add(property);
      return Object.hasOwn(target, property) ? tracked(v, `${path}/${property}`, reads) : v;
    },
    ownKeys(target) {
      reads.enumerated.add(path);
      return Reflect.ownKeys(target);
    },
  });
}

/** `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name`. */
export function fieldPath(pointer: string): string {
  return pointer.split("/").filter(Boolean).reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), "");
}

function valueAt(body: unknown, pointer: string): unknown {
  return pointer.split("/").filter(Boolean).reduce<unknown>((v, p) => (v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined), body);
}

function toCause(error: AjvError, body: unknown): StatusCause {
  const field = fieldPath(error.instancePath);
  const value = valueAt(body, error.instancePath);
  switch (error.keyword) {
    case "required": return fieldRequired(fieldPath(`${error.instancePath}/${String(error.params.missingProperty)}`));
    case "enum": return fieldNotSupported(field, value, error.params.allowedValues as unknown[]);
    case "type": return fieldInvalid(field, value, `must be of type ${String(error.params.type)}`);
    default: return fieldInvalid(field, value, error.message ?? error.keyword);
  }
}

/**
 * Runs the model's schema on `body`: the schema violations as Status causes, and the
 * unknown fields as JSON pointers (`/spec/template/spec/containers/0/foo`; `fieldPath`
 * names them as the server does).
 */
export function validateSchema(model: SchemaModel, body: KubeObject): { causes: StatusCause[]; unknownFields: string[] } {
  const reads: Reads = { keys: new Map(), enumerated: new Set() };
  let errors: AjvError[] = [];
  try {
    model.prototype.validate.call(tracked(body, "", reads));
  } catch (error) {
    errors = (error as { errors?: AjvError[] }).errors ?? [];
  }
  const unknownFields: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== "object") return;
    const known = reads.keys.get(path);
    if (!Array.isArray(value) && known && known.size > 0 && !reads.enumerated.has(path)) {
      for (const k of Object.keys(value)) if (!known.has(k)) unknownFields.push(`${path}/${k}`);
    }
    for (const [k, v] of Object.entries(value)) walk(v, `${path}/${k}`);
  };
  walk(body, "");
  return { causes: errors.map((e) => toCause(e, body)), unknownFields };
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** metadata.name as a DNS-1123 subdomain of at most 253 characters (`maxLength` lowers it). */
export function validateName(name: string, field = "metadata.name", maxLength = 253): StatusCause[] {
  const causes: StatusCause[] = [];
  if (name.length > maxLength) causes.push(fieldInvalid(field, name, `must be no more than ${maxLength} characters`));
  if (!DNS1123_SUBDOMAIN.test(name)) {
    causes.push(fieldInvalid(field, name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
  }
  return causes;
}

/** Label keys (`[prefix/]name`) and values, worded as apimachinery's validation. */
export function validateLabels(labels: Record<string, string> | undefined, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    const slash = k.lastIndexOf("/");
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) causes.push(fieldInvalid(field, k, "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
    if (name.length > 63) causes.push(fieldInvalid(field, k, "name part must be no more than 63 characters"));
    if (!QUALIFIED_NAME.test(name)) causes.push(fieldInvalid(field, k, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
    if (typeof v !== "string") continue;
    if (v.length > 63) causes.push(fieldInvalid(field, v, "must be no more than 63 characters"));
    if (!LABEL_VALUE.test(v)) causes.push(fieldInvalid(field, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
  }
  return causes;
}

/** The metadata rules every kind shares: a name (or generateName) and valid labels. */
export function validateMetadata(object: KubeObject): StatusCause[] {
  const { name, generateName, labels } = object.metadata;
  if (!name && !generateName) return [fieldRequired("metadata.name", "name or generateName is required")];
  return [...(name ? validateName(name) : []), ...validateLabels(labels, "metadata.labels")];
}

/** Deletes the fields at `pointers` from `body`, as the server drops unknown fields. */
export function dropFields(body: unknown, pointers: string[]): void {
  for (const pointer of pointers) {
    const parts = pointer.split("/").slice(1);
    const last = parts.pop()!;
    const parent = valueAt(body, `/${parts.join("/")}`);
    if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[last];
  }
}
