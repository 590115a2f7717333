// A TCP proxy on loopback that makes a connection to Azurite unreliable, for fault tests:
//
//   const proxy = await startFaultProxy(azurite, { reset: 0.15, busy: 0.15, cutAfterMs: [20, 400] });
//   // point WEFT_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT at proxy.blobEndpoint
//   proxy.stats  // { connections, resets, busy, cuts }
//
// Per new connection, at random: reset it at once, answer its first request with
// 503 ServerBusy (Azure's throttling reply) and close, or pass it through but cut it
// after a random time, mid-request or mid-response.
import { createConnection, createServer, type Socket } from "node:net";
import type { AzuriteHandle } from "./azurite.ts";

export interface FaultOptions {
  /** Share of connections reset before any byte is exchanged. */
  reset: number;
  /** Share answered with 503 ServerBusy. */
  busy: number;
  /** Passed-through connections are cut after a random time in this range (ms). */
  cutAfterMs: [number, number];
}

export interface FaultProxy {
  blobEndpoint: string;
  stats: { connections: number; resets: number; busy: number; cuts: number };
  stop(): Promise<void>;
}

const BUSY_BODY = `<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>`;

export async function startFaultProxy(azurite: AzuriteHandle, options: FaultOptions): Promise<FaultProxy> {
  const target = new URL(azurite.blobEndpoint);
  const stats = { connections: 0, resets: 0, busy: 0, cuts: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    stats.connections++;
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    const roll = Math.random();
    if (roll < options.reset) {
      stats.resets++;
      client.resetAndDestroy();
      return;
    }
    if (roll < options.reset + options.busy) {
      stats.busy++;
      client.once("data", () => {
        client.end(`HTTP/1.1 503 Server Busy\r\nContent-Type: application/xml\r\nx-ms-error-code: ServerBusy\r\nContent-Length: ${BUSY_BODY.length}\r\nConnection: close\r\n\r\n${BUSY_BODY}`);
      });
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
    const [min, max] = options.cutAfterMs;
    const timer = setTimeout(() => {
      stats.cuts++;
      client.resetAndDestroy();
      upstream.destroy();
    }, min + Math.random() * (max - min));
    client.on("close", () => {
      clearTimeout(timer);
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    blobEndpoint: `http://127.0.0.1:${port}${target.pathname}`,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
