import { WeftError } from "../errors/weft-error.ts";
import type { AppendItem } from "./types.ts";

/**
 * The bytes of an append that an object holding `length` bytes still lacks: all of them
 * on a first try, the tail on a retry whose first try landed part. Throws when the
 * object's length does not fit the writer's offset (see StorageBackend.appendBytes).
 */
export function unappendedPart(item: AppendItem, length: number, root: string): Uint8Array {
  if (length < item.offset || length > item.offset + item.data.byteLength) throw appendConflict(item, length, root);
  return item.data.subarray(length - item.offset);
}

/** The error of an append whose offset does not match the object it appends to. */
export function appendConflict(item: AppendItem, length: number | null, root: string): WeftError {
  const holds = length === null ? "does not exist" : `holds ${length} bytes`;
  return new WeftError("DATASTORE", `Cannot append ${item.data.byteLength} bytes at offset ${item.offset} to "${item.key}" in ${root}: the object ${holds}.`, {
    hint: "Appends to one key come from one writer, in order. Another process wrote or replaced this object: check that no two processes run the same task attempt.",
  });
}
