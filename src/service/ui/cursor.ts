/**
 * Opaque page cursors for run listings across flows: base64url of JSON
 * `[position, flow, run]`, where `position` is the source's own ordering key (creation
 * time in microseconds for the service, the ISO time for local metadata).
 */
export interface ListPosition {
  position: string;
  flow: string;
  run: string;
}

export const encodeCursor = (p: ListPosition): string => Buffer.from(JSON.stringify([p.position, p.flow, p.run])).toString("base64url");

/** The position a cursor names, or undefined when it is not one this source made. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    const [position, flow, run] = Array.isArray(value) ? (value as unknown[]) : [];
    if (typeof position === "string" && typeof flow === "string" && typeof run === "string") return { position, flow, run };
  } catch {
    // not JSON: not ours
  }
  return undefined;
}
