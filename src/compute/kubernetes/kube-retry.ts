/**
 * How long a Kubernetes API call is retried once the API server has answered: longer
 * than an AKS control-plane upgrade's blips. Until it first answers, a server that is
 * not there at all (wrong context, VPN down) fails after RETRY_BEFORE_FIRST_ANSWER_MS.
 */
export const RETRY_FOR_MS = 60_000;
export const RETRY_BEFORE_FIRST_ANSWER_MS = 10_000;

/** Whether an error from the client is worth retrying: 5xx, 429, or the connection failed. */
export function isRetryableKubeError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number") return code === 429 || code >= 500;
  return isConnectionError(error);
}

/** A refused, reset or timed-out connection: the API server was not reached or went away. */
export function isConnectionError(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_SOCKET)$/.test(code)) return true;
    if ((e as { type?: unknown }).type === "system" && (e as { name?: unknown }).name === "FetchError") return true;
  }
  return false;
}

let answered = false;

/** Calls `fn`, retrying retryable failures with capped exponential backoff for a bounded time. */
export async function withKubeRetries<T>(fn: () => Promise<T>, budgetMs?: number): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await fn();
      answered = true;
      return result;
    } catch (error) {
      if (typeof (error as { code?: unknown }).code === "number") answered = true;
      const bound = budgetMs ?? (answered ? RETRY_FOR_MS : RETRY_BEFORE_FIRST_ANSWER_MS);
      const wait = Math.min(250 * 2 ** attempt, 5_000);
      if (!isRetryableKubeError(error) || Date.now() - started + wait > bound) throw Object.assign(error as object, { retriedForMs: Date.now() - started });
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
