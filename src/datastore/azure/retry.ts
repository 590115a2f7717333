// The one retry policy of the Azure datastore. Every request the backend makes (writes
// of artifacts and of metadata records, conditional creates, appends, reads, listings,
// existence checks) goes through `retryTransient`; the SDK's own retries are off, so
// the number of tries and the backoff are the same for all of them.

/** How often and how long a request is tried again. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  tries: number;
  /** The wait before the second try; doubled for each further try. */
  firstDelayMs: number;
  /** The longest wait between two tries. */
  maxDelayMs: number;
}

/**
 * Eight tries over about ten seconds: a storage account that throttles or a network that
 * resets connections usually recovers within that, and a run that records every task
 * must not fail on the fifth reset in a row under load.
 */
export const AZURE_RETRY: RetryPolicy = { tries: 8, firstDelayMs: 100, maxDelayMs: 4000 };

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "ESOCKETTIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "REQUEST_SEND_ERROR", "UND_ERR_SOCKET"]);

interface MaybeSdkError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  cause?: unknown;
}

/**
 * Whether trying the same request again may succeed: 408, 429 and 5xx answers, and
 * failures below HTTP (a reset or refused connection, a cut response body, a try
 * timeout). Answers such as 403, 404, 409 and 412 are final; so are credential errors,
 * which carry no status but fail the same way every time.
 */
export function isTransient(error: unknown): boolean {
  const e = (error ?? {}) as MaybeSdkError;
  if (typeof e.statusCode === "number" && e.statusCode > 0) return e.statusCode === 408 || e.statusCode === 429 || e.statusCode >= 500;
  const codes = [e.code, (e.cause as MaybeSdkError | undefined)?.code];
  if (codes.some((c) => c !== undefined && NETWORK_CODES.has(c))) return true;
  // An XML answer cut short (the SDK's own policy retries this one too).
  if (e.code === "PARSE_ERROR") return true;
  if (e.name === "AbortError" || e.name === "TimeoutError") return true;
  return /socket hang up|aborted|premature close|terminated/i.test(e.message ?? "");
}

/**
 * Runs `work` until it succeeds, a failure is not transient, or the tries are used up;
 * the last failure is thrown. `work` must be safe to run again: a write whose first try
 * landed but whose answer was lost is sent again (callers of conditional requests
 * handle the 409/412 that the second try may get).
 */
export async function retryTransient<T>(work: () => Promise<T>, policy: RetryPolicy = AZURE_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= policy.tries || !isTransient(error)) throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
      // Half fixed, half random: writers that failed together do not retry together.
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2));
    }
  }
}
