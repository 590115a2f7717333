// Errors as the API server returns them: a meta/v1 Status with code, reason, message and
// details, worded like the real server's so that clients and tests see the same text.
import type { ResourceKind } from "./resources.ts";

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A failed request: thrown anywhere in the fake API and written out as a Status body. */
export class KubeApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusDetails) {
    super(message);
  }

  /** The meta/v1 Status body the server sends. */
  toStatus(): Record<string, unknown> {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, ...(this.details ? { details: this.details } : {}), code: this.code };
  }
}

/** `jobs.batch` or `pods`: how the server names a resource in messages. */
export function qualifiedResource(kind: ResourceKind): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

/** `Job.batch` or `Pod`: how the server names a kind in Invalid messages. */
export function qualifiedKind(kind: ResourceKind): string {
  return kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
}

export const notFound = (kind: ResourceKind, name: string): KubeApiError =>
  new KubeApiError(404, "NotFound", `${qualifiedResource(kind)} "${name}" not found`, { name, group: kind.group, kind: kind.plural });

export const alreadyExists = (kind: ResourceKind, name: string): KubeApiError =>
  new KubeApiError(409, "AlreadyExists", `${qualifiedResource(kind)} "${name}" already exists`, { name, group: kind.group, kind: kind.plural });

export const conflict = (kind: ResourceKind, name: string): KubeApiError =>
  new KubeApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: kind.group, kind: kind.plural });

export const badRequest = (message: string): KubeApiError => new KubeApiError(400, "BadRequest", message);

export const unauthorized = (): KubeApiError => new KubeApiError(401, "Unauthorized", "Unauthorized");

export const expired = (message: string): KubeApiError => new KubeApiError(410, "Expired", message);

export const unavailable = (): KubeApiError =>
  new KubeApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request", { retryAfterSeconds: 1 });

/** 403 for a request RBAC denies, worded like the real authorizer. */
export function forbidden(user: string, verb: string, kind: ResourceKind, namespace: string | undefined, name: string | undefined, subresource?: string): KubeApiError {
  const resource = subresource ? `${kind.plural}/${subresource}` : kind.plural;
  const scope = namespace ? `in the namespace "${namespace}"` : "at the cluster scope";
  const subject = `${qualifiedResource(kind)}${name ? ` "${name}"` : ""}`;
  return new KubeApiError(403, "Forbidden", `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${kind.group}" ${scope}`, { ...(name ? { name } : {}), group: kind.group, kind: kind.plural });
}

/** 422 listing every field error, as `Job.batch "x" is invalid: [a: …, b: …]`. */
export function invalid(kind: ResourceKind, name: string, causes: StatusCause[]): KubeApiError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  return new KubeApiError(422, "Invalid", `${qualifiedKind(kind)} "${name}" is invalid: ${list}`, { name, group: kind.group, kind: kind.kind, causes });
}

/** Field error causes, worded as apimachinery's field.Error. */
export const fieldRequired = (field: string, detail?: string): StatusCause => ({ reason: "FieldValueRequired", message: `Required value${detail ? `: ${detail}` : ""}`, field });
export const fieldInvalid = (field: string, value: unknown, detail: string): StatusCause => ({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field });
export const fieldNotSupported = (field: string, value: unknown, supported: unknown[]): StatusCause =>
  ({ reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(value ?? "")}: supported values: ${supported.map((v) => JSON.stringify(v)).join(", ")}`, field });
export const fieldForbidden = (field: string, detail: string): StatusCause => ({ reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field });
