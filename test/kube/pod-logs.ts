// GET /api/v1/namespaces/{ns}/pods/{name}/log, as the API server answers it through the
// kubelet: the container's combined stdout and stderr, with `container`, `follow`,
// `tailLines`, `sinceTime`, `sinceSeconds`, `timestamps` and `limitBytes`.
import type { ServerResponse } from "node:http";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { ApiCore } from "./api-core.ts";
import { badRequest } from "./status.ts";

export interface LogLine {
  time: Date;
  /** The line with its newline (the last line of a finished container may lack one). */
  text: string;
}

/** One container's log as the kubelet keeps it. */
export interface ContainerLog {
  lines(): LogLine[];
  /** Whether more lines can come (the container is running). */
  readonly running: boolean;
  /** Calls `listener` with each new line, then with null once the container has ended; returns the unsubscribe function. */
  follow(listener: (line: LogLine | null) => void): () => void;
}

/** Where the server finds container logs: the kubelet registers one. */
export type LogSource = (namespace: string, pod: string, container: string) => ContainerLog | undefined;

/** Answers a log request, or throws the 400/404 Status the real server gives. */
export function servePodLog(api: ApiCore, source: LogSource | undefined, namespace: string, name: string, query: URLSearchParams, res: ServerResponse): void {
  const pod = api.get(api.kind("pods"), namespace, name) as unknown as IPod;
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
  const asked = query.get("container");
  if (!asked && containers.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`);
  const container = asked ?? containers[0]!;
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const status = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === container);
  const log = source?.(namespace, name, container);
  if (!status || status.state?.waiting || !log) {
    const reason = status?.state?.waiting?.reason ?? "ContainerCreating";
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
  const timestamps = query.get("timestamps") === "true";
  const sinceTime = query.get("sinceTime") ? new Date(query.get("sinceTime")!) : query.get("sinceSeconds") ? new Date(Date.now() - Number(query.get("sinceSeconds")) * 1000) : undefined;
  let budget = query.get("limitBytes") ? Number(query.get("limitBytes")) : Infinity;
  const format = (line: LogLine) => (timestamps ? `${line.time.toISOString()} ${line.text}` : line.text);
  const write = (line: LogLine): boolean => {
    if (sinceTime && line.time < sinceTime) return true;
    const text = format(line);
    const bytes = Buffer.from(text);
    if (bytes.length >= budget) {
      res.write(bytes.subarray(0, budget));
      budget = 0;
      return false;
    }
    budget -= bytes.length;
    res.write(text);
    return true;
  };
  res.writeHead(200, { "content-type": "text/plain" });
  // As the real API server does: the client's request resolves on the headers, before any event.
  res.flushHeaders();
  let lines = log.lines();
  const tail = query.get("tailLines");
  if (tail !== null && Number(tail) >= 0) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
  for (const line of lines) if (!write(line)) return void res.end();
  if (query.get("follow") !== "true" || !log.running) return void res.end();
  const stop = log.follow((line) => {
    if (line === null || !write(line)) {
      stop();
      res.end();
    }
  });
  res.on("close", stop);
}
