import type { Agent, IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { WeftError } from "../../errors/weft-error.ts";

export interface ServiceConnection {
  /** The service's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
}

export interface Answer {
  status: number;
  body: unknown;
}

/** Waits between tries: enough to ride out a service restart, short enough not to stall a task. */
const RETRY_DELAYS_MS = [100, 300, 1000, 2000];
const TIMEOUT_MS = 30_000;

/**
 * JSON over HTTP to the metadata service, on kept-alive connections (node:http: a task
 * process should not pay for loading fetch). Connection failures and 502/503/504
 * are retried; an `idempotent: false` request only when it never reached the service.
 */
export class ServiceClient {
  private readonly base: URL;
  /** node:http or node:https, loaded on first use: a task process pays only for the one it needs. */
  private transport?: Promise<{ request: typeof import("node:http").request; agent: Agent }>;

  constructor(private readonly connection: ServiceConnection) {
    this.base = new URL(connection.url.replace(/\/*$/, "/"));
  }

  /** Sends once per try; resolves with any HTTP answer, throws a WeftError when the service cannot be reached. */
  async send(method: string, path: string, body?: unknown, idempotent = true): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.once(method, path, body);
        if (![502, 503, 504].includes(answer.status) || attempt >= RETRY_DELAYS_MS.length || !idempotent) return answer;
      } catch (error) {
        const neverSent = (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
        if (attempt >= RETRY_DELAYS_MS.length || (!idempotent && !neverSent)) throw this.unreachable(error);
      }
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }

  /** The answer's body when it is 2xx; a WeftError saying what the service refused otherwise. */
  async call<T>(method: string, path: string, body?: unknown, idempotent = true): Promise<T> {
    const answer = await this.send(method, path, body, idempotent);
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw this.refused(method, path, answer);
  }

  refused(method: string, path: string, answer: Answer): WeftError {
    const said = (answer.body as { message?: string } | undefined)?.message ?? `HTTP ${answer.status}`;
    const where = `The metadata service at ${this.connection.url} [WEFT_SERVICE_URL]`;
    if (answer.status === 401 || answer.status === 403) {
      return new WeftError("METADATA_SERVICE", `${where} refused ${method} ${path} (${answer.status}): ${said}`, {
        hint: this.connection.token ? "WEFT_SERVICE_AUTH_TOKEN was sent but not accepted: get a new token for the service's audience." : "The service requires a token: set WEFT_SERVICE_AUTH_TOKEN.",
      });
    }
    return new WeftError("METADATA_SERVICE", `${where} answered ${method} ${path} with ${answer.status}: ${said}`, {
      hint: answer.status >= 500 ? "Look at the service's log; the request can be retried." : "This is a bug in Weft if the request came from the runtime; please report it.",
      transient: answer.status >= 500 || answer.status === 429,
    });
  }

  close(): void {
    void this.transport?.then(({ agent }) => agent.destroy());
  }

  private unreachable(error: unknown): WeftError {
    const code = (error as NodeJS.ErrnoException).code;
    return new WeftError("METADATA_SERVICE", `Cannot reach the metadata service at ${this.connection.url} [WEFT_SERVICE_URL]: ${code ?? (error as Error).message}.`, {
      hint: "Start it with `weft service`, or set WEFT_SERVICE_URL to where it runs (or WEFT_DEFAULT_METADATA=local to record runs locally).",
      cause: error,
      transient: true,
    });
  }

  private async once(method: string, path: string, body: unknown): Promise<Answer> {
    this.transport ??= (this.base.protocol === "https:" ? import("node:https") : import("node:http")).then((m) => ({ request: m.request, agent: new m.Agent({ keepAlive: true, maxSockets: 16 }) }));
    const { request, agent } = await this.transport;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) });
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    const url = new URL(path.replace(/^\//, ""), this.base);
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent, timeout: TIMEOUT_MS }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = { message: text.slice(0, 500) };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer in ${TIMEOUT_MS / 1000} s`), { code: "ETIMEDOUT" })));
      req.on("error", reject);
      req.end(payload);
    });
  }
}
