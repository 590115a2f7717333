// An HTTP proxy on loopback in front of Azurite that fails chosen requests, by rule, so a
// test can say exactly which request fails and how:
//
//   const proxy = await startRequestFaultProxy(azurite, (r) => (r.method === "PUT" && r.path.includes("/_meta/") && r.try === 1 ? "lose-answer" : "pass"));
//   // point WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT at proxy.blobEndpoint
//
// `try` counts the requests of the same kind to the same blob (method, path and `comp`
// query), so "the first try of each metadata write" is a rule. Faults:
// - "reset": the connection is reset before the request reaches Azurite;
// - "lose-answer": the request reaches Azurite and lands, then the connection is reset
//   before its answer comes back (a write that happened but reads as failed);
// - a number: that HTTP status is answered without forwarding (429, 503…).
import { createServer, request, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { AzuriteHandle } from "./azurite.ts";

export interface ProxiedRequest {
  method: string;
  /** The URL path, e.g. /devstoreaccount1/container/prefix/Flow/1/_meta/run.json. */
  path: string;
  /** The `comp` query parameter ("block", "blocklist", "appendblock", "list"), or "". */
  comp: string;
  /** 1 for the first request of this method, path and comp; 2 for the next… */
  try: number;
}

export type Fault = "pass" | "reset" | "lose-answer" | number;

export interface RequestFaultProxy {
  blobEndpoint: string;
  /** Every request seen, with the fault it got. */
  log: (ProxiedRequest & { fault: Fault })[];
  /** Starts counting tries from 1 again, for a rule about the requests from now on. */
  resetTries(): void;
  stop(): Promise<void>;
}

export async function startRequestFaultProxy(azurite: AzuriteHandle, rule: (r: ProxiedRequest) => Fault): Promise<RequestFaultProxy> {
  const target = new URL(azurite.blobEndpoint);
  const tries = new Map<string, number>();
  const log: RequestFaultProxy["log"] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const comp = url.searchParams.get("comp") ?? "";
    const kind = `${req.method} ${url.pathname} ${comp}`;
    const seen = (tries.get(kind) ?? 0) + 1;
    tries.set(kind, seen);
    const info: ProxiedRequest = { method: req.method ?? "GET", path: url.pathname, comp, try: seen };
    const fault = rule(info);
    log.push({ ...info, fault });
    if (fault === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    if (typeof fault === "number") {
      req.resume();
      req.on("end", () => res.writeHead(fault, { "x-ms-error-code": fault === 429 ? "TooManyRequests" : "ServerBusy", "content-length": "0", connection: "close" }).end());
      return;
    }
    const upstream = request({ host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers: req.headers }, (answer: IncomingMessage) => {
      if (fault === "lose-answer") {
        // Wait for the whole answer, so the request has certainly landed, then drop it.
        answer.resume();
        answer.on("end", () => req.socket.resetAndDestroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    blobEndpoint: `http://127.0.0.1:${port}${target.pathname}`,
    log,
    resetTries: () => tries.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
