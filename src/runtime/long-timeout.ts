/**
 * Node's timers hold a signed 32-bit millisecond delay: anything above
 * 2^31 - 1 ms (24.8 days), and Infinity or NaN, fires after 1 ms with a
 * TimeoutOverflowWarning. Every delay Weft derives from user input goes through here.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a delay Node's timers honour: NaN and negatives become 0, large values (and Infinity) the maximum. */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/**
 * Calls `fn` after `ms` milliseconds, however long that is: a delay beyond one timer's
 * range is waited in steps. `Infinity` never fires. Returns a function that cancels it.
 */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const due = Date.now() + (Number.isNaN(ms) ? 0 : ms);
  const arm = () => {
    const left = due - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, timerDelay(left));
  };
  arm();
  return () => clearTimeout(timer);
}
