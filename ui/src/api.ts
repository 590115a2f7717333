// Everything the UI asks the API, on the page's own origin (`weft ui` or `weft service --ui`).
const TOKEN_KEY = "weft.token";

/** The service refused the request for want of a (valid) bearer token. */
export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** Any other refusal, with the service's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string | null) => (value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY)),
};

const listeners = new Set<(error: AuthError | null) => void>();
/** Tells the token banner when a request was refused for its token, and when one succeeded again. */
export function onAuth(listener: (error: AuthError | null) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return { accept: "application/json", ...(t ? { authorization: `Bearer ${t}` } : {}), ...extra };
}

async function check(res: Response): Promise<Response> {
  if (res.ok) {
    listeners.forEach((l) => l(null));
    return res;
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  const message = body.message ?? `HTTP ${res.status}`;
  if (res.status === 401 || res.status === 403) {
    const error = new AuthError(res.status, message);
    listeners.forEach((l) => l(error));
    throw error;
  }
  throw new ApiError(res.status, message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await check(await fetch(path, { headers: headers(), ...(signal ? { signal } : {}) }));
  return (await res.json()) as T;
}

/** Like getJson, but undefined for a 404. */
export async function getOptional<T>(path: string): Promise<T | undefined> {
  try {
    return await getJson<T>(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await check(await fetch(path, { method: "POST", headers: headers({ "content-type": "application/json" }), body: JSON.stringify(body) }));
  return (await res.json()) as T;
}

/** The bytes at `path` as a download, sending the token (a plain link could not). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await check(await fetch(path, { headers: headers({ accept: "text/plain" }) }));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Reads server-sent events from `path` with fetch (EventSource cannot send a bearer
 * token), calling `onEvent` for each until the stream ends or `signal` aborts.
 */
export async function readEvents(path: string, onEvent: (event: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
  const res = await check(await fetch(path, { headers: headers({ accept: "text/event-stream" }), signal }));
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) onEvent(event, JSON.parse(data.join("\n")));
    }
  }
}

const e = encodeURIComponent;
export const paths = {
  run: (flow: string, run: string) => `/flows/${e(flow)}/runs/${e(run)}`,
  task: (flow: string, run: string, step: string, task: string) => `/flows/${e(flow)}/runs/${e(run)}/steps/${e(step)}/tasks/${e(task)}`,
};
