/** Timestamps come back as Date from `pg` and PGlite alike; the API speaks ISO strings. */
export const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

/** An ISO string, or undefined for SQL NULL. */
export const isoOrUndefined = (value: Date | string | null): string | undefined => (value === null ? undefined : iso(value));

/** The object without its undefined fields, so records compare equal to what was sent. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** PostgreSQL error codes the service turns into HTTP answers. */
export const PG_FOREIGN_KEY_VIOLATION = "23503";

export function isPgError(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
