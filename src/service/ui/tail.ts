import type { IncomingMessage, ServerResponse } from "node:http";
import type { TaskRef } from "../../datastore/layout.ts";
import type { StorageBackend } from "../../datastore/types.ts";
import { MAX_LOG_READ, readLog, type LogStream } from "./logs.ts";

/** How often a tail looks for new bytes: the runtime saves logs every 2 s. */
const POLL_MS = 500;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface TailOptions {
  store: StorageBackend;
  ref: TaskRef;
  attempt: number;
  stream: LogStream;
  /** Where to start, in bytes; negative: that many bytes before the end. */
  offset: number;
  /** Whether the attempt has finished (or its run stopped): then the tail sends what is left and ends. */
  finished(): Promise<boolean>;
  out: ServerResponse;
  /** The request: the tail stops when its connection closes. */
  closed: IncomingMessage;
}

/**
 * Streams an attempt's log as server-sent events: `log` events with each new piece
 * ({ offset, end, size, text }, a page at most), then `end` once the attempt finished
 * and every byte was sent. The datastore is polled; a log that does not exist yet is
 * waited for while the attempt runs.
 */
export async function tailLog(options: TailOptions): Promise<void> {
  const { out } = options;
  let open = true;
  options.closed.on("close", () => (open = false));
  let offset = options.offset;
  let quietSince = Date.now();
  const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  try {
    while (open) {
      // Read before asking whether it finished: a log complete before "finished" is read whole after it.
      const done = await options.finished();
      const chunk = await readLog(options.store, options.ref, options.attempt, options.stream, offset, MAX_LOG_READ);
      if (chunk && chunk.end > chunk.offset) {
        send("log", chunk);
        offset = chunk.end;
        quietSince = Date.now();
        continue;
      }
      if (chunk) offset = chunk.end;
      if (done) {
        send("end", { offset, size: chunk?.size ?? 0 });
        break;
      }
      if (Date.now() - quietSince > KEEPALIVE_MS) {
        out.write(": keep-alive\n\n");
        quietSince = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS).unref());
    }
  } catch (error) {
    send("error", { message: `Reading the log failed: ${(error as Error).message}` });
  } finally {
    out.end();
  }
}
