import type { StorageBackend } from "./types.ts";

/**
 * Up to `length` bytes of one object from `offset`, or null when it is missing: a
 * ranged read where the backend has one (getRange), else the whole object, sliced.
 */
export async function readRange(backend: StorageBackend, key: string, offset: number, length: number): Promise<Uint8Array | null> {
  if (backend.getRange) return backend.getRange(key, offset, length);
  const [whole] = await backend.getBytes([key]);
  if (!whole) return null;
  return whole.subarray(Math.min(offset, whole.byteLength), Math.min(offset + length, whole.byteLength));
}
