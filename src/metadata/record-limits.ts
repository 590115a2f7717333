/**
 * The longest texts the metadata service stores, in UTF-16 code units (JavaScript
 * string length): its schemas refuse more with a 400, and the service client cuts what
 * must be recorded anyway (a failure's message and stack) to fit.
 */
export const RECORD_LIMITS = {
  exceptionType: 1024,
  exceptionMessage: 100_000,
  exceptionStack: 100_000,
  reason: 20_000,
  /** An attempt's `info`, as JSON. */
  infoBytes: 64 * 1024,
  /** How deeply `info` may nest objects and arrays. */
  infoDepth: 32,
} as const;

/**
 * `text` cut to at most `max` code units, keeping its head and its tail (where a stack's
 * cause or a message's last line usually is) around a marker saying how much was left
 * out. Never splits a surrogate pair, which the service would refuse.
 */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (n: number) => `\n… [${n} characters cut by Weft to fit the metadata service] …\n`;
  const room = max - marker(text.length).length;
  if (room <= 0) return text.slice(0, max);
  let headEnd = Math.ceil(room / 2);
  let tailStart = text.length - (room - headEnd);
  if (/[\uD800-\uDBFF]/.test(text[headEnd - 1] ?? "")) headEnd--;
  if (/[\uDC00-\uDFFF]/.test(text[tailStart] ?? "")) tailStart++;
  return text.slice(0, headEnd) + marker(tailStart - headEnd) + text.slice(tailStart);
}
