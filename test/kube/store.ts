// The fake cluster's etcd: every object by resource, namespace and name, one global
// resourceVersion counter, and a bounded history of changes for watches to resume from.
// Writes here are raw (no validation or admission; see api-core.ts for those). An index
// of ownerReferences answers "what does this uid own" without reading every object, as
// the real garbage collector keeps its own graph: a wide Argo run leaves tens of
// thousands of objects, each deletion asking that question.
import { clone, type KubeObject, type StoreEvent } from "./types.ts";

export type StoreListener = (event: StoreEvent) => void;

/** Objects of every kind plus the change history; every read and write copies. */
export class ObjectStore {
  private revision = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private compacted = 0;
  private readonly listeners = new Set<StoreListener>();
  /** Owner uid → `resource` → keys of the objects naming it in ownerReferences. */
  private readonly owned = new Map<string, Map<string, Set<string>>>();

  /** `historyLimit`: how many changes a watch can resume across before it gets 410 Expired. */
  constructor(private readonly historyLimit = 1000) {}

  /** The resourceVersion of the latest write (the list resourceVersion). */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The newest resourceVersion no longer in the history: a watch from before it is expired. */
  get compactedRevision(): number {
    return this.compacted;
  }

  get<T = KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    const found = this.objects.get(resource)?.get(key(namespace, name));
    return found ? clone(found) as T : undefined;
  }

  /** What `look` reads of a stored object, without copying it (a large Workflow's status is megabytes); `look` must not change it. */
  peek<T>(resource: string, namespace: string | undefined, name: string, look: (object: Readonly<KubeObject>) => T): T | undefined {
    const found = this.objects.get(resource)?.get(key(namespace, name));
    return found ? look(found) : undefined;
  }

  /** Every object of `resource` (in `namespace` when given), ordered by namespace then name. */
  list<T = KubeObject>(resource: string, namespace?: string): T[] {
    const all = [...(this.objects.get(resource)?.entries() ?? [])]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all.map(([, o]) => clone(o) as T);
  }

  /** The objects whose ownerReferences name `uid`, with their resource. */
  dependents(uid: string): Array<{ resource: string; object: KubeObject }> {
    const found: Array<{ resource: string; object: KubeObject }> = [];
    for (const [resource, keys] of this.owned.get(uid) ?? []) {
      for (const k of keys) {
        const object = this.objects.get(resource)?.get(k);
        if (object) found.push({ resource, object: clone(object) });
      }
    }
    return found;
  }

  /** Stores a new object under the next resourceVersion and returns the stored copy. */
  add(resource: string, object: KubeObject): KubeObject {
    return this.write("ADDED", resource, object);
  }

  /** Replaces an existing object under the next resourceVersion and returns the stored copy. */
  put(resource: string, object: KubeObject): KubeObject {
    return this.write("MODIFIED", resource, object);
  }

  /** Removes an object; the DELETED event carries its last state with the deletion's resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const existing = this.objects.get(resource)?.get(key(namespace, name));
    return existing ? this.write("DELETED", resource, existing) : undefined;
  }

  /** Changes after `resourceVersion`, or "expired" when some of them have left the history. */
  since(resourceVersion: number): StoreEvent[] | "expired" {
    if (resourceVersion < this.compacted) return "expired";
    return this.history.filter((e) => e.resourceVersion > resourceVersion).map(clone);
  }

  /** Drops the whole history, so that any watch from an older resourceVersion gets 410. */
  compact(): void {
    this.compacted = this.revision;
    this.history.length = 0;
  }

  /** Calls `listener` synchronously after every write; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(type: StoreEvent["type"], resource: string, object: KubeObject): KubeObject {
    const byName = this.objects.get(resource) ?? new Map<string, KubeObject>();
    this.objects.set(resource, byName);
    const k = key(object.metadata.namespace, object.metadata.name ?? "");
    const previous = byName.get(k);
    this.revision += 1;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(this.revision);
    if (previous) this.index(resource, k, previous, "drop");
    if (type === "DELETED") byName.delete(k);
    else {
      byName.set(k, stored);
      this.index(resource, k, stored, "add");
    }
    const event: StoreEvent = { type, resource, resourceVersion: this.revision, object: stored, ...(previous ? { previous } : {}) };
    this.history.push(event);
    while (this.history.length > this.historyLimit) this.compacted = this.history.shift()!.resourceVersion;
    for (const listener of [...this.listeners]) listener(clone(event));
    return clone(stored);
  }

  private index(resource: string, k: string, object: KubeObject, change: "add" | "drop"): void {
    for (const ref of object.metadata.ownerReferences ?? []) {
      const byResource = this.owned.get(ref.uid) ?? new Map<string, Set<string>>();
      const keys = byResource.get(resource) ?? new Set<string>();
      if (change === "add") {
        this.owned.set(ref.uid, byResource.set(resource, keys.add(k)));
        continue;
      }
      keys.delete(k);
      if (!keys.size) byResource.delete(resource);
      if (!byResource.size) this.owned.delete(ref.uid);
    }
  }
}

const key = (namespace: string | undefined, name: string): string => `${namespace ?? ""}/${name}`;
