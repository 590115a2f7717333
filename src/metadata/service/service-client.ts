import type { Agent, IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { WeftError } from "../../errors/weft-error.ts";
import { readTokenFile } from "./token-file.ts";

export interface ServiceConnection {
  /** The service's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  /**
   * A file holding the token, read on first use and again after a 401 (a rotated
   * Kubernetes projected service-account token); wins over `token`.
   */
  tokenFile?: string;
  /** How long a request keeps retrying connection failures and 502/503/504; default RETRY_FOR_MS (RETRY_BEFORE_FIRST_ANSWER_MS until the service first answered). */
  retryForMs?: number;
  /** Called before each wait between tries: for logs, and for tests that act on the first failure. */
  onRetry?: (event: RetryEvent) => void;
}

/** A try that failed and will be repeated after `delayMs`. */
export interface RetryEvent {
  method: string;
  path: string;
  /** 1 for the first failed try. */
  tries: number;
  /** An errno code such as ECONNREFUSED, or the HTTP status. */
  failure: string | number;
  delayMs: number;
}

export interface Answer {
  status: number;
  body: unknown;
  /** Set when the answer is a 502/503/504 the client stopped retrying: how long it tried. */
  gaveUp?: string;
}

/**
 * How long a request is retried: longer than a `weft service` restart (~5 s) or a
 * pod's replacement, short enough that a service that is gone fails the run in a minute.
 */
export const RETRY_FOR_MS = 60_000;
/**
 * The bound while this client has never had an answer: long enough for a service
 * restart (~5 s) seen by a new task process, short enough that a wrong WEFT_SERVICE_URL
 * fails a run at once rather than after a minute.
 */
export const RETRY_BEFORE_FIRST_ANSWER_MS = 10_000;
const TIMEOUT_MS = 30_000;
const RETRY_STATUSES = [502, 503, 504];
/** Exponential from 100 ms, capped at 5 s, with jitter so tasks that lost the service together do not return in lockstep. */
const delayOf = (tries: number) => Math.min(100 * 2 ** (tries - 1), 5000) * (0.75 + Math.random() / 2);

/**
 * JSON over HTTP to the metadata service, on kept-alive connections (node:http: a task
 * process should not pay for loading fetch). Connection failures and 502/503/504 are
 * retried with backoff for up to `retryForMs` in all; an `idempotent: false` request
 * only when it never reached the service (connection refused). A 401 re-reads the
 * token file, if there is one, and is tried again once with a changed token.
 */
export class ServiceClient {
  private readonly base: URL;
  /** node:http or node:https, loaded on first use: a task process pays only for the one it needs. */
  private transport?: Promise<{ request: typeof import("node:http").request; agent: Agent }>;
  private token?: Promise<string | undefined>;
  private answered = false;

  constructor(private readonly connection: ServiceConnection) {
    this.base = new URL(connection.url.replace(/\/*$/, "/"));
  }

  /** Sends once per try; resolves with any HTTP answer, throws a WeftError when the service cannot be reached. */
  async send(method: string, path: string, body?: unknown, idempotent = true): Promise<Answer> {
    const started = Date.now();
    let reread = false;
    for (let tries = 1; ; tries++) {
      let failure: string | number;
      try {
        const token = await this.currentToken();
        const answer = await this.once(method, path, body, token);
        this.answered = true;
        if (answer.status === 401 && !reread && this.connection.tokenFile) {
          reread = true;
          // Rotated since it was read: the request never passed authentication, so any method may be sent again.
          if ((await this.currentToken(true)) !== token) continue;
        }
        if (!RETRY_STATUSES.includes(answer.status) || !idempotent) return answer;
        failure = answer.status;
        if (this.outOfTime(started, tries)) return { ...answer, gaveUp: this.triedFor(started, tries) };
      } catch (error) {
        if (error instanceof WeftError) throw error; // an unreadable token file: no retry will help
        const neverSent = (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
        if (!idempotent && !neverSent) throw this.unreachable(error, started, tries);
        if (this.outOfTime(started, tries)) throw this.unreachable(error, started, tries);
        failure = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      }
      const delayMs = delayOf(tries);
      this.connection.onRetry?.({ method, path, tries, failure, delayMs });
      await sleep(delayMs);
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
      const file = this.connection.tokenFile;
      return new WeftError("METADATA_SERVICE", `${where} refused ${method} ${path} (${answer.status}): ${said}`, {
        hint: file
          ? `The token in ${file} [WEFT_SERVICE_AUTH_TOKEN_FILE] was read again after the refusal and still not accepted: check what writes that file, and the token's audience.`
          : this.connection.token
            ? "WEFT_SERVICE_AUTH_TOKEN was sent but not accepted: get a new token for the service's audience, or set WEFT_SERVICE_AUTH_TOKEN_FILE to a file that is kept fresh."
            : "The service requires a token: set WEFT_SERVICE_AUTH_TOKEN or WEFT_SERVICE_AUTH_TOKEN_FILE.",
      });
    }
    const tried = answer.gaveUp ? ` (${answer.gaveUp})` : "";
    return new WeftError("METADATA_SERVICE", `${where} answered ${method} ${path} with ${answer.status}${tried}: ${said}`, {
      hint: answer.status >= 500 ? "Look at the service's log; the request can be retried." : "This is a bug in Weft if the request came from the runtime; please report it.",
      transient: answer.status >= 500 || answer.status === 429,
    });
  }

  close(): void {
    void this.transport?.then(({ agent }) => agent.destroy());
  }

  private outOfTime(started: number, tries: number): boolean {
    const bound = this.connection.retryForMs ?? (this.answered ? RETRY_FOR_MS : RETRY_BEFORE_FIRST_ANSWER_MS);
    return Date.now() - started + delayOf(tries) > bound;
  }

  private triedFor(started: number, tries: number): string {
    return `tried ${tries} time${tries === 1 ? "" : "s"} over ${((Date.now() - started) / 1000).toFixed(1)} s`;
  }

  /** The token to send: the file's content (read again when `fresh`), else the configured one. */
  private currentToken(fresh = false): Promise<string | undefined> {
    const file = this.connection.tokenFile;
    if (!file) return Promise.resolve(this.connection.token);
    if (fresh || !this.token) {
      this.token = readTokenFile(file).catch((error: unknown) => {
        this.token = undefined;
        throw error;
      });
    }
    return this.token;
  }

  private unreachable(error: unknown, started: number, tries: number): WeftError {
    if (error instanceof WeftError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    return new WeftError("METADATA_SERVICE", `Cannot reach the metadata service at ${this.connection.url} [WEFT_SERVICE_URL] (${this.triedFor(started, tries)}): ${code ?? (error as Error).message}.`, {
      hint: "Start it with `weft service`, or set WEFT_SERVICE_URL to where it runs (or WEFT_DEFAULT_METADATA=local to record runs locally).",
      cause: error,
      transient: true,
    });
  }

  private async once(method: string, path: string, body: unknown, token: string | undefined): Promise<Answer> {
    this.transport ??= (this.base.protocol === "https:" ? import("node:https") : import("node:http")).then((m) => ({ request: m.request, agent: new m.Agent({ keepAlive: true, maxSockets: 16 }) }));
    const { request, agent } = await this.transport;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) });
    if (token) headers.authorization = `Bearer ${token}`;
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
