// The API server's verbs over the store, shared by the HTTP routes and the in-process
// controllers: create (admission, validation, generateName), get, list, replace, patch
// and delete (graceful pod deletion, finalizers, propagation policy). No authentication
// here: http-routes.ts does that before calling in.
import { randomUUID } from "node:crypto";
import { apiVersionOf, type ResourceKind, type ResourceRegistry, resourceName } from "./resources.ts";
import { fieldMatcher, labelMatcher } from "./selectors.ts";
import { alreadyExists, badRequest, conflict, invalid, KubeApiError, notFound, type StatusCause } from "./status.ts";
import type { ObjectStore } from "./store.ts";
import { clone, type KubeObject, now, randomSuffix } from "./types.ts";
import { dropFields, fieldPath, validateMetadata, validateSchema } from "./validation.ts";
import type { WorkloadIdentityOptions } from "./webhook.ts";

export interface ApiCoreOptions {
  workloadIdentity?: WorkloadIdentityOptions;
}

export interface WriteOptions {
  /** `Strict` rejects unknown fields (400), `Warn` (the default) reports them, `Ignore` drops them silently. */
  fieldValidation?: string | null;
  /** `All`: validate and admit, store nothing. */
  dryRun?: string | null;
}

export interface WriteResult {
  object: KubeObject;
  /** `Warning` header values (`299 - "unknown field \"spec.x\""`). */
  warnings: string[];
}

export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continue?: string | null;
  resourceVersion?: string | null;
  resourceVersionMatch?: string | null;
}

export interface DeleteOptions {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** A list response: `JobList` etc. */
export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

const TERMINAL = new Set(["Succeeded", "Failed"]);

/** The verbs of the API server, over one store and one registry of kinds. */
export class ApiCore {
  constructor(readonly store: ObjectStore, readonly registry: ResourceRegistry, readonly options: ApiCoreOptions = {}) {}

  kind(resource: string): ResourceKind {
    return this.registry.byName(resource);
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(resourceName(kind), kind.namespaced ? namespace : undefined, name);
    if (!found) throw notFound(kind, name);
    return this.typed(kind, found);
  }

  list(kind: ResourceKind, namespace: string | undefined, options: ListOptions = {}): KubeList {
    const current = this.store.resourceVersion;
    const asked = options.resourceVersion ? Number(options.resourceVersion) : undefined;
    if (asked !== undefined && asked > current) throw new KubeApiError(504, "Timeout", `Too large resource version: ${asked}, current: ${current}`, { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 });
    if (options.resourceVersionMatch === "Exact" && asked !== current) throw new KubeApiError(410, "Expired", `The resourceVersion for the provided list is too old.`);
    const labels = labelMatcher(options.labelSelector ?? null);
    const fields = fieldMatcher(options.fieldSelector ?? null, kind.fields);
    let items = this.store.list(resourceName(kind), kind.namespaced ? namespace : undefined).filter((o) => labels(o) && fields(o));
    const after = options.continue ? Buffer.from(options.continue, "base64url").toString() : undefined;
    if (after !== undefined) items = items.filter((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}` > after);
    const metadata: KubeList["metadata"] = { resourceVersion: String(current) };
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const last = items[options.limit - 1]!;
      metadata.continue = Buffer.from(`${last.metadata.namespace ?? ""}/${last.metadata.name}`).toString("base64url");
      metadata.remainingItemCount = items.length - options.limit;
      items = items.slice(0, options.limit);
    }
    // Built-in lists carry no apiVersion/kind on their items; custom resources' do.
    const listed = items.map((o) => (kind.group === "" || kind.group === "batch" ? { ...o, apiVersion: undefined, kind: undefined } : o));
    return { apiVersion: apiVersionOf(kind), kind: `${kind.kind}List`, metadata, items: clone(listed) };
  }

  create(kind: ResourceKind, namespace: string | undefined, body: unknown, options: WriteOptions = {}): WriteResult {
    const object = this.decode(kind, body);
    if (kind.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      object.metadata.namespace = namespace;
      if (!this.store.get("namespaces", undefined, namespace ?? "")) throw new KubeApiError(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
    } else delete object.metadata.namespace;
    const warnings = this.checkFields(kind, object, options);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) {
      do meta.name = randomSuffix(meta.generateName);
      while (this.store.get(resourceName(kind), meta.namespace, meta.name));
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    if (kind.statusSubresource) delete object.status;
    // Mutating admission comes before validation, as on the real server.
    kind.admit?.(object, this);
    const causes = [...validateMetadata(object), ...(kind.rules?.(object) ?? [])];
    if (causes.length) throw invalid(kind, meta.name ?? meta.generateName ?? "", causes);
    if (this.store.get(resourceName(kind), meta.namespace, meta.name!)) throw alreadyExists(kind, meta.name!);
    if (options.dryRun === "All") return { object, warnings };
    const stored = this.store.add(resourceName(kind), object);
    if (kind.plural === "namespaces" && kind.group === "") this.afterNamespaceCreated(meta.name!);
    return { object: this.typed(kind, stored), warnings };
  }

  /** PUT: the whole object (or, with `subresource: "status"`, only its status). */
  replace(kind: ResourceKind, namespace: string | undefined, name: string, body: unknown, options: WriteOptions & { subresource?: string } = {}): WriteResult {
    const existing = this.get(kind, namespace, name);
    const object = this.decode(kind, body);
    if (object.metadata.name !== name) throw badRequest(`the name of the object (${object.metadata.name ?? ""}) does not match the name on the URL (${name})`);
    if (object.metadata.resourceVersion && object.metadata.resourceVersion !== existing.metadata.resourceVersion) throw conflict(kind, name);
    const warnings = this.checkFields(kind, object, options);
    return { object: this.write(kind, existing, object, options.subresource), warnings };
  }

  /** Read, change and write back in one step, as a controller does; `subresource: "status"` writes only status. */
  mutate(kind: ResourceKind, namespace: string | undefined, name: string, change: (object: KubeObject) => void, subresource?: string): KubeObject {
    const existing = this.get(kind, namespace, name);
    const next = clone(existing);
    change(next);
    return this.write(kind, existing, next, subresource);
  }

  /** Applies a patched copy (see patch.ts) as an update. */
  patched(kind: ResourceKind, namespace: string | undefined, name: string, patched: unknown, options: WriteOptions & { subresource?: string } = {}): WriteResult {
    const existing = this.get(kind, namespace, name);
    const object = this.decode(kind, patched);
    if (object.metadata.resourceVersion && object.metadata.resourceVersion !== existing.metadata.resourceVersion) throw conflict(kind, name);
    const warnings = this.checkFields(kind, object, options);
    return { object: this.write(kind, existing, object, options.subresource), warnings };
  }

  /**
   * DELETE. Pods bound to a node and not finished are deleted gracefully (deletionTimestamp
   * set; the kubelet stops them, then deletes with grace 0). Objects with finalizers wait
   * for them. Dependents: Background and Foreground delete them (gc.ts), Orphan strips
   * their ownerReferences; without a policy the kind's default applies.
   */
  delete(kind: ResourceKind, namespace: string | undefined, name: string, options: DeleteOptions = {}): { object: KubeObject; status: number } {
    const existing = this.get(kind, namespace, name);
    const meta = existing.metadata;
    if (options.preconditions?.uid && options.preconditions.uid !== meta.uid) throw conflict(kind, name);
    if (options.preconditions?.resourceVersion && options.preconditions.resourceVersion !== meta.resourceVersion) throw conflict(kind, name);
    const policy = options.propagationPolicy ?? (kind.orphanByDefault ? "Orphan" : "Background");
    if (!["Orphan", "Background", "Foreground"].includes(policy)) throw invalid(kind, name, [{ reason: "FieldValueNotSupported", message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`, field: "propagationPolicy" }]);
    const finalizers = [...(meta.finalizers ?? [])];
    if (policy === "Orphan") this.orphanDependents(meta.uid!);
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    const grace = this.gracePeriod(kind, existing, options.gracePeriodSeconds);
    if (finalizers.length > 0 || grace > 0) {
      const marked = this.store.put(resourceName(kind), { ...existing, metadata: { ...meta, finalizers: finalizers.length ? finalizers : undefined, deletionTimestamp: meta.deletionTimestamp ?? new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, "Z"), deletionGracePeriodSeconds: grace } });
      return { object: this.typed(kind, marked), status: 200 };
    }
    const removed = this.store.remove(resourceName(kind), meta.namespace, name)!;
    return { object: this.typed(kind, removed), status: 200 };
  }

  /** The grace a delete gets: pods still running on a node get their terminationGracePeriodSeconds. */
  private gracePeriod(kind: ResourceKind, object: KubeObject, asked: number | undefined): number {
    if (kind.plural !== "pods" || kind.group !== "") return 0;
    const spec = object.spec as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (object.status as { phase?: string } | undefined)?.phase ?? "";
    if (!spec.nodeName || TERMINAL.has(phase)) return 0;
    const current = object.metadata.deletionGracePeriodSeconds;
    const grace = asked ?? spec.terminationGracePeriodSeconds ?? 30;
    return current !== undefined ? Math.min(current, grace) : grace;
  }

  private orphanDependents(uid: string): void {
    for (const { resource, object } of this.store.dependents(uid)) {
      const rest = object.metadata.ownerReferences!.filter((r) => r.uid !== uid);
      this.store.put(resource, { ...object, metadata: { ...object.metadata, ownerReferences: rest.length ? rest : undefined } });
    }
  }

  /** Writes `next` over `existing`, keeping what a client cannot change; removes an object whose last finalizer went. */
  private write(kind: ResourceKind, existing: KubeObject, next: KubeObject, subresource?: string): KubeObject {
    const resource = resourceName(kind);
    let object: KubeObject;
    if (subresource === "status") object = { ...existing, status: next.status };
    else {
      object = { ...next, apiVersion: apiVersionOf(kind), kind: kind.kind };
      if (kind.statusSubresource) object.status = existing.status;
      const keep = existing.metadata;
      object.metadata = { ...next.metadata, uid: keep.uid, namespace: keep.namespace, creationTimestamp: keep.creationTimestamp, deletionTimestamp: keep.deletionTimestamp, deletionGracePeriodSeconds: keep.deletionGracePeriodSeconds, generation: keep.generation };
      if (JSON.stringify(next.spec) !== JSON.stringify(existing.spec)) object.metadata.generation = (keep.generation ?? 1) + 1;
      const causes: StatusCause[] = [...validateMetadata(object), ...(kind.rules?.(object) ?? [])];
      if (causes.length) throw invalid(kind, existing.metadata.name!, causes);
    }
    if (object.metadata.deletionTimestamp && !object.metadata.finalizers?.length && !(existing.metadata.deletionGracePeriodSeconds ?? 0)) {
      return this.typed(kind, this.store.remove(resource, existing.metadata.namespace, existing.metadata.name!)!);
    }
    return this.typed(kind, this.store.put(resource, object));
  }

  private decode(kind: ResourceKind, body: unknown): KubeObject {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest(`${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: json: cannot unmarshal into Go value of type struct`);
    const object = clone(body) as KubeObject;
    const apiVersion = apiVersionOf(kind);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersion})`);
    if (object.kind !== undefined && object.kind !== kind.kind) throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${kind.kind})`);
    object.apiVersion = apiVersion;
    object.kind = kind.kind;
    object.metadata = object.metadata && typeof object.metadata === "object" ? object.metadata : {};
    return object;
  }

  /** Schema errors (422) and unknown fields (400 under Strict, a warning under Warn); unknown fields are dropped. */
  private checkFields(kind: ResourceKind, object: KubeObject, options: WriteOptions): string[] {
    if (!kind.schema) return [];
    const { causes, unknownFields } = validateSchema(kind.schema, object);
    const names = unknownFields.map((p) => `unknown field "${fieldPath(p)}"`);
    if (unknownFields.length && options.fieldValidation === "Strict") throw badRequest(`${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: strict decoding error: ${names.join(", ")}`);
    dropFields(object, unknownFields);
    if (causes.length) throw invalid(kind, object.metadata.name ?? object.metadata.generateName ?? "", causes);
    return options.fieldValidation === "Ignore" ? [] : names.map((n) => `299 - ${JSON.stringify(n)}`);
  }

  private typed(kind: ResourceKind, object: KubeObject): KubeObject {
    return { ...object, apiVersion: apiVersionOf(kind), kind: kind.kind };
  }

  /** The service account controller: every namespace gets `default`; namespaces are Active. */
  private afterNamespaceCreated(name: string): void {
    this.store.put("namespaces", { ...this.store.get("namespaces", undefined, name)!, status: { phase: "Active" } });
    if (!this.store.get("serviceaccounts", name, "default")) this.store.add("serviceaccounts", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: name, uid: randomUUID(), creationTimestamp: now() } });
  }
}
