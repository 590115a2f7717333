// The garbage collector: when an owner is gone its dependents (ownerReferences) are
// deleted; an owner deleted with propagationPolicy Foreground waits, with the
// `foregroundDeletion` finalizer, until its dependents are gone; a deleted namespace
// takes its objects with it.
import type { ApiCore } from "./api-core.ts";
import { type ResourceKind, resourceName } from "./resources.ts";
import type { KubeObject, StoreEvent } from "./types.ts";

const FOREGROUND = "foregroundDeletion";

/** Starts collecting; returns the function that stops it. */
export function startGarbageCollector(api: ApiCore): () => void {
  let stopped = false;
  const dependentsOf = (uid: string): Array<{ kind: ResourceKind; object: KubeObject }> =>
    api.store.dependents(uid).flatMap(({ resource, object }) => {
      const kind = api.registry.all().find((k) => resourceName(k) === resource);
      return kind ? [{ kind, object }] : [];
    });

  const deleteQuietly = (kind: ResourceKind, object: KubeObject) => {
    try {
      api.delete(kind, object.metadata.namespace, object.metadata.name!, { propagationPolicy: "Background" });
    } catch {
      // Already gone: another path deleted it first.
    }
  };

  /** Finishes a foreground deletion once no dependent is left. */
  const settleForeground = (kind: ResourceKind, owner: KubeObject) => {
    const dependents = dependentsOf(owner.metadata.uid!);
    for (const d of dependents) if (!d.object.metadata.deletionTimestamp) deleteQuietly(d.kind, d.object);
    if (dependents.length === 0) {
      try {
        api.mutate(kind, owner.metadata.namespace, owner.metadata.name!, (o) => {
          o.metadata.finalizers = o.metadata.finalizers?.filter((f) => f !== FOREGROUND);
        });
      } catch {
        // Gone already.
      }
    }
  };

  const handle = (event: StoreEvent) => {
    const kind = api.registry.all().find((k) => resourceName(k) === event.resource);
    if (!kind) return;
    const meta = event.object.metadata;
    if (event.type === "DELETED") {
      for (const d of dependentsOf(meta.uid!)) deleteQuietly(d.kind, d.object);
      if (kind.plural === "namespaces" && kind.group === "") {
        for (const k of api.registry.all().filter((k) => k.namespaced)) for (const o of api.store.list(resourceName(k), meta.name)) deleteQuietly(k, o);
      }
      for (const ref of meta.ownerReferences ?? []) {
        const ownerKind = api.registry.all().find((k) => k.kind === ref.kind && `${k.group ? `${k.group}/` : ""}${k.version}` === ref.apiVersion);
        if (!ownerKind) continue;
        const at = [resourceName(ownerKind), ownerKind.namespaced ? meta.namespace : undefined, ref.name] as const;
        if (!api.store.peek(...at, (o) => o.metadata.finalizers?.includes(FOREGROUND))) continue;
        settleForeground(ownerKind, api.store.get(...at)!);
      }
    } else if (meta.deletionTimestamp && meta.finalizers?.includes(FOREGROUND)) {
      settleForeground(kind, event.object);
    }
  };

  const unsubscribe = api.store.subscribe((event) => {
    // After the write that caused it, as a separate controller would see it.
    setImmediate(() => {
      if (!stopped) handle(event);
    });
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
