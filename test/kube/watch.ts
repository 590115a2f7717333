// Watches as the API server streams them: `?watch=true` (or 1) on a collection answers
// 200 with newline-delimited `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":…}`.
// Without a resourceVersion (or with "0") the current objects come first as ADDED; from
// a resourceVersion, every change after it. A resourceVersion that has left the bounded
// history gets an ERROR event with a 410 Expired Status ("too old resource version"), as
// the real watch cache sends it, and the stream ends. An object that starts or stops
// matching the selectors is reported as ADDED or DELETED.
import type { ServerResponse } from "node:http";
import type { ApiCore } from "./api-core.ts";
import { apiVersionOf, type ResourceKind, resourceName } from "./resources.ts";
import { fieldMatcher, labelMatcher, type Matcher } from "./selectors.ts";
import { expired } from "./status.ts";
import type { KubeObject, StoreEvent } from "./types.ts";

export interface WatchQuery {
  namespace?: string;
  labelSelector: string | null;
  fieldSelector: string | null;
  resourceVersion: string | null;
  timeoutSeconds: number | null;
  allowWatchBookmarks: boolean;
}

/** Open HTTP watches, so that a test can send bookmarks or the server can cut them all. */
export class WatchRegistry {
  private readonly open = new Set<{ bookmark(): void; close(): void }>();

  /** Sends a BOOKMARK with the current resourceVersion to every watch that allows bookmarks. */
  bookmark(): void {
    for (const w of this.open) w.bookmark();
  }

  /** Ends every open watch stream, as an API server restart does. */
  closeAll(): void {
    for (const w of [...this.open]) w.close();
  }

  /** Streams a watch of `kind` onto `res` until the client goes, the timeout passes, or closeAll. */
  serve(api: ApiCore, kind: ResourceKind, query: WatchQuery, res: ServerResponse): void {
    const labels = labelMatcher(query.labelSelector);
    const fields = fieldMatcher(query.fieldSelector, kind.fields);
    const matches: Matcher = (o) => (!kind.namespaced || query.namespace === undefined || o.metadata.namespace === query.namespace) && labels(o) && fields(o);
    const resource = resourceName(kind);
    const typed = (o: KubeObject): KubeObject => ({ ...o, apiVersion: apiVersionOf(kind), kind: kind.kind });
    const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const translate = (e: StoreEvent) => {
      if (e.resource !== resource) return;
      const now = matches(e.object);
      const before = e.previous !== undefined && e.type !== "ADDED" && matches(e.previous);
      if (e.type === "DELETED") {
        if (now) send("DELETED", typed(e.object));
      } else if (now) send(before || e.type === "ADDED" ? e.type : "ADDED", typed(e.object));
      else if (before) send("DELETED", typed(e.object));
    };

    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private" });
    // As the real API server does: the client's request resolves on the headers, before any event.
    res.flushHeaders();
    const rv = query.resourceVersion;
    if (rv && rv !== "0") {
      const backlog = api.store.since(Number(rv));
      if (backlog === "expired") {
        send("ERROR", expired(`too old resource version: ${rv} (${api.store.compactedRevision + 1})`).toStatus());
        res.end();
        return;
      }
      for (const e of backlog) translate(e);
    } else {
      for (const o of api.store.list(resource)) if (matches(o)) send("ADDED", typed(o));
    }
    const unsubscribe = api.store.subscribe(translate);
    let timer: NodeJS.Timeout | undefined;
    const entry = {
      bookmark: () => {
        if (query.allowWatchBookmarks) send("BOOKMARK", { apiVersion: apiVersionOf(kind), kind: kind.kind, metadata: { resourceVersion: String(api.store.resourceVersion) } });
      },
      close: () => {
        unsubscribe();
        clearTimeout(timer);
        this.open.delete(entry);
        if (!res.writableEnded) res.end();
      },
    };
    this.open.add(entry);
    if (query.timeoutSeconds) timer = setTimeout(entry.close, query.timeoutSeconds * 1000);
    res.on("close", entry.close);
  }
}
