// The HTTP face of the fake API server: URL → resource, namespace, name and subresource;
// bearer-token authentication (401); the authorization hook (403); then the verb, with
// Status bodies for every failure. Discovery (/api, /apis, /version) is served too, so
// that KubernetesObjectApi can find kinds.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiCore, DeleteOptions } from "./api-core.ts";
import { applyPatch } from "./patch.ts";
import { servePodLog, type LogSource } from "./pod-logs.ts";
import { apiVersionOf, type ResourceKind, resourceName } from "./resources.ts";
import { badRequest, forbidden, KubeApiError, unauthorized } from "./status.ts";
import type { KubeObject } from "./types.ts";
import type { WatchRegistry } from "./watch.ts";

/** What the authorization hook is asked, as a SubjectAccessReview would be. */
export interface AccessRequest {
  user: string;
  verb: "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface RouteContext {
  api: ApiCore;
  watches: WatchRegistry;
  /** Bearer token → user name. */
  tokens: Map<string, string>;
  authorize?: (request: AccessRequest) => boolean;
  logSource(): LogSource | undefined;
}

interface Target {
  kind: ResourceKind;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parseTarget(ctx: RouteContext, segments: string[]): Target | "discovery" {
  const [root, ...rest] = segments;
  const group = root === "apis" ? rest.shift() ?? "" : "";
  const version = rest.shift();
  if (!version || rest.length === 0) return "discovery";
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !["status", "finalize"].includes(rest[2]!)) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const kind = ctx.api.registry.at(group, version, plural!);
  if (!kind || extra.length) throw new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
  if (kind.namespaced && name !== undefined && namespace === undefined) throw new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
  return { kind, namespace, name, subresource };
}

function discovery(ctx: RouteContext, segments: string[]): unknown {
  const kinds = ctx.api.registry.all();
  const path = segments.join("/");
  if (path === "version") return { major: "1", minor: "33", gitVersion: "v1.33.0-weft-fake", platform: "linux/amd64" };
  if (path === "api") return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  if (path === "apis") {
    const groups = [...new Set(kinds.filter((k) => k.group).map((k) => k.group))];
    return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((name) => {
      const version = kinds.find((k) => k.group === name)!.version;
      return { name, versions: [{ groupVersion: `${name}/${version}`, version }], preferredVersion: { groupVersion: `${name}/${version}`, version } };
    }) };
  }
  const groupVersion = segments[0] === "apis" ? `${segments[1]}/${segments[2]}` : segments[1];
  const served = kinds.filter((k) => apiVersionOf(k) === groupVersion);
  if (!served.length) throw new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
  const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources: served.flatMap((k) => [
    { name: k.plural, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs },
    ...(k.statusSubresource ? [{ name: `${k.plural}/status`, singularName: "", namespaced: k.namespaced, kind: k.kind, verbs: ["get", "patch", "update"] }] : []),
    ...(k.plural === "pods" && !k.group ? [{ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] }] : []),
  ]) };
}

function verbOf(method: string, target: Target, query: URLSearchParams): AccessRequest["verb"] {
  switch (method) {
    case "GET": return target.name === undefined ? (["true", "1"].includes(query.get("watch") ?? "") ? "watch" : "list") : "get";
    case "POST": return "create";
    case "PUT": return "update";
    case "PATCH": return "patch";
    case "DELETE": return target.name === undefined ? "deletecollection" : "delete";
    default: throw new KubeApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`the object provided is unrecognized: ${(error as Error).message}`);
  }
}

function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const b = (body && typeof body === "object" ? body : {}) as DeleteOptions & { orphanDependents?: boolean };
  const grace = query.get("gracePeriodSeconds") ?? b.gracePeriodSeconds;
  const orphan = query.get("orphanDependents") === "true" || b.orphanDependents === true;
  const policy = query.get("propagationPolicy") ?? b.propagationPolicy ?? (orphan ? "Orphan" : undefined);
  return { ...(policy ? { propagationPolicy: policy } : {}), ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}), ...(b.preconditions ? { preconditions: b.preconditions } : {}) };
}

function send(res: ServerResponse, status: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  if (warnings.length) headers.warning = warnings;
  res.writeHead(status, headers);
  res.end(text);
}

/** The user behind the request's bearer token; 401 without a known one. */
export function authenticate(ctx: RouteContext, req: IncomingMessage): string {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
  const user = match ? ctx.tokens.get(match[1]!) : undefined;
  if (!user) throw unauthorized();
  return user;
}

/** Serves one request; a thrown KubeApiError becomes its Status body. */
export async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const user = authenticate(ctx, req);
  const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (!["api", "apis", "version"].includes(segments[0] ?? "")) throw new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
  const target = segments[0] === "version" ? "discovery" : parseTarget(ctx, segments);
  if (target === "discovery") return send(res, 200, discovery(ctx, segments));
  const { api } = ctx;
  const { kind, namespace, name, subresource } = target;
  const query = url.searchParams;
  const method = req.method ?? "GET";
  const verb = verbOf(method, target, query);
  if (ctx.authorize && !ctx.authorize({ user, verb, group: kind.group, resource: kind.plural, ...(subresource ? { subresource } : {}), ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) })) {
    throw forbidden(user, verb, kind, namespace, name, subresource);
  }
  const write = { fieldValidation: query.get("fieldValidation"), dryRun: query.get("dryRun") };
  if (subresource === "log" && kind.plural === "pods" && !kind.group && verb === "get") return servePodLog(api, ctx.logSource(), namespace!, name!, query, res);
  if (subresource !== undefined && subresource !== "status") throw new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
  if (subresource === "status" && !kind.statusSubresource) throw new KubeApiError(404, "NotFound", "the server could not find the requested resource", {});
  switch (verb) {
    case "get": return send(res, 200, api.get(kind, namespace, name!));
    case "list": return send(res, 200, api.list(kind, namespace, {
      labelSelector: query.get("labelSelector"), fieldSelector: query.get("fieldSelector"), limit: Number(query.get("limit") ?? 0),
      continue: query.get("continue"), resourceVersion: query.get("resourceVersion"), resourceVersionMatch: query.get("resourceVersionMatch"),
    }));
    case "watch": return ctx.watches.serve(api, kind, {
      ...(namespace !== undefined ? { namespace } : {}), labelSelector: query.get("labelSelector"), fieldSelector: query.get("fieldSelector"),
      resourceVersion: query.get("resourceVersion"), timeoutSeconds: query.get("timeoutSeconds") ? Number(query.get("timeoutSeconds")) : null,
      allowWatchBookmarks: query.get("allowWatchBookmarks") === "true",
    }, res);
    case "create": {
      const { object, warnings } = api.create(kind, namespace, await readJson(req), write);
      return send(res, 201, object, warnings);
    }
    case "update": {
      const { object, warnings } = api.replace(kind, namespace, name!, await readJson(req), { ...write, ...(subresource ? { subresource } : {}) });
      return send(res, 200, object, warnings);
    }
    case "patch": {
      const patched = applyPatch(api.get(kind, namespace, name!), await readJson(req), req.headers["content-type"] ?? "");
      const { object, warnings } = api.patched(kind, namespace, name!, patched, { ...write, ...(subresource ? { subresource } : {}) });
      return send(res, 200, object, warnings);
    }
    case "delete": {
      const { object } = api.delete(kind, namespace, name!, deleteOptions(await readJson(req), query));
      return send(res, 200, kind.returnsDeletedObject || api.store.get(resourceName(kind), object.metadata.namespace, object.metadata.name!) ? object : successStatus(kind, object));
    }
    case "deletecollection": {
      const options = deleteOptions(await readJson(req), query);
      const list = api.list(kind, namespace, { labelSelector: query.get("labelSelector"), fieldSelector: query.get("fieldSelector") });
      for (const item of list.items) api.delete(kind, item.metadata.namespace, item.metadata.name!, options);
      return send(res, 200, { ...list, items: list.items.map((o) => ({ ...o, apiVersion: apiVersionOf(kind), kind: kind.kind })) });
    }
  }
}

function successStatus(kind: ResourceKind, object: KubeObject): unknown {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: object.metadata.name, group: kind.group, kind: kind.plural, uid: object.metadata.uid } };
}
